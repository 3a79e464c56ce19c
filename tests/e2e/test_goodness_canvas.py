"""The Goodness page: draw a digit with the mouse and read the network's answer."""

import math

from playwright.sync_api import expect

from tests.e2e import helpers

# Mouse paths as fractions of the canvas: a "1" is one vertical stroke, a "0" a loop.
ONE = [(0.5, 0.15), (0.5, 0.85)]
ZERO = [
    (0.5 + 0.22 * math.sin(2 * math.pi * step / 24), 0.5 - 0.33 * math.cos(2 * math.pi * step / 24))
    for step in range(25)
]
NUM_CLASSES = 10
# Goodness is the default page, at the root of the app.
GOODNESS = ""


def drawing_canvas(page):
    """ffviz's drawing canvas (in the component's open shadow root, which Playwright's locators pierce)."""
    return page.get_by_test_id("stMain").locator("canvas.ffviz-digit-canvas").first


def goodness_bars(page):
    """The bars of the first layer in the per-label goodness chart (one Plotly trace per layer)."""
    return helpers.by_key(page, "goodness_chart").locator(".barlayer .trace").first.locator(".point")


def expect_ten_bars_per_layer(page):
    """Every layer's trace in the goodness chart has one bar per label."""
    expect(goodness_bars(page)).to_have_count(NUM_CLASSES)
    traces = helpers.by_key(page, "goodness_chart").locator(".barlayer .trace")
    for index in range(traces.count()):
        expect(traces.nth(index).locator(".point")).to_have_count(NUM_CLASSES)


def preview(page):
    """The 28x28 image that the network sees, drawn as a Plotly chart."""
    return helpers.by_key(page, "goodness_preview").get_by_test_id("stPlotlyChart")


def test_drawing_a_digit_shows_preview_bars_and_prediction(page, app_server):
    """Test that drawing a "1", then a "0", shows the 28x28 preview, ten goodness bars and a prediction."""
    helpers.goto(page, app_server, GOODNESS)
    main = page.get_by_test_id("stMain")
    canvas = drawing_canvas(page)
    expect(canvas).to_be_visible()

    helpers.draw(page, canvas, ONE)
    helpers.wait_for_app_run(page)
    expect(preview(page)).to_be_visible()
    expect_ten_bars_per_layer(page)
    expect(main).to_contain_text("Prediction: 1")
    helpers.expect_no_error(page)
    helpers.screenshot(page, "goodness_one")

    helpers.click_button(page, "goodness_clear")
    expect(goodness_bars(page)).to_have_count(0)
    canvas = drawing_canvas(page)  # Clear mounted a new, empty canvas.
    helpers.draw(page, canvas, ZERO, steps=2)
    helpers.wait_for_app_run(page)
    expect(preview(page)).to_be_visible()
    expect_ten_bars_per_layer(page)
    expect(main).to_contain_text("Prediction: 0")
    helpers.expect_no_error(page)
    helpers.screenshot(page, "goodness_zero")


def test_clear_button_empties_the_canvas(page, app_server):
    """Test that the Clear button removes the drawing, the chart and the prediction, and the hint returns."""
    helpers.goto(page, app_server, GOODNESS)
    main = page.get_by_test_id("stMain")
    helpers.draw(page, drawing_canvas(page), ONE)
    helpers.wait_for_app_run(page)
    expect(goodness_bars(page)).to_have_count(NUM_CLASSES)

    helpers.click_button(page, "goodness_clear")
    expect(goodness_bars(page)).to_have_count(0)
    expect(preview(page)).to_have_count(0)
    expect(main).not_to_contain_text("Prediction:")
    expect(main).to_contain_text("Draw a digit")
    helpers.expect_no_error(page)


def touch_draw(page, target, points, steps=4):
    """Drag one finger through `points` (fractions of `target`'s box) with real touch events (CDP)."""
    box = target.bounding_box()
    assert box is not None, "the drawing target is not rendered"
    path = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in points]
    session = page.context.new_cdp_session(page)

    def touch(kind, point):
        touches = [] if kind == "touchEnd" else [{"x": point[0], "y": point[1], "id": 1}]
        session.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touches})

    touch("touchStart", path[0])
    for start, end in zip(path, path[1:]):
        for step in range(1, steps + 1):
            fraction = step / steps
            touch("touchMove", (start[0] + fraction * (end[0] - start[0]), start[1] + fraction * (end[1] - start[1])))
    touch("touchEnd", path[-1])
    session.detach()


def test_a_finger_draws_on_a_phone(browser, app_server):
    """Test that a stroke made with a finger (touch events, as on a phone) is read: the audience draws this way."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    try:
        page = context.new_page()
        helpers.goto(page, app_server, GOODNESS)
        touch_draw(page, drawing_canvas(page), ONE)
        helpers.wait_for_app_run(page)
        expect(page.get_by_test_id("stMain")).to_contain_text("Prediction: 1")
        expect(preview(page)).to_be_visible()
        helpers.expect_no_error(page)
    finally:
        context.close()
