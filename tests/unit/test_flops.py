"""The benchmark's FLOP count of a training step, against products counted by hand.

`benchmarks.bench` reports an epoch's rate as a share of the matmul peak and of the step's own
products (`benchmarks.flops`); both shares are only as right as this count.
"""

import pytest

from benchmarks.flops import dense_step_products, training_flops_per_step
from ffviz.config import FFConfig
from ffviz.presets import PRESETS


def test_the_default_step_counts_its_products_by_hand():
    """784-500-500, batch 100, hard negatives (so the neutral copy and the head are trained)."""
    by_hand = (
        2 * 100 * 784 * 500  # The shared label-free product of 100 images.
        + 2 * 784 * 100 * 500  # Its weight gradient.
        + 2 * 300 * 10 * 500  # The label pixels of the neutral, positive and negative copies.
        + 2 * 10 * 200 * 500  # Their weight gradient (positive and negative copies).
        + 2 * 300 * 500 * 500  # Layer 2 on the three copies.
        + 2 * 500 * 200 * 500  # Its weight gradient.
        + 2 * 100 * 1000 * 10 * 2  # The softmax head on both layers, forward and gradient.
    )
    assert by_hand == 415_800_000
    assert training_flops_per_step(PRESETS["default"], 100) == by_hand


def test_random_negatives_with_a_goodness_readout_train_no_head_and_two_copies():
    config = FFConfig(layer_sizes=(20, 30), negatives="random", readout="goodness")
    assert dense_step_products(config, 4) == [
        (4, 784, 20),
        (784, 4, 20),
        (8, 10, 20),
        (10, 8, 20),
        (8, 20, 30),
        (20, 8, 30),
    ]


def test_a_convolutional_network_has_no_dense_products():
    with pytest.raises(ValueError, match="dense network"):
        dense_step_products(PRESETS["conv"], 100)
