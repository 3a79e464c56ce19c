"""A drawing or an uploaded picture, turned into a 28x28 input that looks like MNIST.

A network trained on MNIST only recognises digits prepared the way MNIST's were (LeCun et
al., 1998): white ink on black, the digit scaled to fit a 20x20 box with its aspect ratio
kept and anti-aliased, then placed in a 28x28 frame so that its centre of mass is at the
centre. A raw canvas (a large, off-centre digit) would be classified far worse, so both the
drawing canvas and uploaded files go through that same recipe here.

Only NumPy and Pillow are used, so the functions are quick to test and run anywhere.
"""

import io
import warnings

import numpy as np
from PIL import Image, UnidentifiedImageError

from ffviz.config import IMAGE_SIDE

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # Larger files are refused before they are decoded.
MAX_UPLOAD_PIXELS = 50_000_000  # 50 megapixels: any phone photo, but no decompression bomb.
WORKING_SIDE = 1024  # Uploads are shrunk to this before processing; the digit ends up 20 px.
FIT_SIDE = 20  # MNIST's digits fit a 20x20 box inside the frame.
CENTRE = 14.0  # MNIST's mean centre of mass, in pixel indices, on both axes.
INK_THRESHOLD = 0.1  # Ink (0..1) below this is background noise, not part of the digit.
UPLOAD_FORMATS = ("PNG", "JPEG")  # Pillow decoders used for uploads; no other format's code runs.
# What Pillow raises for bytes that are not an image it can decode, or that decode to too much.
DECODE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)


def canvas_to_mnist(image_data):
    """A drawing canvas as a (28, 28) float32 MNIST-like image in [0, 1], or None if empty.

    Args:
        image_data: the canvas pixels, an array of shape (H, W, 4) RGBA, (H, W, 3) RGB or
            (H, W) grey, of any size; uint8 in 0..255 or float in [0, 1]. Both white strokes
            on an opaque black background and strokes on a transparent background work.

    Returns:
        The centred digit, with its brightest pixel at 1, or None when there is no ink.

    Raises:
        ValueError: if `image_data` is not an image array of one of those shapes.
    """
    return center_like_mnist(canvas_ink(image_data))


def canvas_ink(image_data):
    """How much ink each canvas pixel holds, as float32 (H, W) in [0, 1].

    On a transparent background (the usual output of a drawing canvas) the ink is the alpha
    channel, whatever the stroke colour. On an opaque background it is the brightest colour
    channel times alpha, so white or coloured strokes on black count as ink.
    """
    pixels = _as_unit_floats(image_data)
    if pixels.ndim == 2:
        return pixels
    colour = pixels[:, :, :3].max(axis=2)  # (height, width)
    if pixels.shape[2] == 3:
        return colour
    alpha = pixels[:, :, 3]
    if np.median(_border(alpha)) < 0.5:
        return alpha
    return colour * alpha


