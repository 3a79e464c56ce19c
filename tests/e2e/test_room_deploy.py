"""The room served by two app processes behind nginx, with the rooms in Redis (`deploy/serve.py`).

Two phones are made to land on different processes (nginx names the one that answered in
`X-FFviz-Upstream`; a phone that lands on the first phone's process is replaced by a new one),
and both drawings must reach one wall, which itself is served by one of the two processes.
"""

import pytest
from playwright.sync_api import expect

from deploy.serve import Deployment, find_program
from ffviz.room_store_redis import RedisRoomStore
from tests.e2e import helpers
from tests.e2e.test_goodness_canvas import ONE, ZERO
from tests.e2e.test_room import PHONE, draw_and_send, open_room

pytestmark = pytest.mark.deploy
PHONE_ATTEMPTS = 20  # New phones tried until one lands on the other process; each does so with chance 1/2.


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """Redis, two app processes and nginx on loopback ports, for this module."""
    for program in ("nginx", "redis-server"):
        try:
            find_program(program)
        except FileNotFoundError as error:
            pytest.skip(str(error))
    with Deployment(processes=2, run_dir=tmp_path_factory.mktemp("deploy")) as running:
        yield running
        logs = {path.name: path.read_text(errors="replace") for path in running.run_dir.glob("app*.log")}
    for name, log in logs.items():
        assert "Traceback" not in log, f"{name} has a traceback:\n{log}"


def phone_on(browser, deployment, code, unwanted_upstream):
    """A phone whose join page was served by a process other than `unwanted_upstream`: (context, page, upstream)."""
    for _ in range(PHONE_ATTEMPTS):
        context = browser.new_context(viewport=PHONE, is_mobile=True)
        context.set_default_timeout(helpers.RUN_TIMEOUT_MS)
        page = context.new_page()
        upstream = page.goto(f"{deployment.url}/join?room={code}").headers["x-ffviz-upstream"]
        if upstream != unwanted_upstream:
            return context, page, upstream
        context.close()
    pytest.fail(f"{PHONE_ATTEMPTS} phones in a row landed on {unwanted_upstream}: is the upstream hash broken?")


def test_phones_on_different_processes_reach_one_wall(page, browser, deployment):
    """Test that two phones served by the two processes both appear on the wall, each classified by its own process."""
    code = open_room(page, deployment)
    contexts = []
    try:
        first = phone_on(browser, deployment, code, unwanted_upstream=None)
        second = phone_on(browser, deployment, code, unwanted_upstream=first[2])
        contexts = [first[0], second[0]]
        sent = [
            draw_and_send(first[1], deployment, code, ONE, meant=1),
            draw_and_send(second[1], deployment, code, ZERO, meant=0),
        ]
    finally:
        for context in contexts:
            context.close()
    grid = helpers.by_key(page, "present_grid")
    for number, prediction in sent:
        expect(grid).to_contain_text(f"#{number}: {prediction}")

    # Each drawing was classified by the process its phone's websocket was on (sticky sessions).
    pid_of_upstream = {url.removeprefix("http://"): pid for url, pid in zip(deployment.app_urls, deployment.app_pids())}
    drawings = {drawing.number: drawing for drawing in RedisRoomStore(deployment.redis_address).drawings(code)}
    servers = [drawings[number].server for number, _ in sent]
    assert [server.rsplit(":", 1)[1] for server in servers] == [
        str(pid_of_upstream[first[2]]),
        str(pid_of_upstream[second[2]]),
    ]
    assert len(set(servers)) == 2
    helpers.expect_no_error(page)
