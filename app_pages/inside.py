"""Inside: first-layer receptive fields, each layer's activity for a right and a wrong label, and errors."""

import streamlit as st

from ui import layout, readings, session, settings
from ui.charts import inside as inside_charts

data = session.dataset()
model = session.active_model()
network = model["network"]
style = layout.chart_style()
digit = session.current_digit()
convolutional = bool(network.config.conv_layers)

st.title("Inside the network")
if convolutional:
    layout.explain(
        "**Left:** what the first convolutional layer looks for: its filters (red positive, blue "
        "negative) and what each of them finds in the current digit (from the Goodness page). "
        "**Right:** every layer's activity with the digit's true label and with a wrong one: each label "
        "has its own group of filters, and the right label's group should light up more. **Below:** "
        "where the model goes wrong on the whole test set."
    )
else:
    layout.explain(
        "**Left:** what the first-layer units look for; each square is one unit's 784 input weights "
        "(red positive, blue negative). The top-left pixels are where the label is written. "
        "**Right:** every unit's activity for the current digit (from the Goodness page) with its true "
        "label and with a wrong one: the right label should light more units up. **Below:** where the "
        "model goes wrong on the whole test set."
    )

fields_column, activity_column = st.columns(2)
with fields_column:
    units = st.select_slider("Units shown", settings.options("inside_units"), key="inside_units")
    figure = inside_charts.receptive_fields_figure(network.first_layer_fields(), style, units)
    with st.container(key="inside_fields"):
        layout.show_chart(figure, key="inside_fields_plot")
    if convolutional:
        figure = inside_charts.feature_maps_figure(network.feature_maps(digit["image"])[0], style, units)
        with st.container(key="inside_feature_maps"):
            layout.show_chart(figure, key="inside_feature_maps_plot")

with activity_column:
    reading = readings.classify(network, digit["image"])
    right = digit["label"] if digit["label"] is not None else reading["prediction"]
    right_name = f"{'true' if digit['label'] is not None else 'predicted'} label {data.label_names[right]}"
    wrong_options = [label for label in range(len(data.label_names)) if label != right]
    runner_up = max(wrong_options, key=lambda label: reading["goodness"][:, label].sum())
    wrong = st.selectbox(
        "Wrong label (default: the one the network likes best)",
        wrong_options,
        key=f"inside_wrong_label_{right}",
        index=wrong_options.index(runner_up),
        format_func=lambda label: data.label_names[label],
    )
    st.caption(f"Digit: {layout.escape_markdown(digit['description'])}")
    labels = {right_name: right, f"wrong label {data.label_names[wrong]}": wrong}
    activity = readings.layer_activity(network, digit["image"], labels)
    figure = inside_charts.activations_figure(activity["activations"], activity["goodness"], style)
    layout.show_chart(figure, key="inside_activations_plot")


@st.fragment
def confusion_panel():
    """The confusion matrix, cached per model and read-out; its own fragment so changing it is quick."""
    readout = st.radio("Read-out", settings.options("inside_readout"), key="inside_readout", horizontal=True)
    with st.container(key="inside_confusion"):
        with st.spinner(f"Classifying {len(data.x_test):,} test digits…"):
            result = readings.test_results(model["id"], network, readout)
        st.metric("Test accuracy", f"{100 * result['accuracy']:.2f}%", help=layout.escape_markdown(data.describe()))
        figure = inside_charts.confusion_figure(result["confusion"], style, data.label_names)
        layout.show_chart(figure, key="inside_confusion_plot")


confusion_panel()
