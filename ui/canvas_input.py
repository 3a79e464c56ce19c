"""The drawing canvas that the Goodness and Join pages share: one size, one pen, one way to read it.

A white pen 18 pixels wide on a black 280 x 280 square: ten times MNIST's 28, large enough to
draw on with a finger and small enough for a 390-pixel-wide phone with the page's margins.

The canvas is ffviz's own Streamlit component (`st.components.v2`, the script in
`canvas_input.js`), not `streamlit-drawable-canvas`: that one waits 200 ms after a stroke before it
sends anything and then sends 280 x 280 x 4 numbers as JSON, which together took more than half
of issue 12's 500 ms between mouse-up and finished bars. Ours sends when the stroke ends, one byte
per pixel in base64 (105 kB). `ffviz.preprocess.canvas_to_mnist` turns the picture into a 28 x 28
digit.
"""

import base64
import binascii
import pathlib

import numpy as np
import streamlit as st

CANVAS_SIDE = 280  # Pixels.
PEN_WIDTH = 18  # Pixels: a stroke about as thick as MNIST's, once scaled down by ten.
DRAWING_BYTES = CANVAS_SIDE * CANVAS_SIDE  # One grey byte per pixel, row by row.
MAX_DRAWING_CHARS = 4 * (DRAWING_BYTES + 2) // 3  # Base64 of exactly one drawing; longer is refused unread.

CSS = """
canvas.ffviz-digit-canvas {
    display: block;
    border-radius: 0.5rem;
    cursor: crosshair;
    touch-action: none; /* A finger draws instead of scrolling the page. */
}
"""
_digit_canvas = st.components.v2.component(
    "ffviz.digit_canvas",
    css=CSS,
    js=(pathlib.Path(__file__).with_name("canvas_input.js")).read_text(encoding="utf-8"),
)


def digit_canvas(canvas_key):
    """Show the canvas with `canvas_key` (a new key draws an empty canvas) and return its drawing.

    Returns:
        The drawing as a (280, 280) uint8 array of grey levels (white ink on black), or None
        before the first stroke.

    Raises:
        ValueError: if what the browser sent is not one drawing (see `decode_drawing`).
    """
    result = _digit_canvas(
        key=canvas_key,
        data={"side": CANVAS_SIDE, "pen": PEN_WIDTH},
        default={"pixels": None},
        on_pixels_change=_rerun_only,
        width=CANVAS_SIDE,
        height=CANVAS_SIDE,
    )
    return decode_drawing(result.pixels)


def _rerun_only():
    """A new drawing needs no callback: the rerun it causes reads it (a callback names the state key)."""


def decode_drawing(value):
    """The canvas's message as a (280, 280) uint8 grey image; None for no drawing yet.

    The browser is not trusted: anything but base64 of exactly 280 x 280 bytes is a `ValueError`
    that says what came instead, and a string longer than one drawing is refused before decoding.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"Expected the drawing as base64 text. Received: {type(value).__name__}")
    if len(value) > MAX_DRAWING_CHARS:
        raise ValueError(
            f"Expected at most {MAX_DRAWING_CHARS} characters of drawing. Received: {len(value)} characters"
        )
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("Expected the drawing as base64 text. Received: text that is not base64") from None
    if len(raw) != DRAWING_BYTES:
        raise ValueError(
            f"Expected {DRAWING_BYTES} pixels ({CANVAS_SIDE} x {CANVAS_SIDE}). Received: {len(raw)} pixels"
        )
    return np.frombuffer(raw, dtype=np.uint8).reshape(CANVAS_SIDE, CANVAS_SIDE)


def encode_drawing(pixels):
    """The message the canvas sends for `pixels`, a (280, 280) uint8 grey image: for tests and benchmarks."""
    pixels = np.asarray(pixels, dtype=np.uint8)
    if pixels.shape != (CANVAS_SIDE, CANVAS_SIDE):
        raise ValueError(f"Expected a ({CANVAS_SIDE}, {CANVAS_SIDE}) image. Received: shape={pixels.shape}")
    return base64.b64encode(pixels.tobytes()).decode("ascii")
