"""`ffviz.explain.probe_one_update`: one step, and before/after numbers that a plain forward pass confirms.

The "after" goodness must equal a NumPy forward pass with the network's new weights, the
"before" goodness must equal what the step itself measured before it updated (its record's
mean goodness of positive and negative rows), and the step count must grow by exactly one.
"""

import numpy as np
import pytest

from ffviz import explain
from ffviz.backprop import BackpropTrainer
from ffviz.config import FFConfig
from ffviz.network import FFNetwork
from ffviz.train import Trainer


def numpy_goodness(weights, config, images, labels):
    """Mean-square goodness per layer (layers, batch) of `images` with `labels` written in, in NumPy."""
    hidden = np.asarray(images, np.float64).copy()
    hidden[:, :10] = np.eye(10)[labels] * hidden[:, 10:].max(axis=1, keepdims=True)
    rows = []
    for index in range(config.num_layers):
        kernel, bias = weights[2 * index], weights[2 * index + 1]
        length = np.sqrt(hidden.shape[1]) if config.input_length == "sqrt_dim" else 1.0
        scaled = hidden * length / (np.sqrt(np.sum(hidden**2, axis=1, keepdims=True)) + 1e-4)
        hidden = np.maximum(scaled @ kernel + bias, 0.0)
        rows.append(np.mean(hidden**2, axis=1))
    return np.stack(rows)


@pytest.fixture(scope="module")
def trainer(sample):
    x_train, y_train, _, _ = sample
    config = FFConfig(layer_sizes=(32, 16), batch_size=20, epochs=1, negatives="hard")
    trainer = Trainer(FFNetwork(config), x_train[:400], y_train[:400])
    trainer.train_steps(3)  # Not the first step: the Adam moments are already moving.
    return trainer


def test_probe_trains_one_step_and_reports_before_and_after(trainer):
    step = trainer.step
    update = explain.probe_one_update(trainer)
    assert trainer.step == step + 1 == update["step"] == update["record"]["step"]
    config = trainer.network.config
    images, labels, wrong = update["images"], update["labels"], update["wrong_labels"]
    assert images.shape == (20, 784) and labels.shape == wrong.shape == (20,)
    assert np.all(labels != wrong)  # The negatives are wrong labels.
    weights = trainer.network.get_weights()
    for kind, written in (("positive", labels), ("negative", wrong)):
        np.testing.assert_allclose(
            update[f"{kind}_after"], numpy_goodness(weights, config, images, written), rtol=1e-4, atol=1e-6
        )
    # What the step measured on its batch, before it updated, is what "before" says.
    record = update["record"]
    np.testing.assert_allclose(update["positive_before"].mean(axis=1), record["goodness_pos"], rtol=1e-4)
    np.testing.assert_allclose(update["negative_before"].mean(axis=1), record["goodness_neg"], rtol=1e-4)
    assert not np.allclose(update["positive_after"], update["positive_before"])
    np.testing.assert_allclose(update["thresholds"], [config.threshold] * 2)


def test_moved_most_and_the_weight_change(trainer):
    kernel_before = trainer.network.get_weights()[0]
    update = explain.probe_one_update(trainer)
    change = trainer.network.get_weights()[0] - kernel_before  # (784, units)
    assert update["weight_change"].shape == (32, 28, 28)
    np.testing.assert_allclose(update["weight_change"].reshape(32, 784), change.T, atol=1e-7)
    np.testing.assert_allclose(update["weight_change_sum"].ravel(), change.sum(axis=1), atol=1e-6)
    assert np.abs(change).max() > 0
    moved = sum(
        np.abs(update[f"{kind}_after"] - update[f"{kind}_before"]).sum(axis=0) for kind in ("positive", "negative")
    )
    assert list(update["moved_most"]) == list(np.argsort(-moved, kind="stable")[: explain.MOVED_MOST])
    assert moved[update["moved_most"][0]] == moved.max()


def test_sum_of_squares_thresholds_are_per_unit(sample):
    x_train, y_train, _, _ = sample
    config = FFConfig(layer_sizes=(32, 16), batch_size=20, epochs=1, goodness="sum_square", sharpness=1.0)
    update = explain.probe_one_update(Trainer(FFNetwork(config), x_train[:100], y_train[:100]))
    np.testing.assert_allclose(update["thresholds"], [32.0, 16.0])


def test_a_trainer_without_a_last_step_is_refused(sample):
    x_train, y_train, x_test, y_test = sample
    config = FFConfig(layer_sizes=(8,), batch_size=20, epochs=1)
    with pytest.raises(ValueError, match="Received: Trainer"):
        explain.last_update(Trainer(FFNetwork(config), x_train[:100], y_train[:100]))
    with pytest.raises(ValueError, match="Received: BackpropTrainer"):
        explain.last_update(BackpropTrainer(config, x_train[:100], y_train[:100]))


def test_the_last_update_survives_the_program_going_to_another_run(sample):
    """Test that after `release()` the last update still describes this trainer's step, not the next run's.

    The wrong labels and the weights before live in the compiled `StepProgram`; another run of the
    same shape takes that program and trains on, so the trainer must have copied them out.
    """
    x_train, y_train, _, _ = sample
    config = FFConfig(layer_sizes=(24,), batch_size=20, epochs=1, negatives="random")
    first = Trainer(FFNetwork(config), x_train[:200], y_train[:200])
    expected = explain.probe_one_update(first)
    first.release()
    other = Trainer(FFNetwork(config.replace(seed=5)), x_train[200:400], y_train[200:400])
    other.train_steps(2)  # On the program `first` gave back (the cache's idle one of this shape).
    after_release = explain.last_update(first)
    for name in ("wrong_labels", "positive_before", "negative_before", "positive_after", "weight_change_sum"):
        np.testing.assert_array_equal(after_release[name], expected[name])
