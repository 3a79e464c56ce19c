"""Helpers shared by every test folder: the shipped files, a polling wait and a fresh AppTest app.

Import them as `from tests import helpers` or `from tests.helpers import ...`, from any folder:
the root `conftest.py` puts the repository root on `sys.path`, and `tests/` (no `__init__.py`)
is then a namespace package. Not `import helpers`: pytest puts `tests/` itself on `sys.path` only
for `tests/e2e`, the one folder with an `__init__.py`. A module of its own, not a conftest:
`from conftest import ...` would get whichever of the repository's conftest modules came first.

Streamlit is imported inside the functions that need it, so unit tests that import this
module for a path do not pay for importing Streamlit.
"""

import pathlib
import re
import socket
import time

import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[1]
ASSETS = REPO / "assets"
MNIST_SAMPLE = ASSETS / "mnist_sample.npz"
FASHION_SAMPLE = ASSETS / "fashion_mnist_sample.npz"
PRETRAINED_MODEL = ASSETS / "pretrained_mnist.npz"
# The complete MNIST beside the checkout (its README gives its provenance); tests that need it
# skip when it is not there.
FULL_MNIST = REPO.parent / "shared" / "data" / "mnist.npz"
APP_SCRIPT = REPO / "app.py"
# The first AppTest run imports TensorFlow and traces the inference graph: allow for two busy cores.
APP_RUN_TIMEOUT = 120
POLL_SECONDS = 0.05  # How often `wait_until` asks again: often enough, cheap on two cores.


def wait_until(predicate, timeout, interval=POLL_SECONDS, message=None):
    """Call `predicate` until it returns something true, and return that; fail after `timeout` seconds.

    A poll instead of a fixed sleep: the test goes on as soon as the condition holds, and a
    condition that never holds fails with `message` (or the predicate's name) instead of
    letting the test read a stale value.

    Args:
        predicate: a function of no arguments; its first true result is returned.
        timeout: seconds to keep asking.
        interval: seconds between two calls.
        message: what the test waited for, for the failure message.

    Raises:
        AssertionError: the predicate was still false after `timeout` seconds.
    """
    if not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds. Received: timeout={timeout!r}")
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            what = message or getattr(predicate, "__name__", repr(predicate))
            raise AssertionError(f"waited {timeout} s and still not true: {what}")
        time.sleep(interval)


def load_sample(path=MNIST_SAMPLE):
    """A shipped sample as the trainers take it: (x_train, y_train, x_test, y_test).

    Images become float32 rows of 784 values in [0, 1], labels int64.
    """
    with np.load(path) as data:
        return tuple(
            (data[key].reshape(len(data[key]), -1).astype(np.float32) / 255.0)
            if key.startswith("x")
            else data[key].astype(np.int64)
            for key in ("x_train", "y_train", "x_test", "y_test")
        )


def new_app(timeout=APP_RUN_TIMEOUT):
    """A fresh AppTest of `app.py` (one Streamlit session), not yet run."""
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(APP_SCRIPT), default_timeout=timeout)


def clear_streamlit_caches():
    """Empty `st.cache_resource` and `st.cache_data`, which live as long as the test process.

    `ui.session` keeps the dataset and the pretrained model there; a test that points
    `FFVIZ_DATA` at other files clears them first.
    """
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()


def training_run(app_test):
    """The session's training run, or None when the session has none."""
    return app_test.session_state["training_run"] if "training_run" in app_test.session_state else None


def stop_training(app_test):
    """Stop the session's training run, if any, and wait for its thread to end."""
    run = training_run(app_test)
    if run is not None:
        run.stop(wait=True)


def as_shown(markdown):
    """Markdown text as the reader sees it: the app escapes user-controlled text (`\\(` shows `(`)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def error_texts(app_test):
    """The texts of every `st.error` on the page, as the reader sees them."""
    return [as_shown(element.value) for element in app_test.error]


def free_loopback_port():
    """A TCP port on 127.0.0.1 that nothing listens on now, for a server a test starts."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
