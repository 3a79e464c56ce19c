"""Training in a background thread that a user interface polls: the interface half of a run.

A `TrainingRun` drives any `ffviz.trainer_protocol.SteppingTrainer` in a thread that never touches
the interface: it appends records under a lock. The interface polls `status()` (cheap) or
`snapshot()` (with the bounded history of `ffviz.run_history`) and calls the controls (`start`,
`prepare`, `pause`, `resume`, `stop`, `step_once`, `close`, `set_threshold`,
`set_learning_rate`, `set_delay`) from its own thread. The thread side is
`ffviz.run_worker.RunWorker`: it compiles before the clock starts and runs several steps per call.

States: "ready" (made), "compiling" (shown while the steps compile, before any clock runs),
"running", "paused", "stopped" (by `stop()` or because nobody watched), "finished" (planned
epochs done), "failed" (the loss diverged). `start()` from stopped, finished or failed continues
the same run from its weights; a new run starts over.

Threads: a run is driven by its owner's `ffviz.registry.Lane`, one thread per owner, which the
owner's next run reuses. A run ends by itself when its epochs are done, when the loss diverges,
when `stop()` is called, or when `keep_alive()` (a callable, e.g. "was the run's page seen in the
last 15 s?", `ffviz.registry`) returns False, so a closed tab leaves no thread behind.
"""

import threading

from ffviz.registry import lane_for
from ffviz.run_history import RunHistory
from ffviz.run_worker import (  # noqa: F401 (the states are part of this module's interface)
    COMPILING,
    FAILED,
    FINISHED,
    PAUSED,
    QUICK_EVAL_IMAGES,
    READY,
    RUNNING,
    STOPPED,
    RunWorker,
)
from ffviz.train import Trainer
from ffviz.trainer_protocol import check_trainer

MAX_EVENTS = 1000  # Setting changes kept for the charts' markers.
CLOSED_TAB_MESSAGE = "Stopped: the page that started this run was closed."


