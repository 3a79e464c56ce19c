"""Training a Forward-Forward network with mini-batches and compiled steps.

`Trainer` walks the training set in mini-batches (`ffviz.batches`) and runs the step of
`ffviz.ff_step` on each: every layer learns on its own local loss, no gradient crosses layers,
and the softmax head learns on the side (Hinton 2022, section 2).

Speed: one call runs several steps (a `tf.while_loop` over mini-batches already on the device),
so Python runs once per call instead of once per step. The compiled steps are made once per
shape in the process and reused by every later run of that shape (`ffviz.compiled_steps`): a
new run neither compiles again nor leaves a new graph behind.

`Trainer.run()` is a generator that yields a record after every step (per-layer loss and mean
goodness of positive and negative data), so a command line or a web page can draw training
live and pause or stop it between steps. A NaN or infinite loss stops training with
`TrainingDiverged` and puts back the last weights whose loss was seen to be finite: those
that the last applied step started from (its update has not been checked by a loss yet).
"""

import threading
import time
import weakref

import numpy as np
import tensorflow as tf

from ffviz.batches import MiniBatchPlan, learning_rate_factor, shift_images
from ffviz.compiled_steps import HEAD_LEARNING_RATE, STEP_CACHE
from ffviz.config import check_learning_rate, check_threshold
from ffviz.ff_step import train_one_step

STEPS_PER_CALL = 50  # Steps that `run()` fuses into one compiled call; Python overhead is paid once.
# XLA always, unless the caller says otherwise: it was faster on every device measured. XLA fuses
# the many small element-wise operations of the loss and of the Adam updates into a few kernels;
# on a 2-core CPU a 784-500-500 step (batch 100) took 5.1 ms with XLA and 9.1 ms without. The
# price is compiling once per shape, a few seconds. Convolutional networks are the exception: XLA's
# CPU convolutions were 17x slower than TensorFlow's own (a 2-layer conv net, 120 steps: 287 s vs 17 s).
JIT_COMPILE = True


def default_jit_compile(config):
    """Whether steps of `config`'s network are compiled with XLA when the caller does not say."""
    return JIT_COMPILE and not config.conv_layers


