"""Training a Forward-Forward network with mini-batches and compiled steps.

Each step takes a mini-batch of images, writes the true label into each (positive data) and a
wrong label into a copy (negative data), and updates every layer on its own local loss; all
layers are trained inside one `tf.function` and no gradient crosses layers. The wrong label is
either uniform over the nine wrong ones ("random") or drawn from the softmax head's belief with
the true label masked out ("hard", as in Hinton's own code), so negatives look like the digits
the network confuses. The head reads a neutral-label pass and learns on the side; its gradient
stops at its input (`FFNetwork.head_features`).

Speed: one step runs the neutral, positive and negative passes with the first layer's costly
product shared between them (`FFDense.call_with_label_codes`), and `run()` fuses
`steps_per_call` steps into one compiled call (a `tf.while_loop` over mini-batches already on
the device), so Python runs once per call instead of once per step. `train_step()` is the same
compiled loop with one step, for a user interface that steps live.

`Trainer.run()` is a generator that yields a record after every step (per-layer loss and mean
goodness of positive and negative data), so a command line or a web page can draw training
live and pause or stop it between steps. A NaN or infinite loss stops training with
`TrainingDiverged` and puts back the last weights whose loss was seen to be finite: those
that the last applied step started from (its update has not been checked by a loss yet).
"""

import time

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ffviz.config import IMAGE_SIDE, NUM_CLASSES, check_learning_rate, check_threshold
from ffviz.model import ff_loss, goodness, label_codes, neutral_codes

HEAD_LEARNING_RATE = 0.01  # Adam step for the softmax head (a convex problem); it follows the same schedule.
STEPS_PER_CALL = 50  # Steps that `run()` fuses into one compiled call; Python overhead is paid once.


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the last weights whose loss was finite were put back."""


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


def shift_images(images, max_shift, rng):
    """Each image moved by a random whole number of pixels, at most `max_shift` along each
    axis, with zeros coming in at the edges: (count, 784) -> (count, 784), in NumPy.

    Done on the host while the batches of a call are gathered, which costs less than a
    gather inside the compiled step.
    """
    count = len(images)
    width = 2 * max_shift + 1
    padding = [(0, 0), (max_shift, max_shift), (max_shift, max_shift)]
    padded = np.pad(images.reshape(count, IMAGE_SIDE, IMAGE_SIDE), padding)
    offsets = rng.integers(0, width * width, size=count)  # Row offset * width + column offset.
    shifted = np.empty((count, IMAGE_SIDE, IMAGE_SIDE), images.dtype)
    for offset in range(width * width):
        row, column = divmod(offset, width)
        chosen = offsets == offset
        shifted[chosen] = padded[chosen, row : row + IMAGE_SIDE, column : column + IMAGE_SIDE]
    return shifted.reshape(count, IMAGE_SIDE * IMAGE_SIDE)


def local_losses(network, images, labels, wrong_labels, threshold, label_free=None):
    """Every layer's loss and mean goodness of positive and negative rows; call inside a tape.

    Positive and negative copies of the batch go through each layer as one (2 * batch) matrix
    and share the first layer's label-free product; the `stop_gradient` between layers keeps
    every gradient local.
    """
    image_max = ops.max(images, axis=1)
    codes = ops.stack([label_codes(labels, image_max), label_codes(wrong_labels, image_max)])  # (2, batch, 10)
    activities = network.forward_with_label_codes(images, codes, label_free)  # each (2 * batch, units)
    batch = ops.shape(images)[0]
    goodness_rows = [goodness(activity) for activity in activities]  # each (2 * batch,)
    losses = [ff_loss(g[:batch], g[batch:], threshold, network.config.sharpness) for g in goodness_rows]
    goodness_positive = [ops.mean(g[:batch]) for g in goodness_rows]
    goodness_negative = [ops.mean(g[batch:]) for g in goodness_rows]
    return losses, goodness_positive, goodness_negative


def layer_variables(network):
    return [[layer.kernel, layer.bias] for layer in network.layers]


def fast_losses_and_gradients(network, images, labels, wrong_labels, threshold):
    """Fast path for given wrong labels: every layer's loss, goodness and gradients, one tape."""
    with tf.GradientTape() as tape:
        losses, goodness_positive, goodness_negative = local_losses(network, images, labels, wrong_labels, threshold)
        total = ops.sum(ops.stack(losses))
    gradients = tape.gradient(total, layer_variables(network))
    return losses, goodness_positive, goodness_negative, gradients


