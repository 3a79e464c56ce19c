"""Fixtures shared by the unit tests: the shipped MNIST sample as the trainers take it."""

import pytest

from tests.helpers import load_sample


@pytest.fixture(scope="session")
def sample():
    """The shipped sample as float arrays: (x_train, y_train, x_test, y_test)."""
    return load_sample()
