"""The Train page's button and slider callbacks, around one `ffviz.runner.TrainingRun`.

Callbacks run before the page is drawn, so the page always shows the state that a click
produced. The run's thread never calls Streamlit; the page polls `run.snapshot()`. Problems
the user can fix (a bad layer list, a bad model file) are kept in session state under
`train_problem` and shown with `st.error` by the page, never as a traceback. Messages are
plain text (they may hold a file's name or a value typed in); the page escapes them.
"""

import streamlit as st

from ffviz.checkpoint import load_network
from ffviz.config import FFConfig, parse_layer_sizes
from ffviz.data import DISPLAY_NAMES
from ffviz.network import FFNetwork
from ffviz.runner import RUNNING, TrainingRun
from ui import history, session

PROBLEM = "train_problem"  # A message for st.error, or None.
NOTE = "train_note"  # A message for st.success, or None.
STEP_TARGET = "train_step_target"  # After "One step": the step number to keep polling for.


def config_from_widgets():
    """The FFConfig the Train page's widgets describe; other fields keep `FFConfig()`'s values."""
    session = st.session_state
    return FFConfig().replace(
        layer_sizes=parse_layer_sizes(session["train_layers"]),
        threshold=float(session["train_threshold"]),
        learning_rate=float(session["train_lr"]),
        batch_size=int(session["train_batch"]),
        epochs=int(session["train_epochs"]),
        negatives=session["train_negatives"],
    )


def config_or_none():
    """The widgets' config, or None while they hold something invalid."""
    try:
        return config_from_widgets()
    except ValueError:
        return None


def architecture_changed(run):
    """Whether the widgets describe a different network than the run's (threshold and rate aside)."""
    config = config_or_none()
    fields = ("layer_sizes", "batch_size", "epochs", "negatives")
    return config is not None and any(getattr(config, name) != getattr(run.network.config, name) for name in fields)


def current_run():
    return st.session_state.get(session.RUN)


def _new_run():
    """A run of a fresh network built from the widgets, or None (with a problem) if they are bad."""
    try:
        config = config_from_widgets()
    except ValueError as error:
        st.session_state[PROBLEM] = str(error)
        return None
    data = session.load_data()
    network = FFNetwork(config)
    network.metadata = {"dataset": data.name, "data_source": data.source, "trained_in": "ffviz app"}
    run = TrainingRun(
        network, data.x_train, data.y_train, data.x_test, data.y_test, keep_alive=session.session_keep_alive()
    )
    run.set_delay(float(st.session_state["train_speed"]))
    st.session_state[session.RUN] = run
    return run


def _clear_messages():
    st.session_state[PROBLEM] = None
    st.session_state[NOTE] = None


def start():
    """Start a new run, or continue the current one (after Stop, a finish or a failure)."""
    _clear_messages()
    run = current_run() or _new_run()
    if run is not None:
        run.start()


def pause():
    if current_run() is not None:
        current_run().pause()


def resume():
    if current_run() is not None:
        current_run().resume()


def stop():
    if current_run() is not None:
        current_run().stop(wait=False)


def step():
    """One mini-batch, then pause; creates the run first if there is none."""
    _clear_messages()
    run = current_run() or _new_run()
    if run is not None:
        st.session_state[STEP_TARGET] = run.trainer.step + 1
        run.step_once()


def reset():
    """Stop and forget the current run; the next Start uses the widgets' settings."""
    _clear_messages()
    run = current_run()
    if run is not None:
        run.stop(wait=False)
    st.session_state[session.RUN] = None


def threshold_changed():
    run = current_run()
    if run is not None:
        try:
            run.set_threshold(float(st.session_state["train_threshold"]))
        except ValueError as error:
            st.session_state[PROBLEM] = str(error)


def learning_rate_changed():
    run = current_run()
    if run is not None:
        try:
            run.set_learning_rate(float(st.session_state["train_lr"]))
        except ValueError as error:
            st.session_state[PROBLEM] = str(error)


def speed_changed():
    if current_run() is not None:
        current_run().set_delay(float(st.session_state["train_speed"]))


def use_trained_model():
    """Make a copy of the network being trained the model that every page uses."""
    run = current_run()
    if run is None or not run.history:
        st.session_state[PROBLEM] = "Train for at least one step before using the model."
        return
    snapshot = run.snapshot()
    network = trained_copy(run, snapshot)
    accuracy = snapshot["test_accuracy"][-1][1] if snapshot["test_accuracy"] else None
    network.metadata.update({"steps": snapshot["step"], "epochs": round(snapshot["epoch"], 2)})
    if accuracy is not None:
        network.metadata["test_accuracy"] = {network.config.readout: accuracy}
    note = f", test {100 * accuracy:.1f}%" if accuracy is not None else ""
    trained_on = DISPLAY_NAMES.get(network.metadata.get("dataset"), "this session's data")
    description = f"trained on {trained_on} in this session ({snapshot['step']} steps{note})"
    session.use_network(network, "trained", description)
    st.session_state[NOTE] = "The other pages now use the network trained here."


def use_pretrained_model():
    session.use_pretrained()
    st.session_state[NOTE] = f"Back to the {session.active_model()['description']}."


def upload_changed():
    """Load an uploaded model file; a bad file leaves the current model in place."""
    _clear_messages()
    upload = st.session_state.get("train_upload")
    if upload is None:
        return
    try:
        network = load_network(upload.getvalue())
    except ValueError as error:
        st.session_state[PROBLEM] = f"The current model is kept. {error}"
        return
    session.use_network(network, "uploaded", f"uploaded from {upload.name}")
    st.session_state[NOTE] = f"Now using {network!r} from {upload.name}."


def trained_copy(run, snapshot):
    """A copy of the run's network whose config records the threshold and rate in use now.

    The runner changes the threshold and learning rate of its trainer, not the network's
    config, so the copy gets a config with the live values.
    """
    config = run.network.config.replace(threshold=snapshot["threshold"], learning_rate=snapshot["learning_rate"])
    return session.copy_network(run.network, config)


def download():
    """(callable returning the model file's bytes, file name): the network being trained, else the active one.

    The callable runs when the button is clicked, outside the script, so it must not touch
    session state; it only closes over the run or the network.
    """
    run = current_run()
    if run is not None and run.history:
        return (lambda: trained_copy(run, run.snapshot()).to_bytes()), "ffviz_trained.npz"
    network = session.active_network()
    return network.to_bytes, f"ffviz_{session.active_model()['source']}.npz"


def needs_refresh(run):
    """Whether the live panel should poll: the run trains, or a single step is still due."""
    if run is None or not run.alive:
        return False
    return run.state == RUNNING or run.trainer.step < st.session_state.get(STEP_TARGET, 0)


def planned_epochs(run):
    """Epochs the run will train in all (it grows when a finished run is started again)."""
    return run.trainer.total_epochs


def history_download():
    """A callable returning the current run's history as CSV bytes, or None without a run.

    Like `download`, it runs when the button is clicked, so it reads the run, not session state.
    """
    run = current_run()
    if run is None:
        return None
    num_layers = run.network.config.num_layers
    return lambda: history.history_csv(run.snapshot()["history"], num_layers).encode()
