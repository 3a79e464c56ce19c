"""What one browser tab holds: the session's defaults, cached loaders, the active model and the current digit.

Shared, read-only things (the dataset, the pretrained network) live in `st.cache_resource`
and are never changed. What belongs to one browser tab (the active model, the digit being
looked at, the training run) lives in `st.session_state` under the names below. The one
patch of a Streamlit internal that the app needs is isolated in `keep_keras_between_runs`.
"""

import logging
import os
import pathlib
import sys
import uuid

os.environ.setdefault("KERAS_BACKEND", "tensorflow")  # Before the first `keras` import.

import numpy as np  # noqa: E402
import streamlit as st  # noqa: E402
from streamlit import runtime  # noqa: E402
from streamlit.runtime.scriptrunner import get_script_run_ctx  # noqa: E402

from ffviz.config import IMAGE_SIDE, FFConfig  # noqa: E402
from ffviz.data import load_dataset  # noqa: E402
from ui import settings  # noqa: E402

# `ffviz.network` imports TensorFlow, which takes seconds on a busy CPU. It is imported where a
# network is first needed, so the first page (an empty canvas) shows before TensorFlow has loaded.
# `ui.layout` (which draws the sidebar from this module's state) is imported where it is used.

LOGGER = logging.getLogger(__name__)
ASSETS = pathlib.Path(__file__).resolve().parent.parent / "assets"
# The shipped MNIST models: the default preset (what every page starts with, and what rooms use) and
# the `conv` preset. Their test accuracies are in their metadata; how they were trained, in the README.
PRETRAINED_PATHS = {"dense": ASSETS / "pretrained_mnist.npz", "conv": ASSETS / "pretrained_mnist_conv.npz"}
PRETRAINED_NAMES = {"dense": "pretrained on MNIST", "conv": "pretrained convolutional, on MNIST"}
# Streamlit versions whose private `script_runner._clean_problem_modules` was read and found to
# do what `keep_keras_between_runs` replaces; outside them the app does not patch and says so.
KNOWN_GOOD_STREAMLIT = ("1.67",)

# Session-state names that are not widgets.
MODEL = "model"  # dict: network, source, description, id.
DIGIT = "current_digit"  # dict: image (28, 28), label (or None), description.
RUN = "training_run"  # ffviz.runner.TrainingRun or None.
RUN_ID = "training_run_id"  # Its id in `ffviz.registry.RUNS` (carried by the link), or None.
SETTINGS_NOTICES = "settings_notices"  # Messages about settings that were out of range.


def init_session():
    """Session-state defaults from the settings table, then write back every setting's value.

    Streamlit forgets a widget's value when a run does not draw it; writing each value back
    at the top of every run (from `app.py`) keeps the settings of pages not shown.
    """
    from ui.layout import escape_markdown

    keep_keras_between_runs()
    for key, value in settings.defaults().items():
        st.session_state.setdefault(key, value)
    notices = settings.check_settings(st.session_state, show=lambda value: escape_markdown(repr(value)))
    st.session_state[SETTINGS_NOTICES] = notices
    for key in settings.SETTINGS:
        st.session_state[key] = st.session_state[key]
    st.session_state.setdefault(RUN, None)
    st.session_state.setdefault(RUN_ID, None)
    st.session_state.setdefault(DIGIT, None)
    st.session_state.setdefault("goodness_canvas_version", 0)


def keep_keras_between_runs(version=None):
    """Stop Streamlit from resetting Keras and collecting all garbage after every script run.

    After each run, including every refresh of a fragment, Streamlit 1.67 calls
    `keras.backend.clear_session()` (in the private `script_runner._clean_problem_modules`)
    and `gc.collect(2)` (option `runner.postScriptGC`). With TensorFlow loaded each full
    collection holds the GIL for about 0.3 s, so the training panel that refreshes twice a
    second took most of the CPU time from the training thread (1400 -> 560 steps in 30 s in
    a test), and `clear_session()` also replaces Keras's global state under a thread that is
    tracing its training step. The app builds networks only on demand, so it needs neither.

    The private function is replaced only on the Streamlit versions in `KNOWN_GOOD_STREAMLIT`;
    on any other a warning is logged and Streamlit's own clean-up is left alone (slower
    training, but correct). `tests/app/test_streamlit_patch.py` fails when it disappears.

    Returns:
        Whether the private function was replaced.
    """
    from streamlit import config
    from streamlit.runtime.scriptrunner import script_runner

    config.set_option("runner.postScriptGC", False)  # A public option: safe on every version.
    version = version or st.__version__
    if not any(version == good or version.startswith(good + ".") for good in KNOWN_GOOD_STREAMLIT):
        LOGGER.warning(
            "Streamlit %s is not one of %s: Keras's session is cleared after every script run, "
            "which slows live training. Check script_runner._clean_problem_modules and add the version.",
            version,
            KNOWN_GOOD_STREAMLIT,
        )
        return False
    if not callable(getattr(script_runner, "_clean_problem_modules", None)):
        LOGGER.warning("Streamlit %s has no script_runner._clean_problem_modules; nothing patched.", version)
        return False
    script_runner._clean_problem_modules = _close_matplotlib_figures
    return True


