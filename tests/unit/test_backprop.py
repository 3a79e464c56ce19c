"""Backpropagation on the same architecture, driven like a Forward-Forward run."""

import numpy as np

from ffviz.backprop import BackpropTrainer
from ffviz.config import FFConfig
from ffviz.runner import TrainingRun
from tests.helpers import wait_until


def test_backprop_lowers_its_loss_and_learns(sample):
    x_train, y_train, x_test, y_test = sample
    trainer = BackpropTrainer(FFConfig(layer_sizes=(64, 64), epochs=2), x_train, y_train, x_test, y_test)
    losses = [trainer.train_step()["loss"][0] for _ in range(60)]
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) / 2
    assert trainer.evaluate() > 0.8


def test_backprop_runs_in_the_background_like_forward_forward(sample):
    x_train, y_train, x_test, y_test = sample
    trainer = BackpropTrainer(FFConfig(layer_sizes=(32,), epochs=1), x_train, y_train, x_test, y_test)
    run = TrainingRun(None, x_train, y_train, x_test, y_test, trainer=trainer, eval_every=10)
    run.start()
    wait_until(lambda: run.snapshot()["state"] == "finished", 60, message="the backprop run finished")
    snapshot = run.snapshot()
    assert len(snapshot["history"]) == 40 and snapshot["goodness_samples"] is None
    assert snapshot["test_accuracy"][0][1] > 0.5
    # One measurement per compiled call that passes a multiple of `eval_every` (the runner sizes the calls
    # by their measured time, so how many steps share a call varies), always at the last step.
    quick = [record for record in snapshot["history"] if "quick_accuracy" in record]
    assert 1 <= len(quick) <= 4 and quick[-1]["step"] == 40
    assert all(0 <= record["quick_accuracy"] <= 1 for record in quick)
