"""The presenter's wall: the room's drawings as tiles, their captions, and the counts per predicted label.

The tiles are plain images (one `st.image` call shows the whole grid, each with its caption),
not Plotly figures: the wall refreshes twice a second, and a grid of 24 small PNG tiles costs
the server a few milliseconds where 24 heatmap subplots cost far more in the browser. The counts
are an ECharts option, not a Plotly figure, for the same reason as the Train page's histograms:
a keyed `st.echarts_chart` is updated in place, a new Plotly figure is a new chart (measured with
drawings arriving 6 per second: the wall's browser took 0.31 of a core with Plotly, 0.24 with ECharts).
"""

import numpy as np

from ffviz.config import IMAGE_SIDE
from ui.charts.style import NUM_LABELS, label_color

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


def counts_spec(counts, style, label_names=None):
    """ECharts option: how many of the room's drawings the network read as each label, in the labels' colours."""
    counts = np.asarray(counts, np.int64).reshape(NUM_LABELS)
    names = label_names or [str(label) for label in range(NUM_LABELS)]
    font = style.font_size
    axis_font = {"fontSize": max(12, font - 2)}
    return {
        "animation": False,
        "title": {"text": "What the network read", "left": 0, "top": 4, "textStyle": {"fontSize": font}},
        "tooltip": {"trigger": "item"},
        "grid": {"left": int(3.5 * font), "right": 8, "top": int(3.2 * font), "bottom": int(3.2 * font)},
        "xAxis": {
            "type": "category",
            "data": names,
            "name": "predicted label",
            "nameLocation": "middle",
            "nameGap": int(1.8 * font),
            "nameTextStyle": axis_font,
            "axisLabel": axis_font | {"interval": 0},
        },
        "yAxis": {
            "type": "value",
            "name": "drawings",
            "nameTextStyle": axis_font,
            "minInterval": 1,
            "min": 0,
            "max": int(np.ceil(max(1, int(counts.max())) * 1.2)),
            "axisLabel": axis_font,
        },
        "series": [
            {
                "type": "bar",
                "name": "drawings",
                "data": [  # No number over an empty label.
                    {"value": int(count), "itemStyle": {"color": label_color(label)}, "label": {"show": bool(count)}}
                    for label, count in enumerate(counts)
                ],
                "label": {"show": True, "position": "top", "fontSize": max(12, font - 2)},
            }
        ],
    }
