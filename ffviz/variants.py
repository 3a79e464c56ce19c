"""Two Forward-Forward variants trained side by side: same seed, same data order, same time budget.

Which FF choices matter (loss, goodness, negatives, read-out, layer sizes)? A fair answer
trains both variants at the same time on the same images in the same order from the same
seed, and gives each the same wall-clock budget counted from when both are compiled: XLA
compiles each network's step once, for seconds, and that must not count against either.

`VariantRace` holds the two `ffviz.runner.TrainingRun`s. `start()` returns at once; a thread
compiles both steps (`warm_up`), then starts both runs together, so their clocks start
together. Each run stops when its own clock passes the budget. `outcome()` measures both on
the test set once they have stopped and says who won, by how much, in words.

Reproducible: the seed fixes the initial weights, the shuffling, the jitter and the wrong
labels, and the compiled steps are deterministic on the CPU (XLA's matrix products split
their work the same way every time), so "run again" with the same settings trains the same
losses step by step (`tests/unit/test_variants.py` checks it). Only the number of steps that
fit in the budget may differ, since the clock is real time.
"""

import threading

import numpy as np
import tensorflow as tf

from ffviz.network import FFNetwork
from ffviz.runner import FAILED, READY, RUNNING, TrainingRun

EVAL_EVERY = 50  # Steps between quick accuracy checks on 1,000 test images: the live accuracy curve.
MAX_EPOCHS = 100  # Enough that the time budget, not the epoch count, ends a run.
COMPILING = "compiling"


def warm_up(trainer):
    """Compile the trainer's step without training: one call with learning rate 0, then every state put back.

    The call runs on the first batch of the current order, un-jittered, so it uses no random
    numbers of the data order; the weights cannot move at learning rate 0, and the optimizers'
    moments and step counts and the wrong-label generator are put back as they were. The next
    `train_step()` finds the compiled step ready and trains exactly as without the warm-up.
    """
    optimizers = [*trainer.optimizers, trainer.head_optimizer]
    saved_optimizers = [[variable.numpy() for variable in optimizer.variables] for optimizer in optimizers]
    saved_generator = trainer.generator.state.numpy()
    saved_weights = trainer.network.get_weights()
    first = trainer.order[: trainer.batch_size]
    images = tf.constant(trainer.x_train[first].reshape(1, trainer.batch_size, -1))
    labels = tf.constant(trainer.y_train[first].reshape(1, trainer.batch_size))
    no_step = tf.zeros((1,), tf.float32)
    trainer._compiled_steps(images, labels, no_step, no_step)  # The only way to compile without training.
    for optimizer, values in zip(optimizers, saved_optimizers):
        for variable, value in zip(optimizer.variables, values):
            variable.assign(value)
    trainer.generator.state.assign(saved_generator)
    trainer.network.set_weights(saved_weights)


def check_same_seed(configs):
    """Both variants must share the seed, batch size and jitter, or their data order differs."""
    first, second = configs
    for name in ("seed", "batch_size", "jitter"):
        if getattr(first, name) != getattr(second, name):
            raise ValueError(
                f"Both variants need the same {name} for the same data order. "
                f"Received: {name}={getattr(first, name)!r} and {getattr(second, name)!r}"
            )


