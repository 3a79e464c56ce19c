"""One Forward-Forward training step: every layer's local loss, its gradients and the updates.

Each step writes the true label into each image of a mini-batch (positive data) and a wrong
label into a copy (negative data), and every layer learns on its own loss (`ffviz.objective`,
Hinton 2022, section 2): positive and negative copies go through each layer as one matrix and a
`stop_gradient` between layers keeps every gradient local. A neutral-label pass feeds the
softmax head, whose gradient stops at its input, and lets hard negatives see the logits
(section 3.3). All passes share the first layer's costly label-free product.

`train_one_step` is what `ffviz.compiled_steps.StepProgram` traces once per shape (with XLA);
`ffviz.train.Trainer` drives it. The step also records its wrong labels in the program, so
`ffviz.explain` can show what one update did.
"""

import keras
import tensorflow as tf
from keras import ops

from ffviz.negatives import WRONG_LABEL_FUNCTIONS
from ffviz.objective import ff_loss, goodness, goodness_threshold
from ffviz.overlay import image_maxima, label_codes, neutral_codes


def local_losses(network, images, labels, wrong_labels, threshold, label_free=None):
    """Every layer's loss and mean goodness of positive and negative rows; call inside a tape.

    Positive and negative copies of the batch go through each layer as one (2 * batch) matrix
    and share the first layer's label-free product; the `stop_gradient` between layers keeps
    every gradient local.
    """
    config = network.config
    image_max = image_maxima(images)
    codes = ops.stack([label_codes(labels, image_max), label_codes(wrong_labels, image_max)])  # (2, batch, 10)
    activities = network.forward_with_label_codes(images, codes, label_free)  # each (2 * batch, units)
    batch = ops.shape(images)[0]
    goodness_rows = [goodness(activity, config.goodness) for activity in activities]  # each (2 * batch,)
    losses = [
        ff_loss(
            rows[:batch],
            rows[batch:],
            goodness_threshold(threshold, units, config.goodness),
            config.sharpness,
            config.loss,
            config.symba_alpha,
        )
        for rows, units in zip(goodness_rows, config.layer_widths())
    ]
    goodness_positive = [ops.mean(rows[:batch]) for rows in goodness_rows]
    goodness_negative = [ops.mean(rows[batch:]) for rows in goodness_rows]
    return losses, goodness_positive, goodness_negative


def layer_variables(network):
    return [layer.ff_variables() for layer in network.layers]


def forward_forward_step(network, images, labels, threshold, choose_wrong_labels):
    """The losses and gradients of one training step, without applying them.

    A neutral-label pass feeds the softmax head (whose loss and gradient are returned too) and
    `choose_wrong_labels(logits)` sees its logits, as hard negatives need. All passes share the
    first layer's label-free product.

    Returns:
        A dict: "losses", "goodness_positive", "goodness_negative" (per layer), "gradients"
        (per layer: kernel, bias), "head_loss", "head_gradients", "wrong_labels".
    """
    head_variables = [network.head.kernel, network.head.bias]
    with tf.GradientTape() as tape:
        label_free = network.layers[0].label_free_product(images)
        neutral_code = neutral_codes(image_maxima(images))[None]  # (1, batch, 10)
        neutral = network.forward_with_label_codes(images, neutral_code, label_free)
        # `head_features` stops the gradient: the head learns, the hidden layers do not see it.
        logits = network.head(network.head_features(neutral))
        head_loss = ops.mean(keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True))
        wrong_labels = choose_wrong_labels(ops.stop_gradient(logits))
        losses, goodness_positive, goodness_negative = local_losses(
            network, images, labels, wrong_labels, threshold, label_free
        )
        total = ops.sum(ops.stack(losses)) + head_loss
    gradients = tape.gradient(total, layer_variables(network) + [head_variables])
    return {
        "losses": losses,
        "goodness_positive": goodness_positive,
        "goodness_negative": goodness_negative,
        "gradients": gradients[: len(network.layers)],
        "head_loss": head_loss,
        "head_gradients": gradients[-1],
        "wrong_labels": wrong_labels,
    }


def train_one_step(program, images, labels, learning_rate, head_learning_rate):
    """One training step on a `StepProgram`'s variables: losses, then the updates unless a loss is not finite.

    Traced once per shape by the program (with XLA when it asks for it). Returns whether the
    update was applied, [losses, goodness_positive, goodness_negative] (each (layers,)) and the head's loss.
    """
    network = program.network
    strategy = WRONG_LABEL_FUNCTIONS[network.config.negatives]
    result = forward_forward_step(
        network,
        images,
        labels,
        program.threshold,
        lambda logits: strategy(logits, labels, program.generator),
    )
    program.last_wrong_labels.assign(tf.cast(result["wrong_labels"], tf.int32))  # For `ffviz.explain`.
    losses = ops.stack(result["losses"])
    finite = tf.logical_and(tf.reduce_all(tf.math.is_finite(losses)), tf.math.is_finite(result["head_loss"]))

    def apply():
        for keep, variable in zip(program.backup, network.variables()):
            keep.assign(variable)  # These weights just gave a finite loss.
        for optimizer, variables, gradients in zip(program.optimizers, layer_variables(network), result["gradients"]):
            optimizer.learning_rate = learning_rate
            optimizer.apply(gradients, variables)
        program.head_optimizer.learning_rate = head_learning_rate
        program.head_optimizer.apply(result["head_gradients"], [network.head.kernel, network.head.bias])
        return tf.constant(True)

    applied = tf.cond(finite, apply, lambda: tf.constant(False))
    record = [losses, ops.stack(result["goodness_positive"]), ops.stack(result["goodness_negative"])]
    return applied, record, result["head_loss"]
