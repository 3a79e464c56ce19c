"""The Train page's button and slider callbacks, around one `ffviz.runner.TrainingRun`.

Callbacks run before the page is drawn, so the page always shows the state that a click
produced. The run's thread never calls Streamlit; the page polls `run.snapshot()`. The run
belongs to the process, not to the browser tab: it is held in `ffviz.registry.RUNS` under an
id that the page's link carries (`?run=...`), so a reload finds it still training; a run that
no page has looked at for `registry.GRACE_SECONDS` stops, so a closed tab frees the CPU. Problems
the user can fix (a bad layer list, a bad model file) are kept in session state under
`train_problem` and shown with `st.error` by the page, never as a traceback. Messages are
plain text (they may hold a file's name or a value typed in); the page escapes them.
"""

import secrets

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ffviz import compiled_steps, registry
from ffviz.checkpoint import load_network
from ffviz.config import layers_text, parse_layers
from ffviz.data import DISPLAY_NAMES
from ffviz.network import FFNetwork
from ffviz.presets import PRESET_DESCRIPTIONS, PRESETS
from ffviz.runner import COMPILING, FAILED, FINISHED, PAUSED, READY, RUNNING, STOPPED, TrainingRun
from ffviz.train import warm_up_in_background
from ui import history, session, settings

PROBLEM = "train_problem"  # A message for st.error, or None.
NOTE = "train_note"  # A message for st.success, or None.
OWNER = "train_owner"  # This session's worker-thread owner (`session_owner`).
STEP_TARGET = "train_step_target"  # After "Step": the step number to keep polling for.
RUN_ID = session.RUN_ID  # The registry id of the session's run (`session.RUN`), or None.
TRAINING_STATES = (COMPILING, RUNNING)  # States in which the one toggle button pauses.
RESET_WAIT_SECONDS = 2.0  # The longest Reset waits for the stopped run to give its compiled steps back.


