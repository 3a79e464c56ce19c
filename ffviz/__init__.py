"""ffviz: a fast, readable Forward-Forward (Hinton, 2022) engine in Keras 3.

The backend of the ffviz explorer. It holds no user-interface code: the Streamlit pages in
`pages/` call into it, and so does the command line (`python -m ffviz`).
"""

import os

# Keras reads its backend once, at its first import; ffviz is written for TensorFlow.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from ffviz.config import FFConfig  # noqa: E402

__all__ = ["FFConfig"]
