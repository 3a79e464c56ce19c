"""The Goodness page's figures: goodness of each label per layer, the softmax read-out (Hinton 2022, 3.3)
and, for a convolutional network, where in the image a label's goodness comes from."""

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.charts.style import NUM_LABELS, THRESHOLD_COLOR, image_axes, label_color, layer_color, layout, style_figure


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
    outline = [4 if label == predicted else 0 for label in range(NUM_LABELS)]
    stacked = mode == "stack"
    line_at = threshold * num_layers if stacked else threshold
    if stacked and num_layers > 1:
        note = f"threshold × {num_layers} layers = {line_at:g}"
    else:
        note = f"threshold {threshold:g}"
    threshold_line = {"color": THRESHOLD_COLOR, "dash": "dash", "width": 3}
    bars = [
        go.Bar(
            x=ticks,
            y=goodness[layer],
            name=f"Layer {layer + 1}",
            marker={"color": layer_color(layer), "line": {"width": outline, "color": "#111111"}},
            hovertemplate="label %{x}<br>goodness %{y:.3f}<extra>Layer " + str(layer + 1) + "</extra>",
        )
        for layer in range(num_layers)
    ]
    # The threshold's note is a legend entry, not a note on the line: on the line it covered
    # whichever bars stood at that end of the chart, the winning one among them.
    legend_entry = go.Scatter(x=[None], y=[None], mode="lines", name=note, line=threshold_line, hoverinfo="skip")
    spec = layout(
        style,
        "Goodness of each label",
        # Every label gets its tick: on a phone Plotly would otherwise label every other one.
        xaxis={
            "title_text": "label written into the image",
            "type": "category",
            "tickmode": "array",
            "tickvals": ticks,
            "ticktext": ticks,
            "tickangle": 0,
        },
        yaxis={"title_text": "goodness", "rangemode": "tozero"},
        shapes=[
            {
                "type": "line",
                "xref": "x domain",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": line_at,
                "y1": line_at,
                "line": threshold_line,
            }
        ],
    )
    spec["barmode"] = "stack" if stacked else "group"
    # The legend sits at the bottom of the figure, with room for two lines of it on a phone.
    spec["legend"] = {
        "orientation": "h",
        "x": 0,
        "y": 0,
        "yref": "container",
        "yanchor": "bottom",
        "font": {"size": style.font_size - 2},
    }
    spec["margin"]["b"] = 6 * style.font_size
    # One construction: Plotly validates the figure once instead of at each update (about 3x faster),
    # which matters here, between a stroke on the canvas and the bars.
    return go.Figure(data=[*bars, legend_entry], layout=spec)


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
            hovertemplate="label %{x}<br>probability %{y:.1f}%<br>(one pass with a neutral label)<extra></extra>",
        )
    )
    figure.update_xaxes(type="category")
    figure.update_yaxes(title_text="probability (%)", range=[0, 115])
    return style_figure(figure, style.scaled(0.7), "Softmax read-out", legend=False)


def goodness_map_figure(image, maps, label, style, label_names=None):
    """Where in the image a label's goodness comes from, in each convolutional layer.

    Args:
        image: the (28, 28) digit, drawn first for reference.
        maps: per convolutional layer, (10, height, width): the mean square over the label's
            filter group at each location (`FFNetwork.goodness_maps`).
        label: the label whose maps are drawn.
    """
    label_names = label_names or [str(number) for number in range(NUM_LABELS)]
    titles = ["the digit"] + [f"layer {layer + 1}" for layer in range(len(maps))]
    figure = make_subplots(rows=1, cols=len(titles), subplot_titles=titles, horizontal_spacing=0.03)
    figure.add_trace(
        go.Heatmap(z=np.asarray(image), colorscale="gray_r", showscale=False, hoverinfo="skip"), row=1, col=1
    )
    for layer, layer_maps in enumerate(maps):
        local = np.asarray(layer_maps[label], dtype=np.float32)
        figure.add_trace(
            go.Heatmap(
                z=local,
                zmin=0.0,
                zmax=float(local.max()) or 1.0,
                colorscale="Viridis",
                showscale=False,
                hovertemplate="row %{y}, column %{x}<br>goodness %{z:.3f}<extra></extra>",
            ),
            row=1,
            col=layer + 2,
        )
    image_axes(figure, rows=1, cols=len(titles))
    style_figure(figure, style, f"Where the goodness of label {label_names[label]} comes from", legend=False)
    figure.update_annotations(font_size=style.font_size)
    return figure
