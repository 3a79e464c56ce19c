"""Training in a background thread that a user interface polls.

The thread runs `train_step()` of any `ffviz.trainer_protocol.SteppingTrainer` in a loop and
never touches the interface: it only appends records to a list under a lock. The interface
calls `snapshot()` as often as it likes (a Streamlit fragment twice a second) and the control
methods (`pause`, `resume`, `stop`, `step_once`, `set_threshold`, `set_learning_rate`,
`set_delay`) from its own thread.

A run ends by itself when the planned epochs are done, when the loss diverges, when `stop()`
is called, or when `keep_alive()` (a callable from the interface, e.g. "is the browser tab
still connected?") returns False, so a closed tab leaves no thread behind.
"""

import threading
import time

import numpy as np

from ffviz.config import NUM_CLASSES
from ffviz.train import Trainer, TrainingDiverged
from ffviz.trainer_protocol import check_trainer

KEEP_ALIVE_INTERVAL = 2.0  # Seconds between keep_alive() checks.
PROBE_IMAGES = 500  # Training images whose goodness is measured for the histograms.
PROBE_INTERVAL = 0.5  # Seconds between goodness measurements: about one per page refresh.
QUICK_EVAL_IMAGES = 1000  # Test images for the frequent accuracy checks of `eval_every`.

READY, RUNNING, PAUSED, STOPPED, FINISHED, FAILED = "ready", "running", "paused", "stopped", "finished", "failed"


