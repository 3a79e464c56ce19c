"""Engine speed: the command line's training loop against a background `TrainingRun`, in one process.

Issue 12 asks the app to train at >= 90% of the command line's steps per second. This measures the
engine's share of that: `Trainer.run()` as `python -m ffviz train` drives it (50 steps per compiled
call) against `TrainingRun` (its thread, steps per call adapted to the step time, probes and
quick accuracy on their timers, a reader polling `snapshot()` twice a second as the page does).
Both train the default preset on the same data after compiling (excluded, as warm-up), in turns,
`--rounds` times each, and the rate is steps over wall time. Also prints Start-to-first-step for
a shape compiled before, and the compile time of a new one.

    python -m benchmarks.bench_runner --data ../shared/data/mnist.npz --seconds 20
"""

import argparse
import os
import pathlib
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
FULL_MNIST = REPO.parent / "shared" / "data" / "mnist.npz"
POLL_SECONDS = 0.5  # How often the "page" reads a snapshot.


def load_arrays(path):
    with np.load(path) as data:
        return tuple(
            data[key].reshape(len(data[key]), -1).astype(np.float32) / 255.0 if key.startswith("x") else data[key]
            for key in ("x_train", "y_train", "x_test", "y_test")
        )


def cli_loop_rate(config, arrays, seconds):
    """Steps per second of `Trainer.run()` as the command line drives it, after one warm-up call."""
    from ffviz.network import FFNetwork
    from ffviz.train import Trainer

    trainer = Trainer(FFNetwork(config), *arrays)
    trainer.train_steps(1)  # Compiles (or reuses) outside the timing.
    steps, started = 0, time.perf_counter()
    for _ in trainer.run():
        steps += 1
        if time.perf_counter() - started >= seconds:
            break
    rate = steps / (time.perf_counter() - started)
    trainer.release()
    return rate


def runner_rate(config, arrays, seconds):
    """(steps per second over wall time, seconds from Start to the first step) of a `TrainingRun`."""
    from ffviz.network import FFNetwork
    from ffviz.runner import TrainingRun

    run = TrainingRun(FFNetwork(config), *arrays, owner="bench")
    started = time.perf_counter()
    run.start()
    while run.status()["step"] < 1:
        time.sleep(0.01)
    first_step = time.perf_counter() - started
    first = run.status()
    clock = time.perf_counter()
    while time.perf_counter() - clock < seconds:
        time.sleep(POLL_SECONDS)
        snapshot = run.snapshot()  # As the page's refresh does.
        ended = time.perf_counter()
    rate = (snapshot["step"] - first["step"]) / (ended - clock)
    run.close()
    run.join()
    return rate, first_step, snapshot


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=pathlib.Path, default=FULL_MNIST)
    parser.add_argument("--seconds", type=float, default=20.0, help="timed seconds per measurement")
    parser.add_argument("--rounds", type=int, default=2, help="measurements of each, taken in turns")
    args = parser.parse_args()
    import tensorflow as tf

    from ffviz.config import FFConfig
    from ffviz.runner import TrainingRun

    config = FFConfig()  # The default preset.
    arrays = load_arrays(args.data)
    print(f"TensorFlow {tf.__version__}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, data {args.data.name}")
    from ffviz.network import FFNetwork

    fresh = TrainingRun(FFNetwork(config), *arrays)
    fresh.prepare()
    fresh.wait_prepared()
    print(f"compile a new shape: {fresh.snapshot()['compile_seconds']:.1f} s (before the clock)")
    fresh.close()
    fresh.join()
    cli_rates, run_rates = [], []
    for _ in range(args.rounds):
        cli_rates.append(cli_loop_rate(config, arrays, args.seconds))
        rate, first_step, snapshot = runner_rate(config, arrays, args.seconds)
        run_rates.append(rate)
        print(
            f"CLI loop {cli_rates[-1]:.1f} steps/s | TrainingRun {rate:.1f} steps/s "
            f"(its own figure {snapshot['steps_per_second']:.1f}, {snapshot['steps_per_call']} steps per call, "
            f"Start to first step {first_step:.2f} s)",
            flush=True,
        )
    cli, run = float(np.median(cli_rates)), float(np.median(run_rates))
    print(f"median: CLI {cli:.1f} steps/s, TrainingRun {run:.1f} steps/s, ratio {100 * run / cli:.0f}%")


if __name__ == "__main__":
    main()
