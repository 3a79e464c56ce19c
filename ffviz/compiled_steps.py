"""Compiled Forward-Forward training steps, made once per shape and reused by every run of that shape.

A `tf.function` is never freed by TensorFlow in practice (its graphs and XLA executables stay in
the runtime), so a trainer that made its own for every run grew the server by ~22 MB per run with
XLA (issue 14). Here the compiled steps live in a `StepProgram` that owns its variables: a private
`FFNetwork` of the run's shape, one Adam optimizer per layer and one for the head, the backup of
the last finite weights, the threshold and the random generator of the negatives. A run takes a
program from `STEP_CACHE` (or has one made), loads its own starting weights, seed and threshold
into it (`StepProgram.load`), trains, and gives it back; the next run of the same shape finds it
compiled, so its first step follows at once and nothing new is traced.

The shape is everything the traced graph depends on (`step_key`): layer sizes, batch size, input
length, goodness (a sum's threshold is scaled by the layer's width), loss and its sharpness (and
SymBa's alpha), the negatives' strategy, the read-out layers of the head and XLA. Learning rates
and data are arguments; the threshold is a variable.

Speed: one call runs any number of steps (a `tf.while_loop` in an ordinary graph) and each step is
one XLA-compiled function of fixed shapes, so XLA compiles once per shape whatever the number of
steps per call: a runner can change that number freely to stay responsive.
"""

import collections
import threading
import time

import keras
import tensorflow as tf
from keras import ops

from ffviz.config import IMAGE_PIXELS
from ffviz.network import FFNetwork

HEAD_LEARNING_RATE = 0.01  # Adam step for the softmax head (a convex problem); it follows the same schedule.
MAX_IDLE_PROGRAMS = 4  # Compiled programs kept for later runs when no run uses them; older ones are dropped.


def step_key(config, batch_size, jit_compile):
    """What a compiled training step depends on: two runs with the same key share one program."""
    return (
        tuple(config.layer_sizes),
        tuple(config.conv_layers),
        int(batch_size),
        config.input_length,
        config.goodness,
        config.loss,
        float(config.sharpness),
        float(config.symba_alpha) if config.loss == "symba" else None,  # A constant of the symba loss's graph.
        config.negatives,
        tuple(config.used_layers()),
        bool(jit_compile),
    )


def same_shape(config, other):
    """Whether two configs' runs can share one compiled program (learning rate, threshold, epochs aside)."""
    return step_key(config, config.batch_size, False) == step_key(other, other.batch_size, False)


def make_optimizer(learning_rate):
    """One optimizer per layer, so no layer's moment estimates mix with another's."""
    return keras.optimizers.Adam(learning_rate=learning_rate)


class StepProgram:
    """The variables of one training run and its compiled steps; reused run after run.

    Args:
        config: an `FFConfig` of the shape (its weights, threshold and seed are replaced by `load`).
        batch_size: images per step.
        jit_compile: compile each step with XLA.
        one_step: `function(program, images, labels, learning_rate, head_learning_rate)` ->
            (applied, [losses, goodness_positive, goodness_negative] per layer, head loss): one step
            on this program's variables (`ffviz.ff_step.train_one_step`).
    """

    def __init__(self, config, batch_size, jit_compile, one_step):
        self.key = step_key(config, batch_size, jit_compile)
        self.batch_size = batch_size
        self.network = FFNetwork(config)
        self.threshold = tf.Variable(float(config.threshold), trainable=False, dtype="float32")
        self.optimizers = [make_optimizer(config.learning_rate) for _ in self.network.layers]
        for optimizer, layer in zip(self.optimizers, self.network.layers):
            optimizer.build(layer.ff_variables())
        self.head_optimizer = make_optimizer(HEAD_LEARNING_RATE)
        self.head_optimizer.build([self.network.head.kernel, self.network.head.bias])
        self.backup = [tf.Variable(variable, trainable=False) for variable in self.network.variables()]
        self.generator = tf.random.Generator.from_seed(config.seed)
        self.last_wrong_labels = tf.Variable(tf.zeros((batch_size,), tf.int32), trainable=False)  # For explain.
        self.compiled = False
        self._one_step = tf.function(lambda *args: one_step(self, *args), jit_compile=jit_compile)
        signature = [
            tf.TensorSpec((None, batch_size, None), tf.float32),  # images (steps, batch, pixels)
            tf.TensorSpec((None, batch_size), tf.int32),  # labels (steps, batch)
            tf.TensorSpec((None,), tf.float32),  # layers' learning rate per step (steps,)
            tf.TensorSpec((None,), tf.float32),  # head's learning rate per step (steps,)
        ]
        self.train_steps = tf.function(self._train_steps, input_signature=signature)

    def __repr__(self):
        return f"StepProgram(key={self.key}, compiled={self.compiled})"

    def tracing_count(self):
        """Times the steps were traced (the call loop and the step): stays put while the program is reused."""
        return self.train_steps.experimental_get_tracing_count() + self._one_step.experimental_get_tracing_count()

    def _train_steps(self, images, labels, learning_rates, head_learning_rates):
        """Several steps in one call, stopping at the first non-finite loss.

        Returns:
            Steps run (the last one not applied if `all_applied` is False), `all_applied`, and per
            step: losses, positive and negative goodness (steps, layers), head loss (steps,).
        """
        steps = tf.shape(images)[0]
        tables = [tf.TensorArray(tf.float32, size=steps) for _ in range(4)]

        def condition(index, all_applied, *tables):
            return tf.logical_and(index < steps, all_applied)

        def body(index, all_applied, *tables):
            applied, record, head_loss = self._one_step(
                images[index], labels[index], learning_rates[index], head_learning_rates[index]
            )
            written = [table.write(index, row) for table, row in zip(tables, (*record, head_loss))]
            return (index + 1, applied, *written)

        index, all_applied, *tables = tf.while_loop(condition, body, [tf.constant(0), tf.constant(True), *tables])
        layers = len(self.network.layers)
        stacked = [
            tf.reshape(table.stack(), (-1, layers)) if number < 3 else tf.reshape(table.stack(), (-1,))
            for number, table in enumerate(tables)
        ]
        return index, all_applied, *stacked

    def warm_up(self):
        """Trace and compile the steps with one step on blank images; the variables are garbage after it.

        Call `load` afterwards: it resets every variable. Returns the seconds it took.
        """
        started = time.perf_counter()
        pixels = IMAGE_PIXELS
        self.train_steps(
            tf.zeros((1, self.batch_size, pixels)),
            tf.zeros((1, self.batch_size), tf.int32),
            tf.zeros((1,)),
            tf.zeros((1,)),
        )
        self.compiled = True
        return time.perf_counter() - started

    def load(self, weights, threshold, seed):
        """Make the program a fresh run's: its weights, zero optimizer moments, the seed's random state."""
        for variable, value in zip(self.network.variables(), weights):
            variable.assign(value)
        for keep, variable in zip(self.backup, self.network.variables()):
            keep.assign(variable.value)
        for optimizer in (*self.optimizers, self.head_optimizer):
            for variable in optimizer.variables:
                variable.assign(ops.zeros(variable.shape, variable.dtype))
        self.threshold.assign(float(threshold))
        self.generator.reset_from_seed(seed)
        self.last_wrong_labels.assign(tf.zeros_like(self.last_wrong_labels))

    def restore_backup(self):
        """Put back the last weights whose loss was seen to be finite."""
        for variable, keep in zip(self.network.variables(), self.backup):
            variable.assign(keep)

    def backup_weights(self):
        """The backup as NumPy arrays: the weights that the last applied step started from."""
        return [variable.numpy() for variable in self.backup]

    def copy_weights_to(self, network):
        """Write this program's weights into `network` (same shapes), variable to variable."""
        for target, source in zip(network.variables(), self.network.variables()):
            target.assign(source.value)


