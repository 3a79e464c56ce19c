"""Each goodness and loss option of `ffviz.objective`, worked out by hand on 2 x 3 arrays, and trained.

The numbers in the comments are the hand computation; the tests compare the engine's result
with them. The last tests check that training uses the chosen options: the threshold is per
unit for either goodness, so a sum-of-squares layer with sharpness s has exactly the loss of a
mean-square layer with sharpness s * units, and SymBa ignores the threshold.
"""

import math

import numpy as np
import pytest

from ffviz import objective
from ffviz.compiled_steps import step_key
from ffviz.config import FFConfig
from ffviz.ff_step import local_losses
from ffviz.network import FFNetwork
from ffviz.train import Trainer

ACTIVITIES = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 3.0]], np.float32)  # (2 rows, 3 units)


def softplus(value):
    return math.log1p(math.exp(value))


def test_mean_and_sum_of_squares_by_hand():
    # Row 0: 1 + 4 + 9 = 14, mean 14 / 3; row 1: 0 + 0 + 9 = 9, mean 3.
    np.testing.assert_allclose(np.asarray(objective.goodness(ACTIVITIES, "mean_square")), [14 / 3, 3.0], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(objective.goodness(ACTIVITIES, "sum_square")), [14.0, 9.0], rtol=1e-6)


def test_the_threshold_is_per_unit_for_either_goodness():
    assert objective.goodness_threshold(1.5, 3, "mean_square") == 1.5
    assert objective.goodness_threshold(1.5, 3, "sum_square") == 4.5


def test_softplus_loss_by_hand():
    positive = np.array([14 / 3, 3.0], np.float32)  # The mean-square goodness of ACTIVITIES.
    negative = np.array([1.0, 5.0], np.float32)
    # Margins (threshold 4, sharpness 2): 4 - 14/3 = -2/3, 4 - 3 = 1; 1 - 4 = -3, 5 - 4 = 1.
    expected = np.mean([softplus(2 * margin) for margin in (-2 / 3, 1.0, -3.0, 1.0)])
    loss = objective.ff_loss(positive, negative, threshold=4.0, sharpness=2.0, loss="softplus")
    np.testing.assert_allclose(float(loss), expected, rtol=1e-6)
    # On the threshold the loss is ln 2 whatever the sharpness.
    on_threshold = objective.ff_loss(np.full(2, 4.0), np.full(2, 4.0), 4.0, sharpness=7.0)
    np.testing.assert_allclose(float(on_threshold), math.log(2), rtol=1e-6)


def test_symba_loss_by_hand():
    positive = np.array([14.0, 9.0], np.float32)  # The sum-of-squares goodness of ACTIVITIES.
    negative = np.array([13.5, 10.0], np.float32)
    # Pair 0: g_pos - g_neg = 0.5, pair 1: -1; alpha 4: softplus(-2) and softplus(4).
    expected = (softplus(-2.0) + softplus(4.0)) / 2
    loss = objective.ff_loss(positive, negative, threshold=123.0, sharpness=9.0, loss="symba", symba_alpha=4.0)
    np.testing.assert_allclose(float(loss), expected, rtol=1e-6)
    # The threshold and the sharpness play no part; alpha does.
    again = objective.ff_loss(positive, negative, threshold=1.0, sharpness=1.0, loss="symba", symba_alpha=4.0)
    assert float(again) == pytest.approx(expected)
    softer = objective.ff_loss(positive, negative, 1.0, loss="symba", symba_alpha=1.0)
    assert float(softer) == pytest.approx((softplus(-0.5) + softplus(1.0)) / 2)


def test_symba_pairs_rows_instead_of_pooling_them():
    """Swapping the negatives between images changes SymBa's loss (it pairs) but not softplus's (it pools)."""
    positive = np.array([2.0, 8.0], np.float32)
    negative = np.array([1.0, 7.0], np.float32)
    swapped = negative[::-1].copy()
    symba = [float(objective.ff_loss(positive, rows, 1.0, loss="symba")) for rows in (negative, swapped)]
    pooled = [float(objective.ff_loss(positive, rows, 1.0, loss="softplus")) for rows in (negative, swapped)]
    assert symba[0] != pytest.approx(symba[1])
    assert pooled[0] == pytest.approx(pooled[1])


