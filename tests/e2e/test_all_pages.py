"""Every page of the app opens in a real browser without an error."""

import pytest
from playwright.sync_api import expect

from tests.e2e import helpers

# The url paths of the `st.Page`s in app.py; "" is the default page (Goodness).
URL_PATHS = ["", "data", "train", "goodness", "inside"]


@pytest.mark.parametrize("url_path", URL_PATHS, ids=lambda path: path or "default")
def test_page_loads_without_error(page, app_server, url_path):
    """Test that the page at /<url_path> renders content with no exception, error alert or traceback."""
    helpers.goto(page, app_server, url_path)

    main = page.get_by_test_id("stMainBlockContainer")
    expect(main.get_by_test_id("stElementContainer").first).to_be_visible()
    helpers.expect_no_error(page)
    helpers.screenshot(page, f"page_{url_path or 'default'}")
