"""The command line: `ffviz train | evaluate | info | app` (or `python -m ffviz ...`).

    ffviz train --epochs 10 --out model.npz
    ffviz evaluate model.npz
    ffviz info
    ffviz app --server.port 8502

Every network meets the budget of `ffviz.budget` (parameters and estimated training memory);
`--max-parameters N` raises the parameter cap for one command and `--no-budget` lifts both
limits. `train` checks that `--out` can be written before it trains, and saves to a file in the
current folder, saying so, if saving still fails after training.

`train` shows a live progress bar per epoch on a terminal and one line per epoch when its
output goes to a file or a pipe (Keras's own `keras.utils.Progbar`). Layers are numbered from 1,
as on the app's charts. TensorFlow's start-up logs are silenced (`ffviz.system`); set
`TF_CPP_MIN_LOG_LEVEL=0` to see them.
"""

import argparse
import os
import pathlib
import subprocess
import sys
import time

import numpy as np

from ffviz.budget import DEFAULT_BUDGET, MAX_PARAMETERS, NO_BUDGET, Budget, using_budget
from ffviz.config import (
    DATASETS,
    GOODNESS_MEASURES,
    INPUT_LENGTHS,
    LOSSES,
    NEGATIVE_STRATEGIES,
    READOUTS,
    parse_layers,
)
from ffviz.presets import DATASET_PRESETS, PRESETS

REPO = pathlib.Path(__file__).resolve().parent.parent
APP_PATH = REPO / "app.py"  # The Streamlit app that `ffviz app` runs.
CONFIG_OPTIONS = (  # Options of `train` that are FFConfig fields of the same name.
    "threshold",
    "sharpness",
    "learning_rate",
    "batch_size",
    "epochs",
    "negatives",
    "readout",
    "input_length",
    "goodness",
    "loss",
    "jitter",
    "seed",
)
EPILOG = "TensorFlow's start-up logs are silenced; set TF_CPP_MIN_LOG_LEVEL=0 to see them."


def layers_argument(text):
    """`parse_layers` for argparse, which reports an `ArgumentTypeError` as a usage error."""
    try:
        return parse_layers(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser():
    parser = argparse.ArgumentParser(prog="ffviz", description="Forward-Forward on MNIST.", epilog=EPILOG)
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a network and save it", epilog=EPILOG)
    train.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        help="named settings (default: the dataset's own, "
        + ", ".join(f"{dataset}: {preset}" for dataset, preset in DATASET_PRESETS.items())
        + ")",
    )
    train.add_argument(
        "--layers",
        type=layers_argument,
        help="hidden layers: dense sizes, e.g. 500,500, or conv layers c<filters>k<kernel>p<pool>, e.g. c40k5p2,c80k3",
    )
    train.add_argument("--threshold", type=float)
    train.add_argument("--sharpness", type=float)
    train.add_argument("--lr", type=float, dest="learning_rate")
    train.add_argument("--batch-size", type=int)
    train.add_argument("--epochs", type=int)
    train.add_argument("--negatives", choices=NEGATIVE_STRATEGIES)
    train.add_argument("--readout", choices=READOUTS)
    train.add_argument("--input-length", choices=INPUT_LENGTHS, help="L2 length of each layer's input")
    train.add_argument("--goodness", choices=GOODNESS_MEASURES, help="how a layer's activities become its goodness")
    train.add_argument("--loss", choices=LOSSES, help="each layer's loss")
    train.add_argument("--jitter", type=int, help="shift training images by up to this many pixels")
    train.add_argument("--no-lr-decay", action="store_true", help="keep the learning rate constant")
    train.add_argument("--seed", type=int)
    train.add_argument(
        "--no-xla",
        action="store_true",
        help="compile the training steps without XLA (by default XLA is always used: it was faster on every "
        "device measured)",
    )
    train.add_argument("--out", default="model.npz", help="model file to write (default: model.npz)")
    add_data_options(train)
    add_budget_options(train)

    evaluate = commands.add_parser("evaluate", help="accuracy and per-class table of a saved model")
    evaluate.add_argument("model", help="a model file written by 'train'")
    evaluate.add_argument("--readout", choices=READOUTS)
    add_data_options(evaluate)
    add_budget_options(evaluate)

    info = commands.add_parser("info", help="TensorFlow version, device and data source")
    add_data_options(info)

    commands.add_parser(
        "app",
        help="run the Streamlit app; other arguments go to 'streamlit run'",
        description=f"Runs 'streamlit run {APP_PATH}' with any further arguments passed through.",
        add_help=False,  # `ffviz app --help` shows the options of `streamlit run`.
    )
    return parser


