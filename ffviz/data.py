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

Every source goes through `ffviz.data_files.validate_arrays()`, so whatever the origin the caller gets
`(N, 784)` float32 images in [0, 1] and `(N,)` int64 labels in 0..9. A broken explicit source
raises `ValueError` with `strict=True` (the command line) and becomes a notice with
`strict=False` (the app), which then falls through to the next source.
"""

import dataclasses
import os
import pathlib
import socket

import numpy as np

from ffviz.config import DATASETS, NUM_CLASSES
from ffviz.data_files import IDX_FILES, read_idx_folder, read_npz, read_path, validate_arrays

DISPLAY_NAMES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}
ENVIRONMENT_VARIABLES = {"mnist": "FFVIZ_DATA", "fashion_mnist": "FFVIZ_FASHION_DATA"}
LABEL_NAMES = {
    "mnist": [str(digit) for digit in range(NUM_CLASSES)],
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

ASSETS_DIR = pathlib.Path(__file__).resolve().parent.parent / "assets"
SAMPLE_FILES = {"mnist": "mnist_sample.npz", "fashion_mnist": "fashion_mnist_sample.npz"}
DEBIAN_FASHION_DIR = pathlib.Path("/usr/share/datasets/fashion-mnist")
# Where keras.datasets keeps its downloads, relative to the Keras home folder.
KERAS_CACHE_NAMES = {"mnist": "mnist.npz", "fashion_mnist": "fashion-mnist"}
# keras.datasets downloads from here; a quick connection test tells whether a download can work.
KERAS_DOWNLOAD_HOST = ("storage.googleapis.com", 443)
DOWNLOAD_PROBE_SECONDS = 3.0


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
