"""Closing the browser while training: the server's training thread must end, leaving no load behind.

The run lives in the process's registry (`ffviz.registry`), so a reload finds it; every open
page of the tab touches it every few seconds. Once the tab is closed nobody does, and the run
stops after the registry's grace period (`GRACE_SECONDS`). The server is another
process, so the test watches its CPU time (/proc/PID/stat) and its thread count
(/proc/PID/status): both fall back once the tab is gone.
"""

import os
import time

from playwright.sync_api import expect

from ffviz.registry import GRACE_SECONDS
from tests.e2e import helpers
from tests.e2e.conftest import VIEWPORT
from tests.helpers import wait_until

IDLE_CPU_FRACTION = 0.15  # Of one core: what an idle Streamlit server uses, with room to spare.
# The registry's grace period, its keep-alive check every 2 s, and a step that may finish first.
SETTLE_SECONDS = GRACE_SECONDS + 30


def cpu_seconds(pid):
    """User + system CPU time of process `pid`, in seconds."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_fraction(pid, seconds=2.0):
    before = cpu_seconds(pid)
    time.sleep(seconds)
    return (cpu_seconds(pid) - before) / seconds


def test_closing_the_tab_ends_the_training_thread(browser, app_server):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    helpers.goto(page, app_server, "train")
    for key, value in (("train_layers", "64,64"), ("train_epochs", "100")):  # Small: a quick first step.
        field = helpers.by_key(page, key).locator("input")
        field.fill(value)
        field.press("Enter")
        helpers.wait_for_app_run(page)
    helpers.click_button(page, "train_play")
    # The first step waits for the network's XLA step to compile: seconds alone, a minute on busy cores.
    loss_trace = helpers.by_key(page, "train_loss_chart").locator(".scatterlayer .trace").first
    expect(loss_trace).to_be_attached(timeout=90_000)
    busy = cpu_fraction(app_server.pid)
    assert busy > IDLE_CPU_FRACTION, f"the server does not seem to train: {busy:.2f} of a core"

    context.close()  # The tab is gone: no more websocket.

    # Each look measures over two seconds, so the poll itself needs no pause between looks.
    wait_until(
        lambda: cpu_fraction(app_server.pid) < IDLE_CPU_FRACTION,
        SETTLE_SECONDS,
        interval=0,
        message=f"the server back under {IDLE_CPU_FRACTION} of a core after the tab closed "
        f"(it used {busy:.2f} while training): the training thread did not end",
    )