def forward_forward_step(network, images, labels, threshold, choose_wrong_labels, train_head=True):
    """The losses and gradients of one training step, without applying them.

    With `train_head`, a neutral-label pass feeds the softmax head (whose loss and gradient
    are returned too) and `choose_wrong_labels(logits)` sees its logits, as hard negatives
    need; without it, `choose_wrong_labels(None)` is called. All passes share the first
    layer's label-free product.

    Returns:
        A dict: "losses", "goodness_positive", "goodness_negative" (per layer), "gradients"
        (per layer: kernel, bias), "head_loss", "head_gradients" (or None), "wrong_labels".
    """
    head_variables = [network.head.kernel, network.head.bias]
    with tf.GradientTape() as tape:
        label_free = network.layers[0].label_free_product(images)
        head_loss, logits = tf.constant(0.0), None
        if train_head:
            image_max = ops.max(images, axis=1)
            neutral = network.forward_with_label_codes(images, neutral_codes(image_max)[None], label_free)
            # `head_features` stops the gradient: the head learns, the hidden layers do not see it.
            logits = network.head(network.head_features(neutral))
            head_loss = ops.mean(keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True))
        wrong_labels = choose_wrong_labels(None if logits is None else ops.stop_gradient(logits))
        losses, goodness_positive, goodness_negative = local_losses(
            network, images, labels, wrong_labels, threshold, label_free
        )
        total = ops.sum(ops.stack(losses)) + head_loss
    gradients = tape.gradient(total, layer_variables(network) + ([head_variables] if train_head else []))
    return {
        "losses": losses,
        "goodness_positive": goodness_positive,
        "goodness_negative": goodness_negative,
        "gradients": gradients[: len(network.layers)],
        "head_loss": head_loss,
        "head_gradients": gradients[-1] if train_head else None,
        "wrong_labels": wrong_labels,
    }


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


def default_jit_compile():
    """Whether to compile the training steps with XLA: yes, on a CPU as on a GPU.

    XLA fuses the many small element-wise operations of the loss and of four Adam updates
    into a few kernels. On our 2-core CPU a 784-500-500 step (batch 100) took 5.1 ms with
    XLA and 9.1 ms without; the price is compiling once per shape, a few seconds.
    """
    return True


def learning_rate_factor(step, total_steps, decay):
    """Hinton's schedule: 1 for the first half of training, then linearly down to 0."""
    if not decay or total_steps <= 1:
        return 1.0
    half = total_steps / 2
    return 1.0 if step < half else max(0.0, (total_steps - step) / half)


