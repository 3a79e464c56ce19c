"""Unit tests of `ui/settings.py`: the one table that session defaults, checks and links derive from."""

import math
import pathlib
import re

import pytest

from ffviz.config import NEGATIVE_STRATEGIES, READOUTS, FFConfig, parse_layer_sizes, parse_layers
from ffviz.data import DATASETS
from ffviz.presets import PRESETS
from ui import settings

REPO = pathlib.Path(__file__).resolve().parents[2]
PAGE_FILES = {"sidebar": REPO / "ui" / "layout.py"} | {
    page: REPO / "app_pages" / f"{page}.py" for page in ("goodness", "data", "train", "inside", "compare", "join")
}
# Panels that a page calls draw some of its widgets (`ui.explain`: one call per page); the FF vs FF
# variants' widgets are keyed f"variants_{name}_..." for each variant name.
PANEL_FILES = [REPO / "ui" / "explain.py"]
VARIANT_NAMES = ("a", "b")


def drawn_keys(path):
    """The widget keys that a file draws: key="..." and the variants' key=f"variants_{name}_..."."""
    text = path.read_text()
    keys = set(re.findall(r'key="(\w+)"', text))
    for suffix in re.findall(r'key=f"variants_\{name\}_(\w+)"', text):
        keys |= {f"variants_{name}_{suffix}" for name in VARIANT_NAMES}
    return keys


def test_every_setting_has_a_widget_with_its_key_on_its_page():
    """Test that each row's page draws a widget keyed by the row's key, and app.py routes to that page."""
    routes = re.findall(r'url_path="(\w+)"', (REPO / "app.py").read_text())
    for key, setting in settings.SETTINGS.items():
        assert setting.page in PAGE_FILES, key
        drawn = drawn_keys(PAGE_FILES[setting.page]).union(*(drawn_keys(path) for path in PANEL_FILES))
        assert key in drawn, f"{key} is not drawn on {setting.page}"
        assert setting.page == "sidebar" or setting.page in routes, key


def test_link_names_are_unique_and_not_the_page_parameter():
    names = [setting.param for setting in settings.SETTINGS.values()]
    assert len(set(names)) == len(names)
    assert "page" not in names


def test_training_defaults_come_from_ffconfig_and_options_from_ffviz():
    """Test that the Train and Inside defaults are FFConfig()'s and the option lists are ffviz's constants."""
    config = FFConfig()
    defaults = settings.defaults()
    assert defaults["train_threshold"] == config.threshold
    assert defaults["train_batch"] == config.batch_size
    assert defaults["train_epochs"] == config.epochs
    assert defaults["train_negatives"] == config.negatives
    assert defaults["inside_readout"] == config.readout
    assert defaults["train_layers"] == defaults["compare_layers"] == ",".join(map(str, config.layer_sizes))
    assert math.isclose(defaults["train_lr"], config.learning_rate)
    assert settings.options("train_negatives") is NEGATIVE_STRATEGIES
    assert settings.options("inside_readout") is READOUTS
    assert settings.options("dataset_name") is DATASETS


def test_every_default_is_valid_and_survives_a_link():
    """Test that each default passes its own check and reads back from its link text unchanged."""
    for key, setting in settings.SETTINGS.items():
        assert setting.allows(setting.default), key
        if setting.limit is None:  # The run-time limit needs the app's dataset: see test_links.py.
            assert setting.parse(setting.format(setting.default)) == setting.default, key


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("talk_mode", 1),
        ("dataset_name", "cifar"),
        ("data_seed", True),
        ("data_seed", -1),
        ("data_sample", settings.DATA_GRID_SIZE),
        ("train_threshold", float("nan")),
        ("train_threshold", 0.0),
        ("train_threshold", "2"),
        ("train_lr", 0.0025),
        ("train_batch", 10001),
        ("train_batch", 5.0),
        ("train_speed", -1.0),
        ("inside_units", 64.0),
        ("train_layers", 64),
    ],
)
def test_values_no_widget_can_hold_are_refused(key, value):
    assert not settings.setting_is_valid(key, value)


def test_check_settings_resets_a_bad_value_to_its_default_and_says_so():
    session = settings.defaults() | {"train_batch": 0, "train_lr": 7.0}
    notices = settings.check_settings(session)
    assert session == settings.defaults()
    assert len(notices) == 2 and "train_lr = 7.0" in notices[0] and "train_batch = 0" in notices[1]


@pytest.mark.parametrize(
    ("key", "text", "value"),
    [
        ("train_lr", "0.0031", 0.003),
        ("train_lr", "1e-4", 1e-4),
        ("train_speed", "0", 0.0),
        ("train_speed", "0.3", 0.25),
        ("talk_mode", "ON", True),
        ("train_layers", " 200 , 100 ", "200,100"),
        ("inside_units", "100", 100),
        ("train_threshold", "2.5", 2.5),
    ],
)
def test_link_text_is_read_as_the_widget_value(key, text, value):
    parsed = settings.SETTINGS[key].parse(text)
    assert parsed == value and type(parsed) is type(value)


@pytest.mark.parametrize(
    ("key", "text", "words"),
    [
        ("train_lr", "0.5", "from 0.0001 to 0.1"),
        ("train_threshold", "inf", "from 0.05 to 10"),
        ("train_layers", "0", "from 1 to"),
        ("train_layers", "a,b", "Received: 'a,b'"),
        ("inside_units", "50", "one of 16, 36"),
        ("train_negatives", "all", "one of"),
    ],
)
def test_link_text_out_of_range_is_a_value_error_saying_what_is_allowed(key, text, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        settings.SETTINGS[key].parse(text)


def test_parse_layer_sizes_reads_commas_and_spaces():
    """Test that the layer lists accept spaces and reject words with the text received."""
    assert parse_layer_sizes(" 500, 500 ,") == (500, 500)
    assert parse_layers(" 500, 500 ,") == {"conv_layers": (), "layer_sizes": (500, 500)}
    for parse in (parse_layer_sizes, parse_layers):
        with pytest.raises(ValueError, match="Received: 'a,b'"):
            parse("a,b")
        with pytest.raises(ValueError, match="at least one"):
            parse(" , ")
    assert settings.SETTINGS["train_layers"].parse(" C40K5P2, c80k3 ") == "c40k5p2,c80k3"


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_the_network_box_trains_each_preset_at_its_own_rate(name):
    """Test that every preset's learning rate is a choice of the rate slider, which the Network box fills in.

    Otherwise the Train page would train a preset at the nearest choice, not at the rate that the
    command line and the README's figures use.
    """
    rate = PRESETS[name].learning_rate
    assert settings.closest(settings.options("train_lr"), rate) == rate
