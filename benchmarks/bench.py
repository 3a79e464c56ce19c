"""Speed and accuracy of ffviz's Forward-Forward training, in one table.

    .venv/bin/python -m benchmarks.bench                   # default preset, the full benchmark
    .venv/bin/python -m benchmarks.bench --presets default,paper --budget 600
    .venv/bin/python -m benchmarks.bench --quick           # smoke test on the shipped sample

For each preset it reports seconds per training epoch, the matmul FLOPs that an epoch
performs (forward and weight-gradient products, as ffviz computes them) as a share of this
machine's float32 matmul peak measured in the same run (before and after training, the better of
the two), the share that the step's products alone reach at their shapes
(`benchmarks.flops.step_products_rate`, dense presets: the most a step of that shape could
reach with this matmul library), test accuracy, and the training time
until the test accuracy first reached 97.56% (the keras.io example's final figure). Then: the
latency of the goodness of all ten labels for one image (all layers), the time to score the
whole test set that way, and the keras.io example's schedule (`kerasio_schedule.py`) trained
for the same wall time as the default preset, with the ratio of the accuracies.

Data: `--data`, else `FFVIZ_DATA`, else `../shared/data/mnist.npz` beside the repository,
else whatever `ffviz.data.load_dataset` finds (in the end the shipped sample).
"""

import argparse
import os
import pathlib
import sys
import time

import numpy as np
import tensorflow as tf

import ffviz  # noqa: F401  (sets KERAS_BACKEND before anything imports keras)
from benchmarks.flops import matmul_peak, step_products_rate, training_flops_per_step
from benchmarks.kerasio_schedule import KerasIoSchedule
from ffviz.config import DATASETS, NUM_CLASSES, architecture_text
from ffviz.data import load_dataset
from ffviz.network import FFNetwork
from ffviz.presets import PRESETS
from ffviz.system import device_description
from ffviz.train import Trainer

REPO = pathlib.Path(__file__).resolve().parent.parent
SHARED_MNIST = REPO.parent / "shared" / "data" / "mnist.npz"
KERAS_IO_ACCURACY = 0.9756  # The keras.io example's test accuracy after 250 epochs.
LATENCY_CALLS = 200  # Single-image calls timed for the latency percentiles.


def load_data(path, quick, dataset_name="mnist"):
    """(x_train, y_train, x_test, y_test, description); the sample in quick mode.

    `path` is MNIST's; Fashion-MNIST comes from wherever `ffviz.data.load_dataset` finds it
    (Debian's dataset-fashion-mnist package).
    """
    if dataset_name != "mnist":
        path = REPO / "assets" / f"{dataset_name}_sample.npz" if quick else None
    elif path is None and quick:
        path = REPO / "assets" / "mnist_sample.npz"
    elif path is None and not os.environ.get("FFVIZ_DATA") and SHARED_MNIST.exists():
        path = SHARED_MNIST
    dataset = load_dataset(dataset_name, path, strict=path is not None, download=False)
    return dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test, dataset.describe()


