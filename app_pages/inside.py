"""Inside: first-layer receptive fields, each layer's activity for a right and a wrong label, and errors."""

import streamlit as st

from ui import charts, state

st.title("Inside the network")
state.explain(
    "**Left:** what the first-layer units look for; each square is one unit's 784 input weights "
    "(red positive, blue negative). The top-left pixels are where the label is written. "
    "**Right:** every unit's activity for the current digit (from the Goodness page) with its true "
    "label and with a wrong one: the right label should light more units up. **Below:** where the "
    "model goes wrong on the whole test set."
)

data = state.dataset()
model = state.active_model()
network = model["network"]
style = state.chart_style()
digit = state.current_digit()

fields_column, activity_column = st.columns(2)
with fields_column:
    units = st.select_slider("Units shown", state.UNITS_SHOWN, key="inside_units")
    state.show_chart(charts.receptive_fields_figure(network.first_layer_fields(), style, units), key="inside_fields_plot")

with activity_column:
    reading = state.classify(network, digit["image"])
    right = digit["label"] if digit["label"] is not None else reading["prediction"]
    right_name = f"{'true' if digit['label'] is not None else 'predicted'} label {data.label_names[right]}"
    wrong_options = [label for label in range(len(data.label_names)) if label != right]
    runner_up = max(wrong_options, key=lambda label: reading["goodness"][:, label].sum())
    wrong = st.selectbox(
        "Wrong label (default: the one the network likes best)", wrong_options, key=f"inside_wrong_label_{right}",
        index=wrong_options.index(runner_up), format_func=lambda label: data.label_names[label],
    )  # fmt: skip
    st.caption(f"Digit: {digit['description']}")
    activity = state.layer_activity(network, digit["image"], {right_name: right, f"wrong label {data.label_names[wrong]}": wrong})
    figure = charts.activations_figure(activity["activations"], activity["goodness"], style)
    state.show_chart(figure, key="inside_activations_plot")


@st.fragment
def confusion_panel():
    """The confusion matrix, cached per model and read-out; its own fragment so changing it is quick."""
    readout = st.radio("Read-out", ("softmax", "goodness"), key="inside_readout", horizontal=True)
    with st.container(key="inside_confusion"):
        with st.spinner(f"Classifying {len(data.x_test):,} test digits…"):
            result = state.test_results(model["id"], network, readout)
        st.metric("Test accuracy", f"{100 * result['accuracy']:.2f}%", help=data.describe())
        state.show_chart(charts.confusion_figure(result["confusion"], style, data.label_names), key="inside_confusion_plot")


confusion_panel()
