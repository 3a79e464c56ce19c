"""How every page looks: talk mode, chart style, explanations, charts, safe text and the shared sidebar.

Text that comes from outside the app (a link's values, a file's name, a model file's
metadata, a data path) goes through `escape_markdown` before any Markdown element shows it,
so a shared link or a crafted file cannot put a link or an image into the app's own boxes.
"""

import re

import streamlit as st

from ffviz.data import DISPLAY_NAMES
from ui import session, settings
from ui.charts.style import NORMAL_STYLE, TALK_STYLE

# The characters that make Markdown (and Streamlit's extensions: $ math, ~ strike-through) links,
# images, HTML, emphasis, code, headings or tables, plus ":" and "@" and the dot of "www.", which
# GitHub-flavoured Markdown turns into links on their own (https://..., www...., name@host).
# A backslash before each makes it plain text.
MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]()<>#!|~$:@]|(?<=www)\.)", re.IGNORECASE)

# Talk mode: larger text in the main area (the charts grow through `chart_style()`), and a thin
# header with little space above the content, so one 1280x720 projector screen holds a page's stage.
TALK_MODE_CSS = """
<style>
[data-testid="stMain"] .stMarkdown p, [data-testid="stMain"] label p { font-size: 1.3rem; }
[data-testid="stMain"] [data-testid="stMetricValue"] { font-size: 2rem; }
[data-testid="stHeader"] { height: 2.5rem; background: transparent; }
[data-testid="stStatusWidget"] { visibility: hidden; }
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; padding-bottom: 1rem; }
</style>
"""
# Every screen: on a phone the content starts closer to the top, so the canvas and its
# prediction share the first screen.
NARROW_SCREEN_CSS = """
<style>
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding-top: 3.5rem; }
  [data-testid="stMain"] h1 { font-size: 1.75rem; }
  [class*="st-key-page_explanation"] p { font-size: 0.9rem; line-height: 1.4; }
}
</style>
"""


def escape_markdown(text):
    """`text` (any object, as `str`) with every Markdown character escaped, so it shows as typed."""
    return MARKDOWN_SPECIALS.sub(r"\\\1", str(text))


def talk_mode():
    return bool(st.session_state.get("talk_mode", False))


def chart_style():
    """Chart font size and height: larger in talk mode, for the back row of a lecture hall."""
    return TALK_STYLE if talk_mode() else NORMAL_STYLE


def page_title(text):
    """A page's title, left out in talk mode so the stage starts at the top of the projector screen."""
    if not talk_mode():
        st.title(text)


def explain(text, key="page_explanation"):
    """A page's short explanation, hidden in talk mode where the speaker says it.

    A page with a second explanation (the room wall's note under the present page's) gives it its own
    `key`, starting with "page_explanation" so that it looks the same.
    """
    if not talk_mode():
        st.container(key=key).markdown(text)


def chart_config(name, live=False):
    """Plotly's config for one chart: no logo, a "download as PNG" button at twice the size.

    A `live` chart (redrawn every second while a run trains) is static: no hover, zoom or mode
    bar, which it would lose at the next redraw anyway. Setting up their layers cost the browser
    about a tenth of a core, taken from the training on a 2-core machine.
    """
    if live:
        return {"staticPlot": True}
    return {
        "displaylogo": False,
        "displayModeBar": "hover",
        "toImageButtonOptions": {"format": "png", "filename": f"ffviz_{name or 'chart'}", "scale": 2},
    }


def show_chart(figure, key=None, on_select="ignore", live=False):
    """Draw a Plotly figure across the column; `on_select` (a callback) makes a click on a point pick it."""
    if on_select == "ignore":
        return st.plotly_chart(figure, key=key, width="stretch", config=chart_config(key, live))
    return st.plotly_chart(
        figure, key=key, width="stretch", config=chart_config(key, live), on_select=on_select, selection_mode="points"
    )


def show_live_chart(spec, key, height):
    """Draw an ECharts option that is redrawn often: keyed, Streamlit updates it in place (never blank)."""
    return st.echarts_chart(spec, key=key, height=height)


def sidebar_controls():
    """The talk-mode switch and the dataset choice, at the top of the sidebar on every page."""
    with st.sidebar:
        st.toggle("Talk mode", key="talk_mode", help="Hide explanations and enlarge charts for a projector.")
        st.selectbox(
            "Dataset",
            settings.options("dataset_name"),
            key="dataset_name",
            format_func=DISPLAY_NAMES.get,
            on_change=session.dataset_changed,
        )


WATCH_SECONDS = 5.0  # How often any page tells the registry that this tab still watches its run.


def keep_run_watched():
    """While the session's run trains, touch it every few seconds from whatever page is open.

    The registry stops a run nobody touched for its grace period (`ffviz.registry`), so a
    closed tab frees the CPU; an open tab on another page keeps its training going.
    """
    from ffviz import registry

    run, run_id = st.session_state.get(session.RUN), st.session_state.get(session.RUN_ID)
    if run is None or run_id is None or run.state not in ("compiling", "running"):
        return
    st.fragment(run_every=WATCH_SECONDS)(_touch_run)(registry, run_id)


def _touch_run(registry, run_id):
    registry.RUNS.touch(run_id)


def render_sidebar():
    """Device, data source and active model, on every page, below the talk-mode switch.

    `app.py` draws it after the page, so a page that needs no network yet (the empty
    canvas) is on screen while TensorFlow still loads for the device and model lines.
    """
    from ffviz.system import device_description

    with st.sidebar:
        data = session.dataset()
        st.caption(f"**Device:** {escape_markdown(device_description())}")
        st.caption(f"**Data:** {escape_markdown(data.describe())}")
        for notice in data.notices:
            st.warning(escape_markdown(notice))
        for notice in st.session_state.get(session.SETTINGS_NOTICES, []):
            st.warning(notice)  # Already escaped where the value is put in.
        model = session.active_model()
        st.caption(f"**Model:** {escape_markdown(repr(model['network']))}, {escape_markdown(model['description'])}")
        trained_on = session.model_dataset(model)
        if trained_on is not None and trained_on != data.name:
            st.warning(
                f"This model was trained on {escape_markdown(DISPLAY_NAMES.get(trained_on, trained_on))}, but the "
                f"data shown is {DISPLAY_NAMES.get(data.name, data.name)}: its predictions mean little. "
                "Train one on the Train page."
            )
        if model["source"] == "untrained":
            st.info("The pretrained model could not be loaded. Train one on the Train page.")
    st.html(NARROW_SCREEN_CSS + (TALK_MODE_CSS if talk_mode() else ""))
    keep_run_watched()
