"""Two Forward-Forward variants trained side by side: same seed, same data order, same time budget.

Which FF choices matter (loss, goodness, negatives, read-out, layer sizes)? A fair answer
trains both variants at the same time on the same images in the same order from the same
seed, and gives each the same wall-clock budget counted from when both are compiled: XLA
compiles each network's step once, for seconds, and that must not count against either.

`VariantRace` holds the two `ffviz.runner.TrainingRun`s. `start()` returns at once and hands
both to `ffviz.runner.start_together`: each compiles in its own thread (`Trainer.prepare()`), and
both clocks start once both are compiled. Each run stops when its own clock passes the budget.
`outcome()` measures both on the test set once they have stopped and says who won, by how much,
in words.

Reproducible: the seed fixes the initial weights, the shuffling, the jitter and the wrong
labels, and the compiled steps are deterministic on the CPU (XLA's matrix products split
their work the same way every time), so "run again" with the same settings trains the same
losses step by step (`tests/unit/test_variants.py` checks it). Only the number of steps that
fit in the budget may differ, since the clock is real time.
"""

import numpy as np

from ffviz.config import RACE_EPOCHS
from ffviz.network import FFNetwork
from ffviz.runner import COMPILING, FAILED, READY, RUNNING, STOPPED, TrainingRun, start_together

EVAL_EVERY = 50  # Steps between quick accuracy checks on 1,000 test images: the live accuracy curve.
BUDGET_MESSAGE = "Stopped: the time budget is spent."
CLOSED_TAB_MESSAGE = "Stopped: the page that started this race was closed."


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
        configs = {name: config.replace(epochs=RACE_EPOCHS) for name, config in configs.items()}
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
        self._started = False
        self._outcome = None

    def __repr__(self):
        return f"VariantRace(state={self.state}, budget={self.budget:g} s)"

    def _keep_alive(self, name):
        def keep_alive():
            run = self.runs[name]
            if self._outside_keep_alive is not None and not self._outside_keep_alive():
                run.unwatched_message = CLOSED_TAB_MESSAGE
                return False
            if run.status()["elapsed"] >= self.budget:
                run.unwatched_message = BUDGET_MESSAGE
                return False
            return True

        return keep_alive

    def start(self):
        """Compile both variants in their threads, then start both clocks together; returns at once."""
        if self._started:
            return
        self._started = True
        start_together(self.runs.values())

    @property
    def state(self):
        """READY before `start()`; then COMPILING until both are compiled, RUNNING, and STOPPED or FAILED."""
        if not self._started:
            return READY
        runs = self.runs.values()
        if any(run.state == FAILED for run in runs):
            return FAILED
        if any(run.state == RUNNING for run in runs):
            return RUNNING if all(run.prepared for run in runs) else COMPILING
        return STOPPED

    @property
    def message(self):
        """Why a variant failed (compiling or a diverged loss), or ""."""
        return " ".join(f"{name}: {run.message}" for name, run in self.runs.items() if run.state == FAILED)

    def enforce_budget(self):
        """Stop each run whose clock has passed the budget (the keep-alive check may be two seconds late).

        A variant that failed stops the other, which would otherwise wait for its compiled partner forever.
        """
        failed = any(run.state == FAILED for run in self.runs.values())
        for run in self.runs.values():
            if run.state == RUNNING and (failed or run.status()["elapsed"] >= self.budget):
                run.stop(wait=False, message=BUDGET_MESSAGE if not failed else "Stopped: the other variant failed.")

    def stop(self):
        """Stop both and give their compiled steps back; their weights and histories stay for the outcome."""
        for run in self.runs.values():
            run.close()

    def join(self, timeout=60.0):
        for run in self.runs.values():
            run.join(timeout)

    @property
    def running(self):
        """Compiling, either variant still training, or a thread still ending its last call after a stop."""
        return any(run.state == RUNNING or run.alive for run in self.runs.values())

    @property
    def done(self):
        """Started, and both stopped with no thread still in a call (so their weights hold still)."""
        return self._started and not self.running

    def outcome(self):
        """Test accuracy of both once they stopped, and the winner's lead in words; None while running."""
        if not self.done or self.state == FAILED:
            return None
        if self._outcome is None:
            accuracies = {name: run.trainer.evaluate() for name, run in self.runs.items()}
            seconds = max(run.status()["elapsed"] for run in self.runs.values())
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
