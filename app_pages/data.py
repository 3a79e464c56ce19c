"""Data: the training digits, and how Forward-Forward turns one into positive and negative data."""

import random

import numpy as np
import streamlit as st

from ffviz.overlay import overlay_labels
from ui import layout, session, settings
from ui.charts import digits

st.title("The data: positive and negative")
layout.explain(
    "Forward-Forward needs no separate label input: the label is **written into the image**, as a "
    "one-hot code in the first ten pixels of the top row (outlined in yellow). A digit with its "
    "true label is *positive* data, the same digit with a wrong label is *negative* data. Pick a "
    "digit by clicking it in the grid and compare; hover over a pixel to read its value."
)

data = session.dataset()
st.caption(f"Loaded: {layout.escape_markdown(data.describe())}.")


def new_samples():
    st.session_state["data_seed"] = random.randrange(100_000)


def grid_clicked():
    """A click on a digit of the grid picks it (each digit's clickable point carries its position)."""
    points = st.session_state["data_grid_plot"].selection.points
    positions = [point.get("customdata") for point in points if point.get("customdata") is not None]
    if positions:
        st.session_state["data_sample"] = int(positions[0][0] if isinstance(positions[0], list) else positions[0])


controls = st.columns([1, 1, 2])
seed = controls[0].number_input(
    "Seed", *settings.bounds("data_seed"), key="data_seed", help="The same seed shows the same digits."
)
controls[1].button("New samples", key="data_new_samples", on_click=new_samples)
grid_size = min(settings.DATA_GRID_SIZE, len(data.x_train))
indices = np.random.default_rng(seed).choice(len(data.x_train), size=grid_size, replace=False)
images, labels = data.x_train[indices], data.y_train[indices]
chosen = controls[2].selectbox(
    "Sample to look at",
    range(len(indices)),
    key="data_sample",
    format_func=lambda position: f"#{position}: {data.label_names[labels[position]]}",
)

with st.container(key="data_grid"):
    figure = digits.sample_grid_figure(images, labels, layout.chart_style(), data.label_names, selected=chosen)
    layout.show_chart(figure, key="data_grid_plot", on_select=grid_clicked)

true_label = int(labels[chosen])
wrong_labels = [label for label in range(len(data.label_names)) if label != true_label]
wrong_label = st.selectbox(
    "Wrong label for the negative input",
    wrong_labels,
    key=f"data_wrong_label_{seed}_{chosen}",
    index=int(np.random.default_rng(seed + chosen).integers(len(wrong_labels))),
    format_func=lambda label: data.label_names[label],
)
positive, negative = np.asarray(overlay_labels(images[[chosen, chosen]], np.array([true_label, wrong_label])))
titles = [
    "Raw digit",
    f"Positive: true label {data.label_names[true_label]}",
    f"Negative: wrong label {data.label_names[wrong_label]}",
]
style = layout.chart_style()
layout.show_chart(digits.digit_row_figure([images[chosen], positive, negative], titles, style), key="data_overlay")
pixels = {"raw": images[chosen], "positive": positive, "negative": negative}
layout.show_chart(digits.label_pixels_figure(pixels, style), key="data_label_pixels")
