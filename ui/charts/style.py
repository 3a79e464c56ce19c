"""Palettes, chart sizes and the one styling function that every ffviz figure goes through.

Two palettes keep a talk readable: one colour per hidden layer and one per label, the same in
every chart. A `ChartStyle` carries the font size and height, which grow in talk mode.
`layout()` returns the styling as one layout dict (the live training charts, rebuilt twice a
second, are built in one call with it); `style_figure()` applies the same dict to a figure
that was built trace by trace, plus the axis fonts of every subplot.
"""

import dataclasses

from ffviz.config import NUM_CLASSES

# Okabe-Ito: distinguishable with the common colour-vision deficiencies and on a projector.
LAYER_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
# D3's category10, the most familiar ten-colour palette, indexed by label.
LABEL_COLORS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
THRESHOLD_COLOR = "#C2185B"  # In neither palette, so the threshold never looks like a layer.
HIGHLIGHT_COLOR = "#FFC107"  # Outline of the chosen sample and the ten label pixels.
POSITIVE_COLOR = "#009E73"  # Green for real digits with their own label.
NEGATIVE_COLOR = "#D55E00"  # Vermillion for the same digits with a wrong label.
METHOD_COLORS = {"FF": "#0072B2", "Backprop": "#D55E00"}
NUM_LABELS = NUM_CLASSES


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


def axis_fonts(style):
    """Tick and title fonts of an axis: the Streamlit theme's small ticks are too small for a projector."""
    return {"tickfont": {"size": style.font_size}, "title": {"font": {"size": style.font_size}}}


def _axis(style, settings):
    """An axis dict with the style's fonts; `title_text` in `settings` becomes the title's text."""
    settings = dict(settings)
    title_text = settings.pop("title_text", None)
    fonts = axis_fonts(style)
    return {**fonts, **settings, "title": {**fonts["title"], "text": title_text}}


def layout(style, title=None, legend=True, legend_below=False, xaxis=None, yaxis=None, shapes=(), annotations=()):
    """The ffviz look as one Plotly layout dict: title, fonts, height, margins and legend.

    Args:
        legend_below: a horizontal legend under the plot (the live charts, whose legends
            would otherwise squeeze the curves), with room for it in the bottom margin.
        xaxis, yaxis: axis settings to style as well (`title_text` names the axis); left
            out, the axes are not part of the dict, so axes set on a figure are kept.
    """
    legend_font = {"font": {"size": style.font_size}}
    result = {
        "title": {"text": title, "font": {"size": style.font_size + 4}} if title else None,
        "font": {"size": style.font_size},
        "hoverlabel": {"font": {"size": style.font_size}},
        "height": style.height,
        "margin": {"l": 10, "r": 10, "t": 60 if title else 20, "b": 10 + (5 * style.font_size if legend_below else 0)},
        "showlegend": legend,
        # Below the plot: at the bottom edge of the figure, under the x axis's title.
        "legend": {**legend_font, "orientation": "h", "x": 0, "y": 0, "yref": "container", "yanchor": "bottom"}
        if legend_below
        else legend_font,
    }
    if xaxis is not None:
        result["xaxis"] = _axis(style, xaxis)
    if yaxis is not None:
        result["yaxis"] = _axis(style, yaxis)
    if shapes:
        result["shapes"] = list(shapes)
    if annotations:
        result["annotations"] = list(annotations)
    return result


def titles_margin(font_size):
    """The top margin (pixels) that holds a row of subplot titles of `font_size` above the plots."""
    return 2 * font_size + 12


def style_figure(figure, style, title=None, legend=True):
    """Apply `layout()` to a figure built trace by trace, and the axis fonts to all its subplots."""
    figure.update_layout(layout(style, title, legend))
    figure.update_xaxes(axis_fonts(style))
    figure.update_yaxes(axis_fonts(style))
    return figure


def image_axes(figure, rows=1, cols=1):
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
