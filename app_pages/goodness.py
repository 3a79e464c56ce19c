"""Goodness: draw, pick or upload a digit and see how good each of the ten labels looks to every layer."""

import random

import streamlit as st
from streamlit_drawable_canvas import st_canvas

from ffviz.config import IMAGE_SIDE
from ffviz.preprocess import canvas_to_mnist, image_file_to_mnist
from ui import explain as explain_panels
from ui import layout, readings, session, settings
from ui.charts import digits
from ui.charts import goodness as goodness_charts

st.title("Which label is good?")
layout.explain(
    "Forward-Forward classifies by trying every label: it writes each of the ten labels into the "
    "image and measures the **goodness** (mean squared activity) of every layer. The label with the "
    "most goodness wins. Sketch a digit on the canvas, pick one from the test set or upload a photo, and "
    "watch the bars; the dashed line is the threshold that training pushed real digits above."
)

data = session.dataset()
source = st.radio("Digit from", settings.options("goodness_source"), key="goodness_source", horizontal=True)


def clear_canvas():
    st.session_state["goodness_canvas_version"] += 1


def random_test_digit():
    st.session_state["goodness_index"] = random.randrange(len(data.x_test))


input_column, chart_column = st.columns([1, 2])
image, label, description, hint = None, None, "", ""
with input_column:
    if source == "Draw":
        version = st.session_state["goodness_canvas_version"]
        st.space("medium")  # Room for the canvas's floating toolbar.
        with st.container(key="goodness_canvas_box"):
            drawing = st_canvas(
                stroke_width=18,
                stroke_color="#FFFFFF",
                background_color="#000000",
                width=280,
                height=280,
                update_streamlit=True,
                return_image_data=True,
                key="goodness_canvas" if version == 0 else f"goodness_canvas_{version}",
            )
        st.button("Clear", key="goodness_clear", on_click=clear_canvas)
        if drawing.image_data is not None:
            try:
                image, description = canvas_to_mnist(drawing.image_data), "your drawing"
            except ValueError as error:  # The canvas sent something other than pixels: ask again.
                st.error(f"The drawing could not be read: {layout.escape_markdown(error)} Press Clear and draw again.")
        hint = "Draw a digit on the black square, as large as the square."
    elif source == "Test set":
        index = st.number_input("Test digit number", 0, len(data.x_test) - 1, key="goodness_index")
        st.button("Random digit", key="goodness_random", on_click=random_test_digit)
        image, label = data.x_test[index].reshape(IMAGE_SIDE, IMAGE_SIDE), int(data.y_test[index])
        description = f"test digit #{index}"
    else:
        upload = st.file_uploader(
            "A picture of one digit (PNG or JPEG)", type=["png", "jpg", "jpeg"], key="goodness_upload"
        )
        hint = "Upload a picture of one digit."
        if upload is not None:
            try:
                image, description = image_file_to_mnist(upload.getvalue()), f"uploaded {upload.name}"
            except ValueError as error:
                st.error(f"{layout.escape_markdown(upload.name)}: {layout.escape_markdown(error)}")
    with st.container(key="goodness_preview"):
        if image is not None:
            st.caption("What the network sees (28 × 28, centred like MNIST)")
            figure = digits.digit_figure(image, layout.chart_style().scaled(0.7))
            layout.show_chart(figure, key="goodness_preview_plot")


def show_reading(image, label, description, hint):
    """The prediction and the bars for `image`, or the hint when there is none.

    A `return`, not `st.stop()`: the sidebar that `app.py` draws after the page (data
    notices, device, model) must appear on this page too.
    """
    if image is None:
        st.info(hint)
        return
    session.set_current_digit(image, label, description)
    network = session.active_network()
    try:
        reading = readings.classify(network, image)
    except ValueError as error:
        st.error(f"The model could not read this digit: {layout.escape_markdown(error)}")
        return
    with st.container(key="goodness_prediction"):
        truth = "" if label is None else f" (true label: {data.label_names[label]})"
        st.subheader(f"Prediction: {data.label_names[reading['prediction']]}{truth}")
        st.caption(
            f"Goodness read-out: the label with the most goodness summed over the layers. "
            f"Softmax read-out: {data.label_names[reading['softmax_prediction']]} "
            f"({100 * reading['probabilities'].max():.0f}%)."
        )
    bar_layout = st.radio("Layers", settings.options("goodness_layout"), key="goodness_layout", horizontal=True)
    figure = goodness_charts.goodness_bars_figure(
        reading["goodness"],
        network.config.threshold,
        reading["prediction"],
        layout.chart_style(),
        label_names=data.label_names,
        mode="stack" if bar_layout == "Stacked" else "group",
    )
    with st.container(key="goodness_chart"):
        layout.show_chart(figure, key="goodness_bars")
    explain_panels.saliency_panel(network, image, label, reading["goodness"], data.label_names)
    if not layout.talk_mode():
        figure = goodness_charts.probabilities_figure(reading["probabilities"], layout.chart_style(), data.label_names)
        layout.show_chart(figure, key="goodness_probabilities")


with chart_column:
    show_reading(image, label, description, hint)
