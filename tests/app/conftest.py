"""Fixtures for the AppTest page tests: the shipped MNIST sample and a fresh app per test.

The pages are tested on the small sample in `assets/` whatever `FFVIZ_DATA` says, so each
test loads the data in milliseconds and trains a tiny network in seconds.
"""

import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = REPO / "assets" / "mnist_sample.npz"
FASHION_SAMPLE = REPO / "assets" / "fashion_mnist_sample.npz"
# The first run imports TensorFlow and traces the inference graph: allow for two busy cores.
RUN_TIMEOUT = 120


@pytest.fixture(autouse=True)
def sample_data(monkeypatch):
    """Point the app at the shipped sample (it is cached for the whole test process)."""
    monkeypatch.setenv("FFVIZ_DATA", str(SAMPLE))
    monkeypatch.setenv("FFVIZ_FASHION_DATA", str(FASHION_SAMPLE))
    monkeypatch.setenv("KERAS_BACKEND", os.environ.get("KERAS_BACKEND", "tensorflow"))


@pytest.fixture
def app():
    """The app after its first run, on the default (Goodness) page; training stops at the end."""
    from streamlit.testing.v1 import AppTest

    app_test = AppTest.from_file(str(REPO / "app.py"), default_timeout=RUN_TIMEOUT)
    app_test.run()
    yield app_test
    run = app_test.session_state["training_run"] if "training_run" in app_test.session_state else None
    if run is not None:
        run.stop(wait=True)
