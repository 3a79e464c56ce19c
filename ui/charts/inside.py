"""The Inside page's figures: first-layer receptive fields, every layer's activity, the confusion matrix."""

import dataclasses
import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ffviz.config import IMAGE_SIDE
from ui.charts.style import NUM_LABELS, image_axes, layer_color, style_figure, titles_margin


def tile(images, columns, gap=1):
    """Images (count, height, width) as one (rows, columns) mosaic, NaN between tiles."""
    images = np.asarray(images, dtype=np.float32)
    count, height, width = images.shape
    rows = max(1, math.ceil(count / columns))
    mosaic = np.full((rows * (height + gap) - gap, columns * (width + gap) - gap), np.nan, np.float32)
    for index, image in enumerate(images):
        top, left = (index // columns) * (height + gap), (index % columns) * (width + gap)
        mosaic[top : top + height, left : left + width] = image
    return mosaic


def receptive_fields_figure(fields, style, count=64):
    """The first `count` first-layer units' weights, each as a 28x28 image (or a convolution's k x k filter).

    Red is positive, blue negative. Each field is scaled by its own largest image weight (for
    28x28 fields the ten label pixels are excluded: their weights are often far larger and would
    wash the digit-shaped part out), and the colours are clipped to [-1, 1]; hovering shows the
    raw weight.
    """
    fields = np.asarray(fields, dtype=np.float32)[:count]
    flat = fields.reshape(len(fields), -1)
    convolutional = fields.shape[1] != IMAGE_SIDE
    scale = np.abs(flat if convolutional else flat[:, NUM_LABELS:]).max(axis=1)  # (units,)
    scale = np.where(scale > 0, scale, 1.0)
    normalised = np.clip(fields / scale[:, None, None], -1.0, 1.0)
    columns = max(1, math.ceil(math.sqrt(len(fields))))
    unit = np.broadcast_to(np.arange(len(fields), dtype=np.float32)[:, None, None], fields.shape)
    customdata = np.stack([tile(unit, columns), tile(fields, columns)], axis=-1)  # (rows, cols, 2)
    figure = go.Figure(
        go.Heatmap(
            z=tile(normalised, columns),
            customdata=customdata,
            zmin=-1.0,
            zmax=1.0,
            colorscale="RdBu_r",
            colorbar={"title": {"text": "weight / max"}},
            hovertemplate="unit %{customdata[0]}<br>weight %{customdata[1]:.3f}<extra></extra>",
        )
    )
    image_axes(figure)
    if convolutional:
        side = fields.shape[1]
        title = f"First-layer filters: {len(fields)} of {side} x {side} pixels"
    else:
        title = f"First-layer weights of {len(fields)} units"
    return style_figure(figure, style.scaled(1.4), title, legend=False)


def feature_maps_figure(maps, style, count=64):
    """A convolutional layer's output for one digit: each filter's map (height, width) as one tile.

    Args:
        maps: (height, width, filters), from `FFNetwork.feature_maps` (neutral label).
        count: how many filters to show, from the first.
    """
    maps = np.moveaxis(np.asarray(maps, dtype=np.float32), -1, 0)[:count]  # (filters, height, width)
    columns = max(1, math.ceil(math.sqrt(len(maps))))
    figure = go.Figure(
        go.Heatmap(
            z=tile(maps, columns),
            zmin=0.0,
            zmax=float(maps.max()) or 1.0,
            colorscale="Viridis",
            colorbar={"title": {"text": "activity"}},
            hovertemplate="activity %{z:.3f}<extra></extra>",
        )
    )
    image_axes(figure)
    height, width = maps.shape[1:]
    title = f"First-layer feature maps: {len(maps)} filters, {height} x {width} each"
    return style_figure(figure, style.scaled(1.4), title, legend=False)


def _grid_shape(units):
    columns = math.ceil(math.sqrt(units))
    return math.ceil(units / columns), columns


def activations_figure(activations_by_label, goodness_by_label, style):
    """Every layer's activities as a grid of units, one column per label written in.

    Args:
        activations_by_label: dict label name -> list of per-layer (units,) activities.
        goodness_by_label: dict label name -> list of per-layer goodness values (axis titles).
    """
    names = list(activations_by_label)
    num_layers = len(activations_by_label[names[0]])
    figure = make_subplots(
        rows=num_layers, cols=len(names), column_titles=names, horizontal_spacing=0.04, vertical_spacing=0.1
    )
    for layer in range(num_layers):
        peak = max(float(np.max(activations_by_label[name][layer])) for name in names) or 1.0
        for column, name in enumerate(names, start=1):
            activity = np.asarray(activations_by_label[name][layer], dtype=np.float32).reshape(-1)
            rows, columns = _grid_shape(activity.size)
            padded = np.full(rows * columns, np.nan, np.float32)
            padded[: activity.size] = activity
            figure.add_trace(
                go.Heatmap(
                    z=padded.reshape(rows, columns),
                    customdata=np.arange(rows * columns).reshape(rows, columns),
                    zmin=0.0,
                    zmax=peak,
                    colorscale="Viridis",
                    showscale=False,
                    hovertemplate="unit %{customdata}<br>activity %{z:.3f}<extra>" + name + "</extra>",
                ),
                row=layer + 1,
                col=column,
            )
    image_axes(figure, rows=num_layers, cols=len(names))
    # A hidden axis hides its title too, so the goodness goes under each panel as an annotation.
    for layer in range(num_layers):
        for column, name in enumerate(names, start=1):
            index = layer * len(names) + column
            suffix = "" if index == 1 else str(index)
            figure.add_annotation(
                text=f"Layer {layer + 1}: goodness {goodness_by_label[name][layer]:.2f}",
                xref=f"x{suffix} domain",
                yref=f"y{suffix} domain",
                x=0.5,
                y=-0.02,
                yanchor="top",
                showarrow=False,
                font={"size": style.font_size, "color": layer_color(layer)},
            )
    figure.update_annotations(font_size=style.font_size)
    height = max(style.height, int(num_layers * style.height * 0.75))
    style_figure(figure, dataclasses.replace(style, height=height), legend=False)
    # Room for the column titles above the first row and the goodness notes under the last.
    return figure.update_layout(margin_t=titles_margin(style.font_size), margin_b=titles_margin(style.font_size))


def confusion_figure(confusion, style, label_names=None):
    """Counts of true (rows) x predicted (columns) labels, with the counts written in.

    The colour scale tops out at the largest error count, so the mistakes stand out instead
    of every off-diagonal cell looking white next to the large correct counts.
    """
    confusion = np.asarray(confusion)
    label_names = label_names or [str(label) for label in range(NUM_LABELS)]
    errors = confusion[~np.eye(len(confusion), dtype=bool)]
    figure = go.Figure(
        go.Heatmap(
            z=confusion,
            x=label_names,
            y=label_names,
            zmin=0,
            zmax=max(1, int(errors.max()) if errors.size else 1),
            colorscale="Blues",
            texttemplate="%{z}",
            showscale=False,
            hovertemplate="true %{y}, predicted %{x}<br>%{z} images<extra></extra>",
        )
    )
    figure.update_xaxes(title_text="predicted label", type="category", side="top", showgrid=False, constrain="domain")
    figure.update_yaxes(
        title_text="true label",
        type="category",
        autorange="reversed",
        scaleanchor="x",
        showgrid=False,
        constrain="domain",
    )
    return style_figure(figure, style.scaled(1.3), "Confusion matrix on the test set", legend=False)
