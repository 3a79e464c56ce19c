"""Train: a Forward-Forward network learning live, every layer on its own loss, in a background thread."""

import streamlit as st

from ffviz.runner import PAUSED, RUNNING
from ui import explain as explain_panels
from ui import layout, settings, training
from ui.charts import training as training_charts

st.title("Train a Forward-Forward network")
layout.explain(
    "Every layer learns on its own: it pushes its **goodness** (mean squared activity) above the "
    "threshold for real digits with the right label written in (*positive*), and below it for the "
    "same digits with a wrong label (*negative*). Press **Start** and watch each layer's loss fall "
    "and the two goodness curves split around the threshold. Move the threshold or the learning "
    "rate while it trains: the change applies at the next step and is marked on the charts."
)

live_settings, new_run = st.columns(2)
with live_settings:
    st.subheader("Live settings")
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
with new_run:
    st.subheader("Network (applies after Reset)")
    st.text_input("Hidden layer sizes", key="train_layers", help="Comma-separated units per layer, e.g. 500,500.")
    batch, epochs, negatives = st.columns(3)
    batch.number_input("Batch size", *settings.bounds("train_batch"), step=10, key="train_batch")
    epochs.number_input("Epochs", *settings.bounds("train_epochs"), key="train_epochs")
    negatives.selectbox(
        "Negatives",
        settings.options("train_negatives"),
        key="train_negatives",
        help="Wrong labels: ones the model likes (hard), or any (random).",
    )

run = training.current_run()
run_state = run.state if run is not None else None
buttons = st.columns(6)
buttons[0].button("Start", key="train_start", type="primary", on_click=training.start, disabled=run_state == RUNNING)
buttons[1].button("Pause", key="train_pause", on_click=training.pause, disabled=run_state != RUNNING)
buttons[2].button("Resume", key="train_resume", on_click=training.resume, disabled=run_state != PAUSED)
buttons[3].button("Stop", key="train_stop", on_click=training.stop, disabled=run is None or not run.alive)
buttons[4].button("Reset", key="train_reset", on_click=training.reset, disabled=run is None)
buttons[5].button("One step", key="train_step", on_click=training.step, disabled=run_state == RUNNING)
if st.session_state.get(training.PROBLEM):
    st.error(layout.escape_markdown(st.session_state[training.PROBLEM]))
if st.session_state.get(training.NOTE):
    st.success(layout.escape_markdown(st.session_state[training.NOTE]))
if run is not None and training.architecture_changed(run):
    st.caption("The network settings above differ from the current run's; press Reset to apply them.")

live = training.needs_refresh(run)


@st.fragment(run_every=0.5 if live else None)
def live_panel():
    """Progress and charts, redrawn twice a second while the run is training."""
    run = training.current_run()
    snapshot = run.snapshot() if run is not None else None
    style = layout.chart_style()
    with st.container(key="train_status"):
        if snapshot is None:
            st.markdown("**Step 0**: no run yet. Press **Start** (or **One step**).")
        else:
            accuracy = snapshot["test_accuracy"][-1][1] if snapshot["test_accuracy"] else None
            metrics = st.columns(4)
            metrics[0].metric("Epoch", f"{snapshot['epoch']:.2f} / {training.planned_epochs(run)}")
            metrics[1].metric("Steps per second", f"{snapshot['steps_per_second']:.1f}")
            metrics[2].metric("Elapsed", f"{snapshot['elapsed']:.0f} s")
            metrics[3].metric("Test accuracy", "–" if accuracy is None else f"{100 * accuracy:.1f}%")
            st.markdown(f"**Step {snapshot['step']}** of {snapshot['total_steps']} · {snapshot['state']}")
            if snapshot["state"] == "running" and snapshot["step"] == 0:
                st.caption("Compiling the training step: the first step takes a few seconds.")
            if snapshot["state"] == "failed":
                st.error(f"{snapshot['message']} Press **Start** to go on from the last good weights, or **Reset**.")
            elif snapshot["message"]:
                st.info(snapshot["message"])
    history = snapshot["history"] if snapshot else []
    num_layers = run.network.config.num_layers if run is not None else 0
    # Side by side on a laptop; one under the other in talk mode, where charts are larger.
    loss_column, goodness_column = (st.container(), st.container()) if layout.talk_mode() else st.columns(2)
    with loss_column, st.container(key="train_loss_chart"):
        if history:
            figure = training_charts.loss_figure(history, snapshot["events"], num_layers, style)
            layout.show_chart(figure, key="train_loss_plot")
        else:
            st.info("Each layer's loss appears here once training starts.")
    with goodness_column:
        if history:
            figure = training_charts.goodness_history_figure(history, snapshot["events"], num_layers, style)
            layout.show_chart(figure, key="train_goodness_plot")
    if snapshot and snapshot["goodness_samples"]:
        # The slider's value, not the run's: a moved threshold moves the line at once.
        threshold = st.session_state["train_threshold"]
        with st.container(key="train_histograms"):
            figure = training_charts.goodness_histogram_figure(snapshot["goodness_samples"], threshold, style)
            layout.show_chart(figure, key="train_histogram_plot")
    if snapshot and snapshot["test_accuracy"]:
        layout.show_chart(training_charts.accuracy_figure(snapshot["test_accuracy"], style), key="train_accuracy_plot")
    if live and not training.needs_refresh(run):
        st.rerun()  # The run paused or ended: redraw the buttons and stop polling.


live_panel()
explain_panels.update_panel(training.current_run())

st.divider()
st.subheader("Model")
use, back, download, history, upload = st.columns([1, 1.5, 1, 1, 2])
use.button("Use this model", key="train_use_model", on_click=training.use_trained_model, disabled=run is None)
back.button("Back to the pretrained model", key="train_use_pretrained", on_click=training.use_pretrained_model)
model_bytes, file_name = training.download()
download.download_button(
    "Download model",
    data=model_bytes,
    file_name=file_name,
    mime="application/octet-stream",
    key="train_download",
    on_click="ignore",
)
history_csv = training.history_download()
history.download_button(
    "Loss history (CSV)",
    data=history_csv or "",
    file_name="ffviz_history.csv",
    mime="text/csv",
    key="train_download_csv",
    on_click="ignore",
    disabled=history_csv is None,
)
upload.file_uploader("Upload a model file (.npz)", type=["npz"], key="train_upload", on_change=training.upload_changed)
