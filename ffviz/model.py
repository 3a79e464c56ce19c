"""The Forward-Forward network: layers, goodness, loss, read-outs, save and load.

Follows Hinton (2022, "The Forward-Forward Algorithm: Some Preliminary Investigations") and the
keras.io example "Using the Forward-Forward Algorithm for Image Classification":

- each hidden layer is Dense + ReLU applied to its input scaled to a fixed L2 length (1 as in
  the keras.io example, or sqrt(width) as in Hinton's code), so a layer cannot pass its own
  goodness on to the next one and must use the direction of the activity;
- goodness is the mean of the squared activations of a layer;
- a layer's loss pushes goodness above `threshold` for positive data (the true label written
  into the image) and below it for negative data (a wrong label):
  mean(softplus([threshold - g_pos, g_neg - threshold]));
- no gradient crosses layers: each layer's input is `stop_gradient` of the layer below.

Two read-outs classify an image. "goodness" writes each of the ten labels into the image and
picks the label with the highest goodness summed over layers (the keras.io example's rule,
here scored in one batched pass). "softmax" runs the image once with a neutral label and feeds
the normalised activities to a linear softmax head that is trained on the side with its own
optimizer; the head's gradient never reaches the hidden layers (Hinton 2022, section 3.3).

Speed: the label sits in the first ten pixels and meets the other 774 only in a sum, so
`[code, pixels] @ kernel = code @ kernel[:10] + [0, pixels] @ kernel`. The costly second product
is computed once per image and shared by all the labels written into it (positive, negative and
neutral in training, all ten in the goodness read-out): `FFDense.call_with_label_codes`. The
result equals `FFDense.call` on the overlaid images up to float rounding (tests check it).
"""

import io
import json
import math
import os

import keras
import numpy as np
from keras import ops

from ffviz.config import IMAGE_PIXELS, INPUT_LENGTHS, NUM_CLASSES, FFConfig
from ffviz.overlay import NEUTRAL_VALUE, overlay_labels, overlay_neutral

FILE_FORMAT = "ffviz-model-1"
NORM_EPSILON = 1e-4  # As in the keras.io example: keeps an all-zero input finite.
INFERENCE_CHUNK = 2048  # Images per batched inference call: 20,480 labelled rows at a time.


def variable_to_numpy(variable):
    """A copy of a Keras variable's value (through TensorFlow, avoiding a NumPy 2 warning)."""
    return variable.value.numpy().copy()


def normalize(inputs, length=1.0):
    """Scale each row to L2 length `length` (1 by default): (batch, features) -> (batch, features)."""
    return inputs * (length / (ops.sqrt(ops.sum(ops.square(inputs), axis=-1, keepdims=True)) + NORM_EPSILON))


def goodness(activations):
    """Goodness of each row: the mean of its squared activations. (batch, units) -> (batch,)."""
    return ops.mean(ops.square(activations), axis=-1)


def ff_loss(goodness_positive, goodness_negative, threshold, sharpness=1.0):
    """The keras.io Forward-Forward loss of one layer.

    softplus(threshold - g_pos) for positive rows and softplus(g_neg - threshold) for negative
    rows, averaged over all of them: it is ln 2 when both goodnesses sit on the threshold.
    `sharpness` scales the margins inside softplus; Hinton's logit sum(h^2) - units is this
    loss with sharpness = units and threshold = 1.
    """
    margins = ops.concatenate([threshold - goodness_positive, goodness_negative - threshold], axis=0)
    return ops.mean(ops.softplus(sharpness * margins))


def label_codes(labels, image_max):
    """What `overlay_labels` writes into the label pixels: one-hot x image max. (batch, 10)."""
    return ops.one_hot(ops.cast(labels, "int32"), NUM_CLASSES, dtype="float32") * image_max[:, None]


def neutral_codes(image_max):
    """What `overlay_neutral` writes into the label pixels: 0.1 x image max everywhere. (batch, 10)."""
    return ops.ones((1, NUM_CLASSES), dtype="float32") * (NEUTRAL_VALUE * image_max[:, None])


def all_label_codes(image_max):
    """The codes of all ten labels, label-major: (10, batch, 10)."""
    return ops.eye(NUM_CLASSES, dtype="float32")[:, None, :] * image_max[None, :, None]


