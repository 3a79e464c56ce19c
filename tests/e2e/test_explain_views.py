"""The explanation views in a real browser at 1280x720, each saved as a picture in tests/e2e/screenshots/
(explain_*.png, the README's docs/ pictures are copies of them), then checked in talk mode: every chart
fits the projector's screen and keeps its texts apart."""

import re

from playwright.sync_api import expect

from tests.e2e import helpers

LAPTOP = {"width": 1280, "height": 720}
TRAINING_TIMEOUT_MS = 120_000  # Compiling and training on two busy cores.


def set_text(page, key, text):
    field = helpers.by_key(page, key).locator("input")
    field.fill(text)
    field.press("Enter")
    helpers.wait_for_app_run(page)


def race_two_variants(page, server, url_path, layers, budget_seconds):
    """Open FF vs FF at `url_path`, race two variants of `layers` for the budget; returns the status once it ends."""
    helpers.goto(page, server, url_path)
    helpers.by_key(page, "compare_mode").get_by_text("FF vs FF").click()
    helpers.wait_for_app_run(page)
    for name in ("a", "b"):
        set_text(page, f"variants_{name}_layers", layers)
    set_text(page, "variants_budget", str(budget_seconds))
    # The button has a help icon, a second button inside its element: click the one named Start.
    helpers.by_key(page, "variants_start").get_by_role("button", name="Start").click()
    helpers.wait_for_app_run(page)
    status = helpers.by_key(page, "variants_status")
    finished = re.compile(rf"points ahead after {budget_seconds} s|tied at")
    expect(status).to_contain_text(finished, timeout=TRAINING_TIMEOUT_MS)
    return status


def picture_of(page, element, name):
    """Save the screen from `element`'s top as tests/e2e/screenshots/<name>.png, without Streamlit's sticky header.

    Not into docs/: a test run must not rewrite the repository's files; copy a picture there by hand.
    """
    page.add_style_tag(content='[data-testid="stHeader"] { display: none; }')
    element.evaluate("(node) => node.scrollIntoView({block: 'start'})")
    helpers.SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=helpers.SCREENSHOTS / f"{name}.png")


def expect_charts_fit_the_screen(page, panel, viewport):
    """Every chart of `panel` fits a projector's screen (so it can be shown whole) and keeps its texts apart."""
    charts = panel.get_by_test_id("stPlotlyChart")
    expect(charts.first).to_be_visible()
    for index in range(charts.count()):
        box = charts.nth(index).bounding_box()
        assert box is not None and box["width"] > 100, f"chart {index} is not drawn: {box}"
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 1, f"chart {index} is cut: {box}"
        assert box["height"] <= viewport["height"], f"chart {index} is taller than the screen: {box}"
    assert helpers.chart_text_problems(page) == []


def switch_talk_mode_on(page):
    """Turn talk mode on with the sidebar's switch: the same session, so the view keeps its state."""
    page.get_by_test_id("stSidebar").get_by_text("Talk mode").click()
    helpers.wait_for_app_run(page)
    expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")


def test_saliency_maps_show_for_a_test_digit(page, app_server):
    """Test that a test digit on the Goodness page gets its red-blue saliency maps under the bars."""
    page.set_viewport_size(LAPTOP)
    helpers.goto(page, app_server, "goodness")
    helpers.by_key(page, "goodness_source").get_by_text("Test set").click()
    helpers.wait_for_app_run(page)
    panel = helpers.by_key(page, "goodness_saliency")
    expect(panel).to_contain_text("Red pixels raise")
    expect(panel.get_by_test_id("stPlotlyChart")).to_be_visible()
    expect(panel.locator(".infolayer .annotation-text").first).to_contain_text("(top)")
    helpers.expect_no_error(page)
    panel.scroll_into_view_if_needed()
    helpers.SCREENSHOTS.mkdir(exist_ok=True)
    panel.screenshot(path=helpers.SCREENSHOTS / "explain_saliency.png")
    switch_talk_mode_on(page)
    expect_charts_fit_the_screen(page, helpers.by_key(page, "goodness_saliency"), LAPTOP)


def test_one_step_shows_the_update_panel(page, app_server):
    """Test that One step on the Train page shows the batch's goodness before and after and the weight change."""
    page.set_viewport_size(LAPTOP)
    helpers.goto(page, app_server, "train")
    set_text(page, "train_layers", "100,100")
    helpers.click_button(page, "train_step")
    panel = helpers.by_key(page, "train_update")
    expect(panel).to_contain_text("What update 1 did", timeout=TRAINING_TIMEOUT_MS)
    expect(panel.get_by_test_id("stPlotlyChart")).to_have_count(3)
    helpers.expect_no_error(page)
    helpers.wait_for_app_run(page)
    picture_of(page, panel, "explain_update")
    switch_talk_mode_on(page)
    expect(panel).to_contain_text("What update 1 did")
    expect_charts_fit_the_screen(page, panel, LAPTOP)
    helpers.click_button(page, "train_reset")


def test_ff_vs_ff_states_the_winner(page, app_server):
    """Test that FF vs FF trains two variants for the budget and states the winner's lead in words."""
    page.set_viewport_size(LAPTOP)
    status = race_two_variants(page, app_server, "compare", layers="100", budget_seconds=10)
    expect(helpers.by_key(page, "variants_accuracy_chart").locator(".scatterlayer .trace")).to_have_count(2)
    helpers.expect_no_error(page)
    picture_of(page, status, "explain_variants")
    switch_talk_mode_on(page)
    expect_charts_fit_the_screen(page, helpers.by_key(page, "variants_accuracy_chart"), LAPTOP)
    expect_charts_fit_the_screen(page, page.get_by_test_id("stMain"), LAPTOP)
