"""Writing a label into an image, as Forward-Forward does (Hinton 2022, section 3.3).

This module is the sole owner of the label layout. The first ten pixels of the flattened
28x28 image are replaced by a code: the one-hot label scaled by the image's own maximum, so
the label is as bright as the brightest stroke (`label_codes`). A "neutral" code writes
0.1 x max into all ten pixels: the network sees no label at all, which is what the one-pass
softmax read-out uses (`neutral_codes`).

The network never writes codes into images itself: it takes the codes and shares the costly
product of the other 774 pixels between them (`ffviz.layers.FFDense.call_with_label_codes`).
The `overlay_*` functions write the same codes into images, for the pages that show them and
for the plain layer-by-layer passes, so what a page shows is what the network trains on.

Several codes per image are stacked copy-major, the network's order: codes (copies, batch, 10)
and rows `c * batch + i` (image `i` with code `c`), in `all_label_codes` and `overlay_all_labels`.
"""

from keras import ops

from ffviz.config import NUM_CLASSES

NEUTRAL_VALUE = 1.0 / NUM_CLASSES  # Each label pixel of the neutral code, as a fraction of the image's max.


def label_codes(labels, image_max):
    """What goes into the label pixels for `labels`: one-hot x image max.

    Args:
        labels: integer labels of any shape, e.g. (batch,) or (copies, batch).
        image_max: (batch,), each image's brightest pixel.

    Returns:
        `labels.shape + (10,)`, float32.
    """
    return ops.one_hot(ops.cast(labels, "int32"), NUM_CLASSES, dtype="float32") * image_max[:, None]


def neutral_codes(image_max):
    """What goes into the label pixels for no label at all: 0.1 x image max everywhere. (batch, 10)."""
    return ops.ones((1, NUM_CLASSES), dtype="float32") * (NEUTRAL_VALUE * image_max[:, None])


def all_label_codes(image_max):
    """The codes of all ten labels for each image, copy-major: (10, batch, 10)."""
    labels = ops.arange(NUM_CLASSES, dtype="int32")[:, None] + ops.zeros_like(image_max, dtype="int32")[None, :]
    return label_codes(labels, image_max)  # labels (10, batch): copy `c` carries label `c`.


def check_images(images):
    """Raise `ValueError` unless `images` is (batch, pixels) with room for the label pixels."""
    if len(images.shape) != 2 or images.shape[1] <= NUM_CLASSES:
        raise ValueError(
            f"Expected images of shape (batch, pixels) with more than {NUM_CLASSES} pixels. "
            f"Received: shape={tuple(images.shape)}"
        )


def write_codes(images, codes):
    """Images (batch, pixels) with `codes` (copies, batch, 10) in their label pixels, copy-major.

    Returns:
        (copies * batch, pixels): row `c * batch + i` is image `i` carrying code `c`.
    """
    copies = ops.shape(codes)[0]
    pixels = ops.tile(images[:, NUM_CLASSES:], [copies, 1])  # (copies * batch, pixels - 10)
    return ops.concatenate([ops.reshape(codes, (-1, NUM_CLASSES)), pixels], axis=1)


def image_maxima(images):
    """Each image's brightest pixel, which sets the brightness of its label code: (batch,)."""
    return ops.max(images, axis=1)


def overlay_labels(images, labels):
    """Images (batch, pixels) with `labels` (batch,) written into the label pixels."""
    check_images(images)
    images = ops.convert_to_tensor(images, dtype="float32")
    return write_codes(images, label_codes(labels, image_maxima(images))[None])


def overlay_neutral(images):
    """Images (batch, pixels) with the neutral code in the label pixels."""
    check_images(images)
    images = ops.convert_to_tensor(images, dtype="float32")
    return write_codes(images, neutral_codes(image_maxima(images))[None])


def overlay_all_labels(images):
    """Every image with each of the ten labels: (10 * batch, pixels), copy-major.

    Row `k * batch + i` is image `i` carrying label `k`, the order of the network's batched
    passes (`all_label_codes`), so one pass scores all labels.
    """
    check_images(images)
    images = ops.convert_to_tensor(images, dtype="float32")
    return write_codes(images, all_label_codes(image_maxima(images)))
