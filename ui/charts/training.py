"""The Train page's live figures: loss and goodness per layer, test accuracy (Plotly), goodness histograms (ECharts).

The live charts are rebuilt every second, so the curves are built in one call from a layout
dict and NumPy arrays (see `ui.history.history_arrays`).
"""

import numpy as np
import plotly.graph_objects as go

from ui.charts.style import (
    NEGATIVE_COLOR,
    POSITIVE_COLOR,
    THRESHOLD_COLOR,
    layer_color,
    layout,
    style_figure,
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


HISTOGRAM_BINS = 30  # Bins per layer, shared by the positive and the negative histogram.
HISTOGRAM_KINDS = (
    ("positive", "positive (right label)", POSITIVE_COLOR),
    ("negative", "negative (wrong label)", NEGATIVE_COLOR),
)


def histogram_bins(positive, negative, threshold, bins=HISTOGRAM_BINS):
    """(centers, positive counts, negative counts, (low, high)) on one set of bins that also spans the threshold."""
    values = np.concatenate([np.asarray(positive, np.float64), np.asarray(negative, np.float64), [float(threshold)]])
    values = values[np.isfinite(values)]
    low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    edges = np.linspace(low, high, bins + 1)
    counts = [np.histogram(np.asarray(kind, np.float64), edges)[0] for kind in (positive, negative)]
    return (edges[:-1] + edges[1:]) / 2, counts[0], counts[1], (low, high)


def goodness_histogram_spec(samples, threshold, style):
    """ECharts option: per layer, overlaid histograms of positive and negative goodness, and the threshold.

    An ECharts option, not a Plotly figure, because this chart is redrawn at every probe while a
    run trains: Streamlit keeps a keyed `st.echarts_chart` mounted and updates it in place,
    whereas it mounts a new Plotly chart for every new figure (blank for a moment each time), and
    the canvas costs the browser a fraction of Plotly's SVG. The bins are counted here.

    Args:
        samples: `TrainingRun.snapshot()["goodness_samples"]`: {"step", "positive",
            "negative"}, each a list (per layer) of goodness values of the probe images.
        threshold: the threshold now in use, drawn as a dashed line in every panel.
        style: a `ChartStyle`; its height is the chart's, in pixels.
    """
    num_layers = len(samples["positive"])
    font = style.font_size
    left, right, gap = 6.0, 2.0, 4.0  # Percent of the width.
    width = (100.0 - left - right - gap * (num_layers - 1)) / num_layers
    top = int(3.4 * font)  # The title and legend row, then the layers' titles.
    titles = [{"text": f"Goodness at step {samples['step']:,}", "left": 0, "top": 4, "textStyle": {"fontSize": font}}]
    grids, x_axes, y_axes, series = [], [], [], []
    for layer in range(num_layers):
        positive, negative = samples["positive"][layer], samples["negative"][layer]
        centers, positive_counts, negative_counts, (low, high) = histogram_bins(positive, negative, threshold)
        grid_left = left + layer * (width + gap)
        grids.append({"left": f"{grid_left:.2f}%", "width": f"{width:.2f}%", "top": top, "bottom": int(2.6 * font)})
        titles.append(
            {
                "text": f"Layer {layer + 1}",
                "left": f"{grid_left + width / 2:.2f}%",
                "textAlign": "center",
                "top": int(1.9 * font),
                "textStyle": {"fontSize": max(12, font - 2), "fontWeight": "normal"},
            }
        )
        axis_font = {"fontSize": max(11, font - 4)}
        x_axes.append(
            {
                "type": "value",
                "gridIndex": layer,
                "min": low,
                "max": high,
                "name": "goodness",
                "nameLocation": "middle",
                "nameGap": int(1.5 * font),
                "nameTextStyle": axis_font,
                "axisLabel": axis_font | {"showMinLabel": False, "showMaxLabel": False, "hideOverlap": True},
                "splitLine": {"show": False},
            }
        )
        y_axes.append(
            {"type": "value", "gridIndex": layer, "axisLabel": axis_font, "minInterval": 1}
            | ({"name": "images", "nameTextStyle": axis_font} if layer == 0 else {})
        )
        for (kind, name, color), counts in zip(HISTOGRAM_KINDS, (positive_counts, negative_counts)):
            bars = {
                "type": "bar",
                "name": name,
                "xAxisIndex": layer,
                "yAxisIndex": layer,
                "data": [[float(center), int(count)] for center, count in zip(centers, counts)],
                "barWidth": "100%",
                "barGap": "-100%",  # The two kinds overlaid, each see-through.
                "itemStyle": {"color": color, "opacity": 0.6},
            }
            if kind == "positive":
                bars["markLine"] = {
                    "silent": True,
                    "symbol": "none",
                    "label": {"show": False},
                    "lineStyle": {"color": THRESHOLD_COLOR, "width": 3, "type": "dashed"},
                    "data": [{"xAxis": float(threshold)}],
                }
            series.append(bars)
    # An empty line series gives the threshold its legend entry.
    series.append(
        {
            "type": "line",
            "name": "threshold",
            "data": [],
            "symbol": "none",
            "itemStyle": {"color": THRESHOLD_COLOR},
            "lineStyle": {"color": THRESHOLD_COLOR, "width": 3, "type": "dashed"},
        }
    )
    return {
        "animation": False,
        "title": titles,
        "legend": {"top": 4, "right": 0, "textStyle": {"fontSize": max(12, font - 2)}},
        "tooltip": {"trigger": "item"},
        "grid": grids,
        "xAxis": x_axes,
        "yAxis": y_axes,
        "series": series,
    }
