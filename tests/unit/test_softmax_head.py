"""The softmax head is always trained, so its accuracy is never a zero head's 10%.

With `negatives="random"` and `readout="goodness"` nothing in Forward-Forward itself needs the
head, yet the CLI, the Goodness page and the Inside page report or offer it. The trainer trains
it whatever the settings; these tests check that the head really learns.
"""

import numpy as np

from ffviz.config import FFConfig
from ffviz.network import FFNetwork
from ffviz.train import Trainer


def test_the_head_learns_with_random_negatives_and_the_goodness_read_out(sample):
    x_train, y_train, x_test, y_test = sample
    config = FFConfig(layer_sizes=(64, 64), epochs=2, negatives="random", readout="goodness", seed=0)
    network = FFNetwork(config)
    before = network.evaluate(x_test, y_test, "softmax")["accuracy"]
    assert not np.any(network.get_weights()[-2]), "the head starts at zero"
    assert before < 0.2, f"a zero head predicts one class: {before:.3f}"
    Trainer(network, x_train, y_train).train_steps(40)  # One epoch of the 4,000-image sample.
    head_kernel = network.get_weights()[-2]
    assert np.abs(head_kernel).max() > 0.01, "the head was not trained"
    after = network.evaluate(x_test, y_test, "softmax")["accuracy"]
    assert after > 0.5, f"softmax accuracy {after:.3f} after one epoch; chance is 0.1"
