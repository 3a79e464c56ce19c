"""Soak: start and reset training runs again and again in one process and watch its memory (issue 14).

Each cycle makes a new `TrainingRun` of the same small network (as a user pressing Start, then
Reset), trains it until it has made `--steps` steps while reading snapshots as a page would,
then closes it. The process's resident memory is sampled after every cycle. Before the compiled
steps were reused, each cycle left a new `tf.function` behind (+22.6 MB per run with XLA, no
plateau); now the curve should flatten after the first cycles.

    python -m benchmarks.bench_soak --minutes 30        # the full soak; prints the RSS curve
    FFVIZ_SOAK_CYCLES=40 pytest tests/robustness/test_robust_soak.py   # the short CI version, in a real server

Data: the shipped sample by default, or `--data PATH` (an .npz like assets/mnist_sample.npz).
"""

import argparse
import gc
import os
import pathlib
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
SAMPLE = REPO / "assets" / "mnist_sample.npz"
SOAK_LAYERS = (64, 64)  # Small enough for two busy cores, big enough to show a leak per run.


def resident_megabytes():
    """The process's resident set size in MB, from /proc (Linux)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def load_arrays(path=SAMPLE):
    """(x_train, y_train, x_test, y_test) as float rows in [0, 1] and integer labels."""
    with np.load(path) as data:
        return tuple(
            data[key].reshape(len(data[key]), -1).astype(np.float32) / 255.0 if key.startswith("x") else data[key]
            for key in ("x_train", "y_train", "x_test", "y_test")
        )


def one_cycle(arrays, steps, owner="soak", timeout=120.0):
    """Start a run, read snapshots until it made `steps` steps, then reset (close) it."""
    from ffviz.config import FFConfig
    from ffviz.network import FFNetwork
    from ffviz.runner import TrainingRun

    config = FFConfig(layer_sizes=SOAK_LAYERS, epochs=100)
    run = TrainingRun(FFNetwork(config), *arrays, owner=owner)
    run.start()
    deadline = time.monotonic() + timeout
    while run.status()["step"] < steps:
        if run.status()["state"] in ("failed", "stopped") or time.monotonic() > deadline:
            raise RuntimeError(f"The soak run did not make {steps} steps: {run.status()}")
        run.snapshot()  # A page's refresh.
        time.sleep(0.05)
    run.close()
    run.join()


def soak(seconds, steps=30, arrays=None, report=None):
    """Start/reset cycles for `seconds` (at least 3 cycles); returns [(cycle, seconds, RSS MB)] after each.

    RSS is read after a full garbage collection, so the curve shows memory still held.
    """
    arrays = arrays if arrays is not None else load_arrays()
    samples = []
    started = time.monotonic()
    while len(samples) < 3 or time.monotonic() - started < seconds:
        one_cycle(arrays, steps)
        # A reset run's TensorFlow objects sit in reference cycles until Python's collector runs;
        # collecting first measures what is still held (a leak), not garbage waiting for it.
        gc.collect()
        samples.append((len(samples) + 1, time.monotonic() - started, resident_megabytes()))
        if report is not None:
            report(*samples[-1])
    return samples


def training_threads_left(timeout=10.0):
    """Training threads still alive after the last reset (waits up to `timeout` s for them to end)."""
    import threading

    from ffviz import registry

    deadline = time.monotonic() + timeout
    while True:
        left = [thread for thread in threading.enumerate() if thread.name.startswith(registry.THREAD_NAME)]
        if not left or time.monotonic() > deadline:
            return len(left)
        time.sleep(0.05)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="how long to soak")
    parser.add_argument("--steps", type=int, default=30, help="steps per run before it is reset")
    parser.add_argument("--data", type=pathlib.Path, default=SAMPLE, help="an .npz with x_train, y_train, ...")
    args = parser.parse_args()
    import tensorflow as tf

    from ffviz import compiled_steps

    print(f"TensorFlow {tf.__version__}, {os.cpu_count()} CPUs, layers {SOAK_LAYERS}, {args.steps} steps per run")
    print("cycle  seconds  RSS MB")
    samples = soak(
        args.minutes * 60,
        args.steps,
        load_arrays(args.data),
        report=lambda cycle, seconds, rss: print(f"{cycle:5d}  {seconds:7.1f}  {rss:7.1f}", flush=True),
    )
    first, last = samples[0][2], samples[-1][2]
    print(
        f"{len(samples)} cycles: RSS {first:.1f} MB after the first, {last:.1f} MB after the last "
        f"({100 * (last - first) / first:+.1f}%), {(last - first) / max(1, len(samples) - 1):+.2f} MB per cycle"
    )
    print(f"compiled programs made: {compiled_steps.STEP_CACHE.created}")
    print(f"training threads left: {training_threads_left()}")


if __name__ == "__main__":
    main()
