"""Every page of the app opens in a real browser without an error."""

import ast

import pytest
from playwright.sync_api import expect

from tests.e2e import helpers
from tests.helpers import APP_SCRIPT


def page_url_paths():
    """ "" (the default page) and the `url_path` of every other `st.Page` in app.py, read from its source.

    Read from app.py rather than listed here, so a page added to the app is tested without
    anyone remembering to add it (the compare page was once missed). The default page is
    served at "/" only, whatever its `url_path` says, so it is tested as "".
    """
    paths = [""]
    for node in ast.walk(ast.parse(APP_SCRIPT.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page":
            keywords = {keyword.arg: keyword.value for keyword in node.keywords}
            is_default = isinstance(keywords.get("default"), ast.Constant) and keywords["default"].value is True
            if "url_path" in keywords and not is_default:
                paths.append(keywords["url_path"].value)
    return paths


URL_PATHS = page_url_paths()


def test_every_page_of_the_app_is_listed():
    """Test that the list above found the app's pages, the compare page among them."""
    assert {"", "goodness", "data", "train", "inside", "compare"} <= set(URL_PATHS)
    assert "home" not in URL_PATHS  # The default page's own url_path, served at "/" only.


@pytest.mark.parametrize("url_path", URL_PATHS, ids=lambda path: path or "default")
def test_page_loads_without_error(page, app_server, url_path):
    """Test that the page at /<url_path> renders content with no exception, error alert or traceback."""
    helpers.goto(page, app_server, url_path)

    main = page.get_by_test_id("stMainBlockContainer")
    expect(main.get_by_test_id("stElementContainer").first).to_be_visible()
    helpers.expect_no_error(page)
    helpers.screenshot(page, f"page_{url_path or 'default'}")