@keras.saving.register_keras_serializable(package="ffviz")
class FFDense(keras.layers.Layer):
    """A Forward-Forward layer: Dense + ReLU on the L2-normalised input.

    Args:
        units: Positive integer, number of output units.
        input_length: `"unit"` scales each input row to length 1 (the keras.io example);
            `"sqrt_dim"` to length sqrt(input width), i.e. a mean square of 1 per input, as in
            Hinton's code, which keeps the activities near the threshold from the start.

    Input shape:
        2D tensor `(batch_size, input_dim)`.

    Output shape:
        2D tensor `(batch_size, units)`, the non-negative activities whose mean square is
        the layer's goodness.
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
            [ops.zeros((NUM_CLASSES,), "float32"), ops.ones((ops.shape(images)[1] - NUM_CLASSES,), "float32")], axis=0
        )
        pixels = images * label_mask  # (batch, input_dim) with zeros in the label pixels.
        return ops.matmul(pixels, self.kernel), ops.sum(ops.square(pixels), axis=-1)

    def call_with_label_codes(self, images, codes, label_free=None):
        """The layer on `images` with each of several label codes written in, from one big matmul.

        Equal to `call(overlay(images, code))` for every code, but the product of the 774
        unlabelled pixels with the kernel is computed once and shared by all the codes.

        Args:
            images: (batch, input_dim) images; their first NUM_CLASSES pixels are ignored.
            codes: (copies, batch, NUM_CLASSES), what each copy has in its label pixels.
            label_free: `label_free_product(images)` if already computed, to share it further.

        Returns:
            (copies * batch, units), copy-major: row `c * batch + i` is image `i` with code `c`.
        """
        product, pixel_square_sums = label_free if label_free is not None else self.label_free_product(images)
        from_codes = ops.einsum("cbl,lu->cbu", codes, self.kernel[:NUM_CLASSES])  # (copies, batch, units)
        square_sums = pixel_square_sums[None, :] + ops.sum(ops.square(codes), axis=-1)  # (copies, batch)
        scale = self.length / (ops.sqrt(square_sums) + NORM_EPSILON)
        outputs = ops.relu((product[None] + from_codes) * scale[:, :, None] + self.bias)
        return ops.reshape(outputs, (-1, self.units))

    def get_config(self):
        return {**super().get_config(), "units": self.units, "seed": self.seed, "input_length": self.input_length}


class FFNetwork:
    """A stack of `FFDense` layers plus the softmax read-out head.

    The network holds weights and answers questions about images; training lives in
    `ffviz.train`. All inference methods take NumPy arrays (batch, 784) in [0, 1] and return
    NumPy arrays.
    """

    def __init__(self, config=None):
        self.config = (config or FFConfig()).validate()
        self.layers = []
        width = IMAGE_PIXELS
        for index, units in enumerate(self.config.layer_sizes):
            seed = self.config.seed * 100 + index
            layer = FFDense(units, seed=seed, input_length=self.config.input_length, name=f"ff_layer_{index}")
            layer.build((None, width))
            self.layers.append(layer)
            width = units
        self.head = keras.layers.Dense(
            NUM_CLASSES, kernel_initializer=keras.initializers.Zeros(), name="softmax_head"
        )
        self.head.build((None, self.head_width()))
        self.metadata = {}  # Free-form facts saved with the model: dataset, accuracy, command.
        self._compiled = {}  # Compiled inference functions, built on first use.

    def __repr__(self):
        sizes = "-".join(str(units) for units in (IMAGE_PIXELS, *self.config.layer_sizes))
        return f"FFNetwork({sizes}, threshold={self.config.threshold})"

    def head_width(self):
        return sum(self.config.layer_sizes[index] for index in self.config.used_layers())

    # Forward passes, usable inside compiled steps.

    def forward(self, inputs):
        """Activities of every layer, each computed from the `stop_gradient` of the one below."""
        activities = []
        hidden = inputs
        for layer in self.layers:
            hidden = layer(hidden)
            activities.append(hidden)
            # Locality: the next layer learns from this output but never sends gradient back.
            hidden = ops.stop_gradient(hidden)
        return activities

    def forward_with_label_codes(self, images, codes, label_free=None):
        """`forward` of the images with each of several label codes, sharing the first product.

        Args:
            images: (batch, 784) images; codes: (copies, batch, 10), e.g. from `label_codes`.
            label_free: the first layer's `label_free_product(images)`, if already computed.

        Returns:
            Each layer's activities, (copies * batch, units), copy-major.
        """
        hidden = self.layers[0].call_with_label_codes(images, codes, label_free)
        activities = [hidden]
        for layer in self.layers[1:]:
            # Locality, as in `forward`: no gradient goes back to the layer below.
            hidden = layer(ops.stop_gradient(hidden))
            activities.append(hidden)
        return activities

    def head_features(self, activities):
        """The head's input: the unit-length activities of the read-out layers, side by side."""
        used = [normalize(activities[index]) for index in self.config.used_layers()]
        return ops.stop_gradient(ops.concatenate(used, axis=-1))

    def _goodness_table(self, images):
        """Per-layer goodness of the ten labels for one chunk: (batch, layers, 10)."""
        image_max = ops.max(images, axis=1)
        activities = self.forward_with_label_codes(images, all_label_codes(image_max))
        stacked = ops.stack([goodness(activity) for activity in activities], axis=0)  # (layers, 10 * batch)
        return ops.transpose(ops.reshape(stacked, (len(self.layers), NUM_CLASSES, -1)), (2, 0, 1))

    def _head_logits(self, images):
        """The softmax head's logits on the neutral-label pass for one chunk: (batch, 10)."""
        image_max = ops.max(images, axis=1)
        activities = self.forward_with_label_codes(images, neutral_codes(image_max)[None])
        return self.head(self.head_features(activities))

    def _run_compiled(self, name, images):
        """Run `_goodness_table` or `_head_logits` as a compiled graph, built on first use."""
        import tensorflow as tf  # Only for the compiled inference graphs.

        if name not in self._compiled:
            self._compiled[name] = tf.function(getattr(self, name), reduce_retracing=True)
        return self._compiled[name](images)

    def _chunked(self, name, images, width):
        """`_run_compiled` over chunks of INFERENCE_CHUNK images, as one NumPy array."""
        images = self.check_images(images)
        parts = [
            np.asarray(self._run_compiled(name, images[start : start + INFERENCE_CHUNK]))
            for start in range(0, len(images), INFERENCE_CHUNK)
        ]
        return np.concatenate(parts) if parts else np.zeros((0, *width), np.float32)

    # Inference on NumPy arrays.

    def check_images(self, images):
        """Images as float32 (batch, 784); one image of (784,) or (28, 28) is also accepted."""
        images = np.asarray(images, dtype=np.float32)
        if images.ndim == 2 and images.shape == (28, 28):
            images = images.reshape(1, IMAGE_PIXELS)
        elif images.ndim == 1:
            images = images.reshape(1, -1)
        elif images.ndim == 3:
            images = images.reshape(images.shape[0], -1)
        if images.ndim != 2 or images.shape[1] != IMAGE_PIXELS:
            raise ValueError(
                f"Expected images of shape (batch, {IMAGE_PIXELS}) or (batch, 28, 28). "
                f"Received: shape={np.shape(images)}"
            )
        if not np.all(np.isfinite(images)):
            raise ValueError("Images contain NaN or infinite values.")
        return images

    def scores(self, images):
        """Goodness per layer and label (batch, layers, 10) and head logits (batch, 10)."""
        return self.goodness_per_label(images), self.head_logits(images)

    def goodness_per_label(self, images):
        """Goodness of every label in every layer: (batch, layers, 10), one batched pass."""
        return self._chunked("_goodness_table", images, (len(self.layers), NUM_CLASSES))

    def head_logits(self, images):
        """The softmax head's logits from one neutral-label pass: (batch, 10)."""
        return self._chunked("_head_logits", images, (NUM_CLASSES,))

    def label_scores(self, images, readout=None):
        """A (batch, 10) score per label; the predicted label is its argmax.

        "goodness": goodness summed over the read-out layers. "softmax": head probabilities.
        Only the passes that the read-out needs are run.
        """
        readout = readout or self.config.readout
        if readout == "goodness":
            return self.goodness_per_label(images)[:, list(self.config.used_layers()), :].sum(axis=1)
        if readout == "softmax":
            logits = self.head_logits(images)
            shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
            return shifted / shifted.sum(axis=1, keepdims=True)
        raise ValueError(f"readout must be 'goodness' or 'softmax'. Received: readout={readout!r}")

    def predict(self, images, readout=None):
        """Predicted labels (batch,)."""
        return self.label_scores(images, readout).argmax(axis=1)

    def evaluate(self, images, labels, readout=None):
        """Accuracy, confusion matrix (true x predicted) and per-class accuracy on a labelled set."""
        labels = np.asarray(labels).astype(np.int64)
        predictions = self.predict(images, readout)
        if len(predictions) != len(labels):
            raise ValueError(f"Got {len(predictions)} images but {len(labels)} labels.")
        confusion = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
        np.add.at(confusion, (labels, predictions), 1)
        per_class = confusion.diagonal() / np.maximum(confusion.sum(axis=1), 1)
        accuracy = float((predictions == labels).mean()) if len(labels) else float("nan")
        return {"accuracy": accuracy, "confusion": confusion, "per_class_accuracy": per_class}

    def activations(self, images, labels=None):
        """Each layer's activities (batch, units) with `labels` overlaid, or a neutral label."""
        images = self.check_images(images)
        if labels is None:
            inputs = overlay_neutral(images)
        else:
            inputs = overlay_labels(images, np.broadcast_to(np.asarray(labels), (len(images),)))
        return [np.asarray(activity) for activity in self.forward(inputs)]

    def layer_goodness(self, images, labels):
        """Goodness of each image under its given label, per layer: (layers, batch)."""
        return np.stack([(activity**2).mean(axis=1) for activity in self.activations(images, labels)])

    def first_layer_fields(self):
        """First-layer weights as receptive fields: (units, 28, 28)."""
        kernel = variable_to_numpy(self.layers[0].kernel)  # (784, units)
        return kernel.T.reshape(-1, 28, 28)

    # Weights, save and load.

    def variables(self):
        """Every weight, in a fixed order: layer kernels and biases, then the head's."""
        return [v for layer in self.layers for v in (layer.kernel, layer.bias)] + [self.head.kernel, self.head.bias]

    def get_weights(self):
        return [variable_to_numpy(variable) for variable in self.variables()]

    def set_weights(self, weights):
        variables = self.variables()
        if len(weights) != len(variables):
            raise ValueError(f"Expected {len(variables)} weight arrays. Received: {len(weights)}")
        for variable, value in zip(variables, weights):
            if tuple(variable.shape) != tuple(np.shape(value)):
                raise ValueError(
                    f"Weight {variable.path} has shape {tuple(variable.shape)} but the file holds "
                    f"shape {tuple(np.shape(value))}: the file is from a different architecture."
                )
        for variable, value in zip(variables, weights):
            variable.assign(value)

    def save(self, path):
        """Write config, metadata and weights to one `.npz` file (or a file-like object)."""
        arrays = {f"weight_{index}": value for index, value in enumerate(self.get_weights())}
        arrays["format"] = np.array(FILE_FORMAT)
        arrays["config"] = np.array(self.config.to_json())
        arrays["metadata"] = np.array(json.dumps(self.metadata, default=str))
        if isinstance(path, (str, os.PathLike)):
            with open(path, "wb") as handle:
                np.savez_compressed(handle, **arrays)
        else:
            np.savez_compressed(path, **arrays)

    def to_bytes(self):
        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()


