"""Test set-up shared by every test: import paths and the Keras backend.

Keras reads `KERAS_BACKEND` once, at its first import, so it is set here, before
any test module imports `keras` or `ffviz`.
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO_ROOT = Path(__file__).resolve().parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

# `redis_address`, a throw-away redis-server for the room tests of every folder.
pytest_plugins = ["tests.redis_server"]
