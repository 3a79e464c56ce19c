"""Tests for `ffviz.data`: every source, the validation, and the fallback to the sample."""

import gzip
from pathlib import Path

import numpy as np
import pytest

from ffviz import data, data_files

FULL_MNIST = Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist.npz"


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No data environment variables and an empty Keras cache, so only local sources count."""
    monkeypatch.delenv("FFVIZ_DATA", raising=False)
    monkeypatch.delenv("FFVIZ_FASHION_DATA", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))


def small_arrays(train=50, test=20, seed=0):
    """Random uint8 images and balanced labels in the Keras layout."""
    generator = np.random.default_rng(seed)
    return {
        "x_train": generator.integers(0, 256, size=(train, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(train) % 10).astype(np.uint8),
        "x_test": generator.integers(0, 256, size=(test, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(test) % 10).astype(np.uint8),
    }


def write_idx(path, array):
    """Write a uint8 array as a gzipped IDX file, the format of the original MNIST files."""
    magic = data_files.IDX_IMAGES_MAGIC if array.ndim == 3 else data_files.IDX_LABELS_MAGIC
    header = magic.to_bytes(4, "big") + b"".join(int(size).to_bytes(4, "big") for size in array.shape)
    with gzip.open(path, "wb") as stream:
        stream.write(header + array.astype(np.uint8).tobytes())


def write_idx_folder(folder, arrays):
    folder.mkdir(parents=True, exist_ok=True)
    for key, file_name in data.IDX_FILES.items():
        write_idx(folder / file_name, arrays[key])
    return folder


def test_shipped_mnist_sample_loads_balanced_and_says_it_is_a_sample(offline):
    dataset = data.load_dataset("mnist", download=False)
    assert dataset.is_sample
    assert dataset.source == "shipped sample assets/mnist_sample.npz"
    assert dataset.x_train.shape == (4000, 784) and dataset.x_test.shape == (1000, 784)
    assert dataset.x_train.dtype == np.float32 and dataset.y_train.dtype == np.int64
    assert dataset.x_train.min() == 0.0 and dataset.x_train.max() == 1.0
    np.testing.assert_array_equal(np.bincount(dataset.y_train), [400] * 10)
    np.testing.assert_array_equal(np.bincount(dataset.y_test), [100] * 10)
    assert dataset.label_names == [str(digit) for digit in range(10)]
    assert len(dataset.notices) == 1 and "small sample" in dataset.notices[0]
    assert "FFVIZ_DATA" in dataset.notices[0]
    assert dataset.describe() == (
        "MNIST from shipped sample assets/mnist_sample.npz: 4,000 train / 1,000 test "
        "(a small sample, not the full dataset)"
    )


def test_shipped_fashion_sample_is_balanced_and_small():
    path = data.ASSETS_DIR / data.SAMPLE_FILES["fashion_mnist"]
    assert path.stat().st_size < 2 * 1024 * 1024
    x_train, y_train, x_test, y_test = data.read_npz(path)
    assert x_train.shape == (4000, 784) and x_test.shape == (1000, 784)
    np.testing.assert_array_equal(np.bincount(y_train), [400] * 10)
    np.testing.assert_array_equal(np.bincount(y_test), [100] * 10)


def test_npz_round_trips_through_load_dataset(offline, tmp_path):
    arrays = small_arrays()
    path = tmp_path / "tiny.npz"
    np.savez(path, **arrays)
    dataset = data.load_dataset("mnist", path=path, strict=True)
    assert not dataset.is_sample and dataset.notices == []
    assert dataset.source == str(path)
    np.testing.assert_allclose(dataset.x_train * 255.0, arrays["x_train"].reshape(50, 784), atol=1e-4)
    np.testing.assert_array_equal(dataset.y_test, arrays["y_test"])
    assert dataset.describe() == f"MNIST from {path}: 50 train / 20 test"


def test_flat_float_images_are_accepted(tmp_path):
    arrays = small_arrays()
    arrays["x_train"] = arrays["x_train"].reshape(50, 784).astype(np.float64) / 255.0
    path = tmp_path / "flat.npz"
    np.savez(path, **arrays)
    x_train, _, _, _ = data.read_npz(path)
    assert x_train.shape == (50, 784) and x_train.dtype == np.float32
    np.testing.assert_allclose(x_train, arrays["x_train"], atol=1e-6)


def test_idx_folder_loads(offline, tmp_path):
    arrays = small_arrays()
    folder = write_idx_folder(tmp_path / "idx", arrays)
    dataset = data.load_dataset("fashion_mnist", path=folder, strict=True)
    assert dataset.source == str(folder)
    assert dataset.label_names[0] == "T-shirt/top" and dataset.label_names[9] == "Ankle boot"
    np.testing.assert_array_equal(dataset.y_train, arrays["y_train"])
    np.testing.assert_allclose(dataset.x_test * 255.0, arrays["x_test"].reshape(20, 784), atol=1e-4)


def test_idx_with_wrong_magic_number_names_the_file(tmp_path):
    folder = write_idx_folder(tmp_path / "idx", small_arrays())
    labels_file = folder / data.IDX_FILES["y_train"]
    with gzip.open(labels_file, "wb") as stream:
        stream.write((1234).to_bytes(4, "big") + (50).to_bytes(4, "big") + bytes(50))
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte\.gz.*magic"):
        data.read_path(folder)


def test_idx_with_missing_bytes_names_the_file(tmp_path):
    folder = write_idx_folder(tmp_path / "idx", small_arrays())
    images_file = folder / data.IDX_FILES["x_test"]
    with gzip.open(images_file, "rb") as stream:
        content = stream.read()
    with gzip.open(images_file, "wb") as stream:
        stream.write(content[:-100])
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte\.gz.*bytes"):
        data.read_path(folder)


def test_idx_folder_missing_a_file_says_which(tmp_path):
    folder = write_idx_folder(tmp_path / "idx", small_arrays())
    (folder / data.IDX_FILES["y_test"]).unlink()
    with pytest.raises(ValueError, match="missing t10k-labels-idx1-ubyte.gz"):
        data.read_path(folder)


def write_broken(kind, path):
    """Write one kind of unusable data file at `path`."""
    arrays = small_arrays()
    if kind == "truncated":
        np.savez_compressed(path, **arrays)
        path.write_bytes(path.read_bytes()[:2000])
        return
    if kind == "wrong_shape":
        arrays["x_train"] = np.zeros((50, 32, 32), dtype=np.uint8)
    elif kind == "label_11":
        arrays["y_train"][3] = 11
    elif kind == "wrong_keys":
        arrays["images"] = arrays.pop("x_train")
    elif kind == "count_mismatch":
        arrays["y_test"] = arrays["y_test"][:-1]
    elif kind == "nan":
        arrays["x_test"] = np.full((20, 784), np.nan, dtype=np.float32)
    elif kind == "above_one":
        arrays["x_test"] = np.full((20, 784), 3.0, dtype=np.float32)
    np.savez(path, **arrays)


BROKEN = {
    "missing": "file not found",
    "truncated": "truncated or corrupt",
    "wrong_shape": r"\(N, 28, 28\) or \(N, 784\)",
    "label_11": r"0\.\.9",
    "wrong_keys": "missing x_train",
    "count_mismatch": "20 images but 19 labels",
    "nan": "NaN",
    "above_one": r"\[0, 1\]",
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_broken_file_raises_naming_it_when_strict(kind, offline, tmp_path):
    path = tmp_path / f"broken_{kind}.npz"
    if kind != "missing":
        write_broken(kind, path)
    with pytest.raises(ValueError, match=BROKEN[kind]) as raised:
        data.load_dataset("mnist", path=path, strict=True)
    assert str(path) in str(raised.value)


@pytest.mark.parametrize("kind", ["missing", "truncated", "label_11", "wrong_keys"])
def test_broken_file_becomes_a_notice_and_the_sample_when_not_strict(kind, offline, tmp_path):
    path = tmp_path / f"broken_{kind}.npz"
    if kind != "missing":
        write_broken(kind, path)
    dataset = data.load_dataset("mnist", path=path, strict=False, download=False)
    assert dataset.is_sample
    assert str(path) in dataset.notices[0]
    assert dataset.notices[0].endswith("using shipped sample assets/mnist_sample.npz instead.")
    assert "small sample" in dataset.notices[-1]


def test_environment_variable_is_honoured(offline, monkeypatch, tmp_path):
    path = tmp_path / "from_env.npz"
    np.savez(path, **small_arrays(train=30))
    monkeypatch.setenv("FFVIZ_DATA", str(path))
    dataset = data.load_dataset("mnist", download=False)
    assert dataset.source == str(path) and len(dataset.x_train) == 30


def test_bad_environment_variable_is_named_in_the_notice(offline, monkeypatch, tmp_path):
    monkeypatch.setenv("FFVIZ_DATA", str(tmp_path / "nowhere.npz"))
    dataset = data.load_dataset("mnist", download=False)
    assert dataset.is_sample
    assert dataset.notices[0].startswith(f"FFVIZ_DATA={tmp_path / 'nowhere.npz'}: file not found")
    with pytest.raises(ValueError, match="nowhere.npz: file not found"):
        data.load_dataset("mnist", strict=True, download=False)


def test_keras_cache_is_used_before_the_sample(offline, tmp_path):
    cache_file = data.keras_cache_path("mnist")
    assert cache_file == tmp_path / "keras_home" / "datasets" / "mnist.npz"
    cache_file.parent.mkdir(parents=True)
    np.savez(cache_file, **small_arrays(train=40))
    dataset = data.load_dataset("mnist", download=False)
    assert not dataset.is_sample and len(dataset.x_train) == 40
    assert str(cache_file) in dataset.source


def test_incomplete_keras_cache_folder_is_ignored(offline):
    data.keras_cache_path("fashion_mnist").mkdir(parents=True)
    assert not data.keras_cache_is_complete(data.keras_cache_path("fashion_mnist"))


def test_unknown_dataset_name_is_rejected():
    with pytest.raises(ValueError, match="Received: name='cifar10'"):
        data.load_dataset("cifar10")


@pytest.mark.skipif(not data.DEBIAN_FASHION_DIR.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_fashion_mnist_loads_from_the_debian_package(offline):
    dataset = data.load_dataset("fashion_mnist", download=False)
    assert not dataset.is_sample and dataset.notices == []
    assert dataset.source == str(data.DEBIAN_FASHION_DIR)
    assert dataset.x_train.shape == (60000, 784) and dataset.x_test.shape == (10000, 784)
    np.testing.assert_array_equal(np.bincount(dataset.y_test), [1000] * 10)


@pytest.mark.skipif(not FULL_MNIST.is_file(), reason=f"{FULL_MNIST} is not present")
def test_full_mnist_loads_from_the_shared_file(offline):
    dataset = data.load_dataset("mnist", path=FULL_MNIST, strict=True)
    assert dataset.x_train.shape == (60000, 784) and dataset.x_test.shape == (10000, 784)
    assert dataset.describe() == f"MNIST from {FULL_MNIST}: 60,000 train / 10,000 test"
    assert dataset.y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
