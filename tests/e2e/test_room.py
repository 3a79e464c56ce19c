"""The room in a browser: a presenter's wall and two phones on one app process.

Each phone is its own browser context (its own Streamlit session) with a phone's viewport;
the drawings are made with the mouse on the real canvas and sent with the real button.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e import helpers
from tests.e2e.test_goodness_canvas import ONE, ZERO

PHONE = {"width": 390, "height": 844}
SENT = re.compile(r"Sent as #(\d+): the network reads (\d)")


@pytest.fixture
def new_phone(browser):
    """A function that opens a phone-sized browser context; all are closed after the test."""
    contexts = []

    def open_phone():
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=False)
        context.set_default_timeout(helpers.RUN_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_phone
    for context in contexts:
        context.close()


def open_room(page, server):
    """Open a room on the Present page and return its code."""
    helpers.goto(page, server, "present")
    helpers.click_button(page, "present_open")
    heading = helpers.by_key(page, "present_join")
    expect(heading).to_contain_text("Room code:")
    return re.search(r"Room code: (\w+)", heading.inner_text()).group(1)


def draw_and_send(phone, server, code, strokes, meant):
    """On a phone: open the join link, draw, say what was meant, send; returns (number, prediction)."""
    helpers.goto(phone, server, f"join?room={code}")
    canvas = helpers.by_key(phone, "join_canvas_box").locator("canvas.ffviz-digit-canvas").first
    expect(canvas).to_be_visible()
    helpers.draw(phone, canvas, strokes, steps=2)
    helpers.wait_for_app_run(phone)
    helpers.by_key(phone, "join_meant").get_by_role("radio", name=str(meant), exact=True).click()
    helpers.wait_for_app_run(phone)
    helpers.click_button(phone, "join_send")
    result = helpers.by_key(phone, "join_result")
    expect(result).to_contain_text(SENT)
    expect(result.locator(".barlayer .trace").first.locator(".point")).to_have_count(10)
    number, prediction = SENT.search(result.inner_text()).groups()
    return int(number), int(prediction)


def test_two_phones_drawings_appear_on_the_wall_and_a_closed_room_says_so(page, app_server, new_phone):
    """Test that two phones' drawings reach the wall with their predictions, and a closed room tells a phone."""
    code = open_room(page, app_server)
    sent = [
        draw_and_send(new_phone(), app_server, code, ONE, meant=1),
        draw_and_send(new_phone(), app_server, code, ZERO, meant=0),
    ]
    assert sorted(number for number, _ in sent) == [1, 2]
    grid = helpers.by_key(page, "present_grid")
    for number, prediction in sent:
        # The wall refreshes itself (st.fragment with run_every): no click, no reload.
        expect(grid).to_contain_text(re.compile(rf"#{number}: {prediction}\b"))
    expect(helpers.by_key(page, "present_totals")).to_contain_text("People drawing2")
    helpers.expect_no_error(page)
    helpers.screenshot(page, "room_wall")

    helpers.click_button(page, "present_close")
    expect(helpers.by_key(page, "present_latest")).to_contain_text(f"room {code} is closed")
    late_phone = new_phone()
    helpers.goto(late_phone, app_server, f"join?room={code}")
    expect(late_phone.get_by_test_id("stMain")).to_contain_text(f"Room {code} is closed")
    expect(helpers.by_key(late_phone, "join_canvas_box")).to_have_count(0)
    helpers.screenshot(late_phone, "room_closed_phone")
