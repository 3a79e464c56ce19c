"""Negative data for Forward-Forward: which wrong label goes into each image (Hinton 2022, 3.3).

A negative example is a training image with a wrong label written into it. Which wrong label
matters: uniform ones ("random") are easy to tell from the true one after a few epochs, while
labels the network itself finds likely ("hard", as in Hinton's own code) keep the negatives
close to the digits it confuses, which trains better.

Each strategy is a function `(logits, labels, generator) -> wrong labels (batch,)` that runs
inside the compiled training step; `logits` are the softmax head's on a neutral-label pass
(`ffviz.train` always computes them). `WRONG_LABEL_FUNCTIONS` maps the names of
`ffviz.config.NEGATIVE_STRATEGIES` to them, so a new strategy is a function here, its entry
and its name in that tuple.
"""

import tensorflow as tf

from ffviz.config import NUM_CLASSES


def random_wrong_labels(logits, labels, generator):
    """A label different from the true one, uniform over the other nine; `logits` are unused."""
    offsets = generator.uniform(tf.shape(labels), minval=1, maxval=NUM_CLASSES, dtype=tf.int32)
    return (tf.cast(labels, tf.int32) + offsets) % NUM_CLASSES


def hard_wrong_labels(logits, labels, generator):
    """A wrong label drawn from softmax(logits) with the true label masked (Gumbel-max trick)."""
    true_mask = tf.one_hot(tf.cast(labels, tf.int32), NUM_CLASSES, on_value=-1e9, off_value=0.0)
    uniform = generator.uniform(tf.shape(logits), minval=1e-6, maxval=1.0 - 1e-6)
    gumbel = -tf.math.log(-tf.math.log(uniform))
    return tf.argmax(logits + true_mask + gumbel, axis=1, output_type=tf.int32)


WRONG_LABEL_FUNCTIONS = {"random": random_wrong_labels, "hard": hard_wrong_labels}
