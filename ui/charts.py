"""Plotly figures of the ffviz app: NumPy arrays and plain records in, `go.Figure` out.

Nothing here imports Streamlit, so every builder is a pure function that the unit tests in
`tests/app/test_charts.py` call directly. Two palettes keep the talk readable: one colour
per hidden layer and one per label, the same in every chart. A `ChartStyle` carries the
font size and height, which grow in talk mode.
"""

import dataclasses
import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ffviz.config import IMAGE_SIDE, NUM_CLASSES

# Okabe-Ito: distinguishable with the common colour-vision deficiencies and on a projector.
LAYER_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
# D3's category10, the most familiar ten-colour palette, indexed by label.
LABEL_COLORS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
THRESHOLD_COLOR = "#C2185B"  # In neither palette, so the threshold never looks like a layer.
HIGHLIGHT_COLOR = "#FFC107"  # Outline of the chosen sample and the ten label pixels.
NUM_LABELS = NUM_CLASSES
MAX_CHART_POINTS = 2000  # Beyond this, old training steps are thinned; the live tail never is.
TAIL_POINTS = 500  # The most recent steps, always drawn one by one.


@dataclasses.dataclass(frozen=True)
class ChartStyle:
    """Font size (pixels) and height (pixels) of a chart; talk mode makes both larger."""

    font_size: int = 16
    height: int = 420

    def scaled(self, factor):
        """The same style with a height multiplied by `factor`, for small or tall charts."""
        return dataclasses.replace(self, height=int(self.height * factor))


NORMAL_STYLE = ChartStyle(font_size=16, height=420)
TALK_STYLE = ChartStyle(font_size=24, height=620)


def layer_color(index):
    """The colour of hidden layer `index` (0-based) in every chart."""
    return LAYER_COLORS[index % len(LAYER_COLORS)]


def label_color(label):
    """The colour of label `label` (0..9) in every chart."""
    return LABEL_COLORS[int(label) % len(LABEL_COLORS)]


def _apply_style(figure, style, title=None, legend=True):
    figure.update_layout(
        title={"text": title, "font": {"size": style.font_size + 4}} if title else None,
        font={"size": style.font_size},
        hoverlabel={"font": {"size": style.font_size}},
        height=style.height,
        margin={"l": 10, "r": 10, "t": 60 if title else 20, "b": 10},
        showlegend=legend,
        legend={"font": {"size": style.font_size}},
    )
    # The Streamlit theme sets small tick labels; a projector needs them as large as the rest.
    axis_fonts = {"tickfont": {"size": style.font_size}, "title_font": {"size": style.font_size}}
    figure.update_xaxes(**axis_fonts)
    figure.update_yaxes(**axis_fonts)
    return figure


def _layout(style, title=None, legend=True, xaxis=None, yaxis=None, shapes=(), annotations=(), legend_below=False):
    """The same styling as `_apply_style`, as one layout dict.

    The live training charts are rebuilt twice a second; building a figure in one call
    costs a third of applying the same settings update by update.
    """
    axis_fonts = {"tickfont": {"size": style.font_size}, "title": {"font": {"size": style.font_size}}}

    def axis(settings):
        settings = dict(settings or {})
        title_text = settings.pop("title_text", None)
        merged = {**axis_fonts, **settings}
        merged["title"] = {**axis_fonts["title"], "text": title_text}
        return merged

    return {
        "title": {"text": title, "font": {"size": style.font_size + 4}} if title else None,
        "font": {"size": style.font_size},
        "hoverlabel": {"font": {"size": style.font_size}},
        "height": style.height,
        "margin": {"l": 10, "r": 10, "t": 60 if title else 20, "b": 10 + (4 * style.font_size if legend_below else 0)},
        "showlegend": legend,
        "legend": (
            {"font": {"size": style.font_size}, "orientation": "h", "x": 0, "y": -0.22, "yanchor": "top"}
            if legend_below
            else {"font": {"size": style.font_size}}
        ),
        "xaxis": axis(xaxis),
        "yaxis": axis(yaxis),
        "shapes": list(shapes),
        "annotations": list(annotations),
    }


