"""The drawing canvas's message: what `ui/canvas_input.js` sends and `ui.canvas_input` reads back.

The browser half is checked in tests/e2e/test_goodness_canvas.py (a real stroke gives the right
prediction); the pages' handling of bad messages in tests/robustness/test_robust_inputs.py.
"""

import base64

import numpy as np
import pytest

from ffviz.preprocess import canvas_to_mnist
from ui.canvas_input import CANVAS_SIDE, MAX_DRAWING_CHARS, decode_drawing, encode_drawing


def test_a_drawing_survives_the_trip_row_by_row():
    """Test that pixels come back in place: row-major, one byte each, no transposition."""
    pixels = np.zeros((CANVAS_SIDE, CANVAS_SIDE), np.uint8)
    pixels[3, 250] = 255  # Row 3, column 250: a transposed reading would put it at row 250.
    pixels[200, 7] = 128
    decoded = decode_drawing(encode_drawing(pixels))
    assert decoded.shape == (CANVAS_SIDE, CANVAS_SIDE) and decoded.dtype == np.uint8
    assert decoded[3, 250] == 255 and decoded[200, 7] == 128 and decoded.sum() == 255 + 128


def test_the_message_is_exactly_one_drawing_long():
    """Test that the length bound is the base64 length of one drawing: a full message fits it exactly."""
    message = encode_drawing(np.full((CANVAS_SIDE, CANVAS_SIDE), 255, np.uint8))
    assert len(message) == MAX_DRAWING_CHARS == 104_536


def test_a_vertical_stroke_reads_as_a_one():
    """Test that a decoded stroke becomes an upright MNIST-sized digit through the pages' preprocessing."""
    pixels = np.zeros((CANVAS_SIDE, CANVAS_SIDE), np.uint8)
    pixels[40:240, 131:149] = 255  # A vertical bar, the pen's width, as a mouse "1" draws it.
    image = canvas_to_mnist(decode_drawing(encode_drawing(pixels)))
    rows, columns = np.nonzero(image > 0.5)
    assert rows.max() - rows.min() + 1 == 20  # MNIST fits the longer side in 20 pixels.
    assert columns.max() - columns.min() + 1 < 5


def test_no_drawing_yet_is_none():
    assert decode_drawing(None) is None


@pytest.mark.parametrize(
    "message, expected",
    [
        ("a" * 7 + "!", "not base64"),
        (base64.b64encode(bytes(CANVAS_SIDE * CANVAS_SIDE - 1)).decode(), f"Received: {CANVAS_SIDE**2 - 1} pixels"),
        ("A" * (MAX_DRAWING_CHARS + 1), "Received: 104537 characters"),
        (b"bytes", "Received: bytes"),
        ([0, 1], "Received: list"),
    ],
)
def test_anything_else_is_a_clear_error(message, expected):
    with pytest.raises(ValueError, match=expected):
        decode_drawing(message)


def test_encode_refuses_another_size():
    with pytest.raises(ValueError, match=r"Received: shape=\(28, 28\)"):
        encode_drawing(np.zeros((28, 28)))