class MiniBatchPlan:
    """The bookkeeping that every trainer shares: data, shuffled mini-batches, steps and epochs.

    `Trainer` (Forward-Forward) and `ffviz.backprop.BackpropTrainer` both build on it, so
    they count steps and epochs, reshuffle and continue in exactly the same way.
    """

    def __init__(self, x_train, y_train, x_test, y_test, batch_size, epochs, seed):
        self.x_train = np.asarray(x_train, dtype=np.float32)
        self.y_train = np.asarray(y_train).astype(np.int32)
        if len(self.x_train) == 0 or len(self.x_train) != len(self.y_train):
            raise ValueError(
                f"Need a non-empty training set with one label per image. "
                f"Received: {len(self.x_train)} images, {len(self.y_train)} labels."
            )
        self.x_test, self.y_test = x_test, y_test
        self.batch_size = min(batch_size, len(self.x_train))
        self.steps_per_epoch = len(self.x_train) // self.batch_size
        self.total_epochs = epochs
        self.shuffler = np.random.default_rng(seed)
        self.step = 0  # Steps done, over all epochs.
        self.order = self.shuffler.permutation(len(self.x_train))
        self.seconds = 0.0  # Time spent inside steps, for steps per second.

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

    def extend(self, epochs):
        """Train `epochs` more epochs after the current plan ends (continue training later)."""
        if epochs < 1:
            raise ValueError(f"epochs must be a positive integer. Received: epochs={epochs}")
        self.total_epochs = max(self.total_epochs, self.epoch) + int(epochs)

    def reshuffle_at_epoch_start(self):
        """A new order of the training images whenever a new epoch begins."""
        if self.step % self.steps_per_epoch == 0 and self.step > 0:
            self.order = self.shuffler.permutation(len(self.x_train))