def _image_axes(figure, rows=1, cols=1):
    """Square pixels, row 0 at the top, no ticks: how a digit should look."""
    for index in range(1, rows * cols + 1):
        suffix = "" if index == 1 else str(index)
        figure.update_layout(
            {
                f"xaxis{suffix}": {"visible": False, "constrain": "domain"},
                f"yaxis{suffix}": {
                    "visible": False,
                    "autorange": "reversed",
                    "scaleanchor": f"x{suffix}",
                    "constrain": "domain",
                },
            }
        )
    return figure


# Digits and the label overlay.


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
    _image_axes(figure)
    return _apply_style(figure, style, title, legend=False)


def digit_row_figure(images, titles, style, highlight_label_pixels=True):
    """Digits side by side (raw, positive, negative), each with its label pixels outlined."""
    figure = make_subplots(rows=1, cols=len(images), subplot_titles=titles, horizontal_spacing=0.03)
    for column, (image, title) in enumerate(zip(images, titles), start=1):
        figure.add_trace(digit_heatmap(image, name=title), row=1, col=column)
        if highlight_label_pixels:
            suffix = "" if column == 1 else str(column)
            figure.add_shape(label_pixels_shape(f"x{suffix}", f"y{suffix}"))
    _image_axes(figure, cols=len(images))
    figure.update_annotations(font_size=style.font_size + 2)
    return _apply_style(figure, style, legend=False)


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
    return _apply_style(figure, style.scaled(0.45), legend=False)


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
        figure.add_trace(digit_heatmap(image, name=titles[index]), row=index // columns + 1, col=index % columns + 1)
    _image_axes(figure, rows=rows, cols=columns)
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
    return _apply_style(figure, dataclasses.replace(style, height=height), legend=False)


# Training curves.


def thin_history(history, max_points=MAX_CHART_POINTS, tail=TAIL_POINTS):
    """At most about `max_points` records: every k-th old one plus the last `tail`, all kept.

    Plotly would otherwise draw tens of thousands of steps; thinning only the old part keeps
    the live end of the curve exact, so the newest steps never disappear from the chart.
    """
    if len(history) <= max_points:
        return list(history)
    old, recent = history[:-tail], history[-tail:]
    stride = math.ceil(len(old) / (max_points - tail))
    return list(old[::stride]) + list(recent)


def merge_events(events, min_gap):
    """Changes of one setting less than `min_gap` steps apart become their last one.

    Dragging or arrow-keying a slider sends a change per tick; the chart marks where the
    setting settled, not every tick on the way.
    """
    merged = []
    for event in sorted(events, key=lambda event: event["step"]):
        same = [index for index, kept in enumerate(merged) if kept["setting"] == event["setting"]]
        if same and event["step"] - merged[same[-1]]["step"] < min_gap:
            merged[same[-1]] = {**event, "step": merged[same[-1]]["step"]}
        else:
            merged.append(dict(event))
    return merged


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


def history_arrays(history, key):
    """Steps (points,) and the per-layer series `key` (points, layers) of the thinned history.

    NumPy arrays, not lists: Plotly checks a list element by element, which at a refresh
    twice a second would take most of a CPU core away from training.
    """
    records = thin_history(history)
    steps = np.fromiter((record["step"] for record in records), dtype=np.int64, count=len(records))
    values = np.array([record[key] for record in records], dtype=np.float32).reshape(len(records), -1)
    return steps, values


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
    layout = _layout(
        style, "Loss per layer", xaxis={"title_text": "training step", "rangemode": "nonnegative"},
        yaxis={"title_text": "loss", "rangemode": "tozero"}, shapes=shapes, annotations=annotations, legend_below=True,
    )  # fmt: skip
    return go.Figure(data=traces, layout=layout)


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
    layout = _layout(
        style, "Goodness: positive (solid) vs negative (dotted)",
        xaxis={"title_text": "training step", "rangemode": "nonnegative"},
        yaxis={"title_text": "mean goodness", "rangemode": "tozero"}, shapes=shapes, annotations=annotations,
        legend_below=True,
    )  # fmt: skip
    return go.Figure(data=traces, layout=layout)


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
    return _apply_style(figure, style.scaled(0.7), "Test accuracy after each epoch", legend=False)


POSITIVE_COLOR = "#009E73"  # Green for real digits with their own label.
NEGATIVE_COLOR = "#D55E00"  # Vermillion for the same digits with a wrong label.


def goodness_histogram_figure(samples, threshold, style):
    """Per layer, overlaid histograms of positive and negative goodness with the threshold.

    Args:
        samples: `TrainingRun.snapshot()["goodness_samples"]`: {"step", "positive",
            "negative"}, each a list (per layer) of goodness values of the probe images.
        threshold: the threshold now in use, drawn as a vertical line in every panel.
    """
    num_layers = len(samples["positive"])
    figure = make_subplots(
        rows=1, cols=num_layers, subplot_titles=[f"Layer {layer + 1}" for layer in range(num_layers)],
        horizontal_spacing=0.06,
    )  # fmt: skip
    for layer in range(num_layers):
        for kind, color in (("positive", POSITIVE_COLOR), ("negative", NEGATIVE_COLOR)):
            values = np.asarray(samples[kind][layer], dtype=np.float32)
            figure.add_trace(
                go.Histogram(
                    x=values, name=kind, legendgroup=kind, showlegend=layer == 0, marker={"color": color},
                    opacity=0.6, nbinsx=40, hovertemplate="goodness %{x}<br>%{y} images<extra>" + kind + "</extra>",
                ),  # fmt: skip
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
    return _apply_style(figure, style.scaled(0.8), title)


# Goodness of the ten labels.


def goodness_bars_figure(goodness, threshold, predicted, style, label_names=None, mode="stack"):
    """Goodness of each label for one image, one bar segment per layer.

    Args:
        goodness: (layers, 10) goodness of every label in every layer.
        threshold: the per-layer goodness threshold.
        predicted: the predicted label, outlined and named on the x axis.
        mode: "stack" (a layer's goodness on top of the one below; the threshold line is
            then drawn at layers x threshold) or "group" (bars side by side).
    """
    goodness = np.asarray(goodness, dtype=np.float32)
    num_layers = goodness.shape[0]
    label_names = label_names or [str(label) for label in range(NUM_LABELS)]
    ticks = [f"<b>{name} ◀</b>" if label == predicted else name for label, name in enumerate(label_names)]
    figure = go.Figure()
    for layer in range(num_layers):
        outline = [4 if label == predicted else 0 for label in range(NUM_LABELS)]
        figure.add_trace(
            go.Bar(
                x=ticks,
                y=goodness[layer],
                name=f"Layer {layer + 1}",
                marker={"color": layer_color(layer), "line": {"width": outline, "color": "#111111"}},
                hovertemplate="label %{x}<br>goodness %{y:.3f}<extra>Layer " + str(layer + 1) + "</extra>",
            )
        )
    stacked = mode == "stack"
    line_at = threshold * num_layers if stacked else threshold
    note = f"threshold × {num_layers} layers = {line_at:g}" if stacked and num_layers > 1 else f"threshold {threshold:g}"
    figure.add_hline(
        y=line_at,
        line={"color": THRESHOLD_COLOR, "dash": "dash", "width": 3},
        annotation_text=note,
        annotation_position="top left",
        annotation_font={"size": style.font_size, "color": THRESHOLD_COLOR},
        annotation_bgcolor="rgba(255, 255, 255, 0.8)",
    )
    figure.update_layout(barmode="stack" if stacked else "group")
    figure.update_xaxes(title_text="label written into the image", type="category")
    figure.update_yaxes(title_text="goodness", rangemode="tozero")
    return _apply_style(figure, style, "Goodness of each label")


def probabilities_figure(probabilities, style, label_names=None):
    """The softmax read-out's probability of each label, in the labels' colours."""
    probabilities = np.asarray(probabilities, dtype=np.float32).reshape(-1)
    label_names = label_names or [str(label) for label in range(NUM_LABELS)]
    figure = go.Figure(
        go.Bar(
            x=label_names,
            y=100.0 * probabilities,
            marker={"color": [label_color(label) for label in range(NUM_LABELS)]},
            text=[f"{100.0 * value:.0f}%" if value >= 0.01 else "" for value in probabilities],
            textposition="outside",
            hovertemplate="label %{x}<br>probability %{y:.1f}%<extra></extra>",
        )
    )
    figure.update_xaxes(type="category")
    figure.update_yaxes(title_text="probability (%)", range=[0, 115])
    return _apply_style(figure, style.scaled(0.7), "Softmax read-out (one pass, neutral label)", legend=False)


# Inside the network.


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
    """The first `count` first-layer units' weights, each as a 28x28 image, red + / blue -.

    Each field is scaled by its own largest image weight (the ten label pixels excluded:
    their weights are often far larger and would wash the digit-shaped part out), and the
    colours are clipped to [-1, 1]; hovering shows the raw weight.
    """
    fields = np.asarray(fields, dtype=np.float32)[:count]
    flat = fields.reshape(len(fields), -1)
    scale = np.abs(flat[:, NUM_LABELS:]).max(axis=1)  # (units,)
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
    _image_axes(figure)
    return _apply_style(figure, style.scaled(1.4), f"First-layer weights of {len(fields)} units", legend=False)


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
    _image_axes(figure, rows=num_layers, cols=len(names))
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
    return _apply_style(figure, dataclasses.replace(style, height=height), legend=False)


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
        title_text="true label", type="category", autorange="reversed", scaleanchor="x", showgrid=False,
        constrain="domain",
    )  # fmt: skip
    return _apply_style(figure, style.scaled(1.3), "Confusion matrix on the test set", legend=False)


# Forward-Forward beside backpropagation.

METHOD_COLORS = {"FF": "#0072B2", "Backprop": "#D55E00"}


def accuracy_points(history):
    """(seconds, accuracy in percent) of every record with a quick or an epoch-end test accuracy."""
    points = [
        (record["seconds"], 100.0 * record.get("test_accuracy", record.get("quick_accuracy")))
        for record in history
        if record.get("test_accuracy", record.get("quick_accuracy")) is not None
    ]
    return [seconds for seconds, _ in points], [percent for _, percent in points]


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
                "type": "scatter", "x": seconds, "y": percent, "mode": "lines+markers", "name": method,
                "line": {"color": METHOD_COLORS.get(method), "width": 3},
                "hovertemplate": "%{x:.1f} s<br>test accuracy %{y:.1f}%<extra>" + method + "</extra>",
            }
        )  # fmt: skip
    layout = _layout(
        style, "Test accuracy vs training time", xaxis={"title_text": "training seconds", "rangemode": "tozero"},
        yaxis={"title_text": "test accuracy (%)", "range": [0, 100]}, legend_below=True,
    )  # fmt: skip
    return go.Figure(data=traces, layout=layout)


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
                    "type": "scatter", "x": seconds, "y": losses[:, layer], "mode": "lines", "name": name,
                    "line": {"color": color, "width": 2, "dash": "solid" if method == "FF" else "dot"},
                    "hovertemplate": "%{x:.1f} s<br>loss %{y:.4f}<extra>" + name + "</extra>",
                }
            )  # fmt: skip
    layout = _layout(
        style, "Loss vs training time", xaxis={"title_text": "training seconds", "rangemode": "tozero"},
        yaxis={"title_text": "loss", "rangemode": "tozero"}, legend_below=True,
    )  # fmt: skip
    return go.Figure(data=traces, layout=layout)
