"""The Data page: a grid of training images that the user can redraw."""

from playwright.sync_api import expect

from tests.e2e import helpers


def test_new_samples_changes_the_grid(page, app_server):
    """Test that "New samples" replaces the images in the data grid."""
    helpers.goto(page, app_server, "data")
    grid = helpers.by_key(page, "data_grid")
    expect(grid.get_by_test_id("stPlotlyChart")).to_be_visible()
    before = grid.inner_html()

    helpers.click_button(page, "data_new_samples")
    expect(grid).not_to_have_js_property("innerHTML", before)
    helpers.expect_no_error(page)
    helpers.screenshot(page, "data")
