"""The command line: `python -m ffviz train | evaluate | info`.

    python -m ffviz train --epochs 10 --out model.npz
    python -m ffviz evaluate model.npz
    python -m ffviz info
"""

import argparse
import sys
import time



from ffviz.config import FFConfig
from ffviz.data import DATASETS, load_dataset
from ffviz.model import FFNetwork, load_network
from ffviz.system import device_description, versions
from ffviz.train import Trainer, TrainingDiverged

PRESETS = {
    # The default: the keras.io example's 784-500-500 with Hinton's recipe (hard negatives, inputs
    # of mean square 1, softmax read-out, lr constant then linear to 0), a sharper loss and
    # 1-pixel jitter: 98.8% MNIST test accuracy in 10 epochs, about 30 s on 2 CPU cores.
    "default": FFConfig(),
    # Hinton's paper network, four hidden layers of 2000 units for 60 epochs, with the default
    # recipe. About 7.6 TFLOP per epoch: hours on a 2-core CPU, minutes on a GPU.
    "paper": FFConfig(layer_sizes=(2000, 2000, 2000, 2000), epochs=60),
    # The most accurate preset measured on the 2-core CPU: 3 x 1000 (as in loeweX/Forward-Forward
    # and Hinton's Matlab code) for 20 epochs, 99.0% in about 6 minutes.
    "wide": FFConfig(layer_sizes=(1000, 1000, 1000), epochs=20),
    # A few seconds on a CPU: for tests and live demos.
    "tiny": FFConfig(layer_sizes=(200, 200), epochs=2),
}


def parse_layer_sizes(text):
    """'500,500' -> (500, 500), with a readable error for anything else."""
    try:
        sizes = tuple(int(part) for part in str(text).replace(" ", "").split(",") if part)
    except ValueError:
        raise argparse.ArgumentTypeError(f"layers must be comma-separated integers, e.g. 500,500. Received: {text!r}")
    return sizes


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m ffviz", description="Forward-Forward on MNIST.")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a network and save it")
    train.add_argument("--preset", choices=sorted(PRESETS), default="default")
    train.add_argument("--layers", type=parse_layer_sizes, help="hidden layer sizes, e.g. 500,500")
    train.add_argument("--threshold", type=float)
    train.add_argument("--sharpness", type=float)
    train.add_argument("--lr", type=float, dest="learning_rate")
    train.add_argument("--batch-size", type=int)
    train.add_argument("--epochs", type=int)
    train.add_argument("--negatives", choices=["random", "hard"])
    train.add_argument("--readout", choices=["goodness", "softmax"])
    train.add_argument("--input-length", choices=["unit", "sqrt_dim"], help="L2 length of each layer's input")
    train.add_argument("--jitter", type=int, help="shift training images by up to this many pixels")
    train.add_argument("--no-lr-decay", action="store_true", help="keep the learning rate constant")
    train.add_argument("--seed", type=int)
    train.add_argument("--no-xla", action="store_true", help="compile the training steps without XLA")
    train.add_argument("--out", default="model.npz", help="model file to write (default: model.npz)")
    add_data_options(train)

    evaluate = commands.add_parser("evaluate", help="accuracy and per-class table of a saved model")
    evaluate.add_argument("model", help="a model file written by 'train'")
    evaluate.add_argument("--readout", choices=["goodness", "softmax"])
    add_data_options(evaluate)

    info = commands.add_parser("info", help="TensorFlow version, device and data source")
    add_data_options(info)
    return parser


def add_data_options(parser):
    parser.add_argument("--data", help="an .npz in the Keras layout or a folder of the four IDX .gz files")
    parser.add_argument("--dataset", choices=DATASETS, default="mnist")


def config_from_args(args):
    """The preset, with every option given on the command line written over it."""
    fields = [
        "threshold",
        "sharpness",
        "learning_rate",
        "batch_size",
        "epochs",
        "negatives",
        "readout",
        "input_length",
        "jitter",
        "seed",
    ]
    changes = {name: getattr(args, name) for name in fields if getattr(args, name) is not None}
    if args.layers is not None:
        changes["layer_sizes"] = args.layers
    if args.no_lr_decay:
        changes["lr_decay"] = False
    return PRESETS[args.preset].replace(**changes)


def progress_line(record, total_steps, width=30):
    done = int(width * record["step"] / max(total_steps, 1))
    losses = " ".join(f"L{index}={loss:.4f}" for index, loss in enumerate(record["loss"]))
    return f"\r[{'#' * done}{'.' * (width - done)}] epoch {record['epoch']:.2f} step {record['step']}/{total_steps} {losses}"


def run_train(args):
    config = config_from_args(args)
    dataset = load_dataset(args.dataset, args.data, strict=bool(args.data))
    print(dataset.describe())
    for notice in dataset.notices:
        print(f"note: {notice}")
    print(f"device: {device_description()}; config: {config.to_json()}")
    network = FFNetwork(config)
    jit_compile = False if args.no_xla else None  # None: XLA wherever it is faster.
    trainer = Trainer(
        network, dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test, jit_compile=jit_compile
    )
    started = time.perf_counter()
    try:
        for record in trainer.run():
            if record["step"] % 20 == 0 or "test_accuracy" in record:
                sys.stdout.write(progress_line(record, trainer.total_steps))
                sys.stdout.flush()
            if record.get("test_accuracy") is not None:
                print(f"  test accuracy {record['test_accuracy']:.4f}")
    except TrainingDiverged as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    results = {readout: network.evaluate(dataset.x_test, dataset.y_test, readout)["accuracy"] for readout in ("goodness", "softmax")}
    network.metadata = {
        "dataset": dataset.name,
        "data_source": dataset.source,
        "train_seconds": round(seconds, 1),  # Wall time, with the test at each epoch's end.
        "step_seconds": round(trainer.seconds, 1),  # Time inside the training steps only.
        "test_accuracy": results,
        "command": "python -m ffviz " + " ".join(sys.argv[1:]),
        "device": device_description(),
    }
    network.save(args.out)
    print(
        f"trained in {seconds:.1f} s ({trainer.seconds:.1f} s in training steps); test accuracy: "
        f"goodness {results['goodness']:.4f}, softmax {results['softmax']:.4f}"
    )
    print(f"saved {args.out}")
    return 0


def run_evaluate(args):
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
    for name, version in versions().items():
        print(f"{name}: {version}")
    print(f"device: {device_description()}")
    dataset = load_dataset(args.dataset, args.data, strict=bool(args.data))
    print(f"data: {dataset.describe()}")
    for notice in dataset.notices:
        print(f"note: {notice}")
    return 0


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return {"train": run_train, "evaluate": run_evaluate, "info": run_info}[args.command](args)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2



