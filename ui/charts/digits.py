"""Figures of single digits, the label overlay and the Data page's grid (Hinton 2022, section 3.3).

The label is written into the first ten pixels of the top row; these figures outline those
pixels so the audience sees where positive and negative data differ.
"""

import dataclasses
import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ffviz.config import IMAGE_SIDE
from ui.charts.style import HIGHLIGHT_COLOR, NUM_LABELS, image_axes, label_color, style_figure, titles_margin


def digit_heatmap(image, name="", zmin=0.0, zmax=1.0, coloraxis=None):
    """One 28x28 image as a grey heatmap trace, pixel values on hover."""
    image = np.asarray(image, dtype=np.float32).reshape(IMAGE_SIDE, IMAGE_SIDE)
    trace = go.Heatmap(
        z=image,
        name=name,
        zmin=zmin,
        zmax=zmax,
        colorscale="gray",
        showscale=False,
        hovertemplate="row %{y}, column %{x}<br>value %{z:.2f}<extra>" + name + "</extra>",
    )
    if coloraxis:
        trace.update(coloraxis=coloraxis)
    return trace


def label_pixels_shape(xref="x", yref="y"):
    """An outline around the first ten pixels (row 0, columns 0..9), where the label is written."""
    return {
        "type": "rect",
        "xref": xref,
        "yref": yref,
        "x0": -0.5,
        "x1": NUM_LABELS - 0.5,
        "y0": -0.5,
        "y1": 0.5,
        "line": {"color": HIGHLIGHT_COLOR, "width": 3},
    }


def digit_figure(image, style, title=None, highlight_label_pixels=False):
    """A single digit, zoomed in, optionally with the ten label pixels outlined."""
    figure = go.Figure(digit_heatmap(image))
    if highlight_label_pixels:
        figure.add_shape(label_pixels_shape())
    image_axes(figure)
    return style_figure(figure, style, title, legend=False)


def digit_row_figure(images, titles, style, highlight_label_pixels=True):
    """Digits side by side (raw, positive, negative), each with its label pixels outlined."""
    figure = make_subplots(rows=1, cols=len(images), subplot_titles=titles, horizontal_spacing=0.03)
    for column, (image, title) in enumerate(zip(images, titles), start=1):
        figure.add_trace(digit_heatmap(image, name=title), row=1, col=column)
        if highlight_label_pixels:
            suffix = "" if column == 1 else str(column)
            figure.add_shape(label_pixels_shape(f"x{suffix}", f"y{suffix}"))
    image_axes(figure, cols=len(images))
    figure.update_annotations(font_size=style.font_size + 2)
    style_figure(figure, style, legend=False)
    return figure.update_layout(margin_t=titles_margin(style.font_size + 2))


def label_pixels_figure(rows, style):
    """The ten label pixels of each named image, enlarged, with their values written in.

    Args:
        rows: dict of name -> array whose first ten values are the label pixels.
    """
    names = list(rows)
    values = np.array([np.asarray(rows[name], dtype=np.float32).reshape(-1)[:NUM_LABELS] for name in names])
    figure = go.Figure(
        go.Heatmap(
            z=values,
            x=[str(label) for label in range(NUM_LABELS)],
            y=names,
            zmin=0.0,
            zmax=1.0,
            colorscale="gray",
            showscale=False,
            xgap=3,
            ygap=3,
            texttemplate="%{z:.2f}",
            hovertemplate="%{y}<br>pixel for label %{x}: %{z:.2f}<extra></extra>",
        )
    )
    figure.update_xaxes(title_text="label pixel (first ten pixels of the image)", side="top")
    figure.update_yaxes(autorange="reversed")
    style_figure(figure, style.scaled(0.45), legend=False)
    return figure.update_layout(margin_t=titles_margin(style.font_size) + style.font_size)  # Ticks and title on top.


def sample_grid_figure(images, labels, style, label_names=None, columns=8, selected=None):
    """A grid of digits, each titled with its label in the label's colour.

    Args:
        images: (count, 784) or (count, 28, 28) images.
        labels: (count,) labels.
        selected: index of a digit to outline, or None.
    """
    images = np.asarray(images, dtype=np.float32).reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
    labels = np.asarray(labels).astype(int)
    label_names = label_names or [str(label) for label in range(NUM_LABELS)]
    count = len(images)
    rows = max(1, math.ceil(count / columns))
    titles = [f"#{index}: {label_names[label]}" for index, label in enumerate(labels)]
    figure = make_subplots(
        rows=rows, cols=columns, subplot_titles=titles, horizontal_spacing=0.01, vertical_spacing=0.06
    )
    for index, image in enumerate(images):
        # No hover on the pixels here: it would win over the clickable point below.
        heatmap = digit_heatmap(image, name=titles[index]).update(hoverinfo="skip", hovertemplate=None)
        figure.add_trace(heatmap, row=index // columns + 1, col=index % columns + 1)
    # Plotly reports no click on a heatmap, so each digit gets an invisible point at its centre
    # that the whole digit's area answers to: a click anywhere on it picks the digit.
    for index in range(count):
        figure.add_trace(
            go.Scatter(
                x=[(IMAGE_SIDE - 1) / 2],
                y=[(IMAGE_SIDE - 1) / 2],
                customdata=[index],
                mode="markers",
                marker={"size": 60, "opacity": 0, "symbol": "square"},
                hovertemplate=titles[index] + "<br>click to pick it<extra></extra>",
                showlegend=False,
            ),
            row=index // columns + 1,
            col=index % columns + 1,
        )
    image_axes(figure, rows=rows, cols=columns)
    for annotation, label in zip(figure.layout.annotations, labels):
        annotation.font = {"size": style.font_size, "color": label_color(label)}
    if selected is not None and 0 <= selected < count:
        suffix = "" if selected == 0 else str(selected + 1)
        figure.add_shape(
            type="rect",
            xref=f"x{suffix}",
            yref=f"y{suffix}",
            x0=-0.5,
            x1=IMAGE_SIDE - 0.5,
            y0=-0.5,
            y1=IMAGE_SIDE - 0.5,
            line={"color": HIGHLIGHT_COLOR, "width": 4},
        )
    height = max(style.height, int(rows * style.height * 0.4))
    style_figure(figure, dataclasses.replace(style, height=height), legend=False)
    return figure.update_layout(margin_t=titles_margin(style.font_size))