class VariantRace:
    """Two FF variants, "A" and "B", trained at once for `budget` seconds each.

    Args:
        configs: {"A": FFConfig, "B": FFConfig}; seed, batch size and jitter must agree.
        x_train, y_train, x_test, y_test: the data both train and are tested on.
        budget: wall-clock seconds of training per variant, counted after compiling.
        keep_alive: optional callable; when it returns False both runs stop (a closed tab).
    """

    def __init__(self, configs, x_train, y_train, x_test, y_test, budget, keep_alive=None):
        if tuple(configs) != ("A", "B"):
            raise ValueError(f"configs must name variants A and B. Received: {tuple(configs)}")
        configs = {name: config.replace(epochs=MAX_EPOCHS) for name, config in configs.items()}
        check_same_seed(tuple(configs.values()))
        if not budget > 0:
            raise ValueError(f"budget must be a positive number of seconds. Received: budget={budget!r}")
        self.configs = configs
        self.budget = float(budget)
        self.x_test, self.y_test = x_test, y_test
        self._outside_keep_alive = keep_alive
        self.runs = {
            name: TrainingRun(
                FFNetwork(config),
                x_train,
                y_train,
                x_test,
                y_test,
                keep_alive=self._keep_alive(name),
                eval_every=EVAL_EVERY,
            )
            for name, config in configs.items()
        }
        self.state = READY
        self.message = ""
        self._outcome = None
        self._thread = None

    def __repr__(self):
        return f"VariantRace(state={self.state}, budget={self.budget:g} s)"

    def _keep_alive(self, name):
        def keep_alive():
            if self._outside_keep_alive is not None and not self._outside_keep_alive():
                return False
            return self.runs[name].snapshot()["elapsed"] < self.budget

        return keep_alive

    def start(self):
        """Compile both variants in a background thread, then start both clocks together."""
        if self._thread is not None:
            return
        self.state = COMPILING
        self._thread = threading.Thread(target=self._compile_then_start, name="ffviz-variants", daemon=True)
        self._thread.start()

    def _compile_then_start(self):
        try:
            for run in self.runs.values():
                warm_up(run.trainer)
        except Exception as error:  # A message on the page, not a dead thread.
            self.state, self.message = FAILED, f"Compiling failed: {type(error).__name__}: {error}"
            return
        if self.state != COMPILING:  # Stopped while compiling.
            return
        self.state = RUNNING
        for run in self.runs.values():
            run.start()

    def enforce_budget(self):
        """Stop each run whose clock has passed the budget (the keep-alive check may be two seconds late)."""
        for run in self.runs.values():
            if run.state == RUNNING and run.snapshot()["elapsed"] >= self.budget:
                run.stop(wait=False)

    def stop(self):
        if self.state == COMPILING:
            self.state = READY
        for run in self.runs.values():
            run.stop(wait=False)

    def join(self, timeout=60.0):
        if self._thread is not None:
            self._thread.join(timeout)
        for run in self.runs.values():
            run.join(timeout)

    @property
    def running(self):
        """Compiling, or either variant still training."""
        return self.state == COMPILING or any(run.state == RUNNING for run in self.runs.values())

    @property
    def done(self):
        return self.state not in (READY, COMPILING) and not self.running

    def outcome(self):
        """Test accuracy of both once they stopped, and the winner's lead in words; None while running."""
        if not self.done or self.state == FAILED:
            return None
        if self._outcome is None:
            accuracies = {name: run.trainer.evaluate() for name, run in self.runs.items()}
            seconds = max(run.snapshot()["elapsed"] for run in self.runs.values())
            self._outcome = {
                "accuracy": accuracies,
                "steps": {name: run.trainer.step for name, run in self.runs.items()},
                "sentence": lead_sentence(accuracies, min(seconds, self.budget)),
            }
        return self._outcome


def lead_sentence(accuracies, seconds):
    """E.g. "B reached 94.1% vs 91.3%, 2.8 points ahead after 30 s." from {"A": 0.913, "B": 0.941}."""
    if any(value is None or not np.isfinite(value) for value in accuracies.values()):
        return f"No test accuracy to compare after {seconds:.0f} s."
    (first, first_accuracy), (second, second_accuracy) = sorted(accuracies.items(), key=lambda item: -item[1])
    lead = 100 * (first_accuracy - second_accuracy)
    if round(lead, 1) == 0:
        return f"{first} and {second} tied at {100 * first_accuracy:.1f}% after {seconds:.0f} s."
    return (
        f"{first} reached {100 * first_accuracy:.1f}% vs {100 * second_accuracy:.1f}%, "
        f"{lead:.1f} points ahead after {seconds:.0f} s."
    )
