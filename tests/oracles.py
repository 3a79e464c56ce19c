"""Reference computations that the engine's fast paths are checked against (test-only).

The trainer computes every layer's loss and gradient from one tape, with the first layer's
product shared between the positive, negative and neutral passes. These oracles compute the
same numbers the plain way, so a test can say "the fast path gives the reference numbers":

- `reference_losses_and_gradients`: one layer at a time, each with its own tape, on images
  with the labels written in (`ffviz.overlay.overlay_labels`), as the keras.io example trains.
- `fast_losses_and_gradients`: the engine's own `ffviz.ff_step.local_losses` on one tape, with
  given wrong labels and no softmax head, so it can be compared with the reference.

They live in `tests/`, not in `ffviz/`, because only tests call them.
"""

import tensorflow as tf
from keras import ops

from ffviz.ff_step import layer_variables, local_losses
from ffviz.objective import ff_loss, goodness


def fast_losses_and_gradients(network, images, labels, wrong_labels, threshold):
    """Every layer's loss, mean goodness of positive and negative rows, and gradients, from one tape."""
    with tf.GradientTape() as tape:
        losses, goodness_positive, goodness_negative = local_losses(network, images, labels, wrong_labels, threshold)
        total = ops.sum(ops.stack(losses))
    gradients = tape.gradient(total, layer_variables(network))
    return losses, goodness_positive, goodness_negative, gradients


def reference_losses_and_gradients(network, positive, negative, threshold):
    """The same four lists, one layer at a time with its own tape, from overlaid images.

    Args:
        network: an `FFNetwork`.
        positive, negative: (batch, 784) images with the true and a wrong label written in.
        threshold: the goodness threshold.
    """
    config = network.config
    losses, goodness_positive, goodness_negative, gradients = [], [], [], []
    hidden_positive, hidden_negative = positive, negative
    for layer in network.layers:
        with tf.GradientTape() as tape:
            out_positive = layer(hidden_positive)
            out_negative = layer(hidden_negative)
            rows_positive = goodness(out_positive, config.goodness)
            rows_negative = goodness(out_negative, config.goodness)
            loss = ff_loss(rows_positive, rows_negative, threshold, config.sharpness, config.loss)
        gradients.append(tape.gradient(loss, [layer.kernel, layer.bias]))
        losses.append(loss)
        goodness_positive.append(ops.mean(rows_positive))
        goodness_negative.append(ops.mean(rows_negative))
        # Locality: the next layer's input carries no gradient back.
        hidden_positive, hidden_negative = ops.stop_gradient(out_positive), ops.stop_gradient(out_negative)
    return losses, goodness_positive, goodness_negative, gradients
