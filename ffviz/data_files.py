"""The two file layouts that MNIST-like data comes in, read and checked (Hinton 2022, section 3).

- An `.npz` in the Keras layout: the arrays `x_train`, `y_train`, `x_test`, `y_test`.
- A folder holding the four gzipped IDX files of the original MNIST distribution, as Keras,
  Debian and most mirrors name them (`IDX_FILES`).

Whatever the file, `validate_arrays()` turns its arrays into the one layout the rest of ffviz
uses, `(N, 784)` float32 images in [0, 1] and `(N,)` int64 labels in 0..9, or raises
`ValueError` naming the file and what was expected. `ffviz.data` decides which file to read.
"""

import gzip
import lzma
import pathlib
import zipfile
import zlib

import numpy as np

from ffviz.config import IMAGE_PIXELS, IMAGE_SIDE, NUM_CLASSES

NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
# The file names of the original distributions, used by Keras, Debian and most mirrors.
IDX_FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}
IDX_IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, three dimensions.
IDX_LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, one dimension.
# What NumPy, zipfile, gzip, zlib and lzma raise for a truncated or corrupt file.
READ_ERRORS = (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error, lzma.LZMAError, NotImplementedError)


def validate_arrays(x_train, y_train, x_test, y_test, origin):
    """Check four arrays and convert them to the one layout that the rest of ffviz uses.

    Images may be `(N, 28, 28)` or `(N, 784)`, as integers in 0..255 or floats in [0, 1].
    Labels must be integers in 0..9, one per image.

    Args:
        x_train, y_train, x_test, y_test: the arrays as read from a source.
        origin: the file or source they came from, named in error messages.

    Returns:
        `(x_train, y_train, x_test, y_test)`: float32 `(N, 784)` images in [0, 1] and int64
        `(N,)` labels.

    Raises:
        ValueError: naming `origin` and what was expected, for any array that does not fit.
    """
    x_train = _validate_images(x_train, "x_train", origin)
    x_test = _validate_images(x_test, "x_test", origin)
    y_train = _validate_labels(y_train, "y_train", origin)
    y_test = _validate_labels(y_test, "y_test", origin)
    for images, labels, split in ((x_train, y_train, "train"), (x_test, y_test, "test")):
        if len(images) != len(labels):
            raise ValueError(
                f"{origin}: the {split} set has {len(images)} images but {len(labels)} labels; "
                "expected one label per image."
            )
    return x_train, y_train, x_test, y_test


def _validate_images(images, key, origin):
    images = np.asarray(images)
    flat_ok = images.ndim == 2 and images.shape[1] == IMAGE_PIXELS
    square_ok = images.ndim == 3 and images.shape[1:] == (IMAGE_SIDE, IMAGE_SIDE)
    if not (flat_ok or square_ok) or len(images) == 0:
        raise ValueError(
            f"{origin}: {key} must hold at least one image, "
            f"shaped (N, {IMAGE_SIDE}, {IMAGE_SIDE}) or (N, {IMAGE_PIXELS}). "
            f"Received: shape={images.shape}"
        )
    images = images.reshape(len(images), IMAGE_PIXELS)
    if np.issubdtype(images.dtype, np.integer):
        if images.dtype != np.uint8 and (images.min() < 0 or images.max() > 255):
            raise ValueError(
                f"{origin}: integer images in {key} must lie in 0..255. "
                f"Received: values from {images.min()} to {images.max()}"
            )
        # One pass with no intermediate copy: full MNIST is 47 million pixels.
        return np.divide(images, np.float32(255.0), dtype=np.float32)
    if np.issubdtype(images.dtype, np.floating):
        images = images.astype(np.float32)
        if not np.isfinite(images).all():
            raise ValueError(f"{origin}: {key} contains NaN or infinite pixel values.")
        if images.min() < 0.0 or images.max() > 1.0:
            raise ValueError(
                f"{origin}: float images in {key} must lie in [0, 1] (divide 0..255 pixels by "
                f"255). Received: values from {images.min():g} to {images.max():g}"
            )
        return images
    raise ValueError(f"{origin}: {key} must hold uint8 (0..255) or float (0..1) pixels. Received: dtype={images.dtype}")


