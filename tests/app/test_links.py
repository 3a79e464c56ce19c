"""AppTest checks of shareable links: every setting in the query string, read once, written back when changed."""

import pathlib

import pytest
from streamlit.testing.v1 import AppTest

from ui import links, settings

REPO = pathlib.Path(__file__).resolve().parents[2]

# A value other than the default for every setting in the table, as a link writes it.
CHANGED = {
    "talk_mode": True,
    "dataset_name": "fashion_mnist",
    "data_seed": 4,
    "data_sample": 5,
    "train_threshold": 3.0,
    "train_lr": 0.003,
    "train_preset": "fashion",
    "train_layers": "200,100",
    "train_batch": 50,
    "train_epochs": 3,
    "train_negatives": "random",
    "train_speed": 0.25,
    "goodness_source": "Upload",
    "goodness_index": 17,
    "goodness_layout": "Grouped",
    "inside_units": 36,
    "inside_readout": "goodness",
    "compare_layers": "64",
    "compare_budget": 30,
    "join_room": "KXMP",
    "goodness_saliency_layer": 2,
    "compare_mode": "FF vs FF",
    "variants_budget": 60,
    "variants_a_loss": "symba",
    "variants_a_goodness": "sum_square",
    "variants_a_negatives": "random",
    "variants_a_readout": "goodness",
    "variants_a_layers": "64",
    "variants_b_loss": "softplus",
    "variants_b_goodness": "sum_square",
    "variants_b_negatives": "random",
    "variants_b_readout": "goodness",
    "variants_b_layers": "32,32",
}


@pytest.fixture
def linked_app():
    """An app not yet run, so a test can put a query string in first."""
    return AppTest.from_file(str(REPO / "app.py"), default_timeout=120)


def query(app_test):
    """The app's query string as a dict of single strings."""
    return {name: values[-1] if isinstance(values, list) else values for name, values in app_test.query_params.items()}


def test_the_changed_values_cover_every_setting_and_differ_from_the_defaults():
    """Test that CHANGED names every setting, so a new setting cannot skip the link tests."""
    assert set(CHANGED) == set(settings.SETTINGS)
    assert all(CHANGED[key] != setting.default for key, setting in settings.SETTINGS.items())


def test_an_untouched_app_has_a_clean_address(linked_app):
    """Test that a first visit writes no query parameters: every setting is still its default."""
    linked_app.run()
    assert not linked_app.exception
    assert query(linked_app) == {}


def test_a_link_with_every_setting_changed_restores_all_of_them(linked_app):
    """Test that each setting's value from the link reaches session state and is written back unchanged."""
    params = {setting.param: setting.format(CHANGED[key]) for key, setting in settings.SETTINGS.items()}
    for name, value in params.items():
        linked_app.query_params[name] = value
    linked_app.run()
    assert not linked_app.exception
    # The sidebar rightly warns that the MNIST model is shown Fashion-MNIST; the link itself is clean.
    assert not linked_app.main.warning, [element.value for element in linked_app.main.warning]
    for key in settings.SETTINGS:
        assert linked_app.session_state[key] == CHANGED[key], key
    assert query(linked_app) == params


def test_a_good_link_sets_the_train_widgets_and_opens_its_page(linked_app):
    """Test that threshold, rate, layers, seed, digit and page from the link reach the widgets."""
    link = {"threshold": "3", "lr": "0.003", "layers": "200, 100", "seed": "4", "digit": "17", "page": "train"}
    for name, value in link.items():
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
    assert query(linked_app)["threshold"] == "2.5"
    linked_app.slider(key="train_threshold").set_value(settings.SETTINGS["train_threshold"].default).run()
    assert "threshold" not in query(linked_app)


@pytest.mark.parametrize(
    ("name", "value", "key"),
    [
        ("threshold", "0", "train_threshold"),
        ("threshold", "-1", "train_threshold"),
        ("threshold", "nan", "train_threshold"),
        ("lr", "0", "train_lr"),
        ("layers", "0", "train_layers"),
        ("layers", "100000", "train_layers"),
        ("layers", "many", "train_layers"),
        ("seed", "x", "data_seed"),
        ("digit", "999999", "goodness_index"),
        ("talk", "maybe", "talk_mode"),
        ("dataset", "cifar", "dataset_name"),
        ("batch", "0", "train_batch"),
        ("negatives", "all", "train_negatives"),
        ("units", "50", "inside_units"),
        ("budget", "100000", "compare_budget"),
        ("page", "nowhere", None),
    ],
)
def test_a_bad_link_value_is_named_in_a_warning_and_the_default_kept(linked_app, name, value, key):
    """Test that a value no widget can hold is not used and a warning names it."""
    linked_app.query_params[name] = value
    linked_app.run()
    assert not linked_app.exception
    warnings = " ".join(element.value for element in linked_app.warning)
    assert f"{name}={value!r}" in warnings
    if key is not None:
        assert linked_app.session_state[key] == settings.SETTINGS[key].default


def test_settings_as_params_writes_only_changed_settings_and_reads_them_back():
    """Test that the query string holds exactly the non-default settings and parses back to them."""
    session = settings.defaults() | {"train_threshold": 2.5, "train_layers": "500, 64", "talk_mode": True}
    params = links.settings_as_params(session)
    assert params == {"threshold": "2.5", "layers": "500,64", "talk": "true"}
    restored = settings.defaults()
    assert links.read_query_params(params, restored) == []
    assert restored | {"train_layers": "500, 64"} == session
