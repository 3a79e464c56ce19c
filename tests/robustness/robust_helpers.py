"""Helpers for the robustness tests (a module of its own: `from conftest import` is ambiguous).

`ui.session` keeps the dataset and the pretrained model in `st.cache_resource`, which lives as
long as the test process; tests that point `FFVIZ_DATA` at broken files clear it first.
"""

import pathlib

REPO = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = REPO / "assets" / "mnist_sample.npz"
RUN_TIMEOUT = 120  # The first run imports TensorFlow: allow for two busy cores.


def clear_streamlit_caches():
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()


def new_app():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(REPO / "app.py"), default_timeout=RUN_TIMEOUT)


def stop_training(app_test):
    run = app_test.session_state["training_run"] if "training_run" in app_test.session_state else None
    if run is not None:
        run.stop(wait=True)