def train_preset(name, config, data, budget, jit_compile):
    """Train one preset; return its row of the table.

    With a `budget` (seconds) smaller than the preset's projected training time, the number
    of epochs is cut after the first epoch to what fits, so the learning-rate schedule still
    ends at zero; the row says how many epochs ran.
    """
    x_train, y_train, x_test, y_test = data
    network = FFNetwork(config)
    trainer = Trainer(network, x_train, y_train, x_test, y_test, jit_compile=jit_compile)
    epoch_seconds, accuracies, reached = [], [], None
    last_seconds = 0.0
    for record in trainer.run():
        if "test_accuracy" not in record:
            continue
        epoch_seconds.append(record["seconds"] - last_seconds)
        last_seconds = record["seconds"]
        accuracies.append(record["test_accuracy"])
        if reached is None and record["test_accuracy"] >= KERAS_IO_ACCURACY:
            reached = record["seconds"]
        print(
            f"  {name}: epoch {trainer.epoch}/{trainer.total_epochs} {epoch_seconds[-1]:.1f} s, "
            f"test accuracy {record['test_accuracy']:.4f}",
            flush=True,
        )
        if budget is not None and trainer.epoch == 1 and trainer.total_epochs > 1:
            fitting = max(1, int(budget / epoch_seconds[0]))
            trainer.total_epochs = min(trainer.total_epochs, fitting)
    steady = epoch_seconds[1:] or epoch_seconds  # The first epoch includes compiling.
    seconds_per_epoch = float(np.median(steady))
    flops_per_epoch = training_flops_per_step(config, trainer.batch_size) * trainer.steps_per_epoch
    products_gflops = (
        None if config.conv_layers else step_products_rate(config, trainer.batch_size, trainer.jit_compile)
    )
    goodness_accuracy = network.evaluate(x_test, y_test, "goodness")["accuracy"]
    softmax_accuracy = network.evaluate(x_test, y_test, "softmax")["accuracy"]
    return network, {
        "preset": name,
        "layers": architecture_text(config),
        "epochs": f"{trainer.epoch}/{config.epochs}",
        "train_seconds": trainer.seconds,
        "seconds_per_epoch": seconds_per_epoch,
        "gflop_per_epoch": flops_per_epoch / 1e9,
        "gflops": flops_per_epoch / seconds_per_epoch / 1e9,
        "products_gflops": products_gflops,
        "projected_seconds": trainer.seconds + seconds_per_epoch * (config.epochs - trainer.epoch),
        "softmax": softmax_accuracy,
        "goodness": goodness_accuracy,
        "reached": reached,
        "readout": config.readout,
    }


