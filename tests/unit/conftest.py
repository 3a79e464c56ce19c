"""Fixtures shared by the unit tests: the shipped MNIST sample and small networks."""

import pathlib

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = REPO / "assets" / "mnist_sample.npz"


@pytest.fixture(scope="session")
def sample():
    """The shipped sample as float arrays: (x_train, y_train, x_test, y_test)."""
    with np.load(SAMPLE) as data:
        return tuple(
            (data[key].reshape(len(data[key]), -1).astype(np.float32) / 255.0)
            if key.startswith("x")
            else data[key].astype(np.int64)
            for key in ("x_train", "y_train", "x_test", "y_test")
        )
