"""Goodness: draw, pick or upload a digit and see how good each of the ten labels looks to every layer."""

import random

import streamlit as st

from ffviz.config import IMAGE_SIDE
from ffviz.preprocess import canvas_to_mnist, image_file_to_mnist
from ui import canvas_input, layout, links, readings, session, settings
from ui import explain as explain_panels
from ui.charts import digits
from ui.charts import goodness as goodness_charts

TALK_BARS_HEIGHT = 540  # Pixels: the bar chart and its radio beside the canvas on a 720-pixel screen.

layout.page_title("Which label is good?")
layout.explain(
    "Forward-Forward classifies by trying every label: it writes each label into the image and "
    "measures every layer's **goodness** (mean squared activity); the label with the most wins. "
    "Draw a digit, pick one from the test set or upload a photo; the dashed line is the threshold "
    "that training pushed real digits above."
)
if session.active_network().config.conv_layers:
    layout.explain(
        "This network is convolutional: each label owns a group of its filters, and a label's goodness "
        "is its group's mean squared activity over the whole image. The maps under the bars show where "
        "in the image the winning label's goodness comes from.",
        key="page_explanation_conv",
    )

data = session.dataset()


def clear_canvas():
    st.session_state["goodness_canvas_version"] += 1


def random_test_digit():
    st.session_state["goodness_index"] = random.randrange(len(data.x_test))


def digit_input(source):
    """The digit from the chosen source: (image or None, label or None, description, hint)."""
    if source == "Draw":
        version = st.session_state["goodness_canvas_version"]
        with st.container(key="goodness_canvas_box"):
            try:
                drawing = canvas_input.digit_canvas("goodness_canvas" if version == 0 else f"goodness_canvas_{version}")
                image = None if drawing is None else canvas_to_mnist(drawing)  # None while the canvas is empty.
            except ValueError as error:  # The browser sent something other than a drawing: ask again.
                st.error(f"The drawing could not be read: {layout.escape_markdown(error)}. Press Clear and draw again.")
                image = None
        st.button("Clear", key="goodness_clear", on_click=clear_canvas)
        if image is not None:
            return image, None, "your drawing", ""
        return None, None, "", "Draw a digit on the black square, as large as the square."
    if source == "Test set":
        index = st.number_input("Test digit number", 0, len(data.x_test) - 1, key="goodness_index")
        st.button("Random digit", key="goodness_random", on_click=random_test_digit)
        image = data.x_test[index].reshape(IMAGE_SIDE, IMAGE_SIDE)
        return image, int(data.y_test[index]), f"test digit #{index}", ""
    upload = st.file_uploader(
        "A picture of one digit (PNG or JPEG)", type=["png", "jpg", "jpeg"], key="goodness_upload"
    )
    if upload is not None:
        try:
            return image_file_to_mnist(upload.getvalue()), None, f"uploaded {upload.name}", ""
        except ValueError as error:
            st.error(f"{layout.escape_markdown(upload.name)}: {layout.escape_markdown(error)}")
    return None, None, "", "Upload a picture of one digit."


def show_prediction(reading, label):
    """The predicted label, right under the digit, so a phone shows both on its first screen."""
    with st.container(key="goodness_prediction"):
        truth = "" if label is None else f" (true label: {data.label_names[label]})"
        st.subheader(f"Prediction: {data.label_names[reading['prediction']]}{truth}")
        st.caption(
            f"Goodness read-out: the label with the most goodness summed over the layers. "
            f"Softmax read-out: {data.label_names[reading['softmax_prediction']]} "
            f"({100 * reading['probabilities'].max():.0f}%)."
        )


def show_bars(network, reading, image):
    style = layout.chart_style()
    if layout.talk_mode():
        style = style.scaled(TALK_BARS_HEIGHT / style.height)  # The whole chart beside the canvas on one screen.
    bar_layout = st.radio("Layers", settings.options("goodness_layout"), key="goodness_layout", horizontal=True)
    figure = goodness_charts.goodness_bars_figure(
        reading["goodness"],
        network.config.threshold,
        reading["prediction"],
        style,
        label_names=data.label_names,
        mode="stack" if bar_layout == "Stacked" else "group",
    )
    with st.container(key="goodness_chart"):
        layout.show_chart(figure, key="goodness_bars")
    maps = readings.goodness_maps(network, image)
    if maps:  # A convolutional network: where the winning label's goodness comes from.
        figure = goodness_charts.goodness_map_figure(
            image, maps, reading["prediction"], layout.chart_style().scaled(0.7), data.label_names
        )
        with st.container(key="goodness_maps_box"):
            layout.show_chart(figure, key="goodness_maps")
    if not layout.talk_mode():
        figure = goodness_charts.probabilities_figure(reading["probabilities"], layout.chart_style(), data.label_names)
        layout.show_chart(figure, key="goodness_probabilities")


@st.fragment
def reading_panel():
    """Digit, prediction and bars: a stroke on the canvas reruns only this panel, not the whole app."""
    input_column, chart_column = st.columns([1, 2])
    with input_column:
        source = st.radio("Digit from", settings.options("goodness_source"), key="goodness_source", horizontal=True)
        image, label, description, hint = digit_input(source)
    if image is None:
        input_column.info(hint)
        return
    session.set_current_digit(image, label, description)
    network = session.active_network()
    try:
        reading = readings.classify(network, image)
    except ValueError as error:
        input_column.error(f"The model could not read this digit: {layout.escape_markdown(error)}")
        return
    # The answer first (prediction and bars), then what explains it: Streamlit sends each element as
    # the script reaches it, so the bars are on screen before the slower figures are built.
    with input_column:
        show_prediction(reading, label)
    with chart_column:
        show_bars(network, reading, image)
    with input_column, st.container(key="goodness_preview"):
        st.caption("What the network sees (28 × 28, centred like MNIST)")
        layout.show_chart(digits.digit_figure(image, layout.chart_style().scaled(0.6)), key="goodness_preview_plot")
    with chart_column:
        explain_panels.saliency_panel(network, image, label, reading["goodness"], data.label_names)
    links.write()  # The panel's own settings (source, digit, bar layout) go into the link at once.


reading_panel()
# The first drawing should not wait for the inference graph to be traced: trace it now, once per model.
readings.warm_up(session.active_model()["id"], session.active_network())
