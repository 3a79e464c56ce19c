"""The FF vs backprop page's figures: test accuracy and loss against training seconds (Hinton 2022, 4)."""

import numpy as np
import plotly.graph_objects as go

from ui.charts.style import METHOD_COLORS, layer_color, layout
from ui.history import accuracy_points, thin_history


def compare_accuracy_figure(histories, style):
    """Test accuracy against training seconds, one line per method.

    Args:
        histories: {"FF": records, "Backprop": records}, each a `TrainingRun` history.
    """
    traces = []
    for method, history in histories.items():
        seconds, percent = accuracy_points(history)
        traces.append(
            {
                "type": "scatter",
                "x": seconds,
                "y": percent,
                "mode": "lines+markers",
                "name": method,
                "line": {"color": METHOD_COLORS.get(method), "width": 3},
                "hovertemplate": "%{x:.1f} s<br>test accuracy %{y:.1f}%<extra>" + method + "</extra>",
            }
        )
    figure_layout = layout(
        style,
        "Test accuracy vs training time",
        xaxis={"title_text": "training seconds", "rangemode": "tozero"},
        yaxis={"title_text": "test accuracy (%)", "range": [0, 100]},
        legend_below=True,
    )
    return go.Figure(data=traces, layout=figure_layout)


def compare_loss_figure(histories, style):
    """Loss against training seconds: each FF layer's own loss, and backprop's cross-entropy.

    The two losses measure different things (FF: softplus of goodness around the threshold,
    per layer; backprop: cross-entropy of the labels), so their names say which is which.
    """
    traces = []
    for method, history in histories.items():
        records = thin_history(history)
        seconds = np.fromiter((record["seconds"] for record in records), dtype=np.float64, count=len(records))
        if not records:
            continue  # Still tracing its first step.
        losses = np.array([record["loss"] for record in records], dtype=np.float32).reshape(len(records), -1)
        for layer in range(losses.shape[1]):
            if method == "FF":
                name, color = f"FF layer {layer + 1} (FF loss)", layer_color(layer)
            else:
                name, color = "Backprop (cross-entropy)", METHOD_COLORS["Backprop"]
            traces.append(
                {
                    "type": "scatter",
                    "x": seconds,
                    "y": losses[:, layer],
                    "mode": "lines",
                    "name": name,
                    "line": {"color": color, "width": 2, "dash": "solid" if method == "FF" else "dot"},
                    "hovertemplate": "%{x:.1f} s<br>loss %{y:.4f}<extra>" + name + "</extra>",
                }
            )
    figure_layout = layout(
        style,
        "Loss vs training time",
        xaxis={"title_text": "training seconds", "rangemode": "tozero"},
        yaxis={"title_text": "loss", "rangemode": "tozero"},
        legend_below=True,
    )
    return go.Figure(data=traces, layout=figure_layout)
