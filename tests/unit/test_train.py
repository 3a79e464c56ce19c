"""Training lowers the loss, reaches a useful accuracy, and stops cleanly on NaN."""

import numpy as np
import pytest

from ffviz.batches import learning_rate_factor
from ffviz.config import FFConfig
from ffviz.network import FFNetwork
from ffviz.train import Trainer, TrainingDiverged


def small_config(**changes):
    return FFConfig(layer_sizes=(128, 128), epochs=2, seed=0).replace(**changes)


@pytest.mark.parametrize("negatives", ["random", "hard"])
def test_fifty_steps_lower_every_layers_loss(sample, negatives):
    x_train, y_train, _, _ = sample
    trainer = Trainer(FFNetwork(small_config(negatives=negatives, lr_decay=False)), x_train, y_train)
    records = list(trainer.run(max_steps=50))
    assert len(records) == 50
    losses = np.array([record["loss"] for record in records])  # (steps, layers)
    first, last = losses[:5].mean(axis=0), losses[-5:].mean(axis=0)
    assert np.all(last < first), f"loss did not fall in every layer: first {first}, last {last}"
    for record in records:
        assert len(record["goodness_pos"]) == len(record["goodness_neg"]) == 2


def test_a_few_epochs_on_the_sample_beat_85_percent(sample):
    x_train, y_train, x_test, y_test = sample
    network = FFNetwork(FFConfig(epochs=8, seed=0))  # The default preset, as a user gets it.
    trainer = Trainer(network, x_train, y_train, x_test, y_test)
    epoch_ends = [record for record in trainer.run() if "test_accuracy" in record]
    assert len(epoch_ends) == 8
    accuracy = network.evaluate(x_test, y_test)["accuracy"]
    assert accuracy > 0.85, f"test accuracy {accuracy:.3f} after 8 epochs on the sample"


def test_threshold_and_learning_rate_change_between_steps(sample):
    x_train, y_train, _, _ = sample
    trainer = Trainer(FFNetwork(small_config(lr_decay=False)), x_train, y_train)
    trainer.train_step()
    trainer.set_threshold(3.0)
    trainer.set_learning_rate(0.0005)
    record = trainer.train_step()
    assert record["threshold"] == 3.0 and record["learning_rate"] == pytest.approx(0.0005)
    with pytest.raises(ValueError, match="threshold"):
        trainer.set_threshold(-1.0)
    with pytest.raises(ValueError, match="learning_rate"):
        trainer.set_learning_rate(0.0)


def test_training_continues_where_it_stopped(sample):
    x_train, y_train, _, _ = sample
    trainer = Trainer(FFNetwork(small_config(batch_size=1000, epochs=1)), x_train, y_train)
    assert trainer.steps_per_epoch == 4
    assert [r["step"] for r in trainer.run(max_steps=3)] == [1, 2, 3]
    assert [r["step"] for r in trainer.run()] == [4]
    assert trainer.finished
    trainer.extend(1)
    assert [r["step"] for r in trainer.run()] == [5, 6, 7, 8]


def test_nan_loss_stops_training_and_keeps_the_last_good_weights(sample):
    x_train, y_train, _, _ = sample
    poisoned = x_train[:200].copy()
    poisoned[100:] = np.nan  # The second batch of 100 makes every loss NaN.
    network = FFNetwork(small_config(batch_size=100, lr_decay=False))
    trainer = Trainer(network, poisoned, y_train[:200])
    trainer.order = np.arange(200)  # Clean batch first, poisoned batch second.
    # The last weights whose loss was seen to be finite are those the first step started from:
    # the first step's update has not been checked by a loss yet.
    good_weights = network.get_weights()
    trainer.train_step()
    with pytest.raises(TrainingDiverged, match="NaN.*last weights with a finite loss were kept"):
        trainer.train_step()
    for kept, good in zip(network.get_weights(), good_weights):
        np.testing.assert_array_equal(kept, good)
    assert trainer.step == 1


def test_a_loss_that_overflows_stops_training_and_puts_back_the_last_finite_weights(sample):
    """Test that a real infinite loss raises `TrainingDiverged` and restores the weights of the last finite loss.

    A huge learning rate cannot do it: Adam moves each weight by about the learning rate per
    step, the config caps it at 10, and ReLU units die long before float32 overflows (an
    earlier version of this test relied on it and never diverged). A threshold of 1e36 can:
    sharpness x (threshold - goodness) is about 1e39, beyond float32's 3.4e38, so softplus gives
    inf. It is set between steps, as the Train page's slider does, inside a fused call of
    several steps, so there are trained weights to put back.
    """
    x_train, y_train, _, _ = sample
    network = FFNetwork(small_config(sharpness=1000.0, lr_decay=False))
    trainer = Trainer(network, x_train, y_train)
    list(trainer.run(max_steps=2))
    # Step 3 starts from these weights and sees a finite loss; step 4 sees the first infinite one,
    # computed on the weights step 3 made, so those are dropped and these put back.
    last_finite = network.get_weights()
    list(trainer.run(max_steps=1))
    dropped = network.get_weights()
    trainer.set_threshold(1e36)
    with pytest.raises(TrainingDiverged, match="infinite at step 4 .*last weights with a finite loss were kept"):
        list(trainer.run(max_steps=10))
    assert trainer.step == 3
    kept = network.get_weights()
    for kept_weight, finite_weight in zip(kept, last_finite):
        np.testing.assert_array_equal(kept_weight, finite_weight)
    assert any(not np.array_equal(kept_weight, dropped_weight) for kept_weight, dropped_weight in zip(kept, dropped))


def test_learning_rate_schedule_is_flat_then_linear_to_zero():
    assert learning_rate_factor(0, 100, True) == 1.0
    assert learning_rate_factor(49, 100, True) == 1.0
    assert learning_rate_factor(75, 100, True) == pytest.approx(0.5)
    assert learning_rate_factor(100, 100, True) == 0.0
    assert learning_rate_factor(75, 100, False) == 1.0


def test_trainer_rejects_mismatched_data():
    with pytest.raises(ValueError, match="one label per image"):
        Trainer(FFNetwork(small_config()), np.zeros((10, 784), np.float32), np.zeros(9))
