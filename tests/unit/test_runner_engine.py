"""The run's engine: compiled steps reused, compiling before the clock, Start after Stop, one thread per owner.

Issues 12 and 14. A tiny network on the shipped sample; every wait is a poll with a timeout.
"""

import threading
import time

import numpy as np
import pytest

from ffviz import backprop, compiled_steps, registry, run_worker
from ffviz.config import FFConfig
from ffviz.network import FFNetwork
from ffviz.runner import TrainingRun, start_together
from ffviz.train import Trainer, warm_up_in_background
from tests import helpers

WAIT_SECONDS = 180.0  # Generous: two busy cores compile slowly; a poll returns as soon as it holds.


def wait_until(condition, timeout=WAIT_SECONDS, message=None):
    return helpers.wait_until(condition, timeout, message=message)


def tiny_config(**changes):
    return FFConfig(layer_sizes=(24, 16), epochs=2, batch_size=100, seed=0).replace(**changes)


def training_threads():
    return [thread for thread in threading.enumerate() if thread.name.startswith(registry.THREAD_NAME)]


@pytest.fixture
def make_run(sample):
    x_train, y_train, x_test, y_test = sample
    runs = []

    def make(owner=None, **changes):
        run = TrainingRun(FFNetwork(tiny_config(**changes)), x_train, y_train, x_test[:300], y_test[:300], owner=owner)
        runs.append(run)
        return run

    yield make
    for run in runs:
        run.close()
        run.join()


def test_a_warmed_up_shape_compiles_once_and_its_first_run_compiles_nothing(sample):
    """Test that a warm-up compiles a shape once in the background and a run started meanwhile waits for it."""
    x_train, y_train, _, _ = sample
    config = tiny_config(layer_sizes=(24, 11), batch_size=40)  # A shape no other test compiles.
    created = compiled_steps.STEP_CACHE.created
    thread = warm_up_in_background(config)
    assert thread is not None
    assert warm_up_in_background(config.replace(learning_rate=0.01)) is None  # Compiling already.
    # Started at once, while the warm-up still compiles: the run takes the warm-up's program.
    trainer = Trainer(FFNetwork(config.replace(threshold=3.0, seed=5)), x_train, y_train)
    assert trainer.prepare() == 0.0
    assert compiled_steps.STEP_CACHE.created == created + 1
    traced = trainer.program.tracing_count()
    trainer.train_steps(3)
    assert trainer.program.tracing_count() == traced and trainer.step == 3
    assert float(trainer.program.threshold.numpy()) == 3.0  # The run's own settings, not the warm-up's.
    trainer.release()
    thread.join(WAIT_SECONDS)
    assert not thread.is_alive()
    assert warm_up_in_background(config) is None  # Its program waits idle.


def test_a_second_run_of_the_same_shape_reuses_the_compiled_steps(sample):
    """Test that a new trainer of a shape trained before traces nothing and starts like a fresh one."""
    x_train, y_train, _, _ = sample
    config = tiny_config(batch_size=50, negatives="hard", seed=7)
    first = Trainer(FFNetwork(config), x_train, y_train)
    first_records = first.train_steps(5)
    program = first.program
    first.release()
    traced, created = program.tracing_count(), compiled_steps.STEP_CACHE.created
    second = Trainer(FFNetwork(config), x_train, y_train)
    assert second.prepare() == 0.0  # Nothing compiled: the program was idle in the cache.
    assert second.program is program and program.tracing_count() == traced
    assert compiled_steps.STEP_CACHE.created == created
    second_records = second.train_steps(5)
    assert program.tracing_count() == traced
    # Same weights, seed and fresh optimizer moments: the same steps as the first run.
    for one, other in zip(first_records, second_records):
        np.testing.assert_allclose(one["loss"], other["loss"], rtol=1e-6)
    second.release()


def test_a_different_shape_gets_its_own_program(sample):
    x_train, y_train, _, _ = sample
    small = Trainer(FFNetwork(tiny_config(batch_size=50)), x_train, y_train)
    wide = Trainer(FFNetwork(tiny_config(batch_size=50, layer_sizes=(24, 17))), x_train, y_train)
    small.prepare(), wide.prepare()
    assert small.program is not wide.program and small.program.key != wide.program.key
    small.release(), wide.release()


def test_released_trainer_keeps_its_weights_and_can_go_on(sample):
    """Test that `release` leaves the trained weights in the network, and training can continue."""
    x_train, y_train, _, _ = sample
    network = FFNetwork(tiny_config(batch_size=50))
    trainer = Trainer(network, x_train, y_train)
    trainer.train_steps(3)
    trained = [weight.copy() for weight in trainer.program.network.get_weights()]
    trainer.release()
    for kept, value in zip(network.get_weights(), trained):
        np.testing.assert_array_equal(kept, value)
    assert trainer.train_steps(2)[-1]["step"] == 5