class TrainingRun(RunWorker):
    """One training run of one network, driven from another thread.

    Args:
        network: the `FFNetwork` to train (its weights follow training), or None with a `trainer`
            that has no such network.
        x_train, y_train, x_test, y_test: the data, as for `Trainer`.
        keep_alive: optional callable; when it returns False the run stops.
        trainer: optional `SteppingTrainer` to drive instead of a new `Trainer` (for example
            `ffviz.backprop.BackpropTrainer`, for the side-by-side comparison).
        eval_every: also measure the quick accuracy every this many steps (besides every
            `QUICK_EVAL_INTERVAL` seconds).
        owner: runs of the same owner (a string) share one thread; None gives the run its own.
    """

    def __init__(
        self,
        network,
        x_train,
        y_train,
        x_test=None,
        y_test=None,
        keep_alive=None,
        trainer=None,
        eval_every=None,
        owner=None,
    ):
        self.trainer = check_trainer(trainer or Trainer(network, x_train, y_train, x_test, y_test))
        self.network = network
        self.keep_alive = keep_alive
        self.unwatched_message = CLOSED_TAB_MESSAGE
        self.eval_every = eval_every
        self.goodness_samples = None  # Latest goodness of the probe images, for histograms.
        self._probe = self._make_probe(x_train, y_train) if self.trainer.supports_goodness_probe else None
        self.state = READY  # What the user asked for; `status()` says "compiling" while that runs first.
        self.message = ""  # Why the run stopped or failed, for the user.
        self._history = RunHistory()
        self.events = []  # Setting changes: {"step", "setting", "value"}.
        self.test_accuracy = []  # (epoch, accuracy) at every epoch end.
        self.quick_accuracy = []  # {"step", "epoch", "seconds", "elapsed", "accuracy"} on the held-out slice.
        self.delay = 0.0  # Seconds to wait after each step: the speed control.
        self.prepared = False
        self.compiling = False
        self.compile_seconds = 0.0
        self.steps_per_call = 1  # Adapted to the measured step time.
        self._step_time = None  # Seconds per step, smoothed, wall time of whole calls.
        self._pending_steps = 0  # Single steps asked for while paused.
        self._prepare_requested = False
        self._group = None  # The runs whose clocks start together with this one's.
        self._closed = False
        self._queued = False
        self._driving = False
        self._in_call = False  # The thread is inside a compiled call.
        self._condition = threading.Condition()
        self._lane = lane_for(owner)
        self._clock_started = None  # perf_counter() when the running clock last started.
        self._elapsed = 0.0  # Running seconds before that.
        self._clock_steps = 0  # Steps made while the clock ran.
        self._last_probe = self._last_quick_eval = 0.0

    def __repr__(self):
        return f"TrainingRun(state={self.state}, step={self.trainer.step}, network={self.network})"

    # Controls, called from the interface thread.

    def start(self):
        """Train: compile first if needed, else go on. After stop, finish or failure: continue this run.

        A finished run gets `config.epochs` more epochs. Starting over is a new run.
        """
        with self._condition:
            self._check_open()
            if self.state == RUNNING:
                return
            if self.trainer.finished:
                self.trainer.extend(self.trainer.config.epochs)
            self.state = RUNNING
            self.message = ""
            self._condition.notify_all()
        self._submit()

    def prepare(self):
        """Compile in the background without training; `wait_prepared()` or `prepared` tell when done."""
        with self._condition:
            self._check_open()
            self._prepare_requested = True
        self._submit()

    def wait_prepared(self, timeout=None):
        """Block until compiled (True) or `timeout` seconds passed, or the run ended (False)."""
        with self._condition:
            return self._condition.wait_for(lambda: self.prepared or (not self._driving and not self._queued), timeout)

    def pause(self):
        with self._condition:
            if self.state == RUNNING:
                self.state = PAUSED
                self._stop_clock()
                self._condition.notify_all()

    def resume(self):
        with self._condition:
            if self.state == PAUSED:
                self.state = RUNNING
                self._condition.notify_all()
        self._submit()

    def step_once(self):
        """Advance exactly one mini-batch, then stay paused."""
        with self._condition:
            self._check_open()
            if self.state == RUNNING or self.state == FAILED:
                return
            if self.trainer.finished:
                self.trainer.extend(1)
            self.state = PAUSED
            self._pending_steps += 1
            self._condition.notify_all()
        self._submit()

    def stop(self, wait=True, message="Stopped."):
        """Stop after the call in progress (state "stopped" at once); the weights trained so far stay."""
        with self._condition:
            if self.state in (READY, RUNNING, PAUSED):
                self.state = STOPPED
                self.message = message
                self._stop_clock()
            self._pending_steps = 0
            self._condition.notify_all()
        if wait:
            self.join()

    def close(self):
        """Stop for good and give the compiled steps back for the next run of the same shape."""
        with self._condition:
            self._closed = True
        self.stop(wait=False)
        with self._condition:
            release_now = not self._driving
        if release_now:
            self._release_trainer()

    def join(self, timeout=30.0):
        """Wait until no thread works on this run (at most `timeout` seconds)."""
        with self._condition:
            self._condition.wait_for(lambda: not self._driving and not self._queued, timeout)

    def wait_between_calls(self, timeout=5.0):
        """Block until no compiled call is in flight (True) or `timeout` seconds passed (False).

        After `pause()` or `stop()` the call in progress still ends; wait for it before reading the
        trainer's weights and last batch (`ffviz.explain.last_update`), or they may not match.
        """
        with self._condition:
            return self._condition.wait_for(lambda: not self._in_call, timeout)

    @property
    def alive(self):
        """Whether a thread works on this run or is about to."""
        return self._driving or self._queued

    @property
    def history(self):
        """The kept records, oldest first (see `ffviz.run_history`)."""
        with self._condition:
            return self._history.records()

    def set_threshold(self, threshold):
        """Move the threshold from the next step on; the network's saved config follows."""
        if not self.trainer.supports_threshold:
            raise ValueError(
                f"{type(self.trainer).__name__} has no goodness threshold. Received: threshold={threshold!r}"
            )
        self.trainer.set_threshold(threshold)
        self._sync_config(threshold=float(threshold))
        self._record_event("threshold", float(threshold))

    def set_learning_rate(self, learning_rate):
        """Change the base learning rate from the next step on; the saved config follows."""
        self.trainer.set_learning_rate(learning_rate)
        self._sync_config(learning_rate=float(learning_rate))
        self._record_event("learning_rate", float(learning_rate))

    def _sync_config(self, **changes):
        """Keep `network.config` equal to the settings in force, so a saved model tells the truth."""
        if self.network is not None:
            self.network.config = self.network.config.replace(**changes)

    def set_delay(self, seconds):
        if not 0 <= seconds <= 10:
            raise ValueError(f"delay must be between 0 and 10 seconds. Received: {seconds}")
        self.delay = float(seconds)
        with self._condition:
            self._condition.notify_all()

    def _record_event(self, setting, value):
        with self._condition:
            self.events.append({"step": self.trainer.step, "setting": setting, "value": value})
            del self.events[:-MAX_EVENTS]

    def _check_open(self):
        if self._closed:
            raise ValueError("This run was closed (reset); make a new run to train again.")

    # What the interface reads.

    def status(self):
        """The run's state and counters without its history: cheap enough to poll often."""
        with self._condition:
            steps = self.trainer.step
            elapsed = self._elapsed_now()
            return {
                "state": self._shown_state(),
                "message": self.message,
                "step": steps,
                "epoch": steps / self.trainer.steps_per_epoch,
                "steps_per_epoch": self.trainer.steps_per_epoch,
                "total_epochs": self.trainer.total_epochs,
                "total_steps": self.trainer.total_steps,
                "elapsed": elapsed,
                "steps_per_second": self._clock_steps / elapsed if elapsed > 0 else 0.0,
                "prepared": self.prepared,
            }

    def snapshot(self):
        """A consistent copy of the run's progress, safe to read while the thread trains."""
        with self._condition:
            status = self.status()
            steps = status["step"]
            return {
                **status,
                "goodness_samples": self.goodness_samples,
                "history": self._history.records(),
                "history_thinned": self._history.thinned,
                "history_total": self._history.total,
                "events": list(self.events),
                "test_accuracy": list(self.test_accuracy),
                "quick_accuracy": list(self.quick_accuracy),
                "step_seconds": self.trainer.seconds / steps if steps else 0.0,
                "steps_per_call": self.steps_per_call,
                "compile_seconds": self.compile_seconds,
                "threshold": self.trainer.current_threshold() if self.trainer.supports_threshold else None,
                "learning_rate": self.trainer.base_learning_rate,
            }


def start_together(runs):
    """Start every run; each compiles in its own thread and all clocks start once all are compiled.

    For a fair race (the FF vs backprop page): neither run's time budget pays for compiling.
    """
    runs = list(runs)
    for run in runs:
        run._group = runs
    for run in runs:
        run.start()
