"""Train: a Forward-Forward network learning live, every layer on its own loss, in a background thread."""

import streamlit as st

from ui import explain as explain_panels
from ui import layout, session, settings, training
from ui import train_panel as panel

layout.page_title("Train a Forward-Forward network")
layout.explain(
    "Every layer learns on its own: it pushes its **goodness** (mean squared activity) above the "
    "threshold for real digits with the right label written in (*positive*), and below it for the "
    "same digits with a wrong label (*negative*). Press **Play** and watch each layer's loss fall "
    "and the two goodness histograms split around the threshold. Move the threshold or the learning "
    "rate while it trains: the change applies at the next step and is marked on the charts."
)

run = training.current_run()
training.warm_up_preset()  # Before the first Play: the preset's steps compile while the page is read.


def control_buttons(run):
    """Play/Pause (one toggle), Step and Reset, as in TensorFlow Playground, and what Play will do."""
    label, icon, help_text = training.play_label(run)
    training_now = run is not None and run.state in training.TRAINING_STATES
    buttons = st.container(horizontal=True, gap="small")
    play, step, reset = buttons, buttons, buttons
    # One click, one action: a toggle called twice for one click would pause and play again.
    on_play, play_args = session.once_per_click(training.play_pause)
    on_step, step_args = session.once_per_click(training.step)
    on_reset, reset_args = session.once_per_click(training.reset)
    play.button(label, key="train_play", icon=icon, type="primary", on_click=on_play, args=play_args, help=help_text)
    step.button(
        "Step",
        key="train_step",
        icon=":material/skip_next:",
        on_click=on_step,
        args=step_args,
        disabled=training_now,
        help="Train one mini-batch, then pause.",
    )
    reset.button(
        "Reset",
        key="train_reset",
        icon=":material/restart_alt:",
        on_click=on_reset,
        args=reset_args,
        disabled=run is None,
        help="Stop and forget this run; Play then starts a new network with the settings on this page.",
    )
    note = training.after_end_note(run)
    if note:
        st.caption(note)


def live_settings():
    """The settings that apply to a run while it trains."""
    st.slider(
        "Threshold",
        *settings.bounds("train_threshold"),
        step=0.05,
        key="train_threshold",
        on_change=training.threshold_changed,
    )
    st.select_slider(
        "Learning rate",
        settings.options("train_lr"),
        key="train_lr",
        format_func="{:g}".format,
        on_change=training.learning_rate_changed,
    )
    st.select_slider(
        "Delay per step (speed)",
        settings.options("train_speed"),
        key="train_speed",
        format_func=lambda seconds: "none" if seconds == 0 else f"{seconds:g} s",
        on_change=training.speed_changed,
    )


def network_settings():
    """The settings that shape a new network; they apply at the next Reset."""
    st.selectbox(
        "Network",
        settings.options("train_preset"),
        key="train_preset",
        format_func=training.preset_name,
        on_change=training.preset_changed,
        help="A preset fills in the settings below; change any of them afterwards.",
    )
    st.text_input(
        "Hidden layers",
        key="train_layers",
        help="Comma-separated units per dense layer, e.g. 500,500; or convolutional layers written "
        "c<filters>k<kernel>p<pool>, e.g. c40k5p2,c80k3p2 (filters a multiple of 10: one group per label).",
    )
    batch, epochs, negatives = st.columns(3)
    batch.number_input("Batch size", *settings.bounds("train_batch"), step=10, key="train_batch")
    epochs.number_input("Epochs", *settings.bounds("train_epochs"), key="train_epochs")
    negatives.selectbox(
        "Negatives",
        settings.options("train_negatives"),
        key="train_negatives",
        help="Wrong labels: ones the model likes (hard), or any (random).",
    )
    if run is not None and training.architecture_changed(run):
        st.caption("These settings differ from the current run's; press Reset to apply them.")


def messages():
    if st.session_state.get(training.PROBLEM):
        st.error(layout.escape_markdown(st.session_state[training.PROBLEM]))
    if st.session_state.get(training.NOTE):
        st.success(layout.escape_markdown(st.session_state[training.NOTE]))


if layout.talk_mode():
    # One projector screen: the controls on the left, the loss and the histograms they move on the right.
    controls_column, stage_column = st.columns([1, 2.5], gap="medium")
    with controls_column:
        control_buttons(run)
        messages()
        live_settings()
    with stage_column:
        panel.live_panel(compact=True)
    with st.expander("Network (applies after Reset)"):
        network_settings()
else:
    control_buttons(run)
    messages()
    live_column, network_column = st.columns(2)
    with live_column:
        st.subheader("Live settings")
        live_settings()
    with network_column:
        st.subheader("Network (applies after Reset)")
        network_settings()
    panel.live_panel(compact=False)
explain_panels.update_panel(training.current_run())

st.divider()
panel.model_section(run)