def load_network(source, expected_layer_sizes=None):
    """Read a network written by `FFNetwork.save` from a path or from bytes.

    Raises `ValueError` with the reason when the file is missing, empty, corrupt, not an
    ffviz model, or (with `expected_layer_sizes`) from a different architecture.
    """
    name = str(source) if isinstance(source, (str, os.PathLike)) else "the uploaded file"
    if isinstance(source, (str, os.PathLike)):
        if not os.path.isfile(source):
            raise ValueError(f"Model file {name} does not exist.")
        with open(source, "rb") as handle:
            data = handle.read()
    else:
        data = bytes(source)
    if not data:
        raise ValueError(f"Model file {name} is empty.")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            contents = {key: archive[key] for key in archive.files}
    except Exception as error:  # zipfile, OSError, pickle refusal: all mean "not our file".
        raise ValueError(
            f"{name} is not an ffviz model file (expected a .npz written by ffviz): {error}"
        ) from error
    if str(contents.get("format", "")) != FILE_FORMAT:
        raise ValueError(f"{name} is not an ffviz model file: it has no '{FILE_FORMAT}' marker.")
    try:
        values = json.loads(str(contents["config"]))
        if isinstance(values, dict):
            # Files written before these settings existed trained with unit length and no jitter.
            values.setdefault("input_length", "unit")
            values.setdefault("jitter", 0)
        config = FFConfig.from_dict(values)
        metadata = json.loads(str(contents.get("metadata", "{}")))
    except (KeyError, json.JSONDecodeError) as error:
        raise ValueError(f"{name} has a damaged config: {error}") from error
    if expected_layer_sizes is not None and tuple(expected_layer_sizes) != config.layer_sizes:
        raise ValueError(
            f"{name} has layers {config.layer_sizes}, but {tuple(expected_layer_sizes)} were expected."
        )
    network = FFNetwork(config)
    count = len(network.variables())
    try:
        weights = [contents[f"weight_{index}"] for index in range(count)]
    except KeyError as error:
        raise ValueError(f"{name} is missing weight {error}: the file is incomplete.") from error
    if not all(np.all(np.isfinite(weight)) for weight in weights):
        raise ValueError(f"{name} holds NaN or infinite weights.")
    network.set_weights(weights)
    network.metadata = metadata
    return network
