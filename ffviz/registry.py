"""Training runs that outlive a browser tab: a process-wide registry, and one worker thread per owner.

A Streamlit session ends with its tab, so a run kept only in session state was lost on reload
(issue 12). `RUNS` holds the runs of the whole process under short URL-safe ids: a page puts the
id in its URL and finds the run again after a reload (`RunRegistry.get`, which also "touches" the
run). A run that nobody touched for `GRACE_SECONDS` stops by itself (a closed tab still frees the
CPU within seconds) but stays listed, so a later reload can show it and continue it; at most
`MAX_RUNS` runs are held, and adding one more closes the least recently touched.

`lane_for(owner)` gives the `Lane` of an owner (say, one browser session's Train page): one worker
thread that drives that owner's runs one after another, so rapid Start/Reset never piles up
threads: a new run waits for the thread to finish its predecessor's current call, then reuses it.
"""

import secrets
import threading
import time
import weakref

GRACE_SECONDS = 15.0  # A running run nobody looked at for this long stops (a page refreshes every second).
MAX_RUNS = 8  # Runs held per process; each holds a network, its compiled steps and its history.
THREAD_NAME = "ffviz-training"


class Lane:
    """One worker thread that drives runs one after another; the latest `submit`ted run is next.

    A run offers `wants_thread()` (it has work) and `drive()` (does the work, returns when it
    has none or when it is no longer the lane's current run), and `_dequeued()`.
    """

    def __init__(self, name=THREAD_NAME):
        self.name = name
        self._lock = threading.Lock()
        self._current = None
        self._thread = None

    @property
    def current(self):
        return self._current

    @property
    def thread(self):
        return self._thread

    def submit(self, run):
        """Make `run` the lane's current run and make sure a thread will drive it."""
        with self._lock:
            previous, self._current = self._current, run
            if previous is not None and previous is not run:
                previous._dequeued()
            if self._thread is None:
                self._thread = threading.Thread(target=self._main, name=self.name, daemon=True)
                self._thread.start()

    def _main(self):
        while True:
            with self._lock:
                run = self._current
                if run is None or not run.wants_thread():
                    if run is not None:
                        run._dequeued()
                    self._thread = None
                    return
            run.drive()


_lanes = weakref.WeakValueDictionary()  # owner -> Lane, alive while a run of that owner is.
_lanes_lock = threading.Lock()


def lane_for(owner):
    """The lane of `owner` (a string), shared by all its runs; None gives a lane of its own."""
    if owner is None:
        return Lane()
    with _lanes_lock:
        lane = _lanes.get(owner)
        if lane is None:
            lane = _lanes[owner] = Lane(f"{THREAD_NAME}-{owner}")
        return lane


class RunRegistry:
    """Runs by id, with their last touch; thread-safe.

    Args:
        max_runs: the most runs held; adding more closes the least recently touched.
        grace_seconds: a run untouched this long is stopped by its own thread.
    """

    def __init__(self, max_runs=MAX_RUNS, grace_seconds=GRACE_SECONDS):
        if max_runs < 1 or not grace_seconds > 0:
            raise ValueError(
                f"Need max_runs >= 1 and grace_seconds > 0. Received: max_runs={max_runs}, "
                f"grace_seconds={grace_seconds}"
            )
        self.max_runs = max_runs
        self.grace_seconds = float(grace_seconds)
        self._lock = threading.Lock()
        self._runs = {}  # id -> run, in the order added.
        self._touched = {}  # id -> time.monotonic() of the last touch.

    def __len__(self):
        with self._lock:
            return len(self._runs)

    def add(self, run):
        """Hold `run` and return its new id; the run stops once nobody touches it for the grace period."""
        run_id = secrets.token_urlsafe(6)
        run.keep_alive = self._keep_alive(run_id, run.keep_alive)
        run.unwatched_message = (
            f"Stopped: nobody watched this run for {self.grace_seconds:.0f} s. Press Start to continue."
        )
        with self._lock:
            self._runs[run_id] = run
            self._touched[run_id] = time.monotonic()
            evicted = []
            while len(self._runs) > self.max_runs:
                oldest = min(self._touched, key=self._touched.get)
                evicted.append(self._runs.pop(oldest))
                del self._touched[oldest]
        for old in evicted:
            old.close()
        return run_id

    def _keep_alive(self, run_id, other):
        def keep_alive():
            return self.touched_recently(run_id) and (other is None or other())

        return keep_alive

    def get(self, run_id):
        """The run with this id (and touch it), or None."""
        with self._lock:
            run = self._runs.get(run_id)
            if run is not None:
                self._touched[run_id] = time.monotonic()
            return run

    def touch(self, run_id):
        """Note that someone is watching; returns False for an unknown id."""
        return self.get(run_id) is not None

    def touched_recently(self, run_id):
        with self._lock:
            touched = self._touched.get(run_id)
        return touched is not None and time.monotonic() - touched < self.grace_seconds

    def ids(self):
        with self._lock:
            return list(self._runs)

    def discard(self, run_id):
        """Forget a run and close it (stop it and give its compiled steps back); unknown ids are ignored."""
        with self._lock:
            run = self._runs.pop(run_id, None)
            self._touched.pop(run_id, None)
        if run is not None:
            run.close()

    def stop_all(self):
        """Close and forget every run (for tests and a clean shutdown)."""
        for run_id in self.ids():
            self.discard(run_id)


RUNS = RunRegistry()
