"""Both trainers follow the one small interface that `TrainingRun` drives, and say what they support."""

import numpy as np
import pytest

from ffviz.backprop import BackpropTrainer
from ffviz.config import FFConfig
from ffviz.network import FFNetwork
from ffviz.runner import TrainingRun
from ffviz.train import Trainer
from ffviz.trainer_protocol import SteppingTrainer, check_trainer


@pytest.fixture(scope="module")
def trainers(sample):
    x_train, y_train, x_test, y_test = sample
    config = FFConfig(layer_sizes=(16,), epochs=1, batch_size=1000)
    forward_forward = Trainer(FFNetwork(config), x_train, y_train, x_test[:100], y_test[:100])
    backprop = BackpropTrainer(config, x_train, y_train, x_test[:100], y_test[:100])
    return forward_forward, backprop


def test_both_trainers_are_stepping_trainers_with_declared_capabilities(trainers):
    forward_forward, backprop = trainers
    assert isinstance(forward_forward, SteppingTrainer) and isinstance(backprop, SteppingTrainer)
    assert forward_forward.supports_threshold and forward_forward.supports_goodness_probe
    assert not backprop.supports_threshold and not backprop.supports_goodness_probe


def test_train_steps_stop_at_the_end_of_the_epoch_for_both(trainers):
    for trainer in trainers:
        records = trainer.train_steps(10)  # 4 steps per epoch of the 4,000-image sample.
        assert [record["step"] for record in records] == [1, 2, 3, 4]
        assert trainer.finished and trainer.evaluate() is not None


def test_a_run_refuses_what_is_not_a_trainer(sample):
    x_train, y_train, _, _ = sample
    with pytest.raises(TypeError, match="lacks .*train_steps"):
        TrainingRun(None, x_train, y_train, trainer=object())
    with pytest.raises(TypeError, match="not a SteppingTrainer"):
        check_trainer("a trainer")


def test_a_backprop_run_has_no_threshold_and_no_goodness(sample):
    x_train, y_train, x_test, y_test = sample
    trainer = BackpropTrainer(FFConfig(layer_sizes=(16,), epochs=1), x_train, y_train, x_test, y_test)
    run = TrainingRun(None, x_train, y_train, trainer=trainer)
    assert run.snapshot()["threshold"] is None and run.measure_goodness() is None
    with pytest.raises(ValueError, match="no goodness threshold"):
        run.set_threshold(2.0)


def test_a_forward_forward_run_measures_goodness_through_its_trainer(sample):
    x_train, y_train, _, _ = sample
    network = FFNetwork(FFConfig(layer_sizes=(16, 8)))
    run = TrainingRun(network, x_train, y_train)
    samples = run.measure_goodness()
    assert np.shape(samples["positive"]) == (2, 500) and run.snapshot()["threshold"] == 1.0
