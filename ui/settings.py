"""Every setting a user can change in the app, in one table: default, allowed values, link name, page.

Session defaults (`defaults`), validation (`setting_is_valid`, `check_settings`) and the
shareable links (`ui.links`) are all derived from `SETTINGS`, so a new setting is one row here
and a widget with the same key on its page. The training defaults come from `FFConfig()` and
the option lists from ffviz's own constants, never from copies.

Nothing here imports Streamlit: the table, the checks and the parsers are plain functions
that the tests call directly.
"""

import dataclasses
import math
import typing

from ffviz.config import (
    DATASETS,
    GOODNESS_MEASURES,
    LOSSES,
    MAX_LAYERS,
    NEGATIVE_STRATEGIES,
    READOUTS,
    FFConfig,
    layers_text,
    parse_layers,
)
from ffviz.presets import PRESETS
from ffviz.rooms import normalize_code

DEFAULT_DATASET = "mnist"  # The pretrained model and the explanations are about MNIST.
LEARNING_RATES = (1e-4, 2e-4, 5e-4, 1e-3, 1.5e-3, 2e-3, 3e-3, 5e-3, 1e-2, 2e-2, 3e-2, 5e-2, 1e-1)  # 1.5e-3: `fashion`.
STEP_DELAYS = (0.0, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0)  # Seconds to wait after each training step.
UNITS_SHOWN = (16, 36, 64, 100, 144)  # The Inside page's receptive-field counts: square numbers.
DIGIT_SOURCES = ("Draw", "Test set", "Upload")  # Where the Goodness page's digit comes from.
BAR_LAYOUTS = ("Stacked", "Grouped")  # How the Goodness page draws the layers' bars.
DATA_GRID_SIZE = 24  # Digits in the Data page's grid: three rows of eight.
MAX_SEED = 10**9  # The largest seed the Data page's number field takes.
COMPARE_MODES = ("FF vs backprop", "FF vs FF")  # What the comparison page races.
VARIANT_DEFAULTS = {"a": {"loss": "softplus"}, "b": {"loss": "symba"}}  # FF vs FF starts with the loss as the question.

SWITCH, CHOICE, INTEGER, NUMBER, LAYERS, CODE = "switch", "choice", "integer", "number", "layers", "code"
MAX_CODE_TEXT = 32  # Characters a CODE setting's text box holds; a room code is 4 letters.
TRUE_WORDS, FALSE_WORDS = ("true", "1", "on", "yes"), ("false", "0", "off", "no")


def closest(options, value):
    """The option nearest to `value` (by ratio for positive numbers), so a rate between two still fits."""

    def distance(option):
        if option > 0 and value > 0:
            return abs(math.log(option / value))
        return abs(option - value)

    return min(options, key=distance)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclasses.dataclass(frozen=True)
class Setting:
    """One user-facing setting: its widget key, default, allowed values, link name and page.

    `kind` says what the value is: SWITCH (bool), CHOICE (one of `options`), INTEGER or
    NUMBER (from `low` to `high`), LAYERS (comma-separated layer sizes, checked on Start),
    CODE (a room code: any short text in the box, checked by its page; a link's must be a code).
    `limit`, when given, is a callable returning an upper bound known only while the app
    runs (the size of the test set).
    """

    key: str
    page: str  # The url_path of the page that draws the widget; "sidebar" for `ui.layout.sidebar_controls`.
    kind: str
    default: object
    param: str  # The name in the link's query string.
    options: tuple = ()
    low: float | None = None
    high: float | None = None
    limit: typing.Callable | None = None

    def upper(self):
        """The largest allowed value: `high`, or the run-time `limit` when there is one."""
        return self.limit() if self.limit is not None else self.high

    def allows(self, value):
        """Whether the setting's widget can hold `value`."""
        if self.kind == SWITCH:
            return isinstance(value, bool)
        if self.kind == CHOICE:
            return any(type(value) is type(option) and value == option for option in self.options)
        if self.kind == LAYERS:
            return isinstance(value, str)  # Its content is checked on Start, with a message there.
        if self.kind == CODE:
            return isinstance(value, str) and len(value) <= MAX_CODE_TEXT
        number = isinstance(value, int) if self.kind == INTEGER else _is_number(value)
        if not number or isinstance(value, bool) or not math.isfinite(value) or value < self.low:
            return False
        # The run-time limit is asked only for a value that could exceed it, so an untouched
        # setting does not load the dataset before the first page is drawn.
        return value == self.default or self.upper() is None or value <= self.upper()

    def parse(self, text):
        """The value that `text` (from a link) stands for; a ValueError says what is allowed."""
        text = str(text).strip()
        if self.kind == SWITCH:
            if text.lower() in TRUE_WORDS + FALSE_WORDS:
                return text.lower() in TRUE_WORDS
            raise ValueError(f"it must be true or false, got {text!r}")
        if self.kind == LAYERS:
            return layers_text(FFConfig().replace(**parse_layers(text)))
        if self.kind == CHOICE:
            return self._parse_choice(text)
        if self.kind == CODE:
            return normalize_code(text) if text else ""
        value = int(text) if self.kind == INTEGER else float(text)
        upper = self.upper()
        if not (math.isfinite(value) and self.low <= value and (upper is None or value <= upper)):
            raise ValueError(f"it must be from {self.low:g} to {upper:g}")
        return value

    def _parse_choice(self, text):
        if not all(_is_number(option) for option in self.options):
            if text not in self.options:
                raise ValueError(f"it must be one of {', '.join(map(str, self.options))}")
            return text
        if all(isinstance(option, int) for option in self.options):
            value = int(text)
            if value not in self.options:
                raise ValueError(f"it must be one of {', '.join(map(str, self.options))}")
            return value
        value = float(text)
        low, high = min(self.options), max(self.options)
        if not (math.isfinite(value) and low <= value <= high):
            raise ValueError(f"it must be from {low:g} to {high:g}")
        return closest(self.options, value)  # The widget offers these values only.

    def format(self, value):
        """`value` as it is written into a link; `parse(format(value)) == value`."""
        if self.kind == SWITCH:
            return "true" if value else "false"
        if self.kind == LAYERS:
            return str(value).replace(" ", "")
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)


