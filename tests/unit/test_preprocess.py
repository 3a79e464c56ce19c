"""Tests for `ffviz.preprocess`: canvases and uploaded files to MNIST-like 28x28 inputs."""

import io
import os

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ffviz import preprocess


def black_canvas(height=280, width=280):
    """An opaque black RGBA canvas, as a browser canvas with a black background reads."""
    canvas = np.zeros((height, width, 4), dtype=np.uint8)
    canvas[:, :, 3] = 255
    return canvas


def centre_of_mass(image):
    rows, columns = np.indices(image.shape)
    return (rows * image).sum() / image.sum(), (columns * image).sum() / image.sum()


def ink_box(image):
    """Height and width of the bounding box of the non-zero pixels."""
    rows = np.flatnonzero(image.any(axis=1))
    columns = np.flatnonzero(image.any(axis=0))
    return rows[-1] - rows[0] + 1, columns[-1] - columns[0] + 1


def assert_mnist_like(image):
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert image.min() >= 0.0 and image.max() == pytest.approx(1.0)


def encode(image, format_name, **options):
    buffer = io.BytesIO()
    image.save(buffer, format=format_name, **options)
    return buffer.getvalue()


def test_off_centre_oversized_bar_is_fitted_and_centred():
    canvas = black_canvas()
    canvas[5:250, 10:70, :3] = 255  # A thick bar, far larger than 20 px, in the top-left.
    image = preprocess.canvas_to_mnist(canvas)
    assert_mnist_like(image)
    height, width = ink_box(image)
    assert height <= 20 and width <= 20
    assert height == 20  # The longer side is scaled to the full box.
    row, column = centre_of_mass(image)
    assert abs(row - 14.0) <= 1.0 and abs(column - 14.0) <= 1.0
    assert image[:4].sum() == 0 and image[-4:].sum() == 0  # MNIST's empty margin.


def test_big_rectangle_in_a_corner_is_centred():
    canvas = black_canvas()
    canvas[180:275, 150:278, :3] = 255
    image = preprocess.canvas_to_mnist(canvas)
    height, width = ink_box(image)
    assert width == 20 and height < 20  # Wider than tall: the aspect ratio is kept.
    row, column = centre_of_mass(image)
    assert abs(row - 14.0) <= 1.0 and abs(column - 14.0) <= 1.0


def test_empty_canvas_gives_none():
    assert preprocess.canvas_to_mnist(black_canvas()) is None
    assert preprocess.canvas_to_mnist(np.zeros((280, 280, 4), dtype=np.uint8)) is None


def test_faint_marks_below_the_threshold_give_none():
    canvas = black_canvas()
    canvas[100:120, 100:120, :3] = 10  # 4% brightness: noise, not a stroke.
    assert preprocess.canvas_to_mnist(canvas) is None


def test_single_dot_gives_a_valid_image():
    canvas = black_canvas()
    canvas[140, 37, :3] = 255
    image = preprocess.canvas_to_mnist(canvas)
    assert_mnist_like(image)


def test_full_canvas_scribble_gives_a_valid_image():
    canvas = black_canvas()
    for offset in range(0, 280, 20):
        canvas[offset : offset + 6, :, :3] = 255
        canvas[:, offset : offset + 6, :3] = 255
    image = preprocess.canvas_to_mnist(canvas)
    assert_mnist_like(image)
    assert ink_box(image) == (20, 20)


def test_any_canvas_size_gives_28_by_28():
    canvas = black_canvas(height=400, width=200)
    canvas[50:350, 90:110, :3] = 255
    assert preprocess.canvas_to_mnist(canvas).shape == (28, 28)
    tiny = black_canvas(height=3, width=5)
    tiny[1, 2, :3] = 255
    assert preprocess.canvas_to_mnist(tiny).shape == (28, 28)


def test_transparent_background_uses_alpha_whatever_the_stroke_colour():
    canvas = np.zeros((200, 200, 4), dtype=np.uint8)
    canvas[40:160, 90:110] = [0, 0, 0, 255]  # A black stroke on a transparent background.
    image = preprocess.canvas_to_mnist(canvas)
    assert_mnist_like(image)
    assert ink_box(image)[0] == 20


def test_white_on_black_and_transparent_canvases_agree():
    opaque = black_canvas()
    opaque[30:200, 100:130, :3] = 255
    transparent = np.zeros_like(opaque)
    transparent[30:200, 100:130] = 255
    np.testing.assert_allclose(preprocess.canvas_to_mnist(opaque), preprocess.canvas_to_mnist(transparent), atol=1e-6)


def test_grey_and_rgb_arrays_are_accepted():
    grey = np.zeros((100, 100), dtype=np.float32)
    grey[20:80, 45:55] = 1.0
    rgb = np.zeros((100, 100, 3), dtype=np.uint8)
    rgb[20:80, 45:55] = [255, 0, 0]  # A red stroke still counts as ink.
    np.testing.assert_allclose(preprocess.canvas_to_mnist(grey), preprocess.canvas_to_mnist(rgb), atol=1e-6)