def _close_matplotlib_figures():
    """What Streamlit's clean-up does besides Keras: close pyplot figures (ffviz draws none)."""
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


# Shared, cached resources.


@st.cache_resource(show_spinner="Loading the images…")
def load_named_data(name):
    """Dataset `name` from the first source that works (see `ffviz.data.load_dataset`)."""
    return load_dataset(name, strict=False)


def selected_dataset():
    """The name of the dataset chosen in the sidebar ("mnist" or "fashion_mnist")."""
    return st.session_state.get("dataset_name", settings.DEFAULT_DATASET)


def load_data():
    """The dataset chosen in the sidebar; a ValueError when no source works at all."""
    return load_named_data(selected_dataset())


def dataset_changed():
    """Forget the digit picked on the other dataset, so no page shows a digit among clothes."""
    st.session_state[DIGIT] = None


def dataset():
    """The dataset, or an error on the page and a stop when no source works at all."""
    from ui.layout import escape_markdown

    try:
        return load_data()
    except ValueError as error:
        st.error(f"No data could be loaded: {escape_markdown(error)}")
        st.stop()


@st.cache_resource(show_spinner="Loading the pretrained model…")
def load_pretrained(kind="dense"):
    """(network, None) for the shipped model of `kind` (`PRETRAINED_PATHS`), or (None, reason) if missing or damaged."""
    from ffviz.checkpoint import load_network

    try:
        return load_network(PRETRAINED_PATHS[kind]), None
    except ValueError as error:
        return None, str(error)


# The session's model.


def metadata_of(network):
    """The network's metadata as a dict; {} when a model file held something else (a list, a string)."""
    metadata = getattr(network, "metadata", None)
    return metadata if isinstance(metadata, dict) else {}


def model_dataset(model):
    """The dataset a model record's network was trained on (a string, or None); the shipped model is MNIST."""
    trained_on = metadata_of(model["network"]).get("dataset")
    if trained_on is not None:
        return str(trained_on)
    return "mnist" if model["source"] == "pretrained" else None


def use_network(network, source, description, model_id=None):
    """Make `network` the one that every page shows; `source` is pretrained/trained/uploaded/untrained.

    `description` is plain text: the sidebar escapes it, as it may hold a file name. `model_id` names
    a shipped model; any other network gets a new id.
    """
    st.session_state[MODEL] = {
        "network": network,
        "source": source,
        "description": description,
        "id": f"{source}-{uuid.uuid4().hex}" if model_id is None else model_id,
    }


def use_pretrained(kind="dense"):
    """Switch to the shipped model of `kind` ("dense" or "conv"), or to an untrained one when it cannot be loaded."""
    from ffviz.network import FFNetwork

    network, problem = load_pretrained(kind)
    if network is not None:
        accuracy = metadata_of(network).get("test_accuracy")
        accuracy = accuracy if isinstance(accuracy, dict) else {}
        note = ", ".join(f"{readout} {100 * value:.1f}%" for readout, value in accuracy.items())
        description = PRETRAINED_NAMES[kind] + (f" (test: {note})" if note else "")
        # One id per shipped model, shared by every session: the readings cached for it are too.
        use_network(
            network, "pretrained", description, model_id="pretrained" if kind == "dense" else f"pretrained-{kind}"
        )
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
    copy.metadata = dict(metadata_of(network))
    return copy


# The digit that the Goodness page shows and the Inside page looks into.


def set_current_digit(image, label, description):
    """Remember the digit on screen (`description` is plain text; pages escape it)."""
    image = np.asarray(image, np.float32)
    st.session_state[DIGIT] = {"image": image, "label": label, "description": description}


def current_digit():
    """The digit picked or drawn on the Goodness page, else the first test digit."""
    digit = st.session_state.get(DIGIT)
    if digit is not None:
        return digit
    data = dataset()
    image = data.x_test[0].reshape(IMAGE_SIDE, IMAGE_SIDE)
    return {"image": image, "label": int(data.y_test[0]), "description": "test digit #0"}


# Background threads: a run stops when its browser tab is closed.


def session_keep_alive():
    """A callable telling whether this browser session is still connected, or None outside a server."""
    context = get_script_run_ctx()
    if context is None or not runtime.exists():
        return None
    session_id = context.session_id
    instance = runtime.get_instance()
    return lambda: instance.is_active_session(session_id)


LAST_CLICK = "last_click_token"  # The token of the last button click whose callback ran.


def once_per_click(callback):
    """`(on_click, args)` for a button whose callback must run once per click.

    Streamlit 1.67 can call a button's `on_click` twice for one click when the click lands while a
    `run_every` fragment reruns: seen on a busy machine as Pause, then Play 10 ms later, so the run
    never paused. Each page run gives the button a fresh token; the callback runs for the first
    call that carries it and never again for the same token. Two clicks before the page has
    redrawn the button count as one, as a double click should.
    """

    def run_once(token):
        if st.session_state.get(LAST_CLICK) == token:
            return
        st.session_state[LAST_CLICK] = token
        callback()

    return run_once, (uuid.uuid4().hex,)
