"""The shipped data samples are honest: their test images are no training images.

The pretrained model was trained on MNIST's full training set, so a sample test digit that is
also a training digit measures the model on what it has learned by heart and over-states its
accuracy. Each image is hashed (SHA-256 of its 784 bytes), so the check is exact and cheap:
the sample's test part must not meet its own train part, nor, when the complete MNIST of
`../shared/data/mnist.npz` is there, any of MNIST's 60,000 training images.
"""

import hashlib

import numpy as np
import pytest

from tests.helpers import FASHION_SAMPLE, FULL_MNIST, MNIST_SAMPLE

SAMPLES = {"mnist": MNIST_SAMPLE, "fashion": FASHION_SAMPLE}
EXPECTED_COUNTS = {"x_train": 4000, "y_train": 4000, "x_test": 1000, "y_test": 1000}


def image_hashes(images):
    """The SHA-256 digest of each uint8 image, as a list in the images' order."""
    if images.dtype != np.uint8:
        raise ValueError(f"Expected uint8 images, so that equal pixels hash equally. Received: dtype={images.dtype}")
    return [hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest() for image in images]


def read_arrays(path):
    with np.load(path) as data:
        return {key: data[key] for key in data.files}


def test_image_hashes_tell_images_apart_by_a_single_pixel():
    """Test that the hash, on which the checks below rely, tells one pixel apart and finds equal images equal."""
    images = np.zeros((3, 28, 28), np.uint8)
    images[1, 27, 27] = 1
    images[2] = images[1]
    first, second, third = image_hashes(images)
    assert first != second and second == third


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_keeps_its_layout(name):
    """Test that a sample has the four Keras arrays, as uint8, 400 / 100 images of each class."""
    arrays = read_arrays(SAMPLES[name])
    assert sorted(arrays) == sorted(EXPECTED_COUNTS)
    for key, count in EXPECTED_COUNTS.items():
        assert arrays[key].dtype == np.uint8, key
        assert arrays[key].shape == ((count, 28, 28) if key.startswith("x") else (count,)), key
    assert np.bincount(arrays["y_train"], minlength=10).tolist() == [400] * 10
    assert np.bincount(arrays["y_test"], minlength=10).tolist() == [100] * 10


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_no_sample_test_image_is_one_of_its_training_images(name):
    """Test that the sample's test part and train part share no image, and neither repeats one."""
    arrays = read_arrays(SAMPLES[name])
    train, test = image_hashes(arrays["x_train"]), image_hashes(arrays["x_test"])
    assert len(set(train)) == len(train) and len(set(test)) == len(test)
    shared = set(test) & set(train)
    assert not shared, f"{len(shared)} test images of {SAMPLES[name].name} are also in its train part"


def test_no_mnist_sample_test_image_is_an_mnist_training_image():
    """Test that the shipped model, trained on MNIST's training set, never sees its test digits in training.

    Also that the sample's test digits are MNIST test digits and its train digits MNIST
    training digits, so the sample is a true miniature of MNIST's own split.
    """
    if not FULL_MNIST.is_file():
        pytest.skip(f"the complete MNIST is not at {FULL_MNIST}; the sample's own split is checked above")
    sample = read_arrays(MNIST_SAMPLE)
    with np.load(FULL_MNIST) as full:
        full_train, full_test = set(image_hashes(full["x_train"])), set(image_hashes(full["x_test"]))
    sample_test = image_hashes(sample["x_test"])
    leaked = sum(digest in full_train for digest in sample_test)
    assert leaked == 0, f"{leaked} of the {len(sample_test)} sample test digits are MNIST training digits"
    assert all(digest in full_test for digest in sample_test)
    assert all(digest in full_train for digest in image_hashes(sample["x_train"]))