@pytest.mark.parametrize("shape", [(280,), (280, 280, 2), (280, 280, 5), (0, 280, 4), (2, 28, 28, 4)])
def test_non_image_arrays_are_rejected(shape):
    with pytest.raises(ValueError, match="Received: shape="):
        preprocess.canvas_to_mnist(np.zeros(shape, dtype=np.uint8))


def draw_digit_seven(background, ink, size=(300, 200), mode="L"):
    """A rough seven: a top bar and a diagonal, drawn off-centre."""
    image = Image.new(mode, size, background)
    draw = ImageDraw.Draw(image)
    draw.line([(40, 30), (200, 30)], fill=ink, width=18)
    draw.line([(200, 30), (110, 180)], fill=ink, width=18)
    return image


def test_dark_digit_on_white_png_is_inverted():
    dark_on_light = preprocess.image_file_to_mnist(encode(draw_digit_seven(255, 0), "PNG"))
    light_on_dark = preprocess.image_file_to_mnist(encode(draw_digit_seven(0, 255), "PNG"))
    assert_mnist_like(dark_on_light)
    assert dark_on_light[0].sum() == 0 and dark_on_light[:, 0].sum() == 0  # Background is black.
    assert dark_on_light.mean() < 0.3
    np.testing.assert_allclose(dark_on_light, light_on_dark, atol=1e-5)


def test_colour_jpeg_on_off_white_paper_works():
    photo = draw_digit_seven((235, 230, 220), (20, 30, 90), size=(640, 480), mode="RGB")
    image = preprocess.image_file_to_mnist(encode(photo, "JPEG", quality=85))
    assert_mnist_like(image)
    height, width = ink_box(image > 0.2)
    assert max(height, width) == 20
    row, column = centre_of_mass(image)
    assert abs(row - 14.0) <= 1.0 and abs(column - 14.0) <= 1.0


def test_png_with_transparent_background_uses_alpha():
    image = Image.new("RGBA", (120, 120), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(60, 10), (60, 110)], fill=(0, 0, 0, 255), width=12)
    result = preprocess.image_file_to_mnist(encode(image, "PNG"))
    assert_mnist_like(result)
    assert ink_box(result)[0] == 20


def test_sixteen_bit_png_is_scaled_not_clipped():
    # Clipping to 8 bits would make the dark background (5000) and the ink (60000) both white.
    levels = np.full((100, 100), 5000, dtype=np.uint16)
    levels[20:80, 45:55] = 60000
    result = preprocess.image_file_to_mnist(encode(Image.fromarray(levels), "PNG"))
    assert ink_box(result) == (20, 3)  # 60 x 10 pixels scaled to 20 x 3.


def test_blank_image_says_no_digit_found():
    with pytest.raises(ValueError, match="No digit found"):
        preprocess.image_file_to_mnist(encode(Image.new("L", (100, 100), 255), "PNG"))


def test_random_bytes_are_not_an_image():
    with pytest.raises(ValueError, match="not a PNG or JPEG image"):
        preprocess.image_file_to_mnist(os.urandom(1000))


def test_truncated_png_is_rejected():
    content = encode(draw_digit_seven(255, 0), "PNG")
    with pytest.raises(ValueError, match="damaged or truncated|not a PNG or JPEG"):
        preprocess.image_file_to_mnist(content[: len(content) // 2])


def test_files_over_5_mb_are_rejected_before_decoding():
    too_big = b"\x89PNG" + bytes(6 * 1024 * 1024)
    with pytest.raises(ValueError, match="larger than 5 MB"):
        preprocess.image_file_to_mnist(too_big)


def test_too_many_pixels_is_rejected():
    huge = encode(Image.new("1", (8000, 8000), 0), "PNG")  # 64 megapixels in a few kilobytes.
    assert len(huge) < preprocess.MAX_UPLOAD_BYTES
    with pytest.raises(ValueError, match="pixels"):
        preprocess.image_file_to_mnist(huge)


def test_upload_that_is_not_bytes_is_rejected():
    with pytest.raises(ValueError, match="Expected the file's bytes"):
        preprocess.image_file_to_mnist("digit.png")


@pytest.mark.parametrize("format_name", ["GIF", "BMP", "TIFF", "WEBP"])
def test_a_readable_digit_in_another_format_is_refused_undecoded(format_name):
    """Only Pillow's PNG and JPEG decoders see uploads: a GIF, BMP, TIFF or WebP is refused by name."""
    content = encode(draw_digit_seven(0, 255).convert("RGB"), format_name)
    with pytest.raises(ValueError, match="not a PNG or JPEG image"):
        preprocess.image_file_to_mnist(content)