def warm_up_in_background(config):
    """Compile the training steps of `config`'s shape in a background thread, unless they wait idle.

    See `ffviz.compiled_steps.StepCache.warm_up_in_background`; returns the thread or None.
    """
    return STEP_CACHE.warm_up_in_background(config, default_jit_compile(config), train_one_step)


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the last weights whose loss was finite were put back."""


class Trainer(MiniBatchPlan):
    """Trains an `FFNetwork` on a dataset, one mini-batch step at a time.

    Follows `ffviz.trainer_protocol.SteppingTrainer`, with both optional capabilities: a live
    threshold and goodness measurements. The compiled steps and the optimizer state live in a
    `ffviz.compiled_steps.StepProgram` taken from the per-process cache on the first step (or by
    `prepare()`) and given back by `release()` (or when the trainer is garbage); after every call
    the trained weights are copied into `network`, which stays the run's model.

    Args:
        network: the `FFNetwork` to train; its config gives batch size, epochs and strategy.
        x_train, y_train: training images (N, 784) in [0, 1] and labels (N,).
        x_test, y_test: optional test set, evaluated at the end of every epoch.
        jit_compile: compile the steps with XLA; None means `default_jit_compile` (XLA unless convolutional).
        steps_per_call: steps that `run()` runs in one compiled call (`train_step()` is always
            one step). Records are the same either way.
    """

    supports_threshold = True
    supports_goodness_probe = True

    def __init__(
        self, network, x_train, y_train, x_test=None, y_test=None, jit_compile=None, steps_per_call=STEPS_PER_CALL
    ):
        self.network = network
        self.config = network.config
        super().__init__(x_train, y_train, x_test, y_test, self.config.batch_size, self.config.epochs, self.config.seed)
        self.base_learning_rate = self.config.learning_rate
        self._threshold = check_threshold(self.config.threshold)
        if not isinstance(steps_per_call, int) or steps_per_call < 1:
            raise ValueError(f"steps_per_call must be a positive integer. Received: steps_per_call={steps_per_call!r}")
        self.steps_per_call = steps_per_call
        self.jit_compile = default_jit_compile(self.config) if jit_compile is None else bool(jit_compile)
        self.program = None  # The `StepProgram` in use, from `prepare()` on.
        self.compile_seconds = 0.0  # Time `prepare()` spent compiling; 0 when a compiled program was reused.
        self._release = None  # Gives the program back when the trainer is garbage.
        self._program_lock = threading.Lock()
        # The last step's batch, wrong labels and starting weights, so `ffviz.explain` can show what one
        # update did. The program holds the last two; `release()` copies them here before giving it back.
        self.last_batch = None  # (images (batch, 784), labels (batch,)) as NumPy, set by each call.
        self._last_step_kept = None  # (wrong labels, weights before) from the program given back, or None.

    def prepare(self):
        """Take a compiled program for this shape (compiling one if none is idle) and load this run into it.

        Idempotent and thread-safe; the first step calls it. Returns the seconds spent compiling.
        """
        with self._program_lock:
            if self.program is not None:
                return 0.0
            program = STEP_CACHE.acquire(self.config, self.batch_size, self.jit_compile, train_one_step)
            compile_seconds = 0.0 if program.compiled else program.warm_up()
            program.load(self.network.get_weights(), self._threshold, self.config.seed)
            self.program = program
            self.compile_seconds = compile_seconds
            self._release = weakref.finalize(self, STEP_CACHE.release, program)
            return compile_seconds

    def release(self):
        """Copy the weights into `network` and give the compiled program back for the next run of its shape.

        The trainer may still train afterwards: its next step takes a program again, with the
        weights of `network` but fresh optimizer moments.
        """
        with self._program_lock:
            if self.program is None:
                return
            self.program.copy_weights_to(self.network)
            self._threshold = self.current_threshold()
            if self.last_batch is not None and self._last_step_kept is None:
                self._last_step_kept = (self.program.last_wrong_labels.numpy(), self.program.backup_weights())
            self.program = None
            self._release()  # Calls STEP_CACHE.release(program) once, and no more at garbage collection.

    @property
    def last_wrong_labels(self):
        """The wrong labels (batch,) of the last step as NumPy, or None before the first step."""
        if self.last_batch is None:
            return None
        program = self.program
        if self._last_step_kept is not None or program is None:
            return self._last_step_kept[0]
        return program.last_wrong_labels.numpy()

    def weights_before_last_step(self):
        """The weights (as `network.get_weights()`) that the last applied step started from, or None.

        After a diverged step they equal the network's own: its weights were put back.
        """
        if self.last_batch is None:
            return None
        program = self.program
        if self._last_step_kept is not None or program is None:
            return self._last_step_kept[1]
        return program.backup_weights()

    def set_threshold(self, threshold):
        """Change the threshold; it takes effect at the next step."""
        self._threshold = check_threshold(threshold)
        program = self.program
        if program is not None:
            program.threshold.assign(self._threshold)

    def set_learning_rate(self, learning_rate):
        """Change the base learning rate; the schedule scales it from the next step on."""
        self.base_learning_rate = check_learning_rate(learning_rate)

    def current_threshold(self):
        program = self.program
        return float(program.threshold.numpy()) if program is not None else float(self._threshold)

    def layer_goodness(self, images, labels):
        """Goodness of `images` under `labels`, per layer (layers, batch): for live histograms."""
        return self.network.layer_goodness(images, labels)

    def current_learning_rate(self):
        factor = learning_rate_factor(self.step, self.total_steps, self.config.lr_decay)
        return self.base_learning_rate * factor

    def _batches(self, steps):
        """Images (steps, batch, 784) and labels (steps, batch) of the next `steps` steps of this epoch."""
        indices = self.next_indices(steps)
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
        self.prepare()
        program = self.program
        self.reshuffle_at_epoch_start()
        steps = max(1, min(steps, self.steps_left_in_epoch()))
        images, labels = self._batches(steps)
        factors = [
            learning_rate_factor(self.step + offset, self.total_steps, self.config.lr_decay) for offset in range(steps)
        ]
        learning_rates = [self.base_learning_rate * factor for factor in factors]
        started = time.perf_counter()
        done, all_applied, losses, goodness_positive, goodness_negative, head_losses = program.train_steps(
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
        self.last_batch = (images[-1].numpy(), labels[-1].numpy())
        self._last_step_kept = None
        if not all_applied:
            program.restore_backup()
        program.copy_weights_to(self.network)
        applied = done if all_applied else done - 1
        threshold = self.current_threshold()
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
        """Test accuracy with the given read-out (on the first `limit` images), or None.

        Measured on the program's copy of the weights when there is one: its compiled inference
        is reused run after run, where a new network would trace its own.
        """
        if self.x_test is None or len(self.x_test) == 0:
            return None
        program = self.program
        network = program.network if program is not None else self.network
        readout = readout or self.config.readout
        return network.evaluate(self.x_test[:limit], self.y_test[:limit], readout)["accuracy"]

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
