"""The Train page's live figures: loss and goodness per layer, goodness histograms, test accuracy.

The live charts are rebuilt twice a second, so the curves are built in one call from a layout
dict and NumPy arrays (see `ui.history.history_arrays`).
"""

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.charts.style import (
    NEGATIVE_COLOR,
    POSITIVE_COLOR,
    THRESHOLD_COLOR,
    layer_color,
    layout,
    style_figure,
    titles_margin,
)
from ui.history import accuracy_by_epoch, group_events, history_arrays, robust_range

# A horizontal legend at the right end of the title's row, clear of the plot and the title.
TITLE_ROW_LEGEND = {"orientation": "h", "x": 1, "xanchor": "right", "y": 1, "yref": "container", "yanchor": "top"}


def _event_marks(events, style, span=0):
    """A dashed vertical line, with one note, at every group of nearby setting changes.

    `span` is the number of steps on the chart. Changes closer than 8% of it share one note
    (one line per setting), and a note starts on the right of its line in the first half of
    the chart and on the left in the second, so it stays inside the plot. Notes of groups
    less than a third of the chart apart are drawn at alternating heights.
    Returns (shapes, annotations) for a layout dict.
    """
    names = {"threshold": "threshold", "learning_rate": "lr"}
    shapes, annotations = [], []
    level, previous = 0, None
    for group in group_events(events, max(1, int(0.08 * span))):
        changes = group["changes"]
        color = THRESHOLD_COLOR if list(changes) == ["threshold"] else "#555555"
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "y domain",
                "x0": group["step"],
                "x1": group["step"],
                "y0": 0,
                "y1": 1,
                "line": {"dash": "dash", "color": color, "width": 2},
            }
        )
        near = previous is not None and group["step"] - previous < span / 3
        level = (level + 1) % 2 if near else 0
        previous = group["step"]
        text = "<br>".join(f"{names.get(setting, setting)} → {value:g}" for setting, value in changes.items())
        annotations.append(
            {
                "x": group["step"],
                "xref": "x",
                "y": 1 - 0.22 * level,
                "yref": "y domain",
                "text": text,
                "showarrow": False,
                "xanchor": "left" if group["step"] <= span / 2 else "right",
                "xshift": 4 if group["step"] <= span / 2 else -4,
                "yanchor": "top",
                "align": "left",
                "font": {"size": max(12, style.font_size - 4), "color": color},
                "bgcolor": "rgba(255, 255, 255, 0.85)",
            }
        )
    return shapes, annotations


def loss_figure(history, events, num_layers, style, legend_inside=False):
    """The Forward-Forward loss of every layer against the training step, one line per layer.

    `legend_inside` puts the legend in the title's row instead of under the plot, for the
    talk-mode stage where height is short.
    """
    steps, losses = history_arrays(history, "loss")
    traces = [
        {
            "type": "scatter",
            "x": steps,
            "y": losses[:, layer],
            "mode": "lines",
            "name": f"Layer {layer + 1}",
            "line": {"color": layer_color(layer), "width": 3},
            "hovertemplate": "step %{x}<br>loss %{y:.4f}<extra>Layer " + str(layer + 1) + "</extra>",
        }
        for layer in range(num_layers)
    ]
    shapes, annotations = _event_marks(events, style, span=int(steps[-1]) if len(steps) else 0)
    # The axis fits the loss after the first steps: the first step's loss would flatten the rest.
    loss_range = robust_range(losses)
    yaxis = {"title_text": "loss", "range": list(loss_range)} if loss_range else {"title_text": "loss"}
    figure_layout = layout(
        style,
        "Loss per layer",
        xaxis={"title_text": "training step", "rangemode": "nonnegative"},
        yaxis=yaxis,
        shapes=shapes,
        annotations=annotations,
        legend_below=not legend_inside,
    )
    if legend_inside:
        figure_layout["legend"] = TITLE_ROW_LEGEND | {"font": {"size": style.font_size}}
    return go.Figure(data=traces, layout=figure_layout)


