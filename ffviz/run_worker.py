"""The thread side of a training run: compiling first, steps by the call, measurements, the clock.

`RunWorker` is the half of `ffviz.runner.TrainingRun` that its thread runs; the interface half
(controls and reads) is in `ffviz.runner`. The thread is its owner's `ffviz.registry.Lane`, which
calls `wants_thread()` and `drive()`. `drive()` compiles the trainer's steps (`prepare`, before any
clock starts), waits for the other runs of a `start_together` group, then trains
`steps_per_call` steps per compiled call, as many as take about `CALL_SECONDS`, so that a pause,
a single step or a new setting acts within a quarter of a second whatever the network's size.
After each call it measures what the page shows beside the losses, each on its own timer:
goodness of a fixed probe every `PROBE_INTERVAL` seconds, accuracy on a fixed held-out slice every
`QUICK_EVAL_INTERVAL` seconds ("quick_accuracy", from the first seconds on), the whole test set at
each epoch end. The running clock ("elapsed") only runs while the run trains.

Everything shared with the interface thread is read and written under `self._condition`.
"""

import time

import numpy as np

from ffviz.config import NUM_CLASSES
from ffviz.train import TrainingDiverged

KEEP_ALIVE_INTERVAL = 2.0  # Seconds between keep_alive() checks.
CALL_SECONDS = 0.2  # Target length of one compiled call: controls act within about this long.
MAX_STEPS_PER_CALL = 64  # Steps per call at most, however fast the steps are.
PROBE_IMAGES = 500  # Training images whose goodness is measured for the histograms.
PROBE_INTERVAL = 1.0  # Seconds between goodness measurements: about one per page refresh.
QUICK_EVAL_IMAGES = 1000  # The fixed held-out slice: the first test images.
QUICK_EVAL_INTERVAL = 3.0  # Seconds of training between two quick accuracy measurements.
MAX_QUICK_POINTS = 2000  # Quick accuracy points kept; beyond, every other one is dropped.

READY, COMPILING, RUNNING, PAUSED = "ready", "compiling", "running", "paused"
STOPPED, FINISHED, FAILED = "stopped", "finished", "failed"


