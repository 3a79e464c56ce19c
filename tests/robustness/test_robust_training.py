"""Faults while training on the Train page: a diverging loss, Stop mid-step, Start twice, a closed tab.

tests/unit/test_runner.py and test_train.py check the runner and trainer alone; these tests
go through the page's buttons (AppTest), as a speaker would on stage.
"""

import threading

import numpy as np

from ffviz.registry import THREAD_NAME
from tests import helpers
from tests.helpers import stop_training
from ui.session import session_keep_alive

TRAIN_PAGE = "app_pages/train.py"
WAIT_SECONDS = 90  # The first step traces the training graph: seconds on two busy cores.


def training_threads():
    """The live training threads: an owner's lane is named "ffviz-training-<owner>" (`ffviz.registry.lane_for`)."""
    return [thread for thread in threading.enumerate() if thread.name.startswith(THREAD_NAME) and thread.is_alive()]


def wait_until(condition, seconds=WAIT_SECONDS, app=None):
    """`helpers.wait_until`, redrawing the page (`app.run()`) before each look when `app` is given."""

    def redrawn_condition():
        if app is not None:
            app.run()
        return condition()

    return helpers.wait_until(redrawn_condition, seconds, interval=0.2 if app is not None else helpers.POLL_SECONDS)


def open_train_page(app, layers="16", epochs=50):
    app.switch_page(TRAIN_PAGE).run()
    app.text_input(key="train_layers").set_value(layers)
    app.number_input(key="train_epochs").set_value(epochs)
    app.run()
    return app


def one_step(app):
    app.button(key="train_step").click().run()
    run = app.session_state["training_run"]
    assert wait_until(lambda: run.trainer.step >= 1 and run.snapshot()["history"])
    return run


def test_a_huge_learning_rate_fails_with_a_reason_and_keeps_finite_weights(app):
    """Test that a real NaN loss (no mock) stops the run, says why, keeps finite weights, and Reset works."""
    open_train_page(app)
    run = one_step(app)
    good = [weight.copy() for weight in run.network.get_weights()]
    # No widget allows this: it stands for any setting that makes the loss blow up.
    run.trainer.base_learning_rate = 1e30
    app.button(key="train_play").click().run()
    assert wait_until(lambda: run.snapshot()["state"] == "failed", app=app), run.snapshot()["state"]
    app.run()
    assert not app.exception
    errors = [element.value for element in app.error]
    assert any("loss became" in error and "last weights with a finite loss were kept" in error for error in errors), (
        errors
    )
    # Step 2 started from `good` and saw a finite loss; step 3's loss, on the weights that step 2's
    # huge update made, was not: so exactly `good` is put back.
    for kept, finite in zip(run.network.get_weights(), good):
        np.testing.assert_array_equal(kept, finite)
    assert not run.alive
    assert not training_threads()
    app.button(key="train_reset").click().run()
    assert not app.exception
    assert app.session_state["training_run"] is None
    assert not app.error


def test_reset_while_a_step_runs_ends_the_run_and_play_starts_a_new_one(app):
    """Test that Reset during training stops the run after the step in progress, and Play then starts afresh."""
    open_train_page(app, layers="64,64,64")
    app.button(key="train_play").click().run()
    run = app.session_state["training_run"]
    assert wait_until(lambda: run.trainer.step >= 3)
    app.button(key="train_reset").click().run()
    assert wait_until(lambda: not run.alive, seconds=10)
    app.run()
    assert not app.exception
    assert run.snapshot()["state"] == "stopped"
    assert run.snapshot()["step"] >= 3
    assert app.session_state["training_run"] is None
    app.button(key="train_play").click().run()  # Reset forgot the run: Play starts a new one.
    new_run = app.session_state["training_run"]
    assert new_run is not run
    assert wait_until(lambda: new_run.trainer.step >= 1)
    stop_training(app)


def test_start_twice_quickly_makes_one_thread(app):
    """Test that two Play presses before the page redraws (a double click) make one run, one thread.

    Play is a toggle, so the second click of the double click pauses the run it started.
    """
    open_train_page(app, layers="32")
    start = app.button(key="train_play")  # Taken from the page as drawn before the first click.
    start.click()
    app.run()
    first = app.session_state["training_run"]
    assert first is not None and first.alive
    start.click()  # The second click of a double click, from the same (not yet redrawn) page.
    app.run()
    assert not app.exception
    assert app.session_state["training_run"] is first
    assert len(training_threads()) == 1
    stop_training(app)
    assert not training_threads()


def test_keep_alive_under_apptest_is_none():
    """Test that outside a Streamlit server (AppTest, scripts) runs get no keep-alive: tests stop them.

    The closed-tab case is in tests/unit/test_runner.py (the runner side) and in
    tests/e2e/test_robust_closed_tab.py (a real browser closing its page).
    """
    assert session_keep_alive() is None
