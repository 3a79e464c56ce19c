"""Streamlit helpers that every page shares: cached loaders, the session's model, the sidebar.

Shared, read-only things (the dataset, the pretrained network) live in `st.cache_resource`
and are never changed. What belongs to one browser tab (the active model, the digit being
looked at, the training run) lives in `st.session_state` under the names below.
"""

import os
import pathlib
import uuid

os.environ.setdefault("KERAS_BACKEND", "tensorflow")  # Before the first `keras` import.

import numpy as np  # noqa: E402
import streamlit as st  # noqa: E402
from streamlit import runtime  # noqa: E402
from streamlit.runtime.scriptrunner import get_script_run_ctx  # noqa: E402

from ffviz.config import FFConfig  # noqa: E402
from ffviz.data import DATASETS, DISPLAY_NAMES, load_dataset  # noqa: E402
from ui import charts, export  # noqa: E402

# `ffviz.network` and `ffviz.system` import TensorFlow, which takes seconds on a busy CPU. They
# are imported where a network is first needed, so the first page (an empty canvas) shows
# before TensorFlow has loaded.

PRETRAINED_PATH = pathlib.Path(__file__).resolve().parent.parent / "assets" / "pretrained_mnist.npz"
DATASET_NAME = "mnist"  # The default dataset: the pretrained model and the explanations are about MNIST.
LEARNING_RATES = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 2e-2, 3e-2, 5e-2, 1e-1)
STEP_DELAYS = (0.0, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0)  # Seconds to wait after each training step.
THRESHOLD_RANGE = (0.05, 10.0)  # The Train page's threshold slider.
BATCH_RANGE = (1, 10000)
EPOCHS_RANGE = (1, 100)
COMPARE_BUDGET_RANGE = (5, 600)  # Seconds that each network of the FF vs backprop page may train.
UNITS_SHOWN = (16, 36, 64, 100, 144)  # The Inside page's receptive-field counts.
SETTINGS_NOTICES = "settings_notices"  # Messages about settings that were out of range.

# Session-state names that are not widgets.
MODEL = "model"  # dict: network, source, description, id.
DIGIT = "current_digit"  # dict: image (28, 28), label (or None), description.
RUN = "training_run"  # ffviz.runner.TrainingRun or None.

# Widgets whose values must survive a visit to another page. Streamlit forgets a widget's
# value when a run does not draw it; writing the value back at the top of every run (from
# `app.py`) keeps it. Buttons and file widgets cannot be written, so they are not listed.
PERSISTENT_WIDGETS = (
    "talk_mode",
    "dataset_name",
    "data_seed",
    "data_sample",
    "train_threshold",
    "train_lr",
    "train_layers",
    "train_batch",
    "train_epochs",
    "train_negatives",
    "train_speed",
    "goodness_source",
    "goodness_index",
    "goodness_layout",
    "inside_units",
    "inside_readout",
    "compare_layers",
    "compare_budget",
)


def closest(options, value):
    """The option nearest to `value`, so a default that is not on a slider still fits it."""
    return min(options, key=lambda option: abs(np.log(option) - np.log(value)) if option > 0 else abs(value))


def widget_defaults():
    """Initial widget values; the training ones come from `FFConfig()`, not from copies here."""
    config = FFConfig()
    return {
        "talk_mode": False,
        "dataset_name": DATASET_NAME,
        "data_seed": 0,
        "data_sample": 0,
        "train_threshold": float(config.threshold),
        "train_lr": closest(LEARNING_RATES, config.learning_rate),
        "train_layers": ",".join(str(units) for units in config.layer_sizes),
        "train_batch": int(config.batch_size),
        "train_epochs": int(config.epochs),
        "train_negatives": config.negatives,
        "train_speed": 0.0,
        "goodness_source": "Draw",
        "goodness_index": 0,
        "goodness_layout": "Stacked",
        "inside_units": 64,
        "inside_readout": config.readout,
        "compare_layers": ",".join(str(units) for units in config.layer_sizes),
        "compare_budget": 60,
    }


def init_session():
    """Session-state defaults, then write back the persistent widgets (see PERSISTENT_WIDGETS)."""
    keep_keras_between_runs()
    for key, value in widget_defaults().items():
        st.session_state.setdefault(key, value)
    st.session_state[SETTINGS_NOTICES] = check_settings(st.session_state, widget_defaults())
    for key in PERSISTENT_WIDGETS:
        st.session_state[key] = st.session_state[key]
    st.session_state.setdefault(RUN, None)
    st.session_state.setdefault(DIGIT, None)
    st.session_state.setdefault("goodness_canvas_version", 0)