def test_backprop_models_are_reused_across_runs(sample):
    """Test that a second backprop run of the same shape reuses the compiled Keras model and starts fresh."""
    x_train, y_train, x_test, y_test = sample
    config = tiny_config(batch_size=50, seed=3)
    first = backprop.BackpropTrainer(config, x_train, y_train, x_test, y_test)
    first_losses = [first.train_step()["loss"] for _ in range(3)]
    model = first.model
    first.release()
    created = backprop.MODEL_CACHE.created
    second = backprop.BackpropTrainer(config, x_train, y_train, x_test, y_test)
    assert second.prepare() == 0.0 and second.model is model and backprop.MODEL_CACHE.created == created
    second_losses = [second.train_step()["loss"] for _ in range(3)]
    np.testing.assert_allclose(first_losses, second_losses, rtol=1e-5)
    second.release()


def test_prepare_compiles_before_the_clock_and_the_first_step_follows_start(make_run):
    """Test that `prepare` compiles without training and that Start then steps within 2 s, clock from then."""
    run = make_run(layer_sizes=(24, 15))  # A shape no other test compiles.
    run.prepare()
    assert run.wait_prepared(timeout=WAIT_SECONDS)
    status = run.status()
    assert status["state"] == "ready" and status["prepared"] and status["step"] == 0 and status["elapsed"] == 0.0
    assert run.snapshot()["compile_seconds"] > 0
    started = time.monotonic()
    run.start()
    wait_until(lambda: run.status()["step"] >= 1, timeout=10)
    assert time.monotonic() - started < 2.0
    wait_until(lambda: run.status()["step"] >= 50)
    status = run.status()
    assert status["elapsed"] <= time.monotonic() - started
    assert status["steps_per_second"] == pytest.approx(status["step"] / status["elapsed"], rel=0.5)


def test_a_run_of_a_shape_compiled_before_starts_at_once(make_run):
    first = make_run(layer_sizes=(24, 14))
    first.start()
    wait_until(lambda: first.status()["step"] >= 1)
    first.close()
    first.join()
    second = make_run(layer_sizes=(24, 14))
    started = time.monotonic()
    second.start()
    wait_until(lambda: second.status()["step"] >= 1, timeout=10)
    assert time.monotonic() - started < 2.0
    assert second.snapshot()["compile_seconds"] == 0.0


def test_several_steps_per_call_and_pause_within_a_quarter_second(make_run):
    run = make_run(epochs=50)
    run.start()
    wait_until(lambda: run.snapshot()["steps_per_call"] > 1, message="steps per call grew")
    run.pause()
    assert run.status()["state"] == "paused"
    wait_until(lambda: not run._in_call, timeout=run_worker.CALL_SECONDS * 2 + 0.5)
    paused_at = run.status()["step"]
    time.sleep(0.3)  # Nothing should happen: no condition to poll for.
    assert run.status()["step"] == paused_at


def test_start_right_after_stop_continues_the_run(make_run):
    """Test that Start right after Stop is never ignored: the same run goes on from its weights."""
    run = make_run(epochs=50)
    run.start()
    wait_until(lambda: run.status()["step"] >= 3)
    run.stop(wait=False)
    assert run.status()["state"] == "stopped"  # At once, not when the thread notices.
    stopped_at = run.status()["step"]
    run.start()
    assert run.status()["state"] in ("running", "compiling")
    wait_until(lambda: run.status()["step"] > stopped_at + 5, message="training went on after Start")
    assert len(training_threads()) <= 1


def test_quick_accuracy_long_before_the_first_epoch_ends(make_run):
    run = make_run(epochs=3)
    run.start()
    wait_until(lambda: run.snapshot()["quick_accuracy"], message="a quick accuracy point")
    point = run.snapshot()["quick_accuracy"][0]
    assert point["step"] < run.trainer.steps_per_epoch and 0 <= point["accuracy"] <= 1
    assert set(point) == {"step", "epoch", "seconds", "elapsed", "accuracy"}


def test_rapid_start_and_reset_never_piles_up_threads(make_run):
    """Test that one owner's runs share one thread however fast they are started and reset."""
    most = 0
    for _ in range(8):
        run = make_run(owner="session-a", layer_sizes=(24, 13))
        run.start()
        most = max(most, len(training_threads()))
        run.close()
    last = make_run(owner="session-a", layer_sizes=(24, 13))
    last.start()
    wait_until(lambda: last.status()["step"] >= 3, message="the last run trained")
    most = max(most, len(training_threads()))
    assert most == 1
    last.close()
    last.join()
    wait_until(lambda: not training_threads(), timeout=10, message="the thread ended")


def test_start_together_starts_both_clocks_after_both_compiled(sample, make_run):
    x_train, y_train, x_test, y_test = sample
    ff = make_run(layer_sizes=(24, 12), epochs=50)
    trainer = backprop.BackpropTrainer(tiny_config(layer_sizes=(24, 12), epochs=50), x_train, y_train, x_test, y_test)
    other = TrainingRun(None, x_train, y_train, x_test, y_test, trainer=trainer)
    try:
        start_together([ff, other])
        wait_until(lambda: ff.status()["step"] >= 5 and other.status()["step"] >= 5)
        ff.pause(), other.pause()
        assert abs(ff.status()["elapsed"] - other.status()["elapsed"]) < 0.5
    finally:
        other.close()
        other.join()
