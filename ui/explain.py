"""The explanation panels: why a label wins (Goodness), what one update did (Train), FF vs FF (Compare).

Each panel is one call from its page and a single `ffviz.explain` or `ffviz.variants` call
inside, shaped for its charts. The FF vs FF race runs in background threads that never call
Streamlit; its panel polls it from a fragment, as the FF vs backprop page polls its runs.
"""

import streamlit as st

from ffviz import explain
from ffviz.config import FFConfig, parse_layer_sizes
from ffviz.runner import FINISHED, PAUSED, STOPPED
from ui import layout, session, settings, training
from ui.charts import explain as explain_charts

RACE = "variants_race"  # ffviz.variants.VariantRace or None.
PROBLEM = "variants_problem"  # A message for st.error, or None.
UPDATE = "explain_last_update"  # (run id, step, update dict): the last update, described once.
VARIANTS = ("a", "b")
MEASURE_NAMES = {"mean_square": "mean of squares", "sum_square": "sum of squares"}
LOSS_NAMES = {"softplus": "softplus around the threshold", "symba": "SymBa, positive vs negative"}


# Goodness page: why this label?


@st.fragment
def saliency_panel(network, image, label, goodness, label_names):
    """Heatmaps of how each pixel moves the goodness of the top two labels and the true one.

    Args:
        goodness: (layers, 10), the goodness of every label in every layer for `image`.
    """
    summed = goodness[list(network.config.used_layers())].sum(axis=0)
    labels = explain.labels_to_explain(summed, label)
    maps = explain.label_saliency(network, image, labels)  # (labels, layers + 1, 28, 28)
    num_layers = network.config.num_layers
    if st.session_state.get("goodness_saliency_layer", 0) > num_layers:
        st.session_state["goodness_saliency_layer"] = 0  # The model has fewer layers than the link asked for.
    roles = ["top", "second"] + (["true"] if len(labels) > 2 else [])
    titles = [f"{label_names[value]} ({role})" for value, role in zip(labels, roles)]
    with st.container(key="goodness_saliency"):
        st.markdown(
            "**Why this label?** Red pixels raise that label's goodness, blue ones lower it; "
            "where the maps differ is where the network tells the labels apart."
        )
        layer = st.selectbox(
            "Saliency of",
            range(num_layers + 1),
            format_func=lambda index: "all layers (summed)" if index == 0 else f"layer {index}",
            key="goodness_saliency_layer",
        )
        shown = maps[:, -1] if layer == 0 else maps[:, layer - 1]
        layout.show_chart(
            explain_charts.saliency_figure(shown, titles, layout.chart_style(), image), key="goodness_saliency_plot"
        )


# Train page: what did one update do?


def update_panel(run):
    """After "One step", or while a run is paused or stopped: the batch it just trained on, before and after."""
    if run is None or run.state not in (PAUSED, STOPPED, FINISHED) or training.needs_refresh(run):
        return
    trainer = run.trainer
    if getattr(trainer, "last_batch", None) is None:
        return  # Not a Forward-Forward trainer, or no step yet.
    if not run.wait_between_calls(timeout=2.0):
        return  # The call in flight when the run paused has not ended yet; the next rerun shows the panel.
    cached = st.session_state.get(UPDATE)
    if cached is not None and cached[:2] == (id(run), trainer.step):
        update = cached[2]
    else:
        update = explain.last_update(trainer)
        st.session_state[UPDATE] = (id(run), trainer.step, update)
    data = session.dataset()
    style = layout.chart_style()
    with st.container(key="train_update"):
        st.subheader(f"What update {update['step']} did")
        st.markdown(
            "One step nudged every layer to raise the goodness of the real digits (green) and lower it "
            "for the same digits with a wrong label (orange): pale bars are before, dark bars after."
        )
        goodness_column, weights_column = (st.container(), st.container()) if layout.talk_mode() else st.columns([2, 1])
        with goodness_column:
            layout.show_chart(explain_charts.update_goodness_figure(update, style), key="train_update_goodness")
        with weights_column:
            layout.show_chart(
                explain_charts.weight_change_figure(update["weight_change_sum"], style), key="train_update_weights"
            )
        st.caption(
            "The examples that moved most: the change of their goodness with the true label, and with the wrong one."
        )
        figure = explain_charts.moved_digits_figure(update, data.label_names, style)
        layout.show_chart(figure, key="train_update_digits")


# Compare page: FF vs FF.


def variant_config(name):
    """The FFConfig of variant `name` ("a" or "b") from its widgets; sums of squares take Hinton's sharpness 1."""
    state = st.session_state
    goodness = state[f"variants_{name}_goodness"]
    return FFConfig().replace(
        layer_sizes=parse_layer_sizes(state[f"variants_{name}_layers"]),
        loss=state[f"variants_{name}_loss"],
        goodness=goodness,
        negatives=state[f"variants_{name}_negatives"],
        readout=state[f"variants_{name}_readout"],
        sharpness=1.0 if goodness == "sum_square" else FFConfig().sharpness,
    )


def race():
    return st.session_state.get(RACE)