def latency(network, x_test, calls):
    """p50 and p95 milliseconds of `goodness_per_label` on one image, after warm-up."""
    for index in range(20):
        network.goodness_per_label(x_test[index : index + 1])
    times = []
    for index in range(calls):
        image = x_test[index % len(x_test)][None]
        started = time.perf_counter()
        network.goodness_per_label(image)
        times.append((time.perf_counter() - started) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def whole_test_seconds(network, x_test):
    """Seconds to score every test image with all ten labels in every layer (after warm-up)."""
    network.goodness_per_label(x_test[:100])
    started = time.perf_counter()
    table = network.goodness_per_label(x_test)
    seconds = time.perf_counter() - started
    assert table.shape == (len(x_test), len(network.layers), NUM_CLASSES)
    return seconds


def format_seconds(seconds):
    if seconds is None:
        return "not reached"
    return f"{seconds:.0f} s" if seconds < 600 else f"{seconds / 60:.0f} min"


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--presets",
        default="default",
        help="comma-separated ffviz.presets presets, each optionally @dataset, e.g. default,fashion@fashion_mnist "
        "(default: default; dataset: mnist)",
    )
    parser.add_argument("--budget", type=float, help="most seconds of training per preset; fewer epochs if needed")
    parser.add_argument("--data", help="MNIST .npz in the Keras layout (default: FFVIZ_DATA or ../shared/data)")
    parser.add_argument("--no-xla", action="store_true", help="compile the training steps without XLA (default: XLA)")
    parser.add_argument("--skip-kerasio", action="store_true", help="skip the keras.io schedule comparison")
    parser.add_argument("--quick", action="store_true", help="smoke test: sample data, tiny preset, no XLA")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    names = ["tiny"] if args.quick else [name.strip() for name in args.presets.split(",") if name.strip()]
    runs = [(name.partition("@")[0], name.partition("@")[2] or "mnist") for name in names]
    unknown = [name for name, dataset in runs if name not in PRESETS or dataset not in DATASETS]
    if unknown:
        raise SystemExit(f"error: unknown preset(s) {unknown}; choose from {sorted(PRESETS)}, @ one of {DATASETS}")
    datasets = {}
    for dataset in dict.fromkeys(dataset for _, dataset in runs):
        *arrays, described = load_data(args.data, args.quick, dataset)
        if args.quick:
            arrays = [array[:2000] if index < 2 else array[:500] for index, array in enumerate(arrays)]
        datasets[dataset] = (arrays, described)
    described = "; ".join(description for _, description in datasets.values())
    gpu = bool(tf.config.list_physical_devices("GPU"))
    peak_size = 8192 if gpu else (1024 if args.quick else 2048)
    peak_repeats = 20 if gpu else (4 if args.quick else 10)
    peak_before = matmul_peak(peak_size, peak_repeats)
    started_load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"device: {device_description()}; data: {described}", flush=True)
    print(f"matmul peak: {peak_before:.1f} GFLOP/s (float32, {peak_size}x{peak_size} products)", flush=True)

    rows, networks = [], {}
    for name, dataset in runs:
        config = PRESETS[name]
        if args.quick:
            config = config.replace(epochs=1)
        jit_compile = False if (args.no_xla or args.quick) else None  # Quick: no seconds spent compiling.
        label = name if dataset == "mnist" else f"{name}@{dataset}"
        networks[label], row = train_preset(label, config, datasets[dataset][0], args.budget, jit_compile)
        rows.append(row)
    # A shared host's matmul rate swings between runs (113 to 218 GFLOP/s on 2026-12-06): the
    # peak is measured again after training and the better of the two is the reference, so a
    # slow moment before training cannot make an epoch look faster than the machine.
    peak_after = matmul_peak(peak_size, peak_repeats)
    peak = max(peak_before, peak_after)

    first = names[0]
    x_train, y_train, x_test, y_test = datasets[runs[0][1]][0]
    latency_p50, latency_p95 = latency(networks[first], x_test, 50 if args.quick else LATENCY_CALLS)
    test_seconds = whole_test_seconds(networks[first], x_test)
    kerasio = None
    if not args.skip_kerasio and not PRESETS[runs[0][0]].conv_layers:  # The schedule trains dense layers.
        jit_compile = False if (args.no_xla or args.quick) else None
        schedule = KerasIoSchedule(PRESETS[runs[0][0]].layer_sizes, x_train, y_train, jit_compile=jit_compile)
        schedule.train(rows[0]["train_seconds"])
        kerasio = (schedule, schedule.evaluate(x_test, y_test))
    ended_load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    print()
    print(f"device: {device_description()}   load average at start/end: {started_load:.1f}/{ended_load:.1f}")
    print(f"matmul peak: {peak:.1f} GFLOP/s (best of {peak_before:.1f} before training and {peak_after:.1f} after)")
    header = (
        f"{'preset':<22} {'layers':<30} {'epochs':>7} {'s/epoch':>8} {'GFLOP/epoch':>12} {'GFLOP/s':>8} "
        f"{'% of peak':>9} {'products':>9} {'softmax':>8} {'goodness':>9} {'to 97.56%':>11} {'train time':>11} "
        f"{'full preset':>12}"
    )
    print(header)
    for row in rows:
        products = "-" if row["products_gflops"] is None else f"{100 * row['products_gflops'] / peak:.0f}%"
        print(
            f"{row['preset']:<22} {row['layers']:<30} {row['epochs']:>7} {row['seconds_per_epoch']:>8.2f} "
            f"{row['gflop_per_epoch']:>12.0f} {row['gflops']:>8.1f} {100 * row['gflops'] / peak:>8.0f}% {products:>9} "
            f"{100 * row['softmax']:>7.2f}% {100 * row['goodness']:>8.2f}% {format_seconds(row['reached']):>11} "
            f"{format_seconds(row['train_seconds']):>11} {format_seconds(row['projected_seconds']):>12}"
        )
    print(f"latency p50/p95, ten labels of one image, all layers ({first}): {latency_p50:.2f} / {latency_p95:.2f} ms")
    print(f"whole test set, {len(x_test):,} images x 10 labels ({first}): {test_seconds:.2f} s")
    if kerasio is not None:
        schedule, accuracy = kerasio
        ours = rows[0]["softmax" if rows[0]["readout"] == "softmax" else "goodness"]
        print(
            f"keras.io schedule (full batch, {schedule.local_steps} local steps = {schedule.epochs} epochs, "
            f"Adam 0.03, threshold 1.5) in the same {schedule.seconds:.0f} s: {100 * accuracy:.2f}% "
            f"(goodness read-out); {first} preset {100 * ours:.2f}%, ratio {ours / max(accuracy, 1e-9):.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