def goodness_history_figure(history, events, num_layers, style):
    """Mean goodness of positive (solid) and negative (dotted) data per layer, and the threshold."""
    steps, positive = history_arrays(history, "goodness_pos")
    negative = history_arrays(history, "goodness_neg")[1]
    thresholds = history_arrays(history, "threshold")[1][:, 0]
    traces = []
    for layer in range(num_layers):
        for kind, values, dash in (("positive", positive, "solid"), ("negative", negative, "dot")):
            name = f"Layer {layer + 1}"
            traces.append(
                {
                    "type": "scatter",
                    "x": steps,
                    "y": values[:, layer],
                    "mode": "lines",
                    "name": name,
                    "legendgroup": f"layer{layer}",
                    "showlegend": kind == "positive",  # One legend entry per layer; the line style says which.
                    "line": {"color": layer_color(layer), "width": 3, "dash": dash},
                    "hovertemplate": "step %{x}<br>goodness %{y:.3f}<extra>" + f"{name} {kind}</extra>",
                }
            )
    traces.append(
        {
            "type": "scatter",
            "x": steps,
            "y": thresholds,
            "mode": "lines",
            "name": "threshold",
            "line": {"color": THRESHOLD_COLOR, "width": 2, "dash": "dash", "shape": "hv"},
            "hovertemplate": "step %{x}<br>threshold %{y:g}<extra></extra>",
        }
    )
    learning_rate_events = [event for event in events if event["setting"] == "learning_rate"]
    shapes, annotations = _event_marks(learning_rate_events, style, span=int(steps[-1]) if len(steps) else 0)
    figure_layout = layout(
        style,
        "Mean goodness per layer",
        xaxis={"title_text": "training step", "rangemode": "nonnegative"},
        yaxis={"title_text": "mean goodness", "rangemode": "tozero"},
        shapes=shapes,
        annotations=annotations,
        legend_below=True,
    )
    figure_layout["title"]["subtitle"] = {
        "text": "solid: positive data · dotted: negative data",
        "font": {"size": max(12, style.font_size - 4)},
    }
    figure_layout["margin"]["t"] += style.font_size
    return go.Figure(data=traces, layout=figure_layout)


def accuracy_figure(quick_accuracy, test_accuracy, style):
    """Test accuracy (%) against the epoch: quick estimates every few seconds, the full test set at each epoch's end.

    The quick points use a fixed held-out slice of the test set, so the curve starts within
    seconds instead of after the first epoch. The axis fits the points (94 -> 97% is a slope,
    not a flat line at the top of 0-100).
    """
    points = accuracy_by_epoch(quick_accuracy, test_accuracy)
    epochs, percent = points["epoch"]
    traces = [
        go.Scatter(
            x=points["quick"][0],
            y=points["quick"][1],
            mode="lines+markers",
            name="held-out slice",
            line={"color": "#777777", "width": 2},
            marker={"size": 6},
            hovertemplate="epoch %{x:.2f}<br>accuracy %{y:.1f}% (held-out slice)<extra></extra>",
        ),
        go.Scatter(
            x=epochs,
            y=percent,
            mode="markers+text",
            name="full test set",
            text=[f"{value:.1f}%" for value in percent],
            textposition="bottom right",
            marker={"size": 12, "color": "#333333"},
            hovertemplate="epoch %{x:.2f}<br>test accuracy %{y:.2f}%<extra></extra>",
        ),
    ]
    figure = go.Figure(traces)
    shown = points["quick"][1] + percent
    figure.update_xaxes(title_text="epoch", rangemode="tozero")
    if shown:
        low, high = min(shown), max(shown)
        pad = max(1.0, 0.15 * (high - low))
        figure.update_yaxes(range=[max(0.0, low - pad), min(100.0, high + pad) + 0.5])
    figure.update_yaxes(title_text="accuracy (%)")
    figure = style_figure(figure, style.scaled(0.7), "Test accuracy", legend=True)
    return figure.update_layout(legend=TITLE_ROW_LEGEND)


def goodness_histogram_figure(samples, threshold, style):
    """Per layer, overlaid histograms of positive and negative goodness with the threshold.

    Args:
        samples: `TrainingRun.snapshot()["goodness_samples"]`: {"step", "positive",
            "negative"}, each a list (per layer) of goodness values of the probe images.
        threshold: the threshold now in use, drawn as a vertical line in every panel.
    """
    num_layers = len(samples["positive"])
    figure = make_subplots(
        rows=1,
        cols=num_layers,
        subplot_titles=[f"Layer {layer + 1}" for layer in range(num_layers)],
        horizontal_spacing=0.06,
    )
    for layer in range(num_layers):
        for kind, color in (("positive (right label)", POSITIVE_COLOR), ("negative (wrong label)", NEGATIVE_COLOR)):
            values = np.asarray(samples[kind.split()[0]][layer], dtype=np.float32)
            figure.add_trace(
                go.Histogram(
                    x=values,
                    name=kind,
                    legendgroup=kind.split()[0],
                    showlegend=layer == 0,
                    marker={"color": color},
                    opacity=0.6,
                    nbinsx=40,
                    hovertemplate="goodness %{x}<br>%{y} images<extra>" + kind + "</extra>",
                ),
                row=1,
                col=layer + 1,
            )
        figure.add_vline(
            x=float(threshold), line={"color": THRESHOLD_COLOR, "width": 3, "dash": "dash"}, row=1, col=layer + 1
        )
    figure.update_layout(barmode="overlay")
    figure.update_xaxes(title_text="goodness")
    figure.update_yaxes(title_text="images", col=1)
    style = style if style.height < 400 else style.scaled(0.8)
    style_figure(figure, style, f"Goodness at step {samples['step']:,}")
    # Title and legend share the top row, 8 pixels under the top edge; the layers' titles go under them.
    return figure.update_layout(
        legend=TITLE_ROW_LEGEND,
        margin_t=titles_margin(style.font_size) + style.font_size,
        title={"y": 1 - 8 / style.height, "yref": "container", "yanchor": "top"},
    )