def setting_is_valid(key, value):
    """Whether `value` is one that the widget `key` can show; keys without a rule pass."""
    options = {
        "train_lr": LEARNING_RATES,
        "train_speed": STEP_DELAYS,
        "train_negatives": ("hard", "random"),
        "goodness_source": ("Draw", "Test set", "Upload"),
        "goodness_layout": ("Stacked", "Grouped"),
        "inside_units": UNITS_SHOWN,
        "inside_readout": ("softmax", "goodness"),
        "talk_mode": (False, True),
        "dataset_name": DATASETS,
    }
    ranges = {
        "train_threshold": THRESHOLD_RANGE,
        "train_batch": BATCH_RANGE,
        "train_epochs": EPOCHS_RANGE,
        "compare_budget": COMPARE_BUDGET_RANGE,
    }
    if key in options:
        return any(type(value) is type(option) and value == option for option in options[key]) or (
            isinstance(value, float) and any(value == option for option in options[key] if isinstance(option, float))
        )
    if key in ranges:
        integer = key != "train_threshold"
        number = isinstance(value, int) if integer else isinstance(value, (int, float))
        return number and not isinstance(value, bool) and ranges[key][0] <= value <= ranges[key][1]
    if key in ("data_seed", "data_sample", "goodness_index"):
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if key in ("train_layers", "compare_layers"):
        return isinstance(value, str)  # Its content is checked on Start, with a message there.
    return True


def check_settings(session, defaults):
    """Replace widget values that no widget could hold (from an old session or an edited URL).

    A slider given a value outside its range raises an exception when it is drawn, so such a
    value is swapped for the default here, before any page runs, and a message says so.

    Returns:
        The messages, one per setting replaced.
    """
    notices = []
    for key, default in defaults.items():
        if key in session and not setting_is_valid(key, session[key]):
            notices.append(
                f"The setting {key} = {session[key]!r} is out of range or of the wrong kind; "
                f"it was reset to {default!r}."
            )
            session[key] = default
    return notices


def keep_keras_between_runs():
    """Stop Streamlit from resetting Keras and collecting all garbage after every script run.

    After each run, including every refresh of a fragment, Streamlit 1.67 calls
    `keras.backend.clear_session()` (in `script_runner._clean_problem_modules`) and
    `gc.collect(2)` (option `runner.postScriptGC`). With TensorFlow loaded each full
    collection holds the GIL for about 0.3 s, so the training panel that refreshes twice a
    second took most of the CPU time from the training thread (1400 -> 560 steps in 30 s in
    a test), and `clear_session()` also replaces Keras's global state under a thread that is
    tracing its training step. The app builds networks only on demand, so it needs neither.
    """
    from streamlit import config
    from streamlit.runtime.scriptrunner import script_runner

    config.set_option("runner.postScriptGC", False)
    if hasattr(script_runner, "_clean_problem_modules"):
        script_runner._clean_problem_modules = _close_matplotlib_figures


def _close_matplotlib_figures():
    """What Streamlit's clean-up does besides Keras: close pyplot figures (ffviz draws none)."""
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


# Shared, cached resources.


@st.cache_resource(show_spinner="Loading the images…")
def load_named_data(name):
    """Dataset `name` from the first source that works (see `ffviz.data.load_dataset`)."""
    return load_dataset(name, strict=False)


def selected_dataset():
    """The name of the dataset chosen in the sidebar ("mnist" or "fashion_mnist")."""
    return st.session_state.get("dataset_name", DATASET_NAME)


def load_data():
    """The dataset chosen in the sidebar; a ValueError when no source works at all."""
    return load_named_data(selected_dataset())


def dataset_changed():
    """Forget the digit picked on the other dataset, so no page shows a digit among clothes."""
    st.session_state[DIGIT] = None


def model_dataset(model):
    """The dataset a model record's network was trained on; the shipped model is MNIST."""
    return model["network"].metadata.get("dataset") or ("mnist" if model["source"] == "pretrained" else None)


def dataset():
    """The dataset, or an error on the page and a stop when no source works at all."""
    try:
        return load_data()
    except ValueError as error:
        st.error(f"No data could be loaded: {error}")
        st.stop()


@st.cache_resource(show_spinner="Loading the pretrained model…")
def load_pretrained():
    """(network, None) for the shipped model, or (None, reason) when it is missing or damaged."""
    from ffviz.checkpoint import load_network

    try:
        return load_network(PRETRAINED_PATH), None
    except ValueError as error:
        return None, str(error)


# The session's model.


def use_network(network, source, description):
    """Make `network` the one that every page shows; `source` is pretrained/trained/uploaded/untrained."""
    st.session_state[MODEL] = {
        "network": network,
        "source": source,
        "description": description,
        "id": f"{source}-{uuid.uuid4().hex}" if source != "pretrained" else "pretrained",
    }


def use_pretrained():
    """Switch back to the shipped model, or to an untrained one when it cannot be loaded."""
    from ffviz.network import FFNetwork

    network, problem = load_pretrained()
    if network is not None:
        accuracy = network.metadata.get("test_accuracy", {})
        note = ", ".join(f"{readout} {100 * value:.1f}%" for readout, value in accuracy.items())
        use_network(network, "pretrained", "pretrained on MNIST" + (f" (test: {note})" if note else ""))
    else:
        use_network(FFNetwork(FFConfig()), "untrained", f"untrained: {problem}")


