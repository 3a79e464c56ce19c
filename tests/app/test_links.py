"""AppTest checks of shareable links: settings in the query string are read once and written back."""

import pathlib

import pytest
from streamlit.testing.v1 import AppTest

from ui import links, state

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def linked_app():
    """An app not yet run, so a test can put a query string in first."""
    return AppTest.from_file(str(REPO / "app.py"), default_timeout=120)


def test_a_good_link_sets_the_settings_and_opens_its_page(linked_app):
    """Test that threshold, rate, layers, seed, digit and page from the link reach the widgets."""
    for name, value in {"threshold": "3", "lr": "0.003", "layers": "200, 100", "seed": "4", "digit": "17", "page": "train"}.items():
        linked_app.query_params[name] = value
    linked_app.run()
    assert not linked_app.exception
    assert not linked_app.warning, [element.value for element in linked_app.warning]
    assert linked_app.slider(key="train_threshold").value == 3.0
    assert linked_app.select_slider(key="train_lr").value == 0.003
    assert linked_app.text_input(key="train_layers").value == "200,100"
    assert linked_app.session_state["data_seed"] == 4
    assert linked_app.session_state["goodness_index"] == 17
    assert linked_app.session_state["goodness_source"] == "Test set"
    linked_app.slider(key="train_threshold").set_value(2.5).run()
    assert linked_app.query_params["threshold"] in (["2.5"], "2.5")


@pytest.mark.parametrize(
    ("name", "value", "key"),
    [
        ("threshold", "0", "train_threshold"),
        ("threshold", "-1", "train_threshold"),
        ("lr", "0", "train_lr"),
        ("layers", "0", "train_layers"),
        ("layers", "100000", "train_layers"),
        ("layers", "many", "train_layers"),
        ("seed", "x", "data_seed"),
        ("digit", "999999", "goodness_index"),
        ("page", "nowhere", None),
    ],
)
def test_a_bad_link_value_is_named_in_a_warning_and_the_default_kept(linked_app, name, value, key):
    """Test that an out-of-range value in the link is not used and a warning names it."""
    linked_app.query_params[name] = value
    linked_app.run()
    assert not linked_app.exception
    warnings = " ".join(element.value for element in linked_app.warning)
    assert f"{name}={value!r}" in warnings
    if key is not None:
        assert linked_app.session_state[key] == state.widget_defaults()[key]


def test_settings_as_params_round_trip():
    session = {"train_threshold": 2.0, "train_lr": 0.001, "train_layers": "500, 500", "data_seed": 3}
    params = links.settings_as_params(session, "train")
    assert params == {"page": "train", "threshold": "2", "lr": "0.001", "layers": "500,500", "seed": "3"}
    read = dict(session)
    assert links.read_query_params(params | {"layers": "64"}, read) == []
    assert read["train_layers"] == "64"
