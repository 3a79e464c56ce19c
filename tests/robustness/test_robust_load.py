"""Many sessions at once: 2, then 8 Train pages training in one process (AppTest, one per session).

Every session trains a network with its own number of layers, so its loss chart must show
exactly that many lines; the process must stay under a memory budget; and a session that
only looks at a page must get it drawn within a second while the others train.
"""

import json
import statistics
import threading
import time

import pytest

from ffviz import registry
from ffviz.registry import THREAD_NAME
from tests.helpers import new_app, stop_training

TRAIN_PAGE = "app_pages/train.py"
MEMORY_BUDGET_GIB = 3.0  # Resident memory of the whole process with 8 sessions training.
RENDER_BUDGET_SECONDS = 1.0  # An idle page's redraw while the others train.
WAIT_SECONDS = 180  # Eight different shapes each compile their XLA step first: 5-20 s apiece on 2 busy cores.
STEP_DELAY = 0.02  # Seconds after each training step.
# Pages a visitor opens while others train: the landing page and the Train page before Start.
IDLE_PAGES = ("app_pages/goodness.py", "app_pages/train.py")


def resident_gib():
    """This process's resident memory (VmRSS) in GiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024 / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def loss_lines(app):
    container = app.get_by_key("train_loss_chart")
    charts = [node for node in container if type(node).__name__ == "UnknownElement" and node.type == "plotly_chart"]
    if not charts:
        return None
    figure = json.loads(charts[0].proto.spec)
    return len([trace for trace in figure["data"] if trace["type"] == "scatter" and trace.get("mode") != "text"])


def start_session(layers):
    app = new_app()
    app.switch_page(TRAIN_PAGE).run()
    app.text_input(key="train_layers").set_value(",".join(["16"] * layers))
    app.number_input(key="train_epochs").set_value(100)  # Longer than the test: it never finishes.
    # The shortest delay on the speed slider: each run still trains flat out between steps, and
    # the sessions started after it compile their first step in seconds, not a minute.
    app.select_slider(key="train_speed").set_value(STEP_DELAY)
    app.run()
    app.button(key="train_play").click().run()
    assert not app.exception, [element.value for element in app.exception]
    return app


def own_history_only(app, layers):
    """Poll the session until its chart shows its own run; check every record has `layers` losses."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        app.run()
        assert not app.exception, [element.value for element in app.exception]
        run = app.session_state["training_run"]
        history = run.snapshot()["history"]
        if history and loss_lines(app) is not None:
            assert all(len(record["loss"]) == layers for record in history)
            return loss_lines(app), run
        time.sleep(0.3)
    raise AssertionError(f"the session with {layers} layers drew no loss chart in {WAIT_SECONDS} s")


@pytest.mark.load
@pytest.mark.parametrize("sessions", [2, 8])
def test_sessions_train_side_by_side(sessions, monkeypatch):
    # The pages are redrawn in turn, and the sessions started first wait untouched while the later
    # ones compile: more than the registry's grace period, which would stop them (`ffviz.registry`).
    monkeypatch.setattr(registry.RUNS, "grace_seconds", 10 * WAIT_SECONDS * sessions)
    idle = {}
    for page in IDLE_PAGES:
        idle[page] = new_app()
        idle[page].switch_page(page).run()
    apps = []
    try:
        for index in range(sessions):
            apps.append(start_session(layers=index + 1))
        # AppTest cannot run scripts from several threads at once (CPython 3.11's compile() and
        # Streamlit's script runner are not safe for that), so the pages are redrawn in turn;
        # the training threads behind them all run at the same time.
        results = [own_history_only(app, layers) for layers, app in enumerate(apps, start=1)]
        runs = [run for _, run in results]
        assert len({id(run) for run in runs}) == sessions
        lines = [count for count, _ in results]
        # Each layer draws its own loss line: the counts grow with the session's layers.
        assert lines == sorted(lines) and len(set(lines)) == sessions, lines
        assert sum(thread.name.startswith(THREAD_NAME) for thread in threading.enumerate()) == sessions

        timings = {}
        for page, app in idle.items():
            timings[page] = []
            for _ in range(5):
                began = time.perf_counter()
                app.run()
                timings[page].append(time.perf_counter() - began)
                assert not app.exception, [element.value for element in app.exception]
        memory = resident_gib()
        steps = [run.trainer.step for run in runs]
        report = ", ".join(
            f"{page} median {statistics.median(times):.3f} s / max {max(times):.3f} s"
            for page, times in timings.items()
        )
        print(f"\n{sessions} sessions training: RSS {memory:.2f} GiB; idle redraws: {report}; steps so far {steps}")
        assert memory < MEMORY_BUDGET_GIB
        for page, times in timings.items():
            assert statistics.median(times) < RENDER_BUDGET_SECONDS, (page, times)
        assert all(step > 0 for step in steps)
    finally:
        for app in apps:
            stop_training(app)
    assert not [thread for thread in threading.enumerate() if thread.name == "ffviz-training"]
