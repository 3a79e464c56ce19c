"""The Forward-Forward layer: Dense + ReLU on the L2-normalised input (Hinton 2022, section 2).

Each hidden layer scales its input to a fixed L2 length (1 as in the keras.io example, or
sqrt(width) as in Hinton's code), so it cannot pass its own goodness on to the next layer and
must use the direction of the activity.

Speed: the label sits in the first ten pixels and meets the other 774 only in a sum, so
`[code, pixels] @ kernel = code @ kernel[:10] + [0, pixels] @ kernel`. The costly second product
is computed once per image and shared by all the label codes written into it (positive,
negative and neutral in training, all ten in the goodness read-out):
`FFDense.call_with_label_codes`. The result equals `FFDense.call` on the overlaid images up to
float rounding (tests check it).
"""

import math

import keras
from keras import ops

from ffviz.config import INPUT_LENGTHS, NUM_CLASSES
from ffviz.objective import normalization_scale, normalize


@keras.saving.register_keras_serializable(package="ffviz")
class FFDense(keras.layers.Layer):
    """A Forward-Forward layer: Dense + ReLU on the L2-normalised input.

    Args:
        units: Positive integer, number of output units.
        seed: Seed of the Glorot-uniform kernel initializer, or None.
        input_length: `"unit"` scales each input row to length 1 (the keras.io example);
            `"sqrt_dim"` to length sqrt(input width), i.e. a mean square of 1 per input, as in
            Hinton's code, which keeps the activities near the threshold from the start.

    Input shape:
        2D tensor `(batch_size, input_dim)`.

    Output shape:
        2D tensor `(batch_size, units)`, the non-negative activities whose goodness the
        layer's loss pushes up for positive data and down for negative data.
    """

    def __init__(self, units, seed=None, input_length="unit", **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f"FFDense expected a positive integer number of units. Received: units={units}")
        if input_length not in INPUT_LENGTHS:
            raise ValueError(f"input_length must be one of {INPUT_LENGTHS}. Received: input_length={input_length!r}")
        self.units = units
        self.seed = seed
        self.input_length = input_length
        self.length = 1.0  # The L2 length of a normalised input row; set in `build()`.

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_shape[-1], self.units),
            initializer=keras.initializers.GlorotUniform(seed=self.seed),
        )
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
        self.length = math.sqrt(input_shape[-1]) if self.input_length == "sqrt_dim" else 1.0

    def ff_variables(self):
        """The layer's weights in file order: kernel, bias."""
        return [self.kernel, self.bias]

    def call(self, inputs):
        return ops.relu(ops.matmul(normalize(inputs, self.length), self.kernel) + self.bias)

    def label_free_product(self, images):
        """The costly part of the layer on labelled images, shared by every label code.

        Args:
            images: (batch, input_dim) images; their first NUM_CLASSES pixels are ignored.

        Returns:
            `[0, pixels] @ kernel`, (batch, units), and the squared length of the pixels, (batch,).
        """
        label_mask = ops.concatenate(
            [
                ops.zeros((NUM_CLASSES,), "float32"),
                ops.ones((ops.shape(images)[1] - NUM_CLASSES,), "float32"),
            ],
            axis=0,
        )
        pixels = images * label_mask  # (batch, input_dim) with zeros in the label pixels.
        return ops.matmul(pixels, self.kernel), ops.sum(ops.square(pixels), axis=-1)

    def call_with_label_codes(self, images, codes, label_free=None):
        """The layer on `images` with each of several label codes written in, from one big matmul.

        Equal to `call(overlay(images, code))` for every code, but the product of the 774
        unlabelled pixels with the kernel is computed once and shared by all the codes.

        Args:
            images: (batch, input_dim) images; their first NUM_CLASSES pixels are ignored.
            codes: (copies, batch, NUM_CLASSES), what each copy has in its label pixels
                (from `ffviz.overlay.label_codes` and its siblings).
            label_free: `label_free_product(images)` if already computed, to share it further.

        Returns:
            (copies * batch, units), copy-major: row `c * batch + i` is image `i` with code `c`.
        """
        product, pixel_square_sums = label_free if label_free is not None else self.label_free_product(images)
        from_codes = ops.einsum("cbl,lu->cbu", codes, self.kernel[:NUM_CLASSES])  # (copies, batch, units)
        square_sums = pixel_square_sums[None, :] + ops.sum(ops.square(codes), axis=-1)  # (copies, batch)
        scale = normalization_scale(square_sums, self.length)  # (copies, batch)
        outputs = ops.relu((product[None] + from_codes) * scale[:, :, None] + self.bias)
        return ops.reshape(outputs, (-1, self.units))

    def get_config(self):
        return {**super().get_config(), "units": self.units, "seed": self.seed, "input_length": self.input_length}