class RunWorker:
    """The thread side of `ffviz.runner.TrainingRun`; see the module docstring."""

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

    def _measure_after_call(self, records):
        """Accuracy and goodness measurements that a page shows beside the losses."""
        record, step, now = records[-1], self.trainer.step, time.monotonic()
        if step % self.trainer.steps_per_epoch == 0:
            record["test_accuracy"] = self.trainer.evaluate()
            if record["test_accuracy"] is not None:
                with self._condition:
                    self.test_accuracy.append((record["epoch"], record["test_accuracy"]))
        due_by_steps = self.eval_every and any(r["step"] % self.eval_every == 0 for r in records)
        if self.trainer.x_test is not None and (due_by_steps or now - self._last_quick_eval >= QUICK_EVAL_INTERVAL):
            self._last_quick_eval = now
            record["quick_accuracy"] = self.trainer.evaluate(limit=QUICK_EVAL_IMAGES)
            point = {"step": step, "epoch": record["epoch"], "seconds": self.trainer.seconds}
            with self._condition:
                self.quick_accuracy.append(
                    {**point, "elapsed": self._elapsed_now(), "accuracy": record["quick_accuracy"]}
                )
                if len(self.quick_accuracy) > MAX_QUICK_POINTS:
                    self.quick_accuracy = self.quick_accuracy[::2]
        finished_call = self.state != RUNNING or self.trainer.finished
        if self._probe is not None and (now - self._last_probe >= PROBE_INTERVAL or finished_call):
            self._last_probe = now
            self.measure_goodness()

    # The clock, under the lock.

    def _shown_state(self):
        return COMPILING if self.compiling and self.state in (READY, RUNNING) else self.state

    def _elapsed_now(self):
        running = time.perf_counter() - self._clock_started if self._clock_started is not None else 0.0
        return self._elapsed + running

    def _start_clock(self):
        if self._clock_started is None:
            self._clock_started = time.perf_counter()

    def _stop_clock(self):
        if self._clock_started is not None:
            self._elapsed += time.perf_counter() - self._clock_started
            self._clock_started = None

    # The thread side: `ffviz.registry.Lane` calls `wants_thread` and `drive`.

    def _submit(self):
        with self._condition:
            if self._closed:
                return
            self._queued = True
        self._lane.submit(self)

    def _dequeued(self):
        with self._condition:
            self._queued = False
            self._condition.notify_all()

    def wants_thread(self):
        """Whether there is work for a thread: compiling asked for, training, or waiting paused."""
        with self._condition:
            if self._closed:
                return False
            if self.state in (RUNNING, PAUSED):
                return True
            return self.state == READY and self._prepare_requested and not self.prepared

    def drive(self):
        """Compile if needed, then train while there is work; called by the lane's thread."""
        with self._condition:
            self._driving, self._queued = True, False
        try:
            self._drive()
        finally:
            # A closed run gives its program back before `join()` returns, so a new run of the same
            # shape started right after a Reset reuses it instead of compiling another.
            with self._condition:
                closed = self._closed
            if closed:
                self._release_trainer()
            with self._condition:
                self._driving = False
                closed_meanwhile = self._closed and not closed  # `close()` saw this thread still driving.
                self._condition.notify_all()
            if closed_meanwhile:
                self._release_trainer()

    def _release_trainer(self):
        release = getattr(self.trainer, "release", None)
        if release is not None:
            release()

    def _prepare_in_thread(self):
        """Compile the trainer's steps and warm its evaluation, before any clock starts."""
        if self.prepared:
            return
        with self._condition:
            self.compiling = True
        try:
            prepare = getattr(self.trainer, "prepare", None)
            seconds = prepare() if prepare is not None else 0.0
            if self.trainer.x_test is not None:
                self.trainer.evaluate(limit=QUICK_EVAL_IMAGES)  # Traces the quick evaluation, if not yet.
        finally:
            with self._condition:
                self.compiling = False
        with self._condition:
            self.prepared = True
            self.compile_seconds = seconds
            self._condition.notify_all()

    def _wait_for_group(self):
        """With `start_together`: wait until every run of the group is compiled (or this one ends)."""
        group = self._group
        if group is None:
            return
        for run in group:  # Wake the runs already waiting: this one is compiled now.
            with run._condition:
                run._condition.notify_all()
        with self._condition:
            self._condition.wait_for(
                lambda: self.state not in (READY, RUNNING) or self._closed or all(run.prepared for run in group)
            )

    def _next_steps(self):
        """Block while paused; return how many steps to run now, or 0 when the thread should leave."""
        last_check = time.monotonic()
        with self._condition:
            while True:
                if self._closed:
                    return 0
                if self._lane.current is not self:  # A newer run of the same owner takes the thread.
                    if self.state == RUNNING:
                        self.state, self.message = PAUSED, "Paused: a newer run of this page took over."
                        self._stop_clock()
                    return 0
                if self.state == RUNNING:
                    if self.trainer.finished:
                        self.state, self.message = FINISHED, f"Finished {self.trainer.epoch} epochs."
                        self._stop_clock()
                        return 0
                    self._start_clock()
                    return 1 if self.delay > 0 else self.steps_per_call
                if self.state == PAUSED and self._pending_steps > 0:
                    self._pending_steps -= 1
                    return 1
                if self.state != PAUSED:
                    return 0
                self._condition.wait(timeout=KEEP_ALIVE_INTERVAL)
                if time.monotonic() - last_check >= KEEP_ALIVE_INTERVAL:
                    last_check = time.monotonic()
                    if not self._still_wanted():
                        self._stop_unwatched()
                        return 0

    def _still_wanted(self):
        if self.keep_alive is None:
            return True
        try:
            return bool(self.keep_alive())
        except Exception:  # An interface that cannot answer is gone.
            return False

    def _stop_unwatched(self):
        if self.state in (RUNNING, PAUSED):
            self.state, self.message = STOPPED, self.unwatched_message
            self._stop_clock()

    def _adapt_steps_per_call(self, steps, seconds):
        """Steps per call so that one call takes about `CALL_SECONDS`, from the smoothed time per step."""
        per_step = seconds / steps
        self._step_time = per_step if self._step_time is None else 0.7 * self._step_time + 0.3 * per_step
        self.steps_per_call = int(min(MAX_STEPS_PER_CALL, max(1, CALL_SECONDS / max(self._step_time, 1e-6))))

    def _drive(self):
        try:
            self._prepare_in_thread()
            self._wait_for_group()
            last_check = time.monotonic()
            while steps := self._next_steps():
                counted = self._clock_started is not None  # Single steps while paused are not timed.
                started = time.perf_counter()
                with self._condition:
                    self._in_call = True
                try:
                    records = self.trainer.train_steps(steps)
                finally:
                    with self._condition:
                        self._in_call = False  # `wait_between_calls` waits for this.
                        self._condition.notify_all()
                self._adapt_steps_per_call(len(records), time.perf_counter() - started)
                self._measure_after_call(records)
                with self._condition:
                    self._history.extend(records)
                    self._clock_steps += len(records) if counted else 0
                if time.monotonic() - last_check >= KEEP_ALIVE_INTERVAL:
                    last_check = time.monotonic()
                    if not self._still_wanted():
                        with self._condition:
                            self._stop_unwatched()
                if self.delay > 0:
                    with self._condition:
                        self._condition.wait_for(lambda: self.state != RUNNING or self._closed, timeout=self.delay)
        except TrainingDiverged as error:
            self._fail(str(error))
        except Exception as error:  # Anything else still ends the run with a message, not a crash.
            self._fail(f"Training failed: {type(error).__name__}: {error}")

    def _fail(self, message):
        with self._condition:
            self.state, self.message = FAILED, message
            self._stop_clock()
            self._condition.notify_all()