class StepCache:
    """Compiled programs by shape: programs in use belong to one run each; idle ones wait for the next run.

    Thread-safe. At most `max_idle` idle programs are kept (the least recently used go first);
    programs in use are never dropped, and their number is bounded by the runs that exist.
    """

    def __init__(self, max_idle=MAX_IDLE_PROGRAMS):
        self.max_idle = max_idle
        self._lock = threading.Condition()
        self._idle = collections.OrderedDict()  # id(program) -> program, least recently used first.
        self._warming = set()  # Keys being compiled by `warm_up_in_background` right now.
        self.created = 0
        self.reused = 0

    def acquire(self, config, batch_size, jit_compile, one_step):
        """An idle program of this shape, else a new one (not yet compiled).

        While a background warm-up compiles this shape, waits for it and takes its program.
        """
        key = step_key(config, batch_size, jit_compile)
        with self._lock:
            self._lock.wait_for(lambda: key not in self._warming)
            for identity, program in reversed(self._idle.items()):
                if program.key == key:
                    del self._idle[identity]
                    self.reused += 1
                    return program
            self.created += 1
        return StepProgram(config, batch_size, jit_compile, one_step)

    def release(self, program):
        """Give a program back for the next run of its shape."""
        with self._lock:
            self._idle[id(program)] = program
            while len(self._idle) > self.max_idle:
                self._idle.popitem(last=False)

    def warm_up_in_background(self, config, jit_compile, one_step):
        """Compile the steps of `config`'s shape in a background thread, unless one is idle or compiling.

        A page calls this before anyone presses Play, so the first run of a common shape finds
        its program compiled and its first step follows at once; a run that starts meanwhile
        waits for this compile instead of making a second one. Meant for a bounded set of
        shapes (the app passes presets only); the program joins the idle ones, so it is bounded
        as they are. Returns the thread, or None when a program of this shape is idle or compiling.
        """
        key = step_key(config, config.batch_size, jit_compile)
        with self._lock:
            if key in self._warming or any(program.key == key for program in self._idle.values()):
                return None
            self._warming.add(key)
            self.created += 1
        thread = threading.Thread(
            target=self._warm_up, args=(key, config, jit_compile, one_step), name="ffviz-warm-up", daemon=True
        )
        thread.start()
        return thread

    def _warm_up(self, key, config, jit_compile, one_step):
        program = None
        try:
            program = StepProgram(config, config.batch_size, jit_compile, one_step)
            program.warm_up()
        finally:
            if program is not None and program.compiled:
                self.release(program)
            with self._lock:
                self._warming.discard(key)
                self._lock.notify_all()

    def idle_count(self):
        with self._lock:
            return len(self._idle)

    def clear(self):
        with self._lock:
            self._idle.clear()


STEP_CACHE = StepCache()
