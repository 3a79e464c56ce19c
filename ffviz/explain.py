"""Explanations of a Forward-Forward network: why a label wins, and what one update did.

Two questions that the pages ask, answered without Streamlit:

- Why does this label win? `label_saliency` gives, for one image and a few labels, the
  gradient of each label's goodness with respect to the 784 image pixels, for every layer and
  summed over the read-out layers: a positive pixel raises that label's goodness when it gets
  brighter, a negative one lowers it. The gradient runs through the whole stack, unlike
  training: a layer's goodness depends on the pixels through every layer below it, and the
  question is about the pixels, not about what each layer learns (Hinton 2022, section 3.3,
  the goodness read-out). The label pixels carry the label, not the digit, so their gradient
  is left out (zero), and the brightness of the label code is held fixed.
- What does one update do? `probe_one_update` trains exactly one step through the trainer's
  public `train_step()` and `last_update` describes it from what the trainer keeps: the batch
  it trained on, its wrong labels and the weights the step started from
  (`Trainer.weights_before_last_step()`, kept by its compiled `StepProgram`).
  It reports each layer's goodness of the positive and negative rows before and after, the
  examples that moved most and the first layer's weight change as images.
"""

import weakref

import numpy as np
import tensorflow as tf
from keras import ops

from ffviz.config import IMAGE_PIXELS, IMAGE_SIDE, NUM_CLASSES
from ffviz.network import FFNetwork
from ffviz.objective import goodness, goodness_threshold
from ffviz.overlay import label_codes, write_codes

MOVED_MOST = 6  # Examples listed as "moved most" after one update: one row of small digits.

_SALIENCY_FUNCTIONS = weakref.WeakKeyDictionary()  # network -> its compiled saliency graph.


def labels_to_explain(scores, true_label=None):
    """The labels worth a saliency map: the two best by `scores` (10,), then the true label if different."""
    order = [int(label) for label in np.argsort(-np.asarray(scores), kind="stable")[:2]]
    if true_label is not None and int(true_label) not in order:
        order.append(int(true_label))
    return order


def _saliency_graph(network):
    """The compiled gradient graph of `network`, built once per network and reused across calls.

    The image is copied once per (layer, label) pair, copy-major by layer, so one backward pass
    gives every layer's map for every label: copy `k * labels + j` carries label `j` and only
    its goodness in layer `k` counts.
    """
    if network in _SALIENCY_FUNCTIONS:
        return _SALIENCY_FUNCTIONS[network]
    num_layers = len(network.layers)
    measure = network.config.goodness

    def gradients(image, labels):
        count = tf.shape(labels)[0]
        copies = tf.tile(image[None, :], [num_layers * count, 1])  # (layers * labels, 784)
        row_labels = tf.tile(labels, [num_layers])  # (layers * labels,)
        # The label code's brightness is the image's maximum; held fixed, so no pixel gets
        # credit for making the label brighter.
        image_max = ops.stop_gradient(ops.max(copies, axis=1))
        with tf.GradientTape() as tape:
            tape.watch(copies)
            # `write_codes` keeps only pixels 10 onwards, so the label pixels' gradient is zero.
            hidden = write_codes(copies, label_codes(row_labels, image_max)[None])
            # Not local: the question is about the pixels, so gradient crosses the layers.
            goodness_rows = [goodness(activity, measure) for activity in network.forward(hidden, local=False)]
            stacked = ops.stack(goodness_rows)  # (layers, layers * labels)
            target_layer = tf.repeat(tf.range(num_layers), count)  # The layer each copy asks about.
            # 1 where row k meets a copy that asks about layer k (a mask, not a label code).
            chosen = tf.cast(tf.range(num_layers)[:, None] == target_layer[None, :], stacked.dtype)  # (layers, copies)
            total = ops.sum(stacked * chosen)
        return tf.reshape(tape.gradient(total, copies), (num_layers, count, IMAGE_PIXELS))

    signature = [tf.TensorSpec((IMAGE_PIXELS,), tf.float32), tf.TensorSpec((None,), tf.int32)]
    compiled = tf.function(gradients, input_signature=signature)
    _SALIENCY_FUNCTIONS[network] = compiled
    return compiled