def active_model():
    """The session's model record: {"network", "source", "description", "id"}."""
    if MODEL not in st.session_state:
        use_pretrained()
    return st.session_state[MODEL]


def active_network():
    return active_model()["network"]


def copy_network(network, config=None):
    """An independent copy, so a model in use is not changed by training that goes on.

    `config` replaces the network's own, e.g. to record a threshold moved during training.
    """
    from ffviz.network import FFNetwork

    copy = FFNetwork(config or network.config)
    copy.set_weights(network.get_weights())
    copy.metadata = dict(network.metadata)
    return copy


def classify(network, image):
    """Everything the Goodness page shows about one (28, 28) image.

    Returns a dict: "goodness" (layers, 10), "prediction" (goodness read-out),
    "probabilities" (10,) and "softmax_prediction" (softmax read-out).
    """
    goodness = network.goodness_per_label(image)[0]
    prediction = int(network.predict(image, readout="goodness")[0])
    probabilities = network.label_scores(image, readout="softmax")[0]
    return {
        "goodness": goodness,
        "prediction": prediction,
        "probabilities": probabilities,
        "softmax_prediction": int(probabilities.argmax()),
    }


def layer_activity(network, image, labels):
    """Each layer's activities and goodness for one image under each of several labels.

    Args:
        labels: dict of name -> label to write into the image.

    Returns:
        {"activations": {name: [(units,) per layer]}, "goodness": {name: [float per layer]}}.
    """
    goodness = network.goodness_per_label(image)[0]  # (layers, 10)
    return {
        "activations": {name: [layer[0] for layer in network.activations(image, labels=label)] for name, label in labels.items()},
        "goodness": {name: [float(value) for value in goodness[:, label]] for name, label in labels.items()},
    }


def test_results(model_id, network, readout):
    """`FFNetwork.evaluate` on the chosen dataset's test set, cached per model id, read-out and dataset."""
    return _test_results(model_id, network, readout, selected_dataset())


@st.cache_data(max_entries=16, show_spinner=False)
def _test_results(model_id, _network, readout, dataset_name):
    data = load_named_data(dataset_name)
    return _network.evaluate(data.x_test, data.y_test, readout=readout)


# The digit that the Goodness page shows and the Inside page looks into.


def set_current_digit(image, label, description):
    st.session_state[DIGIT] = {"image": np.asarray(image, np.float32), "label": label, "description": description}


def current_digit():
    """The digit picked or drawn on the Goodness page, else the first test digit."""
    digit = st.session_state.get(DIGIT)
    if digit is not None:
        return digit
    data = dataset()
    return {"image": data.x_test[0].reshape(28, 28), "label": int(data.y_test[0]), "description": "test digit #0"}


# Background threads: a run stops when its browser tab is closed.


def session_keep_alive():
    """A callable telling whether this browser session is still connected, or None outside a server."""
    context = get_script_run_ctx()
    if context is None or not runtime.exists():
        return None
    session_id = context.session_id
    instance = runtime.get_instance()
    return lambda: instance.is_active_session(session_id)


# Presentation.


def talk_mode():
    return bool(st.session_state.get("talk_mode", False))


def chart_style():
    """Chart font size and height: larger in talk mode, for the back row of a lecture hall."""
    return charts.TALK_STYLE if talk_mode() else charts.NORMAL_STYLE


def explain(text):
    """A page's short explanation, hidden in talk mode where the speaker says it."""
    if not talk_mode():
        st.markdown(text)


def show_chart(figure, key=None):
    st.plotly_chart(figure, key=key, width="stretch", config=export.chart_config(key))


# Talk mode: larger text in the main area (the charts grow through `chart_style()`).
TALK_MODE_CSS = """
<style>
[data-testid="stMain"] .stMarkdown p, [data-testid="stMain"] label p { font-size: 1.3rem; }
[data-testid="stMain"] [data-testid="stMetricValue"] { font-size: 2.6rem; }
</style>
"""


def render_sidebar():
    """Device, data source and active model, on every page, below the talk-mode switch.

    `app.py` draws it after the page, so a page that needs no network yet (the empty
    canvas) is on screen while TensorFlow still loads for the device and model lines.
    """
    from ffviz.system import device_description

    with st.sidebar:
        data = dataset()
        st.caption(f"**Device:** {device_description()}")
        st.caption(f"**Data:** {data.describe()}")
        for notice in data.notices + st.session_state.get(SETTINGS_NOTICES, []):
            st.warning(notice)
        model = active_model()
        st.caption(f"**Model:** {model['network']!r}, {model['description']}")
        trained_on = model_dataset(model)
        if trained_on is not None and trained_on != data.name:
            st.warning(
                f"This model was trained on {DISPLAY_NAMES.get(trained_on, trained_on)}, but the data shown is "
                f"{DISPLAY_NAMES.get(data.name, data.name)}: its predictions mean little. Train one on the Train page."
            )
        if model["source"] == "untrained":
            st.info("The pretrained model could not be loaded. Train one on the Train page.")
    if talk_mode():
        st.markdown(TALK_MODE_CSS, unsafe_allow_html=True)
