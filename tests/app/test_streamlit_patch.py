"""Tests of the one Streamlit internal the app replaces: `script_runner._clean_problem_modules`.

`ui.session.keep_keras_between_runs` swaps it for a function that leaves Keras alone. These
tests fail loudly when a Streamlit upgrade removes or changes the private function, so the
patch is reviewed instead of silently doing nothing (or the wrong thing).
"""

import logging
import pathlib

import streamlit
from streamlit.runtime.scriptrunner import script_runner

from ui import session


def test_the_private_clean_up_function_still_exists_and_still_clears_keras():
    """Test that the installed Streamlit defines `_clean_problem_modules` and that it clears Keras's session."""
    source = pathlib.Path(script_runner.__file__).read_text()
    assert "def _clean_problem_modules(" in source, (
        f"Streamlit {streamlit.__version__} no longer has script_runner._clean_problem_modules: "
        "review ui.session.keep_keras_between_runs"
    )
    body = source.split("def _clean_problem_modules(", 1)[1].split("\ndef ", 1)[0]
    assert "clear_session" in body, "_clean_problem_modules no longer clears Keras: the patch may be unneeded"
    assert callable(getattr(script_runner, "_clean_problem_modules", None))


def test_the_installed_streamlit_is_a_known_good_version_and_gets_patched():
    """Test that the patch is applied on the installed Streamlit; a new version must be reviewed and listed."""
    assert session.keep_keras_between_runs() is True, (
        f"Streamlit {streamlit.__version__} is not in KNOWN_GOOD_STREAMLIT {session.KNOWN_GOOD_STREAMLIT}"
    )
    assert script_runner._clean_problem_modules is session._close_matplotlib_figures


def test_an_unknown_streamlit_version_is_not_patched_and_a_warning_is_logged(caplog, monkeypatch):
    """Test that outside the known-good versions the private function is left alone and a warning says so."""

    def original():
        """Stands in for Streamlit's own clean-up."""

    monkeypatch.setattr(script_runner, "_clean_problem_modules", original)
    with caplog.at_level(logging.WARNING, logger=session.LOGGER.name):
        assert session.keep_keras_between_runs(version="1.99.0") is False
    assert script_runner._clean_problem_modules is original
    assert any("1.99.0" in record.getMessage() for record in caplog.records)
