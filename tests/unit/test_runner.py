"""The background training run: start, pause, single steps, stop, and no leaked threads."""

import threading
import time

import numpy as np
import pytest

from ffviz import registry
from ffviz.config import FFConfig
from ffviz.network import FFNetwork
from ffviz.runner import TrainingRun
from tests import helpers

WAIT_SECONDS = 180.0  # Generous: compiling on two busy cores is slow; a poll returns as soon as it holds.


def training_threads():
    """The live training threads of this process (threads of other tests, a browser's say, come and go)."""
    return sum(thread.name.startswith(registry.THREAD_NAME) for thread in threading.enumerate())


def wait_until(condition, timeout=WAIT_SECONDS):
    """`helpers.wait_until` with this file's default timeout; fails the test when it runs out."""
    return helpers.wait_until(condition, timeout)


@pytest.fixture
def make_run(sample):
    x_train, y_train, x_test, y_test = sample
    runs = []

    def make(keep_alive=None, **changes):
        config = FFConfig(layer_sizes=(32, 32), epochs=2, batch_size=100, seed=0).replace(**changes)
        run = TrainingRun(FFNetwork(config), x_train, y_train, x_test[:200], y_test[:200], keep_alive=keep_alive)
        runs.append(run)
        return run

    yield make
    for run in runs:
        run.stop()


def test_start_pause_resume_and_stop(make_run):
    threads_before = training_threads()
    run = make_run(epochs=50)  # Many steps per call on a small net: 2 epochs could end before `stop()`.
    run.start()
    run.start()  # A second click while running changes nothing.
    assert wait_until(lambda: run.snapshot()["step"] >= 5)
    assert training_threads() == threads_before + 1
    run.pause()
    assert wait_until(lambda: run.snapshot()["state"] == "paused")
    assert wait_until(lambda: not run._in_call)  # The call in flight has ended.
    paused_at = run.snapshot()["step"]
    time.sleep(0.5)
    assert run.snapshot()["step"] == paused_at
    run.step_once()
    assert wait_until(lambda: run.snapshot()["step"] == paused_at + 1)
    assert wait_until(lambda: not run._in_call)
    time.sleep(0.3)  # Nothing should happen now: no condition to poll for.
    assert run.snapshot()["step"] == paused_at + 1
    run.resume()
    assert wait_until(lambda: run.snapshot()["step"] > paused_at + 3)
    run.stop()
    assert run.snapshot()["state"] == "stopped"
    assert not run.alive
    assert training_threads() == threads_before


def test_history_holds_per_layer_losses_and_epoch_accuracy(make_run):
    run = make_run(epochs=1)
    run.set_threshold(2.0)
    run.start()
    assert wait_until(lambda: run.snapshot()["state"] == "finished", timeout=60)
    snapshot = run.snapshot()
    assert len(snapshot["history"]) == snapshot["total_steps"] == 40
    assert all(len(record["loss"]) == 2 for record in snapshot["history"])
    assert len(snapshot["test_accuracy"]) == 1 and 0 <= snapshot["test_accuracy"][0][1] <= 1
    assert snapshot["events"] == [{"step": 0, "setting": "threshold", "value": 2.0}]
    assert snapshot["history"][0]["threshold"] == 2.0


def test_closed_page_ends_the_thread(make_run, monkeypatch):
    import ffviz.run_worker

    monkeypatch.setattr(ffviz.run_worker, "KEEP_ALIVE_INTERVAL", 0.1)
    page_open = {"value": True}
    run = make_run(keep_alive=lambda: page_open["value"], epochs=50)
    run.start()
    assert wait_until(lambda: run.snapshot()["step"] > 2)
    page_open["value"] = False
    assert wait_until(lambda: not run.alive, timeout=10)
    assert run.snapshot()["state"] == "stopped"


def test_divergence_fails_the_run_with_its_reason(make_run):
    run = make_run(learning_rate=10.0, sharpness=1000.0, lr_decay=False, epochs=20)
    run.trainer.x_train = run.trainer.x_train.copy()
    run.trainer.x_train[run.trainer.order[100:200]] = np.nan  # The second step sees NaN.
    run.start()
    assert wait_until(lambda: run.snapshot()["state"] == "failed")
    assert "NaN" in run.snapshot()["message"]
    assert wait_until(lambda: not run.alive)


def test_speed_control_is_validated(make_run):
    run = make_run()
    run.set_delay(0.5)
    assert run.delay == 0.5
    with pytest.raises(ValueError, match="delay"):
        run.set_delay(-1)


def test_goodness_samples_for_histograms(make_run):
    run = make_run(epochs=1)
    run.start()
    assert wait_until(lambda: run.snapshot()["state"] == "finished", timeout=60)
    samples = run.snapshot()["goodness_samples"]
    assert samples["step"] == 40
    assert len(samples["positive"]) == len(samples["negative"]) == 2  # One list per layer.
    assert all(len(values) == 500 for values in samples["positive"])
    # After training, positive data is good and negative data less so, on average.
    assert np.mean(samples["positive"][0]) > np.mean(samples["negative"][0])


def test_quick_accuracy_every_few_steps(make_run):
    """Test that `eval_every` adds quick accuracy checks by step count, besides the timed ones."""
    run = make_run(epochs=1)
    run.eval_every = 10
    run.start()
    assert wait_until(lambda: run.snapshot()["state"] == "finished", timeout=60)
    snapshot = run.snapshot()
    quick = [record for record in snapshot["history"] if "quick_accuracy" in record]
    # One check per call in which a tenth step fell (calls hold several steps), none after step 40.
    assert 1 <= len(quick) <= 5 and all(record["step"] <= 40 for record in quick)
    points = snapshot["quick_accuracy"]
    assert [point["step"] for point in points] == [record["step"] for record in quick]
    assert all(0 <= point["accuracy"] <= 1 and point["elapsed"] >= 0 for point in points)


def test_moved_settings_reach_the_saved_config(make_run):
    run = make_run()
    run.set_threshold(2.5)
    run.set_learning_rate(0.001)
    assert run.network.config.threshold == 2.5 and run.network.config.learning_rate == 0.001
    status = run.status()
    assert status["state"] == "ready" and status["step"] == 0 and status["total_steps"] == 80
    assert "history" not in status