def label_saliency(network, image, labels, gradient_times_input=False):
    """How each pixel moves each label's goodness, per layer and summed over the read-out layers.

    Args:
        network: an `FFNetwork`.
        image: one image, (28, 28) or (784,), values in [0, 1].
        labels: the labels to explain, e.g. `labels_to_explain(...)`.
        gradient_times_input: multiply each gradient by the pixel's value, so only pixels that
            are lit get credit ("gradient x input"); otherwise the plain gradient, which also
            shows where ink would help.

    Returns:
        float32 (labels, layers + 1, 28, 28): maps [:, k] for layer k (0-based) and [:, -1]
        summed over `config.used_layers()`, as the goodness read-out sums. The ten label
        pixels are zero.
    """
    image = network.check_images(image)
    if len(image) != 1:
        raise ValueError(f"label_saliency explains one image at a time. Received: {len(image)} images")
    labels = np.asarray(labels, dtype=np.int32).reshape(-1)
    if len(labels) == 0 or labels.min() < 0 or labels.max() >= NUM_CLASSES:
        raise ValueError(f"labels must be one or more integers from 0 to {NUM_CLASSES - 1}. Received: labels={labels}")
    per_layer = np.asarray(_saliency_graph(network)(tf.constant(image[0]), tf.constant(labels)))
    per_layer = np.transpose(per_layer, (1, 0, 2))  # (labels, layers, 784)
    summed = per_layer[:, list(network.config.used_layers())].sum(axis=1, keepdims=True)
    maps = np.concatenate([per_layer, summed], axis=1)
    if gradient_times_input:
        maps = maps * image[0]
    return maps.reshape(len(labels), -1, IMAGE_SIDE, IMAGE_SIDE).astype(np.float32)


def probe_one_update(trainer):
    """Train exactly one step with `trainer.train_step()` and describe it (see `last_update`)."""
    step_before = trainer.step
    record = trainer.train_step()
    if trainer.step != step_before + 1:
        raise RuntimeError(f"One step was asked for but the trainer moved from step {step_before} to {trainer.step}.")
    return last_update(trainer, record)


def last_update(trainer, record=None, moved_most=MOVED_MOST):
    """What the trainer's last step did to the batch it trained on; it trains nothing itself.

    The weights before the step are `ffviz.train.Trainer.weights_before_last_step()` (the
    weights its last applied step started from); the weights after are the network's own. Call
    it while no other thread trains, e.g. when a run is paused.

    Args:
        trainer: an `ffviz.train.Trainer` that has run at least one step.
        record: that step's record from `train_step()`, kept in the result if given.
        moved_most: how many of the examples that moved most to list.

    Returns:
        A dict of NumPy arrays: "step"; "images" (batch, 784), "labels", "wrong_labels"
        (batch,); "positive_before", "positive_after", "negative_before", "negative_after"
        (layers, batch), each layer's goodness of the true-label and wrong-label rows;
        "thresholds" (layers,), each layer's threshold in its goodness's units; "moved_most"
        (indices, largest change first); "weight_change" (units, 28, 28), the first layer's
        kernel after minus before per unit, and "weight_change_sum" (28, 28), summed over units;
        "record".
    """
    if getattr(trainer, "last_batch", None) is None or trainer.step == 0:
        raise ValueError(
            f"last_update needs a Forward-Forward trainer that has trained a step. Received: {type(trainer).__name__}"
        )
    network = trainer.network
    images, labels = trainer.last_batch
    wrong_labels = np.asarray(trainer.last_wrong_labels)
    before = FFNetwork(network.config)
    before.set_weights(trainer.weights_before_last_step())
    goodness_of = {
        "positive_before": before.layer_goodness(images, labels),
        "negative_before": before.layer_goodness(images, wrong_labels),
        "positive_after": network.layer_goodness(images, labels),
        "negative_after": network.layer_goodness(images, wrong_labels),
    }
    moved = sum(
        np.abs(goodness_of[f"{kind}_after"] - goodness_of[f"{kind}_before"]) for kind in ("positive", "negative")
    ).sum(axis=0)  # (batch,)
    weight_change = network.first_layer_fields() - before.first_layer_fields()  # (units, 28, 28) or (filters, k, k)
    threshold = trainer.current_threshold()
    config = network.config
    return {
        "step": trainer.step,
        "images": np.asarray(images),
        "labels": np.asarray(labels),
        "wrong_labels": wrong_labels,
        **goodness_of,
        "thresholds": np.array(
            [goodness_threshold(threshold, units, config.goodness) for units in config.layer_widths()]
        ),
        "moved_most": np.argsort(-moved, kind="stable")[:moved_most],
        "weight_change": weight_change,
        "weight_change_sum": weight_change.sum(axis=0),
        "record": record,
    }