def batch_losses(config, seed=3):
    """The local losses of one batch of random images under `config`, on the network it builds."""
    rng = np.random.default_rng(seed)
    images = rng.random((8, 784)).astype(np.float32)
    labels = rng.integers(0, 10, 8).astype(np.int32)
    wrong = (labels + rng.integers(1, 10, 8).astype(np.int32)) % 10
    losses, _, _ = local_losses(FFNetwork(config), images, labels, wrong, config.threshold)
    return np.array([float(loss) for loss in losses])


def test_sum_of_squares_with_sharpness_s_is_mean_of_squares_with_sharpness_s_times_units():
    """Hinton's logistic of sum(h^2) - N: sum_square, threshold 1, sharpness 1, or mean_square with sharpness N."""
    base = FFConfig(layer_sizes=(6, 4), threshold=1.0, input_length="sqrt_dim")
    hinton = batch_losses(base.replace(goodness="sum_square", sharpness=1.0))
    per_layer_mean = [
        batch_losses(base.replace(goodness="mean_square", sharpness=float(n)))[i] for i, n in enumerate((6, 4))
    ]
    np.testing.assert_allclose(hinton, per_layer_mean, rtol=1e-5)


def test_training_uses_the_chosen_loss():
    """The trainer's first-step losses are the chosen loss's: SymBa's start near ln 2 and ignore the threshold."""
    config = FFConfig(layer_sizes=(16,), batch_size=10, epochs=1, negatives="random", jitter=0, loss="symba")
    rng = np.random.default_rng(0)
    images, labels = rng.random((20, 784)).astype(np.float32), rng.integers(0, 10, 20)
    first = [
        Trainer(FFNetwork(config.replace(threshold=value)), images, labels).train_step()["loss"] for value in (0.5, 3)
    ]
    assert first[0] == pytest.approx(first[1])  # SymBa has no threshold.
    assert first[0][0] == pytest.approx(math.log(2), abs=0.1)  # g_pos is close to g_neg before training.
    softplus_first = Trainer(FFNetwork(config.replace(loss="softplus")), images, labels).train_step()["loss"]
    assert softplus_first[0] != pytest.approx(first[0][0], abs=1e-3)


@pytest.mark.parametrize(
    "goodness, loss", [("sum_square", "softplus"), ("mean_square", "symba"), ("sum_square", "symba")]
)
def test_every_option_pair_trains_to_a_lower_loss(sample, goodness, loss):
    """Forty steps on the shipped sample lower the first layer's loss for each option pair."""
    x_train, y_train, _, _ = sample
    sharpness = 1.0 if goodness == "sum_square" else 30.0  # Hinton's setting for sums, the default for means.
    config = FFConfig(layer_sizes=(64,), batch_size=50, epochs=1, goodness=goodness, loss=loss, sharpness=sharpness)
    trainer = Trainer(FFNetwork(config), x_train[:2000], y_train[:2000])
    losses = [record["loss"][0] for record in trainer.run(max_steps=40)]
    assert np.all(np.isfinite(losses))
    assert np.mean(losses[-10:]) < 0.9 * np.mean(losses[:5]), losses


def test_the_objective_options_choose_their_own_compiled_program():
    """Test that goodness and the SymBa alpha are in the compiled steps' key: each changes the traced graph.

    A run must never reuse a program traced for another goodness or alpha (it would train the other
    objective); the alpha of a softplus run is unused, so it does not split the cache.
    """

    def key(**changes):
        return step_key(FFConfig().replace(**changes), 100, True)

    assert key(goodness="sum_square") != key(goodness="mean_square")
    assert key(loss="symba", symba_alpha=2.0) != key(loss="symba", symba_alpha=4.0)
    assert key(loss="symba") != key(loss="softplus")
    assert key(loss="softplus", symba_alpha=2.0) == key(loss="softplus", symba_alpha=4.0)