def _test_set_size_limit():
    """The largest test digit number of the chosen dataset (imported late: it needs Streamlit)."""
    from ui import session

    return len(session.load_data().x_test) - 1


def _table():
    config = FFConfig()
    layers = layers_text(config)
    rows = [
        Setting("talk_mode", "sidebar", SWITCH, False, "talk"),
        Setting("dataset_name", "sidebar", CHOICE, DEFAULT_DATASET, "dataset", options=DATASETS),
        Setting("data_seed", "data", INTEGER, 0, "seed", low=0, high=MAX_SEED),
        Setting("data_sample", "data", INTEGER, 0, "sample", low=0, high=DATA_GRID_SIZE - 1),
        Setting("train_threshold", "train", NUMBER, float(config.threshold), "threshold", low=0.05, high=10.0),
        Setting(
            "train_lr", "train", CHOICE, closest(LEARNING_RATES, config.learning_rate), "lr", options=LEARNING_RATES
        ),
        Setting("train_preset", "train", CHOICE, "default", "network", options=tuple(PRESETS)),
        Setting("train_layers", "train", LAYERS, layers, "layers"),
        Setting("train_batch", "train", INTEGER, int(config.batch_size), "batch", low=1, high=10000),
        Setting("train_epochs", "train", INTEGER, int(config.epochs), "epochs", low=1, high=100),
        Setting("train_negatives", "train", CHOICE, config.negatives, "negatives", options=NEGATIVE_STRATEGIES),
        Setting("train_speed", "train", CHOICE, 0.0, "delay", options=STEP_DELAYS),
        Setting("goodness_source", "goodness", CHOICE, DIGIT_SOURCES[0], "source", options=DIGIT_SOURCES),
        Setting("goodness_index", "goodness", INTEGER, 0, "digit", low=0, limit=_test_set_size_limit),
        Setting("goodness_layout", "goodness", CHOICE, BAR_LAYOUTS[0], "bars", options=BAR_LAYOUTS),
        Setting("inside_units", "inside", CHOICE, 64, "units", options=UNITS_SHOWN),
        Setting("inside_readout", "inside", CHOICE, config.readout, "readout", options=READOUTS),
        Setting("compare_layers", "compare", LAYERS, layers, "compare_layers"),
        Setting("compare_budget", "compare", INTEGER, 60, "budget", low=5, high=600),  # Seconds per network.
        Setting("join_room", "join", CODE, "", "room"),  # /join?room=KXMP: the room a phone sends to.
    ]
    rows += [Setting("goodness_saliency_layer", "goodness", INTEGER, 0, "saliency_layer", low=0, high=MAX_LAYERS)]
    rows += [Setting("compare_mode", "compare", CHOICE, COMPARE_MODES[0], "mode", options=COMPARE_MODES)]
    rows += [Setting("variants_budget", "compare", INTEGER, 30, "variants_budget", low=5, high=600)]
    for name, chosen in VARIANT_DEFAULTS.items():  # One row per choice of each FF variant.
        choices = {"loss": LOSSES, "goodness": GOODNESS_MEASURES, "negatives": NEGATIVE_STRATEGIES, "readout": READOUTS}
        for field, options in choices.items():
            default = chosen.get(field, getattr(config, field))
            key, param = f"variants_{name}_{field}", f"{name}_{field}"
            rows.append(Setting(key, "compare", CHOICE, default, param, options=options))
        rows.append(Setting(f"variants_{name}_layers", "compare", LAYERS, "200,200", f"{name}_layers"))
    return {row.key: row for row in rows}


SETTINGS = _table()  # Widget key -> Setting, in the order the sidebar and the pages draw them.


def defaults():
    """Widget key -> default value, for the session's first run."""
    return {key: setting.default for key, setting in SETTINGS.items()}


def options(key):
    """The values the widget `key` offers (a select slider, a radio, a select box)."""
    return SETTINGS[key].options


def bounds(key):
    """(low, high) of the number widget `key`."""
    return SETTINGS[key].low, SETTINGS[key].high


def setting_is_valid(key, value):
    """Whether `value` is one that the widget `key` can show; keys not in the table pass."""
    return key not in SETTINGS or SETTINGS[key].allows(value)


def check_settings(session, show=repr):
    """Replace widget values that no widget could hold (from an old session or an edited URL).

    A slider given a value outside its range raises an exception when it is drawn, so such a
    value is swapped for the default here, before any page runs, and a message says so.

    Args:
        show: how a value is written into a message; the app passes one that also escapes
            Markdown, since the value may have come from outside.

    Returns:
        The messages, one per setting replaced.
    """
    notices = []
    for key, setting in SETTINGS.items():
        if key in session and not setting.allows(session[key]):
            notices.append(
                f"The setting {key} = {show(session[key])} is out of range or of the wrong kind; "
                f"it was reset to {show(setting.default)}."
            )
            session[key] = setting.default
    return notices