def _validate_labels(labels, key, origin):
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"{origin}: {key} must be a 1-D array of integer labels. "
            f"Received: shape={labels.shape}, dtype={labels.dtype}"
        )
    if len(labels) and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise ValueError(
            f"{origin}: labels in {key} must lie in 0..{NUM_CLASSES - 1}. "
            f"Received: values from {labels.min()} to {labels.max()}"
        )
    return labels.astype(np.int64)


def read_npz(path):
    """The four arrays of an `.npz` file in the Keras layout, validated."""
    path = pathlib.Path(path)
    # The file is opened here rather than by `np.load`, which leaves it open when a
    # truncated zip makes it fail.
    try:
        stream = open(path, "rb")
    except OSError as error:
        raise ValueError(f"{path}: the file cannot be opened ({error}).") from error
    with stream:
        arrays = _read_npz_arrays(stream, path)
    return validate_arrays(*arrays, origin=path)


def _read_npz_arrays(stream, path):
    try:
        archive = np.load(stream, allow_pickle=False)
    except READ_ERRORS as error:
        raise ValueError(f"{path}: not a readable .npz file; it may be truncated or corrupt ({error}).") from error
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(
            f"{path}: expected an .npz archive holding {', '.join(NPZ_KEYS)}. Received: a single .npy array"
        )
    with archive:
        missing = [key for key in NPZ_KEYS if key not in archive.files]
        if missing:
            raise ValueError(
                f"{path}: expected an .npz with the arrays {', '.join(NPZ_KEYS)}; "
                f"missing {', '.join(missing)}. Received: arrays {sorted(archive.files)}"
            )
        try:
            return [archive[key] for key in NPZ_KEYS]
        except READ_ERRORS as error:
            raise ValueError(
                f"{path}: an array could not be read; the file may be truncated or corrupt ({error})."
            ) from error


def read_idx_folder(folder):
    """The four arrays from a folder holding the standard IDX `.gz` files, validated."""
    folder = pathlib.Path(folder)
    missing = [name for name in IDX_FILES.values() if not (folder / name).is_file()]
    if missing:
        raise ValueError(
            f"{folder}: expected a folder holding {', '.join(IDX_FILES.values())}; missing {', '.join(missing)}."
        )
    arrays = {key: read_idx_file(folder / name) for key, name in IDX_FILES.items()}
    return validate_arrays(*(arrays[key] for key in NPZ_KEYS), origin=folder)


def read_idx_file(path):
    """One gzipped IDX file (the format of the original MNIST distribution) as a uint8 array.

    The header is a big-endian magic number (2051 for images, 2049 for labels) followed by
    one big-endian int32 size per dimension; the unsigned bytes follow.
    """
    try:
        with gzip.open(path, "rb") as stream:
            content = stream.read()
    except READ_ERRORS as error:
        raise ValueError(f"{path}: not a readable gzip file; it may be truncated ({error}).") from error
    if len(content) < 8:
        raise ValueError(f"{path}: too short for an IDX header ({len(content)} bytes).")
    magic = int.from_bytes(content[:4], "big")
    dimensions = {IDX_IMAGES_MAGIC: 3, IDX_LABELS_MAGIC: 1}.get(magic)
    if dimensions is None:
        raise ValueError(
            f"{path}: expected the IDX magic number {IDX_IMAGES_MAGIC} (images) or "
            f"{IDX_LABELS_MAGIC} (labels). Received: magic={magic}"
        )
    header_size = 4 + 4 * dimensions
    shape = tuple(int(size) for size in np.frombuffer(content, dtype=">u4", count=dimensions, offset=4))
    expected_size = header_size + int(np.prod(shape))
    if len(content) != expected_size:
        raise ValueError(
            f"{path}: the IDX header announces shape {shape}, which needs {expected_size} bytes. "
            f"Received: {len(content)} bytes"
        )
    return np.frombuffer(content, dtype=np.uint8, offset=header_size).reshape(shape)


def read_path(path):
    """The four arrays from an `.npz` file or a folder of IDX `.gz` files, validated."""
    path = pathlib.Path(path).expanduser()
    if path.is_dir():
        return read_idx_folder(path)
    if not path.exists():
        raise ValueError(f"{path}: file not found; expected an .npz in the Keras layout or a folder of IDX .gz files.")
    return read_npz(path)
