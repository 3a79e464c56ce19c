"""MNIST and Fashion-MNIST, loaded from wherever they can be found (Hinton 2022, section 3).

Forward-Forward is evaluated on MNIST in the paper; Fashion-MNIST is a harder drop-in with
the same shapes. `load_dataset()` tries, in order:

1. an explicit `path` argument, else the environment variable `FFVIZ_DATA` (MNIST) or
   `FFVIZ_FASHION_DATA` (Fashion-MNIST). The path is an `.npz` in the Keras layout or a folder
   holding the four standard IDX `.gz` files;
2. `keras.datasets`: its cache under `~/.keras/datasets/` (or `$KERAS_HOME/datasets/`), then a
   download when the download server answers;
3. for Fashion-MNIST only, Debian's package `dataset-fashion-mnist` in
   `/usr/share/datasets/fashion-mnist/`;
4. the small sample shipped in `assets/`, so the app always starts.

Every source goes through `validate_arrays()`, so whatever the origin the caller gets
`(N, 784)` float32 images in [0, 1] and `(N,)` int64 labels in 0..9. A broken explicit source
raises `ValueError` with `strict=True` (the command line) and becomes a notice with
`strict=False` (the app), which then falls through to the next source.
"""

import dataclasses
import gzip
import lzma
import os
import pathlib
import socket
import zipfile
import zlib

import numpy as np

DATASETS = ("mnist", "fashion_mnist")
DISPLAY_NAMES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}
ENVIRONMENT_VARIABLES = {"mnist": "FFVIZ_DATA", "fashion_mnist": "FFVIZ_FASHION_DATA"}
LABEL_NAMES = {
    "mnist": [str(digit) for digit in range(10)],
    "fashion_mnist": [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ],
}
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
IMAGE_SIDE = 28
IMAGE_PIXELS = IMAGE_SIDE * IMAGE_SIDE
NUM_CLASSES = 10

ASSETS_DIR = pathlib.Path(__file__).resolve().parent.parent / "assets"
SAMPLE_FILES = {"mnist": "mnist_sample.npz", "fashion_mnist": "fashion_mnist_sample.npz"}
DEBIAN_FASHION_DIR = pathlib.Path("/usr/share/datasets/fashion-mnist")
# Where keras.datasets keeps its downloads, relative to the Keras home folder.
KERAS_CACHE_NAMES = {"mnist": "mnist.npz", "fashion_mnist": "fashion-mnist"}
# keras.datasets downloads from here; a quick connection test tells whether a download can work.
KERAS_DOWNLOAD_HOST = ("storage.googleapis.com", 443)
DOWNLOAD_PROBE_SECONDS = 3.0
# What NumPy, zipfile, gzip, zlib and lzma raise for a truncated or corrupt file.
READ_ERRORS = (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error, lzma.LZMAError, NotImplementedError)


