"""The Train page's live panel (status and charts, refreshed apart from the page) and its model buttons.

The panel is two fragments that rerun on their own while the run compiles or trains (the stage
every `REFRESH_SECONDS`, the slower curves every `DETAILS_REFRESH_SECONDS`), so the charts follow
the training without rerunning the page, and the training thread never waits for the charts.
Each reads one `snapshot()` per refresh. When a refresh finds
no new goodness probe yet, the histograms keep the last one, so the chart never goes blank.
"""

import dataclasses

import streamlit as st

from ui import layout, training
from ui.charts import training as training_charts

REFRESH_SECONDS = 1.0  # Between two redraws of the stage (status, loss, histograms) while the run trains.
# Until a started run has made its first step: Play to the first step on screen waits at most this.
FIRST_STEP_REFRESH_SECONDS = 0.2
DETAILS_REFRESH_SECONDS = 3.0  # Between two redraws of the mean-goodness and accuracy curves.
LAST_PROBE = "train_last_probe"  # (run id, goodness samples) last drawn, for refreshes without a new probe.
# The stage in talk mode: the loss and the histograms one above the other beside the controls,
# together inside a 720-pixel-high projector screen.
STAGE_FONT_SIZE, STAGE_CHART_HEIGHT = 20, 270


def live_panel(compact):
    """Status and charts; `compact` (talk mode) draws only the stage's two charts, then the rest below.

    Two fragments: the stage (status, loss, histograms) redraws every `REFRESH_SECONDS`, the
    slower curves (mean goodness, accuracy) every `DETAILS_REFRESH_SECONDS`. Every redraw of a
    Plotly chart is a new chart in the browser (Streamlit 1.67 remounts it), about a quarter of a
    second of a core each: on a 2-core machine that time is taken from the training.
    """
    run = training.current_run()
    live = training.needs_refresh(run)
    waiting = live and run.status()["step"] == 0  # Started, no step yet: poll quickly until the first.
    refresh = (FIRST_STEP_REFRESH_SECONDS if waiting else REFRESH_SECONDS) if live else None
    st.fragment(run_every=refresh)(_stage)(compact, live, waiting)
    if compact and live:
        # Below the projector's screen the other two charts wait for a pause.
        st.caption("Mean goodness and test accuracy over time: below, when paused.")
        return
    st.fragment(run_every=DETAILS_REFRESH_SECONDS if live else None)(_details)(compact, live)


def _status(snapshot, compact):
    """One line (talk mode) or four metrics and a line: step, epoch, real steps per second, accuracy."""
    accuracy = latest_accuracy(snapshot)
    accuracy_text = "–" if accuracy is None else f"{100 * accuracy:.1f}%"
    rate = snapshot["steps_per_second"]
    state = snapshot["state"]
    with st.container(key="train_status"):
        if compact:
            st.markdown(
                f"**Step {snapshot['step']:,}** of {snapshot['total_steps']:,} · epoch {snapshot['epoch']:.2f} · "
                f"{rate:.0f} steps/s · test {accuracy_text} · {state}"
            )
        else:
            metrics = st.columns(4)
            metrics[0].metric("Epoch", f"{snapshot['epoch']:.2f} / {snapshot['total_epochs']}")
            metrics[1].metric("Steps per second", f"{rate:.1f}", help="Steps over wall time while training.")
            metrics[2].metric("Elapsed", f"{snapshot['elapsed']:.0f} s")
            metrics[3].metric("Test accuracy", accuracy_text, help="Latest estimate on 1,000 held-out test digits.")
            st.markdown(f"**Step {snapshot['step']:,}** of {snapshot['total_steps']:,} · {state}")
        if state == "compiling":
            st.caption("Compiling the training step (once per network shape); the clock starts after it.")
        if state == "failed":
            st.error(f"{snapshot['message']} Press **Play** to go on from the last good weights, or **Reset**.")
        elif snapshot["message"] and compact:
            st.caption(snapshot["message"])  # One short line: the stage's charts must stay on the screen.
        elif snapshot["message"]:
            st.info(snapshot["message"])
        if snapshot.get("history_thinned"):
            st.caption(f"The charts thin out the {snapshot['history_thinned']:,} oldest steps.")