def config_from_widgets():
    """The FFConfig the Train page's widgets describe; other fields keep the chosen preset's values."""
    session = st.session_state
    return PRESETS[session["train_preset"]].replace(
        **parse_layers(session["train_layers"]),
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
    """Whether the widgets and their preset describe another network than the run's (threshold, rate aside)."""
    config = config_or_none()
    fields = ("layer_sizes", "conv_layers", "batch_size", "epochs", "negatives", "loss", "jitter")
    return config is not None and any(getattr(config, name) != getattr(run.network.config, name) for name in fields)


def warm_up_preset():
    """Before the first Play: compile the chosen preset's steps in the background, unless they wait idle.

    Only while the widgets describe the preset's own shape (a rate or threshold moved is the same
    shape): the presets are a bounded set, and compiled programs are kept for later runs.
    """
    if current_run() is not None:
        return
    config, preset = config_or_none(), PRESETS[st.session_state["train_preset"]]
    if config is not None and compiled_steps.same_shape(config, preset):
        warm_up_in_background(preset)


def current_run():
    """The session's run, touched in the registry so that it keeps training while a page shows it."""
    run = st.session_state.get(session.RUN)
    run_id = st.session_state.get(RUN_ID)
    if run is not None and run_id is not None:
        registry.RUNS.touch(run_id)
    return run


def current_run_id():
    """The id to put into the link: only while the session has a run."""
    return st.session_state.get(RUN_ID) if st.session_state.get(session.RUN) is not None else None


def session_owner():
    """The worker-thread owner of this tab's runs: one training thread per browser session.

    Made once per session and kept in its state: the session's id plus a random token, because
    Streamlit's test harness gives every AppTest session the same id, and two sessions must never
    share a thread (the second one's run would take it over).
    """
    if OWNER not in st.session_state:
        context = get_script_run_ctx()
        session_id = context.session_id if context is not None else "no-session"
        st.session_state[OWNER] = f"{session_id}:{secrets.token_hex(4)}:train"
    return st.session_state[OWNER]


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
    # No per-tab keep-alive: the registry stops the run when nobody has looked at it for a while,
    # and a reload of the tab (a new session) must find it still training.
    run = TrainingRun(network, data.x_train, data.y_train, data.x_test, data.y_test, owner=session_owner())
    run.set_delay(float(st.session_state["train_speed"]))
    st.session_state[session.RUN] = run
    st.session_state[RUN_ID] = registry.RUNS.add(run)
    return run


def _clear_messages():
    st.session_state[PROBLEM] = None
    st.session_state[NOTE] = None


def play_pause():
    """The one toggle: pause a run that trains; otherwise start a new run or go on with this one.

    Going on after a finish trains the planned number of epochs again; after a stop or a
    failure it continues from the weights it has. `play_help` says which, on the button.
    """
    _clear_messages()
    run = current_run()
    if run is not None and run.state in TRAINING_STATES:
        run.pause()
        return
    run = run or _new_run()
    if run is not None:
        run.start()


def play_label(run):
    """(label, icon, help) of the toggle for the run's state."""
    state = run.state if run is not None else None
    if state in TRAINING_STATES:
        return "Pause", ":material/pause:", "Pause training; Play goes on from here."
    if state is None or state == READY:
        return "Play", ":material/play_arrow:", "Train a new network with the settings on this page."
    if state == PAUSED:
        return "Play", ":material/play_arrow:", "Go on training from here."
    return "Play", ":material/play_arrow:", after_end_note(run)


def after_end_note(run):
    """What Play does once the run has ended (finished, stopped or failed), or None while it has not."""
    state = run.state if run is not None else None
    if state == FINISHED:
        epochs = run.trainer.config.epochs
        return (
            f"Done. Play trains {epochs} more epoch{'s' if epochs != 1 else ''} from these weights; Reset starts over."
        )
    if state == STOPPED:
        return "Stopped. Play goes on from where it stopped; Reset starts over."
    if state == FAILED:
        return "Play goes on from the last good weights; Reset starts over."
    return None


def step():
    """One mini-batch, then pause; creates the run first if there is none."""
    _clear_messages()
    run = current_run() or _new_run()
    if run is not None:
        st.session_state[STEP_TARGET] = run.trainer.step + 1
        run.step_once()


def reset():
    """Stop and forget the current run; the next Play uses the widgets' settings."""
    _clear_messages()
    run, run_id = current_run(), st.session_state.get(RUN_ID)
    if run_id is not None:
        registry.RUNS.discard(run_id)  # Stops the run and gives its compiled steps back.
    elif run is not None:
        run.stop(wait=False)
    if run is not None:
        # The compiled call in progress ends within a fraction of a second and gives the program
        # back; waiting for it lets the next Play reuse that program instead of compiling another.
        run.join(timeout=RESET_WAIT_SECONDS)
    st.session_state[session.RUN] = None
    st.session_state[RUN_ID] = None


def preset_name(name):
    """A preset as the Network box shows it: its name and what it is for."""
    return f"{name}: {PRESET_DESCRIPTIONS[name]}"


def preset_changed():
    """A network chosen from the presets: its layers, batch, epochs, negatives, threshold and rate fill the widgets."""
    preset = PRESETS[st.session_state["train_preset"]]
    st.session_state["train_layers"] = layers_text(preset)
    st.session_state["train_batch"] = preset.batch_size
    st.session_state["train_epochs"] = preset.epochs
    st.session_state["train_negatives"] = preset.negatives
    st.session_state["train_threshold"] = preset.threshold
    st.session_state["train_lr"] = settings.closest(settings.options("train_lr"), preset.learning_rate)


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


def use_pretrained_model(kind="dense"):
    session.use_pretrained(kind)
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
    """Whether the live panel should poll: the run compiles or trains, or a single step is still due."""
    if run is None:
        return False
    if run.state in TRAINING_STATES:
        return True
    return run.state == PAUSED and run.trainer.step < st.session_state.get(STEP_TARGET, 0)


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
