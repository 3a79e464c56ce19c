"""Small helpers for driving the ffviz app in Playwright.

Streamlit marks its root element with the state of the script run:
`[data-testid="stApp"][data-test-script-state="notRunning"]` once a rerun has
finished, and `data-test-connection-state="CONNECTED"` while the websocket is up.
Widgets are found by their key: Streamlit gives each keyed element the class
`st-key-<key>`.

Paths and the polling `wait_until` are shared with the other test folders in `tests/helpers.py`;
this module keeps only what needs a browser.
"""

from playwright.sync_api import expect

from tests.helpers import REPO

SCREENSHOTS = REPO / "tests" / "e2e" / "screenshots"

# Streamlit debounces some widgets by about 200 ms before it starts a rerun.
RERUN_DEBOUNCE_MS = 250
RUN_TIMEOUT_MS = 30_000


def wait_for_app_run(page):
    """Wait until the app is connected and its script has finished running."""
    page.wait_for_timeout(RERUN_DEBOUNCE_MS)
    page.locator('[data-testid="stApp"][data-test-connection-state="CONNECTED"]').wait_for(
        state="attached", timeout=RUN_TIMEOUT_MS
    )
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        state="attached", timeout=RUN_TIMEOUT_MS
    )
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=RUN_TIMEOUT_MS)


def goto(page, server, url_path=""):
    """Open the page at `url_path` ("" is the default page) and wait for its first run."""
    page.goto(f"{server.url}/{url_path}")
    page.get_by_test_id("stAppViewContainer").wait_for(state="attached", timeout=RUN_TIMEOUT_MS)
    wait_for_app_run(page)


def by_key(page, key):
    """The element that Streamlit rendered for the widget or container with this key."""
    return page.locator(f".st-key-{key}")


def click_button(page, key):
    """Click the button with this key and wait for the rerun it causes.

    Only the visible button: Streamlit 1.67 draws a hidden copy of a button that has a tooltip.
    """
    by_key(page, key).locator("button:visible").click()
    wait_for_app_run(page)


def expect_no_error(page):
    """No exception box, error alert, "Page not found" dialog or traceback text on the page."""
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    expect(page.get_by_role("dialog").filter(has_text="Page not found")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("Traceback")


def draw(page, target, points, steps=4):
    """Drag the mouse through `points`, given as fractions (x, y) of `target`'s box."""
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    assert box is not None, "the drawing target is not rendered"

    def absolute(point):
        return box["x"] + point[0] * box["width"], box["y"] + point[1] * box["height"]

    page.mouse.move(*absolute(points[0]))
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*absolute(point), steps=steps)
    page.mouse.up()


def screenshot(page, name):
    """Save a full-page screenshot as tests/e2e/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


# The texts of every Plotly chart on the page: for each chart, its box and the boxes of its title,
# annotations (subplot titles, notes), axis titles, colour-bar title and legend.
CHART_TEXTS_SCRIPT = """
() => [...document.querySelectorAll('.js-plotly-plot')].map((chart) => {
    const box = (element) => { const r = element.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
    const selector = '.gtitle, .annotation, .g-xtitle, .g-ytitle, [class^="g-x"][class$="title"], '
        + '[class^="g-y"][class$="title"], .cbtitle, .legend';
    const texts = [...chart.querySelectorAll(selector)]
        .filter((element) => element.getBoundingClientRect().width > 0)
        .map((element) => ({
            name: (element.textContent || element.getAttribute('class')).slice(0, 60), box: box(element),
        }));
    const key = chart.closest('[class*="st-key-"]')?.className.match(/st-key-[\\w-]+/)?.[0] || '';
    return {key, box: box(chart), texts};
})
"""
EDGE_TOLERANCE_PX = 1.0  # Sub-pixel rounding at a chart's edge is not clipping.


def overlap_area(first, second):
    """The area (square pixels) shared by two boxes given as (left, top, right, bottom)."""
    width = min(first[2], second[2]) - max(first[0], second[0])
    height = min(first[3], second[3]) - max(first[1], second[1])
    return max(0.0, width) * max(0.0, height)


def chart_text_problems(page, min_overlap_px=4.0):
    """Every chart text that sticks out of its chart or overlaps another text of the same chart.

    Returns:
        A list of readable strings, empty when every title, annotation, axis title and legend
        lies inside its chart and clear of the others.
    """
    problems = []
    for chart in page.evaluate(CHART_TEXTS_SCRIPT):
        left, top, right, bottom = chart["box"]
        texts = chart["texts"]
        for text in texts:
            text_left, text_top, text_right, text_bottom = text["box"]
            tolerance = EDGE_TOLERANCE_PX
            inside = (
                text_left >= left - tolerance
                and text_top >= top - tolerance
                and text_right <= right + tolerance
                and text_bottom <= bottom + tolerance
            )
            if not inside:
                problems.append(f"{chart['key']}: {text['name']!r} at {text['box']} leaves the chart {chart['box']}")
        for index, first in enumerate(texts):
            for second in texts[index + 1 :]:
                if overlap_area(first["box"], second["box"]) > min_overlap_px:
                    problems.append(f"{chart['key']}: {first['name']!r} overlaps {second['name']!r}")
    return problems
