"""ffviz: a fast, readable Forward-Forward (Hinton, 2022) engine in Keras 3.

The backend of the ffviz explorer. It holds no user-interface code: the Streamlit pages in
`app_pages/` (with their helpers in `ui/`) call into it, and so does the command line
(`python -m ffviz`, or `ffviz` once installed).

Importing `ffviz` selects the TensorFlow backend for Keras and silences TensorFlow's start-up
log noise (`ffviz.system.quiet_tensorflow`; set `TF_CPP_MIN_LOG_LEVEL=0` to see it), so it
must come before the first `import keras`.
"""

import os

# Keras reads its backend once, at its first import; ffviz is written for TensorFlow.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from ffviz.system import quiet_tensorflow  # noqa: E402

quiet_tensorflow()

from ffviz.config import FFConfig  # noqa: E402

__all__ = ["FFConfig"]
