"""The same network trained with ordinary backpropagation, for a side-by-side comparison.

Hinton (2022, section 3.3) compares Forward-Forward with backpropagation on the same
fully connected architecture. `BackpropTrainer` builds that network in Keras (Dense + ReLU
layers of the same sizes and a softmax head), trains it end to end with Keras's own training
step (`train_on_batch`) on the same mini-batches, and offers the same step-by-step interface
as `ffviz.train.Trainer` (`ffviz.trainer_protocol.SteppingTrainer`), so
`ffviz.runner.TrainingRun` can drive either one. It has no goodness, so neither a threshold
nor goodness measurements.
"""

import time

import keras
import numpy as np

from ffviz.batches import MiniBatchPlan
from ffviz.config import IMAGE_PIXELS, NUM_CLASSES, check_learning_rate

BACKPROP_LEARNING_RATE = 0.001  # Adam's usual default, which suits this small MLP.


def build_backprop_model(layer_sizes, learning_rate=BACKPROP_LEARNING_RATE, seed=0):
    """Dense + ReLU layers of `layer_sizes`, then a 10-way linear layer, compiled with Adam."""
    layers = [keras.Input((IMAGE_PIXELS,))]
    for index, units in enumerate(layer_sizes):
        initializer = keras.initializers.GlorotUniform(seed=seed * 100 + index)
        layers.append(keras.layers.Dense(units, activation="relu", kernel_initializer=initializer))
    layers.append(keras.layers.Dense(NUM_CLASSES, kernel_initializer=keras.initializers.GlorotUniform(seed=seed)))
    model = keras.Sequential(layers, name="backprop_mlp")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


class BackpropTrainer(MiniBatchPlan):
    """Backpropagation with the step-by-step interface of `ffviz.train.Trainer`.

    Records hold "loss" as a one-element list (the cross-entropy), so a chart can put it
    beside the Forward-Forward layers' losses.
    """

    supports_threshold = False
    supports_goodness_probe = False

    def __init__(self, config, x_train, y_train, x_test=None, y_test=None, learning_rate=BACKPROP_LEARNING_RATE):
        super().__init__(x_train, y_train, x_test, y_test, config.batch_size, config.epochs, config.seed)
        self.config = config
        self.model = build_backprop_model(config.layer_sizes, learning_rate, config.seed)
        self.base_learning_rate = float(learning_rate)

    def set_learning_rate(self, learning_rate):
        self.base_learning_rate = check_learning_rate(learning_rate)
        self.model.optimizer.learning_rate = self.base_learning_rate

    def set_threshold(self, threshold):
        raise ValueError(f"Backpropagation has no goodness threshold. Received: threshold={threshold!r}")

    def current_threshold(self):
        return None

    def layer_goodness(self, images, labels):
        raise ValueError("Backpropagation has no goodness to measure.")

    def train_step(self):
        """One mini-batch of Keras's own `train_on_batch`; its record, as `Trainer.train_step` gives."""
        self.reshuffle_at_epoch_start()
        indices = self.next_indices(1)
        started = time.perf_counter()
        loss = self.model.train_on_batch(self.x_train[indices], self.y_train[indices])
        self.seconds += time.perf_counter() - started
        self.step += 1
        return {
            "step": self.step,
            "epoch": self.step / self.steps_per_epoch,
            "loss": [float(np.ravel(loss)[0])],
            "learning_rate": self.base_learning_rate,
            "seconds": self.seconds,
        }

    def train_steps(self, steps):
        """Up to `steps` steps, not past the end of the epoch; their records."""
        return [self.train_step() for _ in range(max(1, min(steps, self.steps_left_in_epoch())))]

    def predict(self, images):
        logits = self.model.predict(np.asarray(images, np.float32), batch_size=2000, verbose=0)
        return logits.argmax(axis=1)

    def evaluate(self, readout=None, limit=None):
        """Test accuracy (on the first `limit` test images), or None without a test set."""
        if self.x_test is None or len(self.x_test) == 0:
            return None
        predictions = self.predict(self.x_test[:limit])
        return float((predictions == np.asarray(self.y_test[:limit])).mean())