class Trainer(MiniBatchPlan):
    """Trains an `FFNetwork` on a dataset, one mini-batch step at a time.

    Args:
        network: the `FFNetwork` to train; its config gives batch size, epochs and strategy.
        x_train, y_train: training images (N, 784) in [0, 1] and labels (N,).
        x_test, y_test: optional test set, evaluated at the end of every epoch.
        jit_compile: compile the steps with XLA; None picks what is faster on this device.
        steps_per_call: steps that `run()` fuses into one compiled call (`train_step()` is
            always one step). Records are the same either way.
    """

    def __init__(
        self, network, x_train, y_train, x_test=None, y_test=None, jit_compile=None, steps_per_call=STEPS_PER_CALL
    ):
        self.network = network
        self.config = network.config
        super().__init__(
            x_train, y_train, x_test, y_test, self.config.batch_size, self.config.epochs, self.config.seed
        )
        self.base_learning_rate = self.config.learning_rate
        self.threshold = tf.Variable(float(self.config.threshold), trainable=False, dtype="float32")
        self.optimizers = [make_optimizer(self.base_learning_rate) for _ in network.layers]
        for optimizer, layer in zip(self.optimizers, network.layers):
            optimizer.build([layer.kernel, layer.bias])
        self.head_optimizer = make_optimizer(HEAD_LEARNING_RATE)
        self.head_optimizer.build([network.head.kernel, network.head.bias])
        self.train_head = self.config.readout == "softmax" or self.config.negatives == "hard"
        if not isinstance(steps_per_call, int) or steps_per_call < 1:
            raise ValueError(f"steps_per_call must be a positive integer. Received: steps_per_call={steps_per_call!r}")
        self.steps_per_call = steps_per_call
        self.backup = [tf.Variable(variable, trainable=False) for variable in network.variables()]
        self.generator = tf.random.Generator.from_seed(self.config.seed)
        if jit_compile is None:
            jit_compile = default_jit_compile()
        self.jit_compile = bool(jit_compile)
        signature = [
            tf.TensorSpec((None, self.batch_size, None), tf.float32),  # images (steps, batch, pixels)
            tf.TensorSpec((None, self.batch_size), tf.int32),  # labels (steps, batch)
            tf.TensorSpec((None,), tf.float32),  # layers' learning rate per step (steps,)
            tf.TensorSpec((None,), tf.float32),  # head's learning rate per step (steps,)
        ]
        self._compiled_steps = tf.function(self._train_steps, input_signature=signature, jit_compile=self.jit_compile)

    def set_threshold(self, threshold):
        """Change the threshold; it takes effect at the next step."""
        self.threshold.assign(check_threshold(threshold))

    def set_learning_rate(self, learning_rate):
        """Change the base learning rate; the schedule scales it from the next step on."""
        self.base_learning_rate = check_learning_rate(learning_rate)

    def current_learning_rate(self):
        factor = learning_rate_factor(self.step, self.total_steps, self.config.lr_decay)
        return self.base_learning_rate * factor

    def choose_wrong_labels(self, logits, labels):
        """Negative labels for a batch: hard (from the head's `logits`) or random."""
        if self.config.negatives == "hard":
            return hard_wrong_labels(logits, labels, self.generator)
        return random_wrong_labels(labels, self.generator)

    def _one_step(self, images, labels, learning_rate, head_learning_rate):
        """One compiled step: losses, then the updates unless a loss is NaN or infinite."""
        network = self.network
        result = forward_forward_step(
            network,
            images,
            labels,
            self.threshold,
            lambda logits: self.choose_wrong_labels(logits, labels),
            self.train_head,
        )
        losses = ops.stack(result["losses"])
        finite = tf.logical_and(tf.reduce_all(tf.math.is_finite(losses)), tf.math.is_finite(result["head_loss"]))

        def apply():
            for keep, variable in zip(self.backup, network.variables()):
                keep.assign(variable)  # These weights just gave a finite loss.
            for optimizer, variables, gradients in zip(self.optimizers, layer_variables(network), result["gradients"]):
                optimizer.learning_rate = learning_rate
                optimizer.apply(gradients, variables)
            if self.train_head:
                self.head_optimizer.learning_rate = head_learning_rate
                self.head_optimizer.apply(result["head_gradients"], [network.head.kernel, network.head.bias])
            return tf.constant(True)

        applied = tf.cond(finite, apply, lambda: tf.constant(False))
        record = [losses, ops.stack(result["goodness_positive"]), ops.stack(result["goodness_negative"])]
        return applied, record, result["head_loss"]

    def _train_steps(self, images, labels, learning_rates, head_learning_rates):
        """Several steps in one compiled call, stopping at the first non-finite loss.

        Args:
            images: (steps, batch, 784); labels: (steps, batch); learning_rates and
                head_learning_rates: (steps,), the layers' and the head's step sizes.

        Returns:
            Steps run (the last one not applied if `all_applied` is False), `all_applied`,
            and per step: losses, positive and negative goodness (steps, layers), head loss (steps,).
        """
        steps = tf.shape(images)[0]
        layers = len(self.network.layers)
        records = [tf.zeros((steps, layers)) for _ in range(3)] + [tf.zeros((steps,))]

        def condition(index, all_applied, *records):
            return tf.logical_and(index < steps, all_applied)

        def body(index, all_applied, losses, goodness_positive, goodness_negative, head_losses):
            applied, record, head_loss = self._one_step(
                images[index], labels[index], learning_rates[index], head_learning_rates[index]
            )
            updated = [
                tf.tensor_scatter_nd_update(table, [[index]], [row])
                for table, row in zip((losses, goodness_positive, goodness_negative, head_losses), (*record, head_loss))
            ]
            return (index + 1, applied, *updated)

        index, all_applied, *records = tf.while_loop(condition, body, [tf.constant(0), tf.constant(True), *records])
        return index, all_applied, *records

    def _batches(self, steps):
        """Images (steps, batch, 784) and labels (steps, batch) of the next `steps` steps of this epoch."""
        position = (self.step % self.steps_per_epoch) * self.batch_size
        indices = self.order[position : position + steps * self.batch_size]
        images = self.x_train[indices]
        if self.config.jitter:
            images = shift_images(images, self.config.jitter, self.shuffler)
        images = images.reshape(steps, self.batch_size, -1)
        return tf.constant(images), tf.constant(self.y_train[indices].reshape(steps, self.batch_size))

    def train_steps(self, steps):
        """Run up to `steps` steps (not past the end of the epoch) in one call; return their records.

        Raises `TrainingDiverged` at a non-finite loss; the steps before it are applied and counted.
        """
        records, error = self._train_steps_or_error(steps)
        if error is not None:
            raise error
        return records

    def _train_steps_or_error(self, steps):
        """`train_steps`, returning the records of the applied steps and the error, if any."""
        self.reshuffle_at_epoch_start()
        steps = max(1, min(steps, self.steps_per_epoch - self.step % self.steps_per_epoch))
        images, labels = self._batches(steps)
        factors = [
            learning_rate_factor(self.step + offset, self.total_steps, self.config.lr_decay) for offset in range(steps)
        ]
        learning_rates = [self.base_learning_rate * factor for factor in factors]
        started = time.perf_counter()
        done, all_applied, losses, goodness_positive, goodness_negative, head_losses = self._compiled_steps(
            images,
            labels,
            tf.constant(learning_rates, tf.float32),
            tf.constant([HEAD_LEARNING_RATE * factor for factor in factors], tf.float32),
        )
        done, all_applied = int(done), bool(all_applied)
        losses, goodness_positive, goodness_negative, head_losses = (
            np.asarray(table) for table in (losses, goodness_positive, goodness_negative, head_losses)
        )
        elapsed = time.perf_counter() - started
        applied = done if all_applied else done - 1
        threshold = float(self.threshold.numpy())
        records = []
        for offset in range(applied):
            self.step += 1
            self.seconds += elapsed / done
            records.append(
                {
                    "step": self.step,
                    "epoch": self.step / self.steps_per_epoch,
                    "loss": losses[offset].tolist(),
                    "goodness_pos": goodness_positive[offset].tolist(),
                    "goodness_neg": goodness_negative[offset].tolist(),
                    "head_loss": float(head_losses[offset]),
                    "learning_rate": learning_rates[offset],
                    "threshold": threshold,
                    "seconds": self.seconds,
                }
            )
        if all_applied:
            return records, None
        self.seconds += elapsed / done
        self.network.set_weights([keep.numpy() for keep in self.backup])
        bad = losses[applied]
        return records, TrainingDiverged(
            f"The loss became {'NaN' if np.isnan(bad).any() else 'infinite'} at step "
            f"{self.step + 1} (learning rate {learning_rates[applied]:.3g}, threshold "
            f"{threshold:.3g}); the last weights with a finite loss were kept. "
            "Lower the learning rate, then Reset or continue."
        )

    def train_step(self):
        """Run one mini-batch step and return its record (a dict of plain Python numbers)."""
        return self.train_steps(1)[0]

    def evaluate(self, readout=None, limit=None):
        """Test accuracy with the given read-out (on the first `limit` images), or None."""
        if self.x_test is None or len(self.x_test) == 0:
            return None
        return self.network.evaluate(self.x_test[:limit], self.y_test[:limit], readout)["accuracy"]

    def run(self, max_steps=None):
        """Yield a record after every step until the planned epochs are done.

        At the end of each epoch the record also holds "test_accuracy". The caller may stop
        iterating at any step and call `run()` again later to continue where it left off.
        Steps run `steps_per_call` at a time, so their records arrive in bursts; a caller
        that needs the weights after every single step should call `train_step()` instead.
        """
        done = 0
        while not self.finished and (max_steps is None or done < max_steps):
            steps = min(self.steps_per_call, self.total_steps - self.step)
            if max_steps is not None:
                steps = min(steps, max_steps - done)
            records, error = self._train_steps_or_error(steps)
            for record in records:
                done += 1
                if self.step == record["step"] and self.step % self.steps_per_epoch == 0:
                    record["test_accuracy"] = self.evaluate()
                yield record
            if error is not None:
                raise error


def fit(network, x_train, y_train, x_test=None, y_test=None, callback=None):
    """Train for the configured epochs; `callback(record)` sees every step. Returns the trainer."""
    trainer = Trainer(network, x_train, y_train, x_test, y_test)
    for record in trainer.run():
        if callback is not None:
            callback(record)
    return trainer



