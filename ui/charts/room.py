"""The presenter's wall: the room's drawings as tiles, their captions, and the counts per predicted label.

The tiles are plain images (one `st.image` call shows the whole grid, each with its caption),
not Plotly figures: the wall refreshes every second, and a grid of 24 small PNG tiles costs the
server a few milliseconds where 24 heatmap subplots cost far more in the browser.
"""

import numpy as np
import plotly.graph_objects as go

from ffviz.config import IMAGE_SIDE
from ui.charts.style import NUM_LABELS, label_color, style_figure

TILE_SCALE = 4  # 28 x 28 pixels -> 112 x 112: sharp squares instead of the browser's blurred upscaling.
RIGHT, WRONG = "✓", "✗"


def tile(image, scale=TILE_SCALE):
    """A (28, 28) uint8 drawing as a (28 * scale, 28 * scale) image with square pixels."""
    image = np.asarray(image, np.uint8).reshape(IMAGE_SIDE, IMAGE_SIDE)
    return np.kron(image, np.ones((scale, scale), np.uint8))


def tile_caption(drawing, label_names=None):
    """'#12: 7', or '#12: 7 (meant 1 ✗)' when the sender said what they meant."""
    names = label_names or [str(label) for label in range(NUM_LABELS)]
    caption = f"#{drawing.number}: {names[drawing.prediction]}"
    if drawing.meant is not None:
        mark = RIGHT if drawing.meant == drawing.prediction else WRONG
        caption += f" (meant {names[drawing.meant]} {mark})"
    return caption


def margin_caption(drawing, label_names=None):
    """A hard drawing's caption: its prediction and how little goodness separated the best two labels."""
    return f"{tile_caption(drawing, label_names)} · margin {drawing.margin:.2f}"


def counts_figure(counts, style, label_names=None):
    """How many of the room's drawings the network read as each label, in the labels' colours."""
    counts = np.asarray(counts, np.int64).reshape(NUM_LABELS)
    names = label_names or [str(label) for label in range(NUM_LABELS)]
    figure = go.Figure(
        go.Bar(
            x=names,
            y=counts,
            marker={"color": [label_color(label) for label in range(NUM_LABELS)]},
            text=[str(count) if count else "" for count in counts],
            textposition="outside",
            hovertemplate="predicted %{x}<br>%{y} drawings<extra></extra>",
        )
    )
    figure.update_xaxes(title_text="predicted label", type="category")
    figure.update_yaxes(title_text="drawings", rangemode="tozero", range=[0, max(1, int(counts.max())) * 1.2])
    return style_figure(figure, style, "What the network read", legend=False)
