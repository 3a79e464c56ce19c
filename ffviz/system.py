"""Facts about the machine that the app and the CLI report, and TensorFlow's log noise.

TensorFlow writes C++ log lines to stderr on every start ("Could not find cuda drivers",
"All log messages before absl::InitializeLog() ...", "failed call to cuInit") that say nothing
useful to a person running ffviz. `quiet_tensorflow()`, called once by `ffviz/__init__.py` before
anything imports TensorFlow, is the one place that silences them:

- `TF_CPP_MIN_LOG_LEVEL` defaults to 3 (C++ errors, warnings and info hidden); Python
  exceptions still carry every real error;
- TensorFlow's and absl's Python loggers show errors only;
- the lines that absl's C++ logging writes before it is initialised ignore every setting, so
  stderr is sent to /dev/null while `import tensorflow` runs, and only then.

A user who sets `TF_CPP_MIN_LOG_LEVEL` to 0 or 1 gets all of TensorFlow's logs back.
"""

import contextlib
import functools
import importlib.abc
import importlib.util
import logging
import os
import sys

QUIET_LOG_LEVEL = "3"  # TF_CPP_MIN_LOG_LEVEL unless the user set it: 3 hides C++ info, warnings and errors.


@functools.lru_cache(maxsize=1)
def device_description():
    """'GPU: <name>' when TensorFlow sees a GPU, else 'CPU (<n> cores)'."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        return f"GPU: {details.get('device_name', gpus[0].name)}"
    return f"CPU ({os.cpu_count()} cores)"


def versions():
    import keras
    import numpy
    import tensorflow as tf

    return {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": numpy.__version__}


def quiet_tensorflow():
    """Silence TensorFlow's start-up logs, unless `TF_CPP_MIN_LOG_LEVEL` asks for them (0 or 1)."""
    level = os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", QUIET_LOG_LEVEL)
    if level.strip() in ("0", "1"):
        return False
    for name in ("tensorflow", "absl"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if "tensorflow" not in sys.modules and not any(isinstance(finder, QuietImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, QuietImport("tensorflow"))
    return True


@contextlib.contextmanager
def stderr_silenced():
    """Send file descriptor 2 (what C++ code writes to) to /dev/null for the duration."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


class QuietImport(importlib.abc.MetaPathFinder):
    """Runs the first import of one top-level module with stderr silenced, then steps aside."""

    def __init__(self, module_name):
        self.module_name = module_name

    def find_spec(self, name, path, target=None):
        if name != self.module_name:
            return None
        sys.meta_path.remove(self)  # Only the first import; `find_spec` below must not find us again.
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = QuietLoader(spec.loader)
        return spec


class QuietLoader(importlib.abc.Loader):
    """A loader that runs another loader's `exec_module` with stderr silenced."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        with stderr_silenced():
            self.loader.exec_module(module)
