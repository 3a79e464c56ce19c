"""Build `assets/fashion_mnist_sample.npz`: 5,000 Fashion-MNIST images that ship with ffviz.

The app falls back to this sample when no full copy of Fashion-MNIST can be found, so that it
always starts. The images come from Debian's package `dataset-fashion-mnist`
(`apt-get install dataset-fashion-mnist`), which installs the four original IDX files in
`/usr/share/datasets/fashion-mnist/`. They are read with ffviz's own IDX reader.

The split is class-balanced and deterministic and keeps Fashion-MNIST's own train/test split:
the first 400 images of each class in the training file, and the first 100 of each class in
the test file, in file order. The output uses the Keras layout: `x_train` (4000, 28, 28)
uint8, `y_train` (4000,) uint8, `x_test` (1000, 28, 28) uint8, `y_test` (1000,) uint8.

Clothes compress worse than digits: with NumPy's usual deflate the file is 2.2 MB, so the
arrays are written into the `.npz` (a zip of `.npy` files) with LZMA instead, which gives
1.9 MB. `numpy.load` reads it like any other `.npz`.

Licence: Fashion-MNIST is by Zalando Research (Han Xiao, Kashif Rasul, Roland Vollgraf) and is
available under the MIT licence.

Usage:
    python scripts/make_fashion_sample.py [--source /usr/share/datasets/fashion-mnist]
        [--out assets/fashion_mnist_sample.npz]
"""

import argparse
import io
import pathlib
import sys
import zipfile

import numpy as np

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ffviz.data_files import IDX_FILES, read_idx_file  # noqa: E402

DEBIAN_FOLDER = pathlib.Path("/usr/share/datasets/fashion-mnist")
TRAIN_PER_CLASS = 400
TEST_PER_CLASS = 100


def first_per_class(labels, per_class):
    """Indices of the first `per_class` images of each class, in file order."""
    chosen = []
    for label in range(10):
        indices = np.flatnonzero(labels == label)
        if len(indices) < per_class:
            raise ValueError(f"Class {label} has only {len(indices)} images; {per_class} are needed.")
        chosen.append(indices[:per_class])
    return np.sort(np.concatenate(chosen))


def write_lzma_npz(path, **arrays):
    """Write `arrays` as an `.npz` whose members are LZMA-compressed `.npy` files.

    The fixed timestamp makes the file byte-for-byte the same on every run.
    """
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_LZMA) as archive:
        for key, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            member = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_LZMA
            archive.writestr(member, buffer.getvalue())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=pathlib.Path, default=DEBIAN_FOLDER)
    parser.add_argument("--out", type=pathlib.Path, default=REPO / "assets" / "fashion_mnist_sample.npz")
    args = parser.parse_args()
    arrays = {key: read_idx_file(args.source / file_name) for key, file_name in IDX_FILES.items()}
    train_indices = first_per_class(arrays["y_train"], TRAIN_PER_CLASS)
    test_indices = first_per_class(arrays["y_test"], TEST_PER_CLASS)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_lzma_npz(
        args.out,
        x_train=arrays["x_train"][train_indices],
        y_train=arrays["y_train"][train_indices],
        x_test=arrays["x_test"][test_indices],
        y_test=arrays["y_test"][test_indices],
    )
    print(f"wrote {args.out}: {len(train_indices)} train / {len(test_indices)} test, {args.out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