def latest_accuracy(snapshot):
    """The newest accuracy: the quick held-out estimate or the full test set's, whichever came last."""
    quick = snapshot.get("quick_accuracy") or []
    full = snapshot.get("test_accuracy") or []
    candidates = []
    if quick:
        candidates.append((quick[-1]["epoch"], quick[-1]["accuracy"]))
    if full:
        candidates.append(full[-1])
    return max(candidates)[1] if candidates else None


def probe_to_draw(snapshot):
    """This refresh's goodness samples, or the last ones drawn for the same run when none are new."""
    run_id = training.current_run_id()
    samples = snapshot.get("goodness_samples")
    if samples is not None:
        st.session_state[LAST_PROBE] = (run_id, samples)
        return samples
    last = st.session_state.get(LAST_PROBE)
    return last[1] if last is not None and last[0] == run_id else None


def _stage(compact, live, waiting):
    run = training.current_run()
    if run is None:
        with st.container(key="train_status"):
            st.markdown("**Step 0**: no run yet. Press **Play** (or **Step**).")
        return
    snapshot = run.snapshot()
    _status(snapshot, compact)
    style = layout.chart_style()
    if compact:
        style = dataclasses.replace(style, font_size=STAGE_FONT_SIZE, height=STAGE_CHART_HEIGHT)
    history, events = snapshot["history"], snapshot["events"]
    samples = probe_to_draw(snapshot)
    # The slider's value, not the run's: a moved threshold moves the line at once.
    threshold = st.session_state["train_threshold"]
    with st.container(key="train_loss_chart"):
        if history:
            num_layers = len(history[-1]["loss"])
            figure = training_charts.loss_figure(history, events, num_layers, style, legend_inside=compact)
            layout.show_chart(figure, key="train_loss_plot", live=live)
        else:
            st.info("Each layer's loss appears here once training starts.")
    with st.container(key="train_histograms"):
        if samples is not None:
            histogram_style = style if style.height < 400 else style.scaled(0.8)
            spec = training_charts.goodness_histogram_spec(samples, threshold, histogram_style)
            layout.show_live_chart(spec, key="train_histogram_plot", height=histogram_style.height)
    if live and not training.needs_refresh(run):
        st.rerun()  # The run paused or ended: redraw the buttons and the charts, and stop polling.
    if waiting and snapshot["step"] > 0:
        st.rerun()  # The first step is on screen: poll at the usual rate from now on.


def _details(compact, live):
    run = training.current_run()
    if run is None:
        return
    snapshot = run.snapshot()
    history, events = snapshot["history"], snapshot["events"]
    goodness_column, accuracy_column = (st.container(), st.container()) if compact else st.columns(2)
    with goodness_column:
        if history:
            num_layers = len(history[-1]["loss"])
            figure = training_charts.goodness_history_figure(history, events, num_layers, layout.chart_style())
            layout.show_chart(figure, key="train_goodness_plot", live=live)
    with accuracy_column, st.container(key="train_accuracy_chart"):
        if snapshot["quick_accuracy"] or snapshot["test_accuracy"]:
            figure = training_charts.accuracy_figure(
                snapshot["quick_accuracy"], snapshot["test_accuracy"], layout.chart_style()
            )
            layout.show_chart(figure, key="train_accuracy_plot", live=live)


def model_section(run):
    """Use the trained network on every page, go back to the pretrained one, download or upload a model."""
    st.subheader("Model")
    use, back, download, history, upload = st.columns([1, 1.5, 1, 1, 2])
    use.button("Use this model", key="train_use_model", on_click=training.use_trained_model, disabled=run is None)
    back.button("Back to the pretrained model", key="train_use_pretrained", on_click=training.use_pretrained_model)
    back.button(
        "Pretrained conv model",
        key="train_use_pretrained_conv",
        on_click=training.use_pretrained_model,
        args=("conv",),
        help="The `conv` preset, trained on all of MNIST: three layers of label-grouped filters.",
    )
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
    upload.file_uploader(
        "Upload a model file (.npz)", type=["npz"], key="train_upload", on_change=training.upload_changed
    )