class TrainingRun:
    """One training run of one network, driven from another thread.

    Args:
        network: the `FFNetwork` to train (it is changed in place), or None with a `trainer`
            that has no such network.
        x_train, y_train, x_test, y_test: the data, as for `Trainer`.
        keep_alive: optional callable; when it returns False the run stops.
        trainer: optional `SteppingTrainer` to drive instead of a new `Trainer` (for example
            `ffviz.backprop.BackpropTrainer`, for the side-by-side comparison).
        eval_every: also measure accuracy on the first 1,000 test images every this many
            steps ("quick_accuracy" in the record), for a live accuracy curve.
    """

    def __init__(
        self, network, x_train, y_train, x_test=None, y_test=None, keep_alive=None, trainer=None, eval_every=None
    ):
        self.trainer = check_trainer(trainer or Trainer(network, x_train, y_train, x_test, y_test))
        self.network = network
        self.keep_alive = keep_alive
        self.eval_every = eval_every
        self.goodness_samples = None  # Latest goodness of the probe images, for histograms.
        self._probe = self._make_probe(x_train, y_train) if self.trainer.supports_goodness_probe else None
        self._last_probe = 0.0
        self.state = READY
        self.message = ""  # Why the run stopped or failed, for the user.
        self.history = []  # One record per step, see `Trainer.train_step`.
        self.events = []  # Setting changes: {"step", "setting", "value"}.
        self.delay = 0.0  # Seconds to wait after each step: the speed control.
        self._pending_steps = 0  # Single steps asked for while paused.
        self._stop_requested = False
        self._condition = threading.Condition()
        self._thread = None
        self._started_at = None
        self._elapsed = 0.0

    def __repr__(self):
        return f"TrainingRun(state={self.state}, step={self.trainer.step}, network={self.network})"

    # Controls, called from the interface thread.

    def start(self):
        """Start or continue training; a second call while it runs does nothing."""
        with self._condition:
            if self.state == RUNNING:
                return
            if self.state in (STOPPED, FINISHED) and self.trainer.finished:
                self.trainer.extend(self.trainer.config.epochs)
            self.state = RUNNING
            self.message = ""
            self._condition.notify_all()
        self._ensure_thread()

    def pause(self):
        with self._condition:
            if self.state == RUNNING:
                self.state = PAUSED
                self._condition.notify_all()

    def resume(self):
        with self._condition:
            if self.state == PAUSED:
                self.state = RUNNING
                self._condition.notify_all()

    def step_once(self):
        """Advance exactly one mini-batch, then stay paused."""
        with self._condition:
            if self.state == RUNNING or self.state == FAILED:
                return
            if self.trainer.finished:
                self.trainer.extend(1)
            self.state = PAUSED
            self._pending_steps += 1
            self._condition.notify_all()
        self._ensure_thread()

    def stop(self, wait=True):
        """Stop after the step in progress; the weights trained so far stay."""
        with self._condition:
            self._stop_requested = True
            self._condition.notify_all()
        if wait:
            self.join()

    def join(self, timeout=30.0):
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def alive(self):
        return self._thread is not None and self._thread.is_alive()

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

    def _record_event(self, setting, value):
        with self._condition:
            self.events.append({"step": self.trainer.step, "setting": setting, "value": value})

    # What the interface reads.

    def status(self):
        """The run's state and counters without its history: cheap enough to poll often."""
        with self._condition:
            steps = self.trainer.step
            return {
                "state": self.state,
                "message": self.message,
                "step": steps,
                "epoch": steps / self.trainer.steps_per_epoch,
                "steps_per_epoch": self.trainer.steps_per_epoch,
                "total_epochs": self.trainer.total_epochs,
                "total_steps": self.trainer.total_steps,
            }

    def snapshot(self):
        """A consistent copy of the run's progress, safe to read while the thread trains."""
        with self._condition:
            history = list(self.history)
            elapsed = self._elapsed + (time.perf_counter() - self._started_at if self._started_at else 0.0)
            steps = self.trainer.step
            seconds = self.trainer.seconds
            return {
                "goodness_samples": self.goodness_samples,
                "state": self.state,
                "message": self.message,
                "history": history,
                "events": list(self.events),
                "step": steps,
                "epoch": steps / self.trainer.steps_per_epoch,
                "total_steps": self.trainer.total_steps,
                "steps_per_second": steps / seconds if seconds > 0 else 0.0,
                "elapsed": elapsed,
                "test_accuracy": [
                    (record["epoch"], record["test_accuracy"])
                    for record in history
                    if record.get("test_accuracy") is not None
                ],
                "threshold": self.trainer.current_threshold() if self.trainer.supports_threshold else None,
                "learning_rate": self.trainer.base_learning_rate,
            }

    # Measurements beside training.

    @staticmethod
    def _make_probe(x_train, y_train):
        """Fixed images with their true label and a fixed wrong one, for comparable histograms."""
        count = min(PROBE_IMAGES, len(x_train))
        labels = np.asarray(y_train[:count]).astype(np.int64)
        offsets = np.random.default_rng(0).integers(1, NUM_CLASSES, size=count)
        return np.asarray(x_train[:count], np.float32), labels, (labels + offsets) % NUM_CLASSES

    def measure_goodness(self):
        """Goodness of the probe images under true and wrong labels, per layer."""
        if self._probe is None:
            return None
        images, labels, wrong = self._probe
        samples = {
            "step": self.trainer.step,
            "positive": self.trainer.layer_goodness(images, labels).tolist(),
            "negative": self.trainer.layer_goodness(images, wrong).tolist(),
        }
        with self._condition:
            self.goodness_samples = samples
        return samples

    def _measure_after_step(self, record):
        """Accuracy and goodness measurements that a page shows beside the losses."""
        step = self.trainer.step
        if step % self.trainer.steps_per_epoch == 0:
            record["test_accuracy"] = self.trainer.evaluate()
        elif self.eval_every and step % self.eval_every == 0 and self.trainer.x_test is not None:
            record["quick_accuracy"] = self.trainer.evaluate(limit=QUICK_EVAL_IMAGES)
        due = time.monotonic() - self._last_probe >= PROBE_INTERVAL
        if self._probe is not None and (due or self.state != RUNNING or self.trainer.finished):
            self._last_probe = time.monotonic()
            self.measure_goodness()

    # The background thread.

    def _ensure_thread(self):
        with self._condition:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop_requested = False
            self._thread = threading.Thread(target=self._loop, name="ffviz-training", daemon=True)
            self._thread.start()

    def _wait_for_work(self):
        """Block while paused; return False when the thread should end."""
        last_check = time.monotonic()
        with self._condition:
            while True:
                if self._stop_requested:
                    return False
                if self.state == RUNNING:
                    return True
                if self.state == PAUSED and self._pending_steps > 0:
                    self._pending_steps -= 1
                    return True
                if self.state not in (RUNNING, PAUSED):
                    return False
                self._condition.wait(timeout=KEEP_ALIVE_INTERVAL)
                if time.monotonic() - last_check >= KEEP_ALIVE_INTERVAL:
                    last_check = time.monotonic()
                    if not self._still_wanted():
                        return False

    def _still_wanted(self):
        if self.keep_alive is None:
            return True
        try:
            return bool(self.keep_alive())
        except Exception:  # An interface that cannot answer is gone.
            return False

    def _finish(self, state, message):
        with self._condition:
            self.state = state
            self.message = message
            if self._started_at is not None:
                self._elapsed += time.perf_counter() - self._started_at
                self._started_at = None
            self._condition.notify_all()

    def _loop(self):
        with self._condition:
            self._started_at = time.perf_counter()
        last_check = time.monotonic()
        try:
            while self._wait_for_work():
                if self.trainer.finished:
                    self._finish(FINISHED, f"Finished {self.trainer.epoch} epochs.")
                    return
                record = self.trainer.train_step()
                self._measure_after_step(record)
                with self._condition:
                    self.history.append(record)
                if time.monotonic() - last_check >= KEEP_ALIVE_INTERVAL:
                    last_check = time.monotonic()
                    if not self._still_wanted():
                        self._finish(STOPPED, "Stopped: the page that started this run was closed.")
                        return
                if self.delay > 0:
                    with self._condition:
                        self._condition.wait(timeout=self.delay)
            reason = "Stopped." if self._stop_requested else "Stopped: the page that started this run was closed."
            self._finish(STOPPED, reason)
        except TrainingDiverged as error:
            self._finish(FAILED, str(error))
        except Exception as error:  # Anything else still ends the run with a message, not a crash.
            self._finish(FAILED, f"Training failed: {type(error).__name__}: {error}")
