"""FF vs backprop: the same layers trained by Forward-Forward and by backpropagation, side by side."""

import streamlit as st

from ui import compare, layout, session, settings
from ui import explain as explain_panels
from ui.charts import compare as compare_charts

if explain_panels.variants_panel():  # "FF vs FF" chosen: that view replaces this one.
    st.stop()
st.title("Forward-Forward vs backpropagation")
layout.explain(
    "Both networks get the same hidden layers, the same training images and the same time. "
    "Forward-Forward trains each layer on its own goodness loss; backpropagation trains the whole "
    "network (plus a softmax output layer) on the cross-entropy of the labels. Hinton (2022, "
    "section 4) reports that FF is somewhat slower to learn and reaches a slightly lower accuracy."
)

layers, budget, start, stop = st.columns([2, 1, 1, 1], vertical_alignment="bottom")
layers.text_input("Hidden layer sizes", key="compare_layers", help="Comma-separated units per layer, e.g. 500,500.")
budget.number_input("Time budget (s)", *settings.bounds("compare_budget"), step=10, key="compare_budget")
on_start, start_args = session.once_per_click(compare.start)  # One click starts one race, never two.
start.button(
    "Start", key="compare_start", type="primary", on_click=on_start, args=start_args, disabled=compare.running()
)
stop.button("Stop", key="compare_stop", on_click=compare.stop, disabled=not compare.running())
if st.session_state.get(compare.PROBLEM):
    st.error(layout.escape_markdown(st.session_state[compare.PROBLEM]))

live = compare.running()


@st.fragment(run_every=1.0 if live else None)
def live_panel():
    """Both runs' progress and the two charts, redrawn every second while either trains."""
    compare.enforce_budget()
    current = compare.runs()
    if current is None:
        st.info("Press **Start** to train both networks for the time budget.")
        return
    histories = {}
    with st.container(key="compare_status"):
        for method in ("FF", "Backprop"):
            line, snapshot = compare.summary(current[method], current["budget"])
            st.markdown(f"**{method}**: {line}")
            if snapshot["state"] == "failed":
                st.error(snapshot["message"])
            histories[method] = snapshot["history"]
    style = layout.chart_style()
    accuracy_column, loss_column = (st.container(), st.container()) if layout.talk_mode() else st.columns(2)
    with accuracy_column, st.container(key="compare_accuracy_chart"):
        layout.show_chart(compare_charts.compare_accuracy_figure(histories, style), key="compare_accuracy_plot")
    with loss_column, st.container(key="compare_loss_chart"):
        layout.show_chart(compare_charts.compare_loss_figure(histories, style), key="compare_loss_plot")
    if live and not compare.running():
        st.rerun()  # Both runs ended: redraw the buttons and stop polling.


live_panel()
