"""The convolutional Forward-Forward layer: a valid convolution + ReLU + max-pooling on the normalised input.

`FFConv2D` keeps `FFDense`'s interface, so the network, the training step, the read-outs and
the explanations treat both alike: every layer takes and returns flat rows, (batch, height *
width * channels), and a layer's goodness is that of its flat output.

The label. A convolution sees a few pixels at a time, and a label written into ten of the 784
pixels reaches almost none of its locations (a first try with the label as a learned bias at
every location left the goodness of the ten labels within 5% of each other). So a
convolutional layer writes the label into its *output*, at every location, as channel-wise
competitive Forward-Forward does (Papachristodoulou et al., "Convolutional Channel-wise
Competitive Learning for the Forward-Forward Algorithm", AAAI 2024): the filters form
NUM_CLASSES equal groups, and the label code weights the groups (`label_weights`). With a
one-hot code only the label's group counts, so a layer's goodness of label `y` is the mean
square of group `y`'s activities over every location; the neutral code weights all groups
alike. The loss is the usual one (`ffviz.objective`): the true label's group above the
threshold, a wrong (hard) label's group below it. What the next layer reads is the
activity itself, the same for every label, so one convolution per image serves all ten labels.

Normalisation. Each layer scales its whole input (every location and channel of one image) to
a fixed L2 length, as `FFDense` does, so a layer cannot pass its goodness on.
"""

import math

import keras
from keras import ops

from ffviz.config import INPUT_LENGTHS, NUM_CLASSES, conv_output_side
from ffviz.objective import goodness, normalize


@keras.saving.register_keras_serializable(package="ffviz")
class FFConv2D(keras.layers.Layer):
    """A Forward-Forward convolutional layer on flat rows, its filters in NUM_CLASSES label groups.

    Args:
        filters: output channels, a multiple of NUM_CLASSES (group `g` is filters
            `g * filters / 10` to `(g + 1) * filters / 10 - 1`).
        kernel_size: side of the square kernel (a valid convolution, stride 1).
        pool: side of the max-pooling window applied to the ReLU output (1: none).
        input_shape_hwc: (height, width, channels) of one input image, which arrives flattened.
        first: True for the layer that reads the images: their first NUM_CLASSES pixels (where
            `ffviz.overlay` writes a label code) are read as zeros.
        seed: seed of the He-uniform kernel initializer, or None.
        input_length: "unit" or "sqrt_dim", the L2 length of each normalised input (as `FFDense`).

    Input shape:
        2D tensor `(batch, height * width * channels)`.

    Output shape:
        2D tensor `(batch, out_height * out_width * filters)`, row-major over (height, width, filter),
        the same for every label; `with_label_codes` weights it by a label for the goodness.
    """

    def __init__(self, filters, kernel_size, pool, input_shape_hwc, first, seed=None, input_length="unit", **kwargs):
        super().__init__(**kwargs)
        if input_length not in INPUT_LENGTHS:
            raise ValueError(f"input_length must be one of {INPUT_LENGTHS}. Received: input_length={input_length!r}")
        if filters <= 0 or filters % NUM_CLASSES:
            raise ValueError(f"filters must be a positive multiple of {NUM_CLASSES}. Received: filters={filters}")
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.pool = int(pool)
        self.input_shape_hwc = tuple(int(size) for size in input_shape_hwc)
        self.first = bool(first)
        self.seed = seed
        self.input_length = input_length
        height, width, _ = self.input_shape_hwc
        self.output_shape_hwc = (
            conv_output_side(height, self.kernel_size, self.pool),
            conv_output_side(width, self.kernel_size, self.pool),
            self.filters,
        )
        self.units = math.prod(self.output_shape_hwc)  # Flat width of the output, as `FFDense.units`.
        self.length = 1.0

    def build(self, input_shape=None):
        height, width, channels = self.input_shape_hwc
        self.kernel = self.add_weight(
            name="kernel",
            shape=(self.kernel_size, self.kernel_size, channels, self.filters),
            initializer=keras.initializers.HeUniform(seed=self.seed),  # Mean square near 1 after ReLU.
        )
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")
        self.length = math.sqrt(height * width * channels) if self.input_length == "sqrt_dim" else 1.0

    def ff_variables(self):
        """The layer's weights in file order: kernel, bias."""
        return [self.kernel, self.bias]

    def label_free_product(self, images):
        """Nothing to share: the convolution does not depend on the label. (`FFDense` shares one.)"""
        return None

    def call(self, inputs):
        if self.first:  # The label code's pixels are not part of the image.
            inputs = ops.concatenate([ops.zeros_like(inputs[:, :NUM_CLASSES]), inputs[:, NUM_CLASSES:]], axis=1)
        images = ops.reshape(normalize(inputs, self.length), (-1, *self.input_shape_hwc))
        activity = ops.relu(ops.conv(images, self.kernel, strides=1, padding="valid") + self.bias)
        if self.pool > 1:
            activity = ops.max_pool(activity, pool_size=self.pool, strides=self.pool, padding="valid")
        return ops.reshape(activity, (-1, self.units))

    def label_weights(self, codes):
        """The weight of each filter under each label code: (..., NUM_CLASSES) -> (..., filters).

        A code is divided by its mean, so a one-hot code gives its group NUM_CLASSES and the
        others 0, and the neutral code gives every group 1; the weights average 1 over the filters.
        """
        group_weights = codes / (ops.mean(codes, axis=-1, keepdims=True) + 1e-12)
        return ops.repeat(group_weights, self.filters // NUM_CLASSES, axis=-1)

    def with_label_codes(self, activities, codes):
        """The output as each label code sees it: every filter times the square root of its weight.

        The mean square of a one-hot-weighted row is then the mean square of the label's group.

        Args:
            activities: (batch, units), this layer's output.
            codes: (copies, batch, NUM_CLASSES) label codes (`ffviz.overlay`).

        Returns:
            (copies * batch, units), copy-major: row `c * batch + i` is image `i` with code `c`.
        """
        scale = ops.sqrt(self.label_weights(codes))  # (copies, batch, filters)
        height, width, _ = self.output_shape_hwc
        rows = ops.reshape(activities, (1, -1, height * width, self.filters)) * scale[:, :, None, :]
        return ops.reshape(rows, (-1, self.units))

    def goodness_map(self, activities):
        """Where the goodness comes from: the mean square over filters at each location, (rows, h, w)."""
        height, width, filters = self.output_shape_hwc
        locations = ops.reshape(activities, (-1, filters))  # One row per location.
        return ops.reshape(goodness(locations, "mean_square"), (-1, height, width))

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "pool": self.pool,
            "input_shape_hwc": self.input_shape_hwc,
            "first": self.first,
            "seed": self.seed,
            "input_length": self.input_length,
        }
