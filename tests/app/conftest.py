"""Fixtures for the AppTest page tests: the shipped MNIST sample and a fresh app per test.

The pages are tested on the small sample in `assets/` whatever `FFVIZ_DATA` says, so each
test loads the data in milliseconds and trains a tiny network in seconds.
"""

import base64
import json
import os
import pathlib

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = REPO / "assets" / "mnist_sample.npz"
# The first run imports TensorFlow and traces the inference graph: allow for two busy cores.
RUN_TIMEOUT = 120


@pytest.fixture(autouse=True)
def sample_data(monkeypatch):
    """Point the app at the shipped sample (it is cached for the whole test process)."""
    monkeypatch.setenv("FFVIZ_DATA", str(SAMPLE))
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


def plotly_spec(app_test, container_key):
    """The plotly figure (as a dict) drawn inside the container with `container_key`."""
    container = app_test.get_by_key(container_key)
    charts = [node for node in container if type(node).__name__ == "UnknownElement" and node.type == "plotly_chart"]
    assert charts, f"no plotly chart inside {container_key}"
    return json.loads(charts[0].proto.spec)


def texts(node):
    """Every markdown, caption and subheader text under `node`."""
    return [element.value for kind in ("markdown", "caption", "subheader") for element in getattr(node, kind)]


def plotly_array(value):
    """A plotly JSON array as NumPy: plain lists, or plotly's typed arrays {"dtype", "bdata", "shape"}."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            array = array.reshape([int(size) for size in str(value["shape"]).split(",")])
        return array
    return np.asarray(value)
