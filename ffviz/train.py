"""Training a Forward-Forward network with mini-batches and one compiled step.

Each step takes a mini-batch of images, writes the true label into each (positive data) and a
wrong label into a copy (negative data), and updates every layer on its own local loss; all
layers are trained inside one `tf.function` and no gradient crosses layers. The wrong label is
either uniform over the nine wrong ones ("random") or drawn from the softmax head's belief with
the true label masked out ("hard", as in Hinton's own code), so negatives look like the digits
the network confuses.

`Trainer.run()` is a generator that yields a record after every step (per-layer loss and mean
goodness of positive and negative data), so a command line or a web page can draw training
live and pause or stop it between steps. A NaN or infinite loss stops training with
`TrainingDiverged` and puts back the last weights whose loss was finite.
"""


import time

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ffviz.config import NUM_CLASSES, check_learning_rate, check_threshold
from ffviz.model import ff_loss, goodness
from ffviz.overlay import overlay_labels, overlay_neutral

HEAD_LEARNING_RATE = 0.01  # Adam step for the softmax read-out head; it is a convex problem.
EVAL_EVERY_EPOCH = True


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the last finite weights were put back."""


def make_optimizer(learning_rate):
    """One optimizer per layer, so no layer's moment estimates mix with another's."""
    return keras.optimizers.Adam(learning_rate=learning_rate)


def random_wrong_labels(labels, generator):
    """A label different from the true one, uniform over the other nine."""
    offsets = generator.uniform(tf.shape(labels), minval=1, maxval=NUM_CLASSES, dtype=tf.int32)
    return (tf.cast(labels, tf.int32) + offsets) % NUM_CLASSES


def hard_wrong_labels(logits, labels, generator):
    """A wrong label drawn from softmax(logits) with the true label masked (Gumbel-max trick)."""
    true_mask = tf.one_hot(tf.cast(labels, tf.int32), NUM_CLASSES, on_value=-1e9, off_value=0.0)
    uniform = generator.uniform(tf.shape(logits), minval=1e-6, maxval=1.0 - 1e-6)
    gumbel = -tf.math.log(-tf.math.log(uniform))
    return tf.argmax(logits + true_mask + gumbel, axis=1, output_type=tf.int32)


def layer_losses_and_gradients(network, positive, negative, threshold):
    """Fast path: every layer's loss, goodness and gradients from one tape.

    Positive and negative rows travel through each layer as one (2 * batch) matrix, and the
    `stop_gradient` between layers (in `FFNetwork.forward`) keeps every gradient local.
    """
    batch = ops.shape(positive)[0]
    with tf.GradientTape() as tape:
        activities = network.forward(ops.concatenate([positive, negative], axis=0))
        goodness_rows = [goodness(activity) for activity in activities]  # each (2 * batch,)
        losses = [ff_loss(g[:batch], g[batch:], threshold, network.config.sharpness) for g in goodness_rows]
        total = ops.sum(ops.stack(losses))
    variables = [[layer.kernel, layer.bias] for layer in network.layers]
    gradients = tape.gradient(total, [v for pair in variables for v in pair])
    gradients = [gradients[2 * index : 2 * index + 2] for index in range(len(network.layers))]
    goodness_positive = [ops.mean(g[:batch]) for g in goodness_rows]
    goodness_negative = [ops.mean(g[batch:]) for g in goodness_rows]
    return losses, goodness_positive, goodness_negative, gradients, activities


def reference_losses_and_gradients(network, positive, negative, threshold):
    """Reference path, as the keras.io example trains: one layer at a time, own tape each.

    Slow but plainly local; tests check that the fast path gives the same numbers.
    """
    losses, goodness_positive, goodness_negative, gradients = [], [], [], []
    hidden_positive, hidden_negative = positive, negative
    for layer in network.layers:
        with tf.GradientTape() as tape:
            out_positive = layer(hidden_positive)
            out_negative = layer(hidden_negative)
            g_pos, g_neg = goodness(out_positive), goodness(out_negative)
            loss = ff_loss(g_pos, g_neg, threshold, network.config.sharpness)
        gradients.append(tape.gradient(loss, [layer.kernel, layer.bias]))
        losses.append(loss)
        goodness_positive.append(ops.mean(g_pos))
        goodness_negative.append(ops.mean(g_neg))
        hidden_positive, hidden_negative = ops.stop_gradient(out_positive), ops.stop_gradient(out_negative)
    return losses, goodness_positive, goodness_negative, gradients


def learning_rate_factor(step, total_steps, decay):
    """Hinton's schedule: 1 for the first half of training, then linearly down to 0."""
    if not decay or total_steps <= 1:
        return 1.0
    half = total_steps / 2
    return 1.0 if step < half else max(0.0, (total_steps - step) / half)


