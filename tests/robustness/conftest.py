"""Fixtures for the robustness tests: the app on the shipped sample, caches cleared around each test."""

import os

import pytest

from tests.helpers import MNIST_SAMPLE, clear_streamlit_caches, new_app, stop_training


@pytest.fixture(autouse=True)
def sample_data(monkeypatch, tmp_path):
    """The shipped sample, no Keras cache and no download: each test sees the same data."""
    monkeypatch.setenv("FFVIZ_DATA", str(MNIST_SAMPLE))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setenv("KERAS_BACKEND", os.environ.get("KERAS_BACKEND", "tensorflow"))
    import ffviz.data

    monkeypatch.setattr(ffviz.data, "download_is_possible", lambda: False)
    clear_streamlit_caches()
    yield
    clear_streamlit_caches()


@pytest.fixture
def app():
    """The app after its first run on the Goodness page; any training stops at the end."""
    app_test = new_app()
    app_test.run()
    yield app_test
    stop_training(app_test)