@dataclasses.dataclass(eq=False)
class Dataset:
    """Images and labels of one dataset, with where they came from.

    Attributes:
        name: `"mnist"` or `"fashion_mnist"`.
        x_train, x_test: images, float32 of shape `(N, 784)` with values in [0, 1].
        y_train, y_test: labels, int64 of shape `(N,)` with values in 0..9.
        source: where the arrays were read from, for people to read.
        is_sample: True for the small sample shipped in `assets/`, not the full dataset.
        notices: what the user must be told, such as a data path that could not be used.
        label_names: the ten class names, indexed by label.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    is_sample: bool = False
    notices: list = dataclasses.field(default_factory=list)
    label_names: list = dataclasses.field(default_factory=list)

    def describe(self):
        """One line saying which data this is, where it came from and how much there is."""
        line = (
            f"{DISPLAY_NAMES.get(self.name, self.name)} from {self.source}: "
            f"{len(self.x_train):,} train / {len(self.x_test):,} test"
        )
        if self.is_sample:
            line += " (a small sample, not the full dataset)"
        return line


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
            f"{origin}: {key} must hold at least one image, shaped (N, 28, 28) or (N, 784). "
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


def keras_cache_path(name):
    """Where `keras.datasets` keeps `name` once downloaded; it follows `$KERAS_HOME`."""
    keras_home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return pathlib.Path(keras_home) / "datasets" / KERAS_CACHE_NAMES[name]


def keras_cache_is_complete(cache_path):
    """Whether a Keras cache entry holds all its files; a failed download can leave a bare folder."""
    if cache_path.suffix == ".npz":
        return cache_path.is_file()
    return all((cache_path / file_name).is_file() for file_name in IDX_FILES.values())


def download_is_possible():
    """Whether the `keras.datasets` download server answers within a few seconds.

    Keras downloads with `urllib` and no time limit, so without this check a firewall that
    drops packets would leave the app hanging instead of falling back to other sources.
    """
    try:
        with socket.create_connection(KERAS_DOWNLOAD_HOST, timeout=DOWNLOAD_PROBE_SECONDS):
            return True
    except OSError:
        return False


def load_with_keras(name):
    """The four arrays from `keras.datasets`, which may download them into its cache."""
    import keras  # Imported here: reading local files should not wait for TensorFlow.

    module = {"mnist": keras.datasets.mnist, "fashion_mnist": keras.datasets.fashion_mnist}[name]
    (x_train, y_train), (x_test, y_test) = module.load_data()
    return validate_arrays(x_train, y_train, x_test, y_test, origin=f"keras.datasets.{name}")


def load_dataset(name="mnist", path=None, strict=False, download=True):
    """Load MNIST or Fashion-MNIST from the first source that works.

    Args:
        name: `"mnist"` or `"fashion_mnist"`.
        path: an `.npz` in the Keras layout or a folder of IDX `.gz` files. When None, the
            environment variable `FFVIZ_DATA` (MNIST) or `FFVIZ_FASHION_DATA` is used if set.
        strict: if True, a path that cannot be read raises `ValueError`; if False it becomes
            a notice and the next source is tried, so the app still starts.
        download: whether `keras.datasets` may download the data when it is not cached.

    Returns:
        A `Dataset`. Its `notices` say which sources failed and why, and whether it is only
        the shipped sample.

    Raises:
        ValueError: for an unknown `name`; with `strict=True` for an unreadable `path`; and
            when no source works at all, not even the shipped sample.
    """
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset; expected one of {DATASETS}. Received: name={name!r}")
    failures = []  # Why each source tried so far did not work, for the notices.
    # Each source returns None when it cannot be used, so the first that works wins.
    return (
        _load_explicit_path(name, path, strict, failures)
        or _load_from_keras(name, download, failures)
        or _load_from_debian(name, failures)
        or _load_sample(name, failures)
    )


def _load_explicit_path(name, path, strict, failures):
    """The dataset at `path` or at the environment variable's path; None if unset or unusable."""
    environment_variable = ENVIRONMENT_VARIABLES[name]
    if path is not None:
        label = f"data path {path}"
    elif os.environ.get(environment_variable):
        path = os.environ[environment_variable]
        label = f"{environment_variable}={path}"
    else:
        return None
    try:
        arrays = read_path(path)
    except ValueError as error:
        if strict:
            raise
        failures.append(f"{label}: {_reason(error, path)}")
        return None
    return _make_dataset(name, arrays, str(pathlib.Path(path).expanduser()), False, failures)


def _load_from_keras(name, download, failures):
    """The dataset from the Keras cache, else downloaded by `keras.datasets`; None if neither works."""
    cache_path = keras_cache_path(name)
    if keras_cache_is_complete(cache_path):
        try:
            return _make_dataset(name, read_path(cache_path), f"the Keras cache {cache_path}", False, failures)
        except ValueError as error:
            failures.append(f"Keras cache: {error}")
            return None
    if not (download and download_is_possible()):
        return None
    try:
        return _make_dataset(name, load_with_keras(name), f"keras.datasets.{name}", False, failures)
    except Exception as error:  # Any network, disk or format failure means: try the next source.
        failures.append(f"keras.datasets.{name}: download failed ({type(error).__name__}: {error})")
        return None


def _load_from_debian(name, failures):
    """Fashion-MNIST from Debian's `dataset-fashion-mnist` package; None if absent or unusable."""
    if name != "fashion_mnist" or not DEBIAN_FASHION_DIR.is_dir():
        return None
    try:
        return _make_dataset(name, read_idx_folder(DEBIAN_FASHION_DIR), str(DEBIAN_FASHION_DIR), False, failures)
    except ValueError as error:
        failures.append(f"Debian package dataset-fashion-mnist: {error}")
        return None


def _load_sample(name, failures):
    """The small sample shipped in `assets/`, with a notice saying it is only a sample."""
    sample_path = ASSETS_DIR / SAMPLE_FILES[name]
    try:
        arrays = read_npz(sample_path)
    except ValueError as error:
        failures.append(f"shipped sample: {error}")
        raise ValueError(f"Could not load {DISPLAY_NAMES[name]} from any source. " + " ".join(failures)) from error
    dataset = _make_dataset(name, arrays, f"shipped sample assets/{SAMPLE_FILES[name]}", True, failures)
    dataset.notices.append(
        f"This is a small sample of {DISPLAY_NAMES[name]} shipped with ffviz "
        f"({len(dataset.x_train):,} train / {len(dataset.x_test):,} test images), not the full "
        f"dataset, so accuracies are lower than in the paper. Set {ENVIRONMENT_VARIABLES[name]} "
        "to an .npz in the Keras layout or a folder of IDX .gz files to use the full dataset."
    )
    return dataset


def _reason(error, path):
    """The error message without the path at its start, since the notice names it already."""
    message = str(error)
    prefix = f"{pathlib.Path(path).expanduser()}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


def _make_dataset(name, arrays, source, is_sample, failures):
    x_train, y_train, x_test, y_test = arrays
    notices = [f"{failure.rstrip('.')}; using {source} instead." for failure in failures]
    return Dataset(
        name=name,
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        source=source,
        is_sample=is_sample,
        notices=notices,
        label_names=list(LABEL_NAMES[name]),
    )
