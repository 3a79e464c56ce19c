"""The explanation figures: saliency heatmaps, one update's before and after, and two FF variants over time.

Saliency and weight changes use one diverging scale, red for "raises" and blue for "lowers",
centred on zero and shared by every map in a figure, so two labels' maps compare at a glance.
"""

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.charts.digits import digit_heatmap
from ui.charts.style import (
    LAYER_COLORS,
    NEGATIVE_COLOR,
    POSITIVE_COLOR,
    THRESHOLD_COLOR,
    image_axes,
    layer_color,
    layout,
    style_figure,
    titles_margin,
)
from ui.history import accuracy_points, thin_history

DIVERGING = "RdBu_r"  # Blue below zero, white at zero, red above.
VARIANT_DASHES = {"A": "solid", "B": "dot"}


def _diverging_heatmap(values, zmax, name, hover):
    return go.Heatmap(
        z=values,
        zmin=-zmax,
        zmax=zmax,
        zmid=0.0,
        colorscale=DIVERGING,
        showscale=False,
        name=name,
        hovertemplate="row %{y}, column %{x}<br>" + hover + " %{z:.3g}<extra>" + name + "</extra>",
    )


def _digit_outline(image):
    """The digit's outline (ink above half the brightest pixel) as a thin line, so a map shows where the digit is."""
    return go.Contour(
        z=image,
        contours={"start": 0.5, "end": 0.5, "coloring": "none"},
        line={"color": "#222222", "width": 1.5},
        showscale=False,
        hoverinfo="skip",
    )


def saliency_figure(maps, titles, style, image=None):
    """Heatmaps side by side, one per label: red pixels raise that label's goodness, blue ones lower it.

    Args:
        maps: (labels, 28, 28), e.g. one layer (or the sum) of `ffviz.explain.label_saliency`.
        titles: one title per map.
        image: the (28, 28) digit, outlined on every map when given.
    """
    count = len(maps)
    zmax = float(np.abs(maps).max()) or 1.0  # One scale for all, so the maps compare.
    figure = make_subplots(rows=1, cols=count, subplot_titles=list(titles), horizontal_spacing=0.03)
    for index, (values, title) in enumerate(zip(maps, titles)):
        figure.add_trace(_diverging_heatmap(values, zmax, title, "goodness change per unit of ink"), 1, index + 1)
        if image is not None:
            figure.add_trace(
                _digit_outline(np.asarray(image).reshape(values.shape) / (np.max(image) or 1.0)), 1, index + 1
            )
    style_figure(figure, style.scaled(0.8), legend=False)
    image_axes(figure, 1, count)
    figure.update_annotations(font_size=style.font_size)
    return figure.update_layout(margin_t=titles_margin(style.font_size))  # The titles stay inside the chart.


def update_goodness_figure(update, style):
    """Each layer's mean goodness of positive and negative rows, before and after the update, and its threshold."""
    layers = update["positive_before"].shape[0]
    names = [f"Layer {index + 1}" for index in range(layers)]
    traces = []
    for kind, color in (("positive", POSITIVE_COLOR), ("negative", NEGATIVE_COLOR)):
        for moment, opacity in (("before", 0.45), ("after", 1.0)):
            values = update[f"{kind}_{moment}"].mean(axis=1)
            traces.append(
                go.Bar(
                    x=names,
                    y=values,
                    name=f"{kind} {moment}",
                    marker={"color": color, "opacity": opacity},
                    hovertemplate="%{x}: %{y:.4f}<extra>" + f"{kind} {moment}" + "</extra>",
                )
            )
    shapes = [
        {
            "type": "line",
            "xref": "x",
            "yref": "y",
            "x0": index - 0.45,
            "x1": index + 0.45,
            "y0": float(threshold),
            "y1": float(threshold),
            "line": {"color": THRESHOLD_COLOR, "width": 3, "dash": "dash"},
        }
        for index, threshold in enumerate(update["thresholds"])
    ]
    figure_layout = layout(
        style,
        "Mean goodness of the batch, before and after one update",
        legend_below=True,
        yaxis={"title_text": "goodness", "rangemode": "tozero"},
        xaxis={},
        shapes=shapes,
    )
    return go.Figure(data=traces, layout={**figure_layout, "barmode": "group"})


def moved_digits_figure(update, label_names, style):
    """The examples whose goodness moved most, each titled with its true and wrong label and the change."""
    chosen = list(update["moved_most"])
    change = {
        kind: (update[f"{kind}_after"] - update[f"{kind}_before"]).sum(axis=0) for kind in ("positive", "negative")
    }
    titles = [
        f"{label_names[update['labels'][index]]}: {change['positive'][index]:+.2f}<br>"
        f"as {label_names[update['wrong_labels'][index]]}: {change['negative'][index]:+.2f}"
        for index in chosen
    ]
    figure = make_subplots(rows=1, cols=len(chosen), subplot_titles=titles, horizontal_spacing=0.02)
    for column, index in enumerate(chosen):
        figure.add_trace(digit_heatmap(update["images"][index], name=f"example {index}"), 1, column + 1)
    style_figure(figure, style.scaled(0.75), legend=False)
    image_axes(figure, 1, len(chosen))
    figure.update_annotations(font_size=max(10, style.font_size - 4))
    figure.update_layout(margin={"t": 4 * style.font_size})
    return figure


def weight_change_figure(weight_change_sum, style):
    """The first layer's weight change summed over its units: red where the update made the layer like ink more."""
    zmax = float(np.abs(weight_change_sum).max()) or 1.0
    figure = go.Figure(data=[_diverging_heatmap(weight_change_sum, zmax, "weight change", "change")])
    style_figure(figure, style.scaled(0.8), title="Layer 1 weight change", legend=False)
    return image_axes(figure)


def variants_figure(histories, metric, style):
    """Test accuracy (metric "accuracy") or each layer's loss (metric "loss") against training seconds, per variant.

    Args:
        histories: {"A": records, "B": records}, each a `TrainingRun` history.
    """
    traces = []
    for name, history in histories.items():
        dash = VARIANT_DASHES.get(name, "solid")
        if metric == "accuracy":
            seconds, percent = accuracy_points(history)
            color = LAYER_COLORS[0] if name == "A" else LAYER_COLORS[5]
            traces.append(
                {
                    "type": "scatter",
                    "x": seconds,
                    "y": percent,
                    "mode": "lines+markers",
                    "name": f"Variant {name}",
                    "line": {"color": color, "width": 3, "dash": dash},
                }
            )
            continue
        records = thin_history(history)
        if not records:
            continue
        seconds = [record["seconds"] for record in records]
        losses = np.array([record["loss"] for record in records], dtype=np.float32).reshape(len(records), -1)
        for layer in range(losses.shape[1]):
            traces.append(
                {
                    "type": "scatter",
                    "x": seconds,
                    "y": losses[:, layer],
                    "mode": "lines",
                    "name": f"{name}: layer {layer + 1}",
                    "line": {"color": layer_color(layer), "width": 2, "dash": dash},
                }
            )
    title, axis = ("Test accuracy", "test accuracy (%)") if metric == "accuracy" else ("Loss per layer", "loss")
    figure_layout = layout(
        style,
        f"{title} vs training time",
        xaxis={"title_text": "training seconds", "rangemode": "tozero"},
        yaxis={"title_text": axis, "rangemode": "tozero"},
        legend_below=True,
    )
    return go.Figure(data=traces, layout=figure_layout)