class Trainer:
    """Trains an `FFNetwork` on a dataset, one mini-batch step at a time.

    Args:
        network: the `FFNetwork` to train; its config gives batch size, epochs and strategy.
        x_train, y_train: training images (N, 784) in [0, 1] and labels (N,).
        x_test, y_test: optional test set, evaluated at the end of every epoch.
        jit_compile: compile the step with XLA (faster on most machines).
    """

    def __init__(self, network, x_train, y_train, x_test=None, y_test=None, jit_compile=None):
        self.network = network
        self.config = network.config
        self.x_train = np.asarray(x_train, dtype=np.float32)
        self.y_train = np.asarray(y_train).astype(np.int32)
        if len(self.x_train) == 0 or len(self.x_train) != len(self.y_train):
            raise ValueError(
                f"Need a non-empty training set with one label per image. "
                f"Received: {len(self.x_train)} images, {len(self.y_train)} labels."
            )
        self.x_test, self.y_test = x_test, y_test
        self.batch_size = min(self.config.batch_size, len(self.x_train))
        self.steps_per_epoch = len(self.x_train) // self.batch_size
        self.total_epochs = self.config.epochs
        self.base_learning_rate = self.config.learning_rate
        self.threshold = tf.Variable(float(self.config.threshold), trainable=False, dtype="float32")
        self.optimizers = [make_optimizer(self.base_learning_rate) for _ in network.layers]
        for optimizer, layer in zip(self.optimizers, network.layers):
            optimizer.build([layer.kernel, layer.bias])
        self.head_optimizer = make_optimizer(HEAD_LEARNING_RATE)
        self.head_optimizer.build([network.head.kernel, network.head.bias])
        self.train_head = self.config.readout == "softmax" or self.config.negatives == "hard"
        self.backup = [tf.Variable(v, trainable=False) for v in network.variables()]
        self.generator = tf.random.Generator.from_seed(self.config.seed)
        self.shuffler = np.random.default_rng(self.config.seed)
        self.step = 0  # Steps done, over all epochs.
        self.order = self.shuffler.permutation(len(self.x_train))
        self.seconds = 0.0  # Time spent inside steps, for steps per second.
        if jit_compile is None:
            jit_compile = False
        self._compiled_step = tf.function(self._train_step, jit_compile=jit_compile)

    @property
    def epoch(self):
        """Completed epochs."""
        return self.step // self.steps_per_epoch

    @property
    def total_steps(self):
        return self.total_epochs * self.steps_per_epoch

    @property
    def finished(self):
        return self.step >= self.total_steps

    def set_threshold(self, threshold):
        """Change the threshold; it takes effect at the next step."""
        self.threshold.assign(check_threshold(threshold))

    def set_learning_rate(self, learning_rate):
        """Change the base learning rate; the schedule scales it from the next step on."""
        self.base_learning_rate = check_learning_rate(learning_rate)

    def extend(self, epochs):
        """Train `epochs` more epochs after the current plan ends (continue training later)."""
        if epochs < 1:
            raise ValueError(f"epochs must be a positive integer. Received: epochs={epochs}")
        self.total_epochs = max(self.total_epochs, self.epoch) + int(epochs)

    def current_learning_rate(self):
        factor = learning_rate_factor(self.step, self.total_steps, self.config.lr_decay)
        return self.base_learning_rate * factor

    def _train_step(self, images, labels):
        network = self.network
        head_loss = tf.constant(0.0)
        if self.train_head:
            neutral = network.forward(overlay_neutral(images))
            features = network.head_features(neutral)
            with tf.GradientTape() as tape:
                logits = network.head(features)
                head_loss = ops.mean(
                    keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
                )
            head_variables = [network.head.kernel, network.head.bias]
            head_gradients = tape.gradient(head_loss, head_variables)
        if self.config.negatives == "hard":
            wrong = hard_wrong_labels(ops.stop_gradient(logits), labels, self.generator)
        else:
            wrong = random_wrong_labels(labels, self.generator)
        positive = overlay_labels(images, labels)
        negative = overlay_labels(images, wrong)
        losses, g_pos, g_neg, gradients, _ = layer_losses_and_gradients(
            network, positive, negative, self.threshold
        )
        all_finite = tf.reduce_all(tf.math.is_finite(tf.stack(losses)))
        if self.train_head:
            all_finite = tf.logical_and(all_finite, tf.math.is_finite(head_loss))

        def apply():
            for keep, variable in zip(self.backup, network.variables()):
                keep.assign(variable)
            for optimizer, layer, layer_gradients in zip(self.optimizers, network.layers, gradients):
                optimizer.apply(layer_gradients, [layer.kernel, layer.bias])
            if self.train_head:
                self.head_optimizer.apply(head_gradients, head_variables)
            return tf.constant(True)

        applied = tf.cond(all_finite, apply, lambda: tf.constant(False))
        return tf.stack(losses), tf.stack(g_pos), tf.stack(g_neg), head_loss, applied

    def train_step(self):
        """Run one mini-batch step and return its record (a dict of plain Python numbers)."""
        if self.step % self.steps_per_epoch == 0 and self.step > 0:
            self.order = self.shuffler.permutation(len(self.x_train))
        position = (self.step % self.steps_per_epoch) * self.batch_size
        indices = self.order[position : position + self.batch_size]
        learning_rate = self.current_learning_rate()
        for optimizer in self.optimizers:
            optimizer.learning_rate = learning_rate
        started = time.perf_counter()
        losses, g_pos, g_neg, head_loss, applied = self._compiled_step(
            tf.constant(self.x_train[indices]), tf.constant(self.y_train[indices])
        )
        losses = np.asarray(losses)
        self.seconds += time.perf_counter() - started
        if not bool(applied):
            self.network.set_weights([keep.numpy() for keep in self.backup])
            raise TrainingDiverged(
                f"The loss became {'NaN' if np.isnan(losses).any() else 'infinite'} at step "
                f"{self.step + 1} (learning rate {learning_rate:.3g}, threshold "
                f"{float(self.threshold.numpy()):.3g}); the last weights with a finite loss were kept. "
                "Lower the learning rate, then Reset or continue."
            )
        self.step += 1
        return {
            "step": self.step,
            "epoch": self.step / self.steps_per_epoch,
            "loss": losses.tolist(),
            "goodness_pos": np.asarray(g_pos).tolist(),
            "goodness_neg": np.asarray(g_neg).tolist(),
            "head_loss": float(head_loss),
            "learning_rate": learning_rate,
            "threshold": float(self.threshold.numpy()),
            "seconds": self.seconds,
        }

    def evaluate(self, readout=None, limit=None):
        """Test accuracy with the given read-out (on the first `limit` images), or None."""
        if self.x_test is None or len(self.x_test) == 0:
            return None
        return self.network.evaluate(self.x_test[:limit], self.y_test[:limit], readout)["accuracy"]

    def run(self, max_steps=None):
        """Yield a record after every step until the planned epochs are done.

        At the end of each epoch the record also holds "test_accuracy". The caller may stop
        iterating at any step and call `run()` again later to continue where it left off.
        """
        done = 0
        while not self.finished and (max_steps is None or done < max_steps):
            record = self.train_step()
            done += 1
            if self.step % self.steps_per_epoch == 0:
                record["test_accuracy"] = self.evaluate()
            yield record


def fit(network, x_train, y_train, x_test=None, y_test=None, callback=None):
    """Train for the configured epochs; `callback(record)` sees every step. Returns the trainer."""
    trainer = Trainer(network, x_train, y_train, x_test, y_test)
    for record in trainer.run():
        if callback is not None:
            callback(record)
    return trainer



