"""Writing a label into an image, as Forward-Forward does (Hinton 2022, section 3.3).

The first ten pixels of the flattened 28x28 image are replaced by a one-hot code of the label,
scaled by the image's own maximum, so the label is as bright as the brightest stroke. A
"neutral" overlay writes 0.1 x max into all ten pixels: the network sees no label at all, which
is what the one-pass softmax read-out uses.
"""

from keras import ops

from ffviz.config import NUM_CLASSES

NEUTRAL_VALUE = 1.0 / NUM_CLASSES


def _check_images(images):
    if len(images.shape) != 2 or images.shape[1] <= NUM_CLASSES:
        raise ValueError(
            f"Expected images of shape (batch, pixels) with more than {NUM_CLASSES} pixels. "
            f"Received: shape={tuple(images.shape)}"
        )


def overlay_labels(images, labels):
    """Images (batch, pixels) with `labels` (batch,) written one-hot into the first ten pixels."""
    _check_images(images)
    images = ops.convert_to_tensor(images, dtype="float32")
    image_max = ops.max(images, axis=1, keepdims=True)  # (batch, 1)
    code = ops.one_hot(ops.cast(labels, "int32"), NUM_CLASSES, dtype="float32") * image_max
    return ops.concatenate([code, images[:, NUM_CLASSES:]], axis=1)


def overlay_neutral(images):
    """Images (batch, pixels) with 0.1 x max in each of the ten label pixels."""
    _check_images(images)
    images = ops.convert_to_tensor(images, dtype="float32")
    image_max = ops.max(images, axis=1, keepdims=True)
    code = ops.ones((1, NUM_CLASSES), dtype="float32") * NEUTRAL_VALUE * image_max
    return ops.concatenate([code, images[:, NUM_CLASSES:]], axis=1)


def overlay_all_labels(images):
    """Every image with each of the ten labels: (batch * 10, pixels), image-major order.

    Row `i * 10 + k` is image `i` carrying label `k`, so one batched pass scores all labels.
    """
    _check_images(images)
    images = ops.convert_to_tensor(images, dtype="float32")
    batch = ops.shape(images)[0]
    repeated = ops.repeat(images, NUM_CLASSES, axis=0)  # (batch * 10, pixels)
    labels = ops.tile(ops.arange(NUM_CLASSES, dtype="int32"), [batch])
    return overlay_labels(repeated, labels)