def start_race():
    """Build both variants from the widgets and start them: same seed, so the same initial weights every time."""
    from ffviz.variants import VariantRace

    stop_race()
    st.session_state[PROBLEM] = None
    try:
        configs = {name.upper(): variant_config(name) for name in VARIANTS}
    except ValueError as error:
        st.session_state[PROBLEM] = str(error)
        return
    data = session.load_data()
    arrays = (data.x_train, data.y_train, data.x_test, data.y_test)
    budget = float(st.session_state["variants_budget"])
    current = VariantRace(configs, *arrays, budget=budget, keep_alive=session.session_keep_alive())
    st.session_state[RACE] = current
    current.start()


def stop_race():
    if race() is not None:
        race().stop()


def describe(config):
    sizes = "-".join(str(units) for units in config.layer_sizes)
    return (
        f"{LOSS_NAMES[config.loss]}, {MEASURE_NAMES[config.goodness]}, {config.negatives} negatives, "
        f"{config.readout} read-out, {sizes}"
    )


def variant_controls(name):
    st.subheader(f"Variant {name.upper()}")
    loss, goodness = st.columns(2)
    loss.selectbox(
        "Loss", settings.options(f"variants_{name}_loss"), key=f"variants_{name}_loss", format_func=LOSS_NAMES.get
    )
    goodness.selectbox(
        "Goodness",
        settings.options(f"variants_{name}_goodness"),
        key=f"variants_{name}_goodness",
        format_func=MEASURE_NAMES.get,
    )
    negatives, readout, layers = st.columns(3)
    negatives.selectbox("Negatives", settings.options(f"variants_{name}_negatives"), key=f"variants_{name}_negatives")
    readout.selectbox("Read-out", settings.options(f"variants_{name}_readout"), key=f"variants_{name}_readout")
    layers.text_input("Layer sizes", key=f"variants_{name}_layers", help="Comma-separated units per layer.")


def variants_panel():
    """The comparison page's mode switch; in "FF vs FF" mode the whole view, and True (the page stops there).

    The page calls `st.stop()` after a True, which skips the sidebar that `app.py` draws after
    the page, so this view draws it itself.
    """
    mode = st.radio("Compare", settings.options("compare_mode"), key="compare_mode", horizontal=True)
    if mode != "FF vs FF":
        return False
    st.title("Which Forward-Forward choices matter?")
    layout.explain(
        "Two Forward-Forward networks start from the same random weights and see the same images in the same "
        "order for the same time; only the choices below differ. The clock starts once both are compiled. "
        "Hinton's loss is *softplus* with a *sum of squares* (the logistic of sum(h²) − N); SymBa only asks "
        "that the true label's goodness beat the wrong label's."
    )
    columns = st.columns(2)
    for column, name in zip(columns, VARIANTS):
        with column:
            variant_controls(name)
    current = race()
    budget, start, stop = st.columns([2, 1, 1], vertical_alignment="bottom")
    budget.number_input("Time budget (s)", *settings.bounds("variants_budget"), step=10, key="variants_budget")
    label = "Run again" if current is not None else "Start"
    running = current is not None and current.running
    on_start, start_args = session.once_per_click(start_race)  # One click starts one race, never two.
    start.button(
        label,
        key="variants_start",
        type="primary",
        on_click=on_start,
        args=start_args,
        disabled=running,
        help="The same seed every time: the same initial weights and data order, so the same curves.",
    )
    stop.button("Stop", key="variants_stop", on_click=stop_race, disabled=not running)
    if st.session_state.get(PROBLEM):
        st.error(layout.escape_markdown(st.session_state[PROBLEM]))
    variants_live(running)
    layout.render_sidebar()
    return True


def variants_live(running):
    @st.fragment(run_every=1.0 if running else None)
    def live():
        current = race()
        if current is None:
            st.info("Press **Start** to train both variants for the time budget.")
            return
        current.enforce_budget()
        with st.container(key="variants_status"):
            if current.state == "compiling":
                st.markdown("Compiling both networks; the clock starts when both are ready.")
            elif current.message:
                st.error(layout.escape_markdown(current.message))
            for name, run in current.runs.items():
                snapshot = run.status()
                config = run.network.config
                st.markdown(f"**{name}** ({describe(config)}): {snapshot['step']} steps · {snapshot['state']}")
            outcome = current.outcome()
            if outcome is not None:
                st.success(outcome["sentence"])
        histories = {name: run.snapshot()["history"] for name, run in current.runs.items()}
        style = layout.chart_style()
        accuracy_column, loss_column = (st.container(), st.container()) if layout.talk_mode() else st.columns(2)
        with accuracy_column, st.container(key="variants_accuracy_chart"):
            layout.show_chart(
                explain_charts.variants_figure(histories, "accuracy", style), key="variants_accuracy_plot"
            )
        with loss_column, st.container(key="variants_loss_chart"):
            layout.show_chart(explain_charts.variants_figure(histories, "loss", style), key="variants_loss_plot")
        if running and not current.running:
            st.rerun()  # Both ended: redraw the buttons and stop polling.

    live()