def _as_unit_floats(image_data):
    """An (H, W), (H, W, 3) or (H, W, 4) array as float32 in [0, 1], or a ValueError."""
    pixels = np.asarray(image_data)
    integer_pixels = np.issubdtype(pixels.dtype, np.integer)
    shape_ok = pixels.ndim == 2 or (pixels.ndim == 3 and pixels.shape[2] in (3, 4))
    if not shape_ok or pixels.shape[0] == 0 or pixels.shape[1] == 0:
        raise ValueError(
            "Expected an image array of shape (height, width), (height, width, 3) or "
            f"(height, width, 4). Received: shape={pixels.shape}"
        )
    if pixels.dtype == np.bool_ or not np.issubdtype(pixels.dtype, np.number):
        raise ValueError(f"Expected an image array of numbers. Received: dtype={pixels.dtype}")
    pixels = np.nan_to_num(pixels.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    # Integer pixels, and floats beyond 1, are on the usual 0..255 scale.
    if integer_pixels or pixels.max() > 1.0:
        pixels = pixels / 255.0
    return np.clip(pixels, 0.0, 1.0)


def _border(plane):
    """The outermost pixels of a 2-D array, which are background in a well-framed picture."""
    return np.concatenate([plane[0, :], plane[-1, :], plane[:, 0], plane[:, -1]])


def center_like_mnist(ink):
    """MNIST's recipe: crop the ink, fit it in 20x20, centre its mass in 28x28.

    Args:
        ink: float (H, W) array in [0, 1], white ink on black.

    Returns:
        float32 (28, 28) in [0, 1] with maximum 1, or None when no pixel reaches
        `INK_THRESHOLD`.
    """
    ink = np.where(ink >= INK_THRESHOLD, ink, 0.0).astype(np.float32)  # (height, width)
    rows = np.flatnonzero(ink.any(axis=1))
    columns = np.flatnonzero(ink.any(axis=0))
    if len(rows) == 0:
        return None
    glyph = ink[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]
    glyph = _fit_in_box(glyph, FIT_SIDE)
    frame = _place_by_centre_of_mass(glyph, IMAGE_SIDE, CENTRE)
    return frame / frame.max()


def _fit_in_box(glyph, side):
    """Resize so the longer edge is `side` pixels, keeping the aspect ratio, anti-aliased."""
    height, width = glyph.shape
    scale = side / max(height, width)
    new_width = min(side, max(1, round(width * scale)))
    new_height = min(side, max(1, round(height * scale)))
    glyph_image = Image.fromarray(np.ascontiguousarray(glyph, dtype=np.float32))  # Mode "F".
    resized = glyph_image.resize((new_width, new_height), Image.Resampling.LANCZOS)
    # Lanczos rings slightly below zero next to sharp edges; ink cannot be negative.
    resized = np.clip(np.asarray(resized, dtype=np.float32), 0.0, None)
    if resized.max() <= 0.0:
        # A tiny faint glyph can vanish in resampling; keep it as a uniform blob instead.
        resized = np.ones_like(resized)
    return resized


def _place_by_centre_of_mass(glyph, side, centre):
    """Paste `glyph` into a side x side frame with its centre of mass nearest `centre`.

    The shift is a whole number of pixels, which keeps strokes sharp and puts the centre of
    mass within half a pixel of `centre`; it is clipped so the whole glyph stays in frame.
    """
    height, width = glyph.shape
    mass = glyph.sum()
    centre_row = (glyph.sum(axis=1) * np.arange(height)).sum() / mass
    centre_column = (glyph.sum(axis=0) * np.arange(width)).sum() / mass
    top = int(np.clip(round(centre - centre_row), 0, side - height))
    left = int(np.clip(round(centre - centre_column), 0, side - width))
    frame = np.zeros((side, side), dtype=np.float32)
    frame[top : top + height, left : left + width] = glyph
    return frame


def image_file_to_mnist(data):
    """An uploaded PNG or JPEG as a (28, 28) float32 MNIST-like image in [0, 1].

    Colour or grey, any size, dark ink on light paper or light ink on dark: the background is
    judged from the picture's border and inverted when it is light, then the image goes
    through the same recipe as the canvas.

    Args:
        data: the file's bytes.

    Raises:
        ValueError: if the file is larger than 5 MB, is not an image Pillow can read, is too
            many pixels, or holds no digit.
    """
    image = open_image(data)
    result = center_like_mnist(image_ink(image))
    if result is None:
        raise ValueError(
            "No digit found in the image: it looks blank. Upload a picture of one digit, "
            "dark on light or light on dark."
        )
    return result


def open_image(data):
    """Decode uploaded bytes into a Pillow image no larger than `WORKING_SIDE`, or a ValueError."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ValueError(f"Expected the file's bytes. Received: {type(data).__name__}")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(
            f"The file is {len(data) / 1024 / 1024:.1f} MB, larger than 5 MB, the most that can "
            "be uploaded. Crop or shrink the picture and try again."
        )
    with warnings.catch_warnings():
        # Pillow only warns about a decompression bomb up to twice its limit; refuse it too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            # Reads the header only, and tries no decoder but PNG's and JPEG's.
            image = Image.open(io.BytesIO(data), formats=UPLOAD_FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ValueError(f"The image has too many pixels to decode safely ({error}).") from error
        except DECODE_ERRORS as error:
            raise ValueError(f"The file is not a PNG or JPEG image that can be read ({error}).") from error
        if image.width * image.height > MAX_UPLOAD_PIXELS:
            raise ValueError(
                f"The image is {image.width}x{image.height} pixels, more than "
                f"{MAX_UPLOAD_PIXELS:,}. Upload a smaller picture."
            )
        try:
            image.draft(None, (WORKING_SIDE, WORKING_SIDE))  # JPEGs decode at reduced size.
            image.load()
        except DECODE_ERRORS + (ValueError,) as error:
            raise ValueError(f"The image file is damaged or truncated and cannot be decoded ({error}).") from error
    image.thumbnail((WORKING_SIDE, WORKING_SIDE), Image.Resampling.BOX)
    return image


def image_ink(image):
    """White-on-black ink of a Pillow image, as float32 (H, W) in [0, 1].

    A transparent background makes the alpha channel the ink. Otherwise the grey level is
    used, inverted when the border is light (dark ink on paper), with the background level
    subtracted so an off-white page becomes black.
    """
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = np.asarray(image.convert("RGBA"), dtype=np.float32) / 255.0
        if np.median(_border(rgba[:, :, 3])) < 0.5:
            return rgba[:, :, 3]
        # An opaque background: what the picture shows, composited on white like a browser.
        image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image.convert("RGBA"))
    grey = grey_levels(image)  # (height, width)
    background = float(np.median(_border(grey)))
    if background > 0.5:
        grey = 1.0 - grey
        background = 1.0 - background
    if background >= 1.0:
        return np.zeros_like(grey)
    return np.clip((grey - background) / (1.0 - background), 0.0, 1.0)


def grey_levels(image):
    """A Pillow image's brightness as float32 (H, W) in [0, 1], 16-bit images included.

    Pillow's own conversion of 16-bit grey to 8 bits clips instead of scaling, so those
    modes are scaled here.
    """
    if image.mode in ("I", "F") or image.mode.startswith("I;"):
        levels = np.asarray(image, dtype=np.float32)
        full_scale = 65535.0 if levels.max() > 255.0 else 255.0
        return np.clip(levels / full_scale, 0.0, 1.0)
    return np.asarray(image.convert("L"), dtype=np.float32) / 255.0
