"""The keras.io example's training schedule, rebuilt from ffviz's parts, as a baseline.

keras.io, "Using the Forward-Forward Algorithm for Image Classification" (Keras 3 version of
`examples/vision/forwardforward.py`), trains 784-500-500 on the whole training set as one
batch. Every epoch it writes the true labels (positive data) and a shuffled copy of the labels
(negative data; about a tenth of them equal the true label) into the images, trains layer 0
for 50 Adam steps (learning rate 0.03, a fresh optimizer per layer) on its local loss with
threshold 1.5, passes both sets through the trained layer, trains layer 1 for 50 steps, and
so on. It predicts the label with the highest goodness summed over all layers. 250 epochs
give 97.56% MNIST test accuracy.

The layer (`FFDense`: unit-length input, Dense, ReLU), goodness and loss (`ff_loss` with
sharpness 1) are ffviz's, which follow the example. One difference: the example scales the
label pixel by the maximum of the whole batch, ffviz by each image's own maximum; MNIST
images almost all have a maximum of 1.0, so the inputs are the same.
"""

import time

import keras
import numpy as np
import tensorflow as tf

from ffviz.config import FFConfig
from ffviz.network import FFNetwork
from ffviz.objective import ff_loss, goodness
from ffviz.overlay import overlay_labels
from ffviz.train import JIT_COMPILE

LOCAL_STEPS = 50  # Adam steps per layer per epoch (the example's FFDense `num_epochs`).
LEARNING_RATE = 0.03  # The example's Adam learning rate.
THRESHOLD = 1.5  # The example's goodness threshold.


class KerasIoSchedule:
    """Full-batch, layer-by-layer Forward-Forward training as in the keras.io example.

    Args:
        layer_sizes: hidden layer sizes, (500, 500) in the example.
        x_train, y_train: the whole training set, one batch.
        seed: seeds the weights and the label shuffles.
        jit_compile: compile the local steps with XLA; None means `ffviz.train.JIT_COMPILE` (XLA always).
    """

    def __init__(self, layer_sizes, x_train, y_train, seed=0, jit_compile=None):
        config = FFConfig(
            layer_sizes=tuple(layer_sizes), threshold=THRESHOLD, readout="goodness", input_length="unit", seed=seed
        )
        self.network = FFNetwork(config)
        self.x_train = tf.constant(np.asarray(x_train, np.float32))
        self.y_train = tf.constant(np.asarray(y_train).astype(np.int32))
        self.optimizers = [keras.optimizers.Adam(learning_rate=LEARNING_RATE) for _ in self.network.layers]
        self.local_steps = 0  # Local steps done, over all layers and epochs.
        self.seconds = 0.0
        tf.random.set_seed(seed)
        if jit_compile is None:
            jit_compile = JIT_COMPILE
        self._steps = [
            tf.function(self._make_local_step(layer, optimizer), jit_compile=jit_compile)
            for layer, optimizer in zip(self.network.layers, self.optimizers)
        ]
        self._steps_left = self._schedule()

    def __repr__(self):
        return f"KerasIoSchedule({self.network}, epochs={self.epochs}, local_steps={self.local_steps})"

    @staticmethod
    def _make_local_step(layer, optimizer):
        def local_step(positive, negative):
            with tf.GradientTape() as tape:
                loss = ff_loss(goodness(layer(positive)), goodness(layer(negative)), THRESHOLD)
            variables = [layer.kernel, layer.bias]
            optimizer.apply(tape.gradient(loss, variables), variables)
            return loss

        return local_step

    def _schedule(self):
        """Every local step of the schedule in order, one per `next()`, without end.

        A generator, so `train()` can stop between any two local steps and a later call goes
        on exactly where the schedule stopped.
        """
        while True:
            positive = overlay_labels(self.x_train, self.y_train)
            negative = overlay_labels(self.x_train, tf.random.shuffle(self.y_train))
            for layer, local_step in zip(self.network.layers, self._steps):
                for _ in range(LOCAL_STEPS):
                    local_step(positive, negative)
                    self.local_steps += 1
                    yield
                # The next layer trains on this layer's outputs; no gradient flows back.
                positive, negative = tf.stop_gradient(layer(positive)), tf.stop_gradient(layer(negative))

    @property
    def epochs(self):
        """Completed epochs: each layer has had its 50 local steps that many times."""
        return self.local_steps // (LOCAL_STEPS * len(self.network.layers))

    def train(self, seconds):
        """Train until `seconds` of training time have passed (checked between local steps)."""
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            next(self._steps_left)
        self.seconds += time.perf_counter() - started
        return self

    def evaluate(self, x_test, y_test):
        """Test accuracy with the example's rule: highest goodness summed over all layers."""
        return self.network.evaluate(x_test, y_test, readout="goodness")["accuracy"]
