"""The same network trained with ordinary backpropagation, for a side-by-side comparison.

Hinton (2022, section 3.3) compares Forward-Forward with backpropagation on the same
fully connected architecture. `BackpropTrainer` builds that network in Keras (Dense + ReLU
layers of the same sizes and a softmax head), trains it end to end with Keras's own training
step (`train_on_batch`) on the same mini-batches, and offers the same step-by-step interface
as `ffviz.train.Trainer` (`ffviz.trainer_protocol.SteppingTrainer`), so
`ffviz.runner.TrainingRun` can drive either one. It has no goodness, so neither a threshold
nor goodness measurements.

Keras compiles a model's training and prediction functions once per model and never frees them,
so a new model per run grew the server run after run (issue 14). Compiled models are therefore
kept per shape (layer sizes and batch size) in `MODEL_CACHE` and reused: a new run loads its
seeded starting weights and fresh optimizer moments into an idle model (`prepare`), and gives
the model back when it is done (`release`, or when the trainer is garbage).
"""

import collections
import threading
import time
import weakref

import keras
import numpy as np

from ffviz.batches import MiniBatchPlan
from ffviz.config import IMAGE_PIXELS, NUM_CLASSES, check_learning_rate

BACKPROP_LEARNING_RATE = 0.001  # Adam's usual default, which suits this small MLP.
MAX_IDLE_MODELS = 2  # Compiled models kept for later runs when no run uses them.
PREDICT_BATCH = 2000  # Images per prediction batch.


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


def initial_weights(layer_sizes, seed):
    """The starting weights `build_backprop_model` gives for `seed`, without building a model.

    Seeded Keras initializers give the same values at every call, so a reused model starts
    exactly where a new one would.
    """
    weights = []
    width = IMAGE_PIXELS
    for index, units in enumerate(layer_sizes):
        kernel = keras.initializers.GlorotUniform(seed=seed * 100 + index)((width, units))
        weights += [np.asarray(kernel), np.zeros(units, np.float32)]
        width = units
    head = keras.initializers.GlorotUniform(seed=seed)((width, NUM_CLASSES))
    return weights + [np.asarray(head), np.zeros(NUM_CLASSES, np.float32)]


class ModelCache:
    """Compiled backprop models by shape, lent to one run at a time; thread-safe, few idle ones kept."""

    def __init__(self, max_idle=MAX_IDLE_MODELS):
        self.max_idle = max_idle
        self._lock = threading.Lock()
        self._idle = collections.OrderedDict()  # id(model) -> (key, model), least recently used first.
        self.created = 0

    def acquire(self, layer_sizes, batch_size):
        """(model, compiled): an idle model of this shape, else a new one (not yet compiled)."""
        key = (tuple(layer_sizes), int(batch_size))
        with self._lock:
            for identity, (model_key, model) in reversed(self._idle.items()):
                if model_key == key:
                    del self._idle[identity]
                    return model, True
            self.created += 1
        return build_backprop_model(layer_sizes), False

    def release(self, layer_sizes, batch_size, model):
        with self._lock:
            self._idle[id(model)] = ((tuple(layer_sizes), int(batch_size)), model)
            while len(self._idle) > self.max_idle:
                self._idle.popitem(last=False)


MODEL_CACHE = ModelCache()


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
        self.base_learning_rate = check_learning_rate(learning_rate)
        self.compile_seconds = 0.0  # Time `prepare()` spent compiling; 0 when a compiled model was reused.
        self._model = None
        self._weights = initial_weights(config.layer_sizes, config.seed)  # Where training goes on from.
        self._release = None
        self._model_lock = threading.Lock()

    @property
    def model(self):
        """The Keras model being trained (taken from the cache on first use)."""
        self.prepare()
        return self._model

    def prepare(self):
        """Take a compiled model of this shape (compiling one if none is idle) and load this run into it.

        Idempotent and thread-safe; the first step calls it. Returns the seconds spent compiling.
        """
        with self._model_lock:
            if self._model is not None:
                return 0.0
            started = time.perf_counter()
            model, compiled = MODEL_CACHE.acquire(self.config.layer_sizes, self.batch_size)
            if not compiled:  # One step and one prediction on blank data trace and compile both.
                model.train_on_batch(
                    np.zeros((self.batch_size, IMAGE_PIXELS), np.float32), np.zeros(self.batch_size, np.int32)
                )
                model.predict(np.zeros((1, IMAGE_PIXELS), np.float32), batch_size=PREDICT_BATCH, verbose=0)
            model.set_weights(self._weights)
            for variable in model.optimizer.variables:
                variable.assign(np.zeros(variable.shape, variable.dtype))
            model.optimizer.learning_rate = self.base_learning_rate
            self._model = model
            self.compile_seconds = 0.0 if compiled else time.perf_counter() - started
            layer_sizes, batch_size = self.config.layer_sizes, self.batch_size
            self._release = weakref.finalize(self, MODEL_CACHE.release, layer_sizes, batch_size, model)
            return self.compile_seconds

    def release(self):
        """Keep the trained weights here and give the compiled model back for the next run of its shape."""
        with self._model_lock:
            if self._model is None:
                return
            self._weights = self._model.get_weights()
            self._model = None
            self._release()

    def set_learning_rate(self, learning_rate):
        self.base_learning_rate = check_learning_rate(learning_rate)
        model = self._model
        if model is not None:
            model.optimizer.learning_rate = self.base_learning_rate

    def set_threshold(self, threshold):
        raise ValueError(f"Backpropagation has no goodness threshold. Received: threshold={threshold!r}")

    def current_threshold(self):
        return None

    def layer_goodness(self, images, labels):
        raise ValueError("Backpropagation has no goodness to measure.")

    def train_step(self):
        """One mini-batch of Keras's own `train_on_batch`; its record, as `Trainer.train_step` gives."""
        model = self.model
        self.reshuffle_at_epoch_start()
        indices = self.next_indices(1)
        started = time.perf_counter()
        loss = model.train_on_batch(self.x_train[indices], self.y_train[indices])
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
        logits = self.model.predict(np.asarray(images, np.float32), batch_size=PREDICT_BATCH, verbose=0)
        return logits.argmax(axis=1)

    def evaluate(self, readout=None, limit=None):
        """Test accuracy (on the first `limit` test images), or None without a test set."""
        if self.x_test is None or len(self.x_test) == 0:
            return None
        predictions = self.predict(self.x_test[:limit])
        return float((predictions == np.asarray(self.y_test[:limit])).mean())
