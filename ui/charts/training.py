"""The Train page's live figures: loss and goodness per layer, goodness histograms, test accuracy.

The live charts are rebuilt twice a second, so the curves are built in one call from a layout
dict and NumPy arrays (see `ui.history.history_arrays`).
"""

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.charts.style import NEGATIVE_COLOR, POSITIVE_COLOR, THRESHOLD_COLOR, layer_color, layout, style_figure
from ui.history import history_arrays, merge_events


def _event_marks(events, style, span=0):
    """A dashed vertical line, with a note, at every step where a setting was changed.

    `span` is the number of steps on the chart; changes closer than 3% of it are merged.
    Returns (shapes, annotations) for a layout dict.
    """
    names = {"threshold": "threshold", "learning_rate": "lr"}
    shapes, annotations = [], []
    for index, event in enumerate(merge_events(events, max(1, int(0.03 * span)))):
        color = THRESHOLD_COLOR if event["setting"] == "threshold" else "#555555"
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "y domain",
                "x0": event["step"],
                "x1": event["step"],
                "y0": 0,
                "y1": 1,
                "line": {"dash": "dash", "color": color, "width": 2},
            }
        )
        annotations.append(
            {
                "x": event["step"],
                "xref": "x",
                "y": 1 - 0.08 * (index % 3),  # Staggered, so nearby notes do not overlap.
                "yref": "y domain",
                "text": f"{names.get(event['setting'], event['setting'])} → {event['value']:g}",
                "showarrow": False,
                "xanchor": "right",
                "yanchor": "top",
                "font": {"size": max(12, style.font_size - 2), "color": color},
                "bgcolor": "rgba(255, 255, 255, 0.8)",
            }
        )
    return shapes, annotations


def loss_figure(history, events, num_layers, style):
    """The Forward-Forward loss of every layer against the training step, one line per layer."""
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
    figure_layout = layout(
        style,
        "Loss per layer",
        xaxis={"title_text": "training step", "rangemode": "nonnegative"},
        yaxis={"title_text": "loss", "rangemode": "tozero"},
        shapes=shapes,
        annotations=annotations,
        legend_below=True,
    )
    return go.Figure(data=traces, layout=figure_layout)


def goodness_history_figure(history, events, num_layers, style):
    """Mean goodness of positive (solid) and negative (dotted) data per layer, and the threshold."""
    steps, positive = history_arrays(history, "goodness_pos")
    negative = history_arrays(history, "goodness_neg")[1]
    thresholds = history_arrays(history, "threshold")[1][:, 0]
    traces = []
    for layer in range(num_layers):
        for kind, values, dash in (("positive", positive, "solid"), ("negative", negative, "dot")):
            name = f"Layer {layer + 1} {kind}"
            traces.append(
                {
                    "type": "scatter",
                    "x": steps,
                    "y": values[:, layer],
                    "mode": "lines",
                    "name": name,
                    "legendgroup": f"layer{layer}",
                    "line": {"color": layer_color(layer), "width": 3, "dash": dash},
                    "hovertemplate": "step %{x}<br>goodness %{y:.3f}<extra>" + name + "</extra>",
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
        "Goodness: positive (solid) vs negative (dotted)",
        xaxis={"title_text": "training step", "rangemode": "nonnegative"},
        yaxis={"title_text": "mean goodness", "rangemode": "tozero"},
        shapes=shapes,
        annotations=annotations,
        legend_below=True,
    )
    return go.Figure(data=traces, layout=figure_layout)


def accuracy_figure(test_accuracy, style):
    """Test accuracy after each epoch, in percent."""
    epochs = [epoch for epoch, _ in test_accuracy]
    percent = [100.0 * accuracy for _, accuracy in test_accuracy]
    figure = go.Figure(
        go.Scatter(
            x=epochs,
            y=percent,
            mode="lines+markers+text",
            text=[f"{value:.1f}%" for value in percent],
            textposition="top center",
            line={"color": "#333333", "width": 3},
            marker={"size": 10},
            hovertemplate="epoch %{x:g}<br>test accuracy %{y:.2f}%<extra></extra>",
        )
    )
    figure.update_xaxes(title_text="epoch", dtick=1)
    figure.update_yaxes(title_text="test accuracy (%)", range=[0, 105])
    return style_figure(figure, style.scaled(0.7), "Test accuracy after each epoch", legend=False)


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
        for kind, color in (("positive", POSITIVE_COLOR), ("negative", NEGATIVE_COLOR)):
            values = np.asarray(samples[kind][layer], dtype=np.float32)
            figure.add_trace(
                go.Histogram(
                    x=values,
                    name=kind,
                    legendgroup=kind,
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
    title = f"Goodness of positive vs negative data at step {samples['step']} (threshold {float(threshold):g})"
    return style_figure(figure, style.scaled(0.8), title)