def add_data_options(parser):
    parser.add_argument("--data", help="an .npz in the Keras layout or a folder of the four IDX .gz files")
    parser.add_argument("--dataset", choices=DATASETS, default="mnist")


def add_budget_options(parser):
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--max-parameters",
        type=positive_integer,
        help=f"parameter cap of the network (default {MAX_PARAMETERS:,}); the memory limit still applies",
    )
    group.add_argument("--no-budget", action="store_true", help="no limit on parameters or estimated memory")


def positive_integer(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def budget_from_args(args):
    """The budget of one command: the default, or what `--max-parameters` / `--no-budget` ask for."""
    if getattr(args, "no_budget", False):
        return NO_BUDGET
    if getattr(args, "max_parameters", None) is not None:
        return Budget(max_parameters=args.max_parameters)
    return DEFAULT_BUDGET


def check_output_path(path):
    """Raise `ValueError` unless a model file can be written at `path`: checked before training."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise ValueError(f"--out must be a file name, but {path} is a folder.")
    if not os.path.isdir(folder):
        raise ValueError(f"The folder of --out does not exist: {folder}. Received: --out {path}")
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise ValueError(f"--out cannot be written: no permission to write in {folder}. Received: --out {path}")


def save_with_fallback(network, path, fallback_folder="."):
    """Save to `path`; if that fails, to a new file in `fallback_folder`. Returns (saved path, problem or None)."""
    try:
        network.save(path)
        return str(path), None
    except OSError as error:
        fallback = os.path.join(fallback_folder, f"ffviz-model-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.npz")
        network.save(fallback)
        return fallback, f"could not save {path} ({error.strerror or error})"


def config_from_args(args):
    """The preset, with every option given on the command line written over it."""
    changes = {name: getattr(args, name) for name in CONFIG_OPTIONS if getattr(args, name) is not None}
    if args.layers is not None:
        changes.update(args.layers)
    if args.no_lr_decay:
        changes["lr_decay"] = False
    return PRESETS[args.preset or DATASET_PRESETS[args.dataset]].replace(**changes)


def train_with_progress(trainer):
    """Run `trainer` to the end with one `keras.utils.Progbar` per epoch.

    On a terminal the bar moves live with the latest loss of every layer; otherwise one line
    per epoch is written, at its end. Each epoch ends with the mean loss per layer and the
    test accuracy. Raises `TrainingDiverged` as `Trainer.run` does.
    """
    import keras

    live = sys.stdout.isatty()
    names = [f"layer {number} loss" for number in range(1, len(trainer.network.layers) + 1)]

    def new_bar(epoch):
        # Made before the epoch's steps run, so that its clock times them.
        if live:
            print(f"epoch {epoch}/{trainer.total_epochs}")
        return keras.utils.Progbar(trainer.steps_per_epoch, verbose=1 if live else 2, stateful_metrics=names)

    bar, epoch_losses = new_bar(trainer.epoch + 1), []
    for record in trainer.run():
        epoch_losses.append(record["loss"])
        position = record["step"] % trainer.steps_per_epoch
        if position:
            # Records come in bursts of fused steps; Progbar would time "steps after the first"
            # from when step 1 arrives, so step 1 is not shown and its time is the epoch's mean.
            if position > 1:
                bar.update(position, list(zip(names, record["loss"])))
            continue
        values = list(zip(names, np.mean(epoch_losses, axis=0)))
        if record.get("test_accuracy") is not None:
            values.append(("test accuracy", record["test_accuracy"]))
        if not live:
            sys.stdout.write(f"epoch {trainer.epoch}/{trainer.total_epochs} ")
        bar.update(trainer.steps_per_epoch, values, finalize=True)
        epoch_losses = []
        if not trainer.finished:
            bar = new_bar(trainer.epoch + 1)


def run_train(args):
    from ffviz.data import load_dataset
    from ffviz.network import FFNetwork
    from ffviz.system import device_description
    from ffviz.train import Trainer, TrainingDiverged

    config = config_from_args(args)
    check_output_path(args.out)
    dataset = load_dataset(args.dataset, args.data, strict=bool(args.data))
    print(dataset.describe())
    for notice in dataset.notices:
        print(f"note: {notice}")
    print(f"device: {device_description()}; config: {config.to_json()}")
    network = FFNetwork(config)
    jit_compile = False if args.no_xla else None  # None: the trainer's default, XLA.
    trainer = Trainer(
        network, dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test, jit_compile=jit_compile
    )
    started = time.perf_counter()
    try:
        train_with_progress(trainer)
    except TrainingDiverged as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    # Both read-outs are honest: the trainer trains the softmax head whatever the read-out.
    results = {readout: network.evaluate(dataset.x_test, dataset.y_test, readout)["accuracy"] for readout in READOUTS}
    network.metadata = {
        "dataset": dataset.name,
        "data_source": dataset.source,
        "train_seconds": round(seconds, 1),  # Wall time, with the test at each epoch's end.
        "step_seconds": round(trainer.seconds, 1),  # Time inside the training steps only.
        "test_accuracy": results,
        "command": "ffviz " + " ".join(sys.argv[1:]),
        "device": device_description(),
    }
    saved, problem = save_with_fallback(network, args.out)
    accuracies = ", ".join(f"{readout} {accuracy:.4f}" for readout, accuracy in results.items())
    print(f"trained in {seconds:.1f} s ({trainer.seconds:.1f} s in training steps); test accuracy: {accuracies}")
    if problem:
        print(f"error: {problem}; the model is saved as {saved} instead", file=sys.stderr)
        return 1
    print(f"saved {saved}")
    return 0


def run_evaluate(args):
    from ffviz.checkpoint import load_network
    from ffviz.data import load_dataset

    network = load_network(args.model)
    dataset = load_dataset(args.dataset, args.data, strict=bool(args.data))
    print(dataset.describe())
    print(f"model: {network} from {args.model}")
    result = network.evaluate(dataset.x_test, dataset.y_test, args.readout)
    print(f"test accuracy ({args.readout or network.config.readout} read-out): {result['accuracy']:.4f}")
    print("label  images  accuracy")
    counts = result["confusion"].sum(axis=1)
    for label, (count, accuracy) in enumerate(zip(counts, result["per_class_accuracy"])):
        print(f"{dataset.label_names[label]:>5}  {count:6d}  {accuracy:8.4f}")
    return 0


def run_info(args):
    from ffviz.data import load_dataset
    from ffviz.system import device_description, versions

    for name, version in versions().items():
        print(f"{name}: {version}")
    print(f"device: {device_description()}")
    dataset = load_dataset(args.dataset, args.data, strict=bool(args.data))
    print(f"data: {dataset.describe()}")
    for notice in dataset.notices:
        print(f"note: {notice}")
    return 0


def app_command(streamlit_arguments):
    """The command that `ffviz app` runs: `streamlit run <repo>/app.py` plus the given arguments."""
    if not APP_PATH.is_file():
        raise ValueError(f"The app is not at {APP_PATH}; run 'ffviz app' from an ffviz checkout or install.")
    return [sys.executable, "-m", "streamlit", "run", str(APP_PATH), *streamlit_arguments]


def run_app(streamlit_arguments):
    # From the repository, so Streamlit reads the app's own .streamlit/config.toml.
    return subprocess.call(app_command(streamlit_arguments), cwd=REPO)


def main(argv=None):
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "app":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        if args.command == "app":
            return run_app(extra)
        with using_budget(budget_from_args(args)):
            return {"train": run_train, "evaluate": run_evaluate, "info": run_info}[args.command](args)
    except ValueError as error:  # Bad settings, over budget, an unusable model file (`ModelFileError`).
        message = " ".join(str(error).split())  # One line, whatever the message holds.
        print(f"error: {message}", file=sys.stderr)
        return 2
