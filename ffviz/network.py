"""The Forward-Forward network: a stack of `FFDense` or of `FFConv2D` layers, its read-outs and its weights.

Follows Hinton (2022, "The Forward-Forward Algorithm: Some Preliminary Investigations") and the
keras.io example "Using the Forward-Forward Algorithm for Image Classification": each layer
learns from its own loss (`ffviz.objective`) and no gradient crosses layers, since each layer's
input is `stop_gradient` of the layer below.

Two read-outs classify an image, registered in `READOUT_FUNCTIONS` under the names of
`ffviz.config.READOUTS`. "goodness" writes each of the ten labels into the image and picks the
label with the highest goodness summed over layers (the keras.io example's rule, here scored in
one batched pass). "softmax" runs the image once with a neutral label and feeds the normalised
activities to a linear softmax head that is trained on the side with its own optimizer; the
head's gradient never reaches the hidden layers (Hinton 2022, section 3.3). A new read-out is
a function `(network, images) -> (batch, 10) scores` in that registry plus its name in `READOUTS`.

A convolutional network (`FFConfig.conv_layers`, `ffviz.conv_layers`) answers the same questions:
there a label's goodness in a layer is that of the label's group of filters.

Training lives in `ffviz.train`, saving and loading in `ffviz.checkpoint`.
"""

import keras
import numpy as np
from keras import ops

from ffviz.config import IMAGE_PIXELS, IMAGE_SIDE, NUM_CLASSES, FFConfig, architecture_text
from ffviz.conv_layers import FFConv2D
from ffviz.layers import FFDense
from ffviz.objective import goodness, normalize
from ffviz.overlay import all_label_codes, image_maxima, neutral_codes, overlay_labels, overlay_neutral

INFERENCE_CHUNK = 2048  # Images per batched inference call: 20,480 labelled rows at a time.


def variable_to_numpy(variable):
    """A copy of a Keras variable's value (through TensorFlow, avoiding a NumPy 2 warning)."""
    return variable.value.numpy().copy()


def goodness_scores(network, images):
    """The goodness read-out: each label's goodness summed over the read-out layers, (batch, 10)."""
    return network.goodness_per_label(images)[:, list(network.config.used_layers()), :].sum(axis=1)


def softmax_scores(network, images):
    """The softmax read-out: the head's probabilities on one neutral-label pass, (batch, 10)."""
    logits = network.head_logits(images)
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


READOUT_FUNCTIONS = {"goodness": goodness_scores, "softmax": softmax_scores}


class FFNetwork:
    """A stack of `FFDense` layers, or of `FFConv2D` layers, plus the softmax read-out head.

    The network holds weights and answers questions about images. All inference methods take
    NumPy arrays (batch, 784) in [0, 1] and return NumPy arrays.
    """

    def __init__(self, config=None):
        self.config = (config or FFConfig()).validate()
        self.layers = []
        shape = (IMAGE_SIDE, IMAGE_SIDE, 1)
        for index, (filters, kernel, pool) in enumerate(self.config.conv_layers):
            layer = FFConv2D(
                filters,
                kernel,
                pool,
                shape,
                first=index == 0,
                seed=self.config.seed * 100 + index,
                input_length=self.config.input_length,
                name=f"ff_layer_{index}",
            )
            layer.build()
            self.layers.append(layer)
            shape = layer.output_shape_hwc
        width = shape[0] * shape[1] * shape[2]
        for index, units in enumerate(self.config.layer_sizes, start=len(self.layers)):
            seed = self.config.seed * 100 + index
            layer = FFDense(units, seed=seed, input_length=self.config.input_length, name=f"ff_layer_{index}")
            layer.build((None, width))
            self.layers.append(layer)
            width = units
        self.head = keras.layers.Dense(NUM_CLASSES, kernel_initializer=keras.initializers.Zeros(), name="softmax_head")
        self.head.build((None, self.head_width()))
        self.metadata = {}  # Free-form facts saved with the model: dataset, accuracy, command.
        self._compiled = {}  # Compiled inference functions, built on first use.

    def __repr__(self):
        return f"FFNetwork({architecture_text(self.config)}, threshold={self.config.threshold})"

    def head_width(self):
        widths = self.config.layer_widths()
        return sum(widths[index] for index in self.config.used_layers())

    # Forward passes, usable inside compiled steps.

    def forward(self, inputs, local=True):
        """Activities of every layer on overlaid images (batch, 784), each as its goodness sees them.

        With `local` (training), each layer reads the `stop_gradient` of the layer below. A
        convolutional layer's output is weighted by the label code of the input's first pixels
        (`FFConv2D.with_label_codes`); the next layer reads it unweighted.
        """
        if isinstance(self.layers[0], FFConv2D):
            return self._conv_activities(inputs, inputs[None, :, :NUM_CLASSES], local)
        activities = []
        hidden = inputs
        for layer in self.layers:
            hidden = layer(hidden)
            activities.append(hidden)
            if local:  # Locality: the next layer learns from this output but never sends gradient back.
                hidden = ops.stop_gradient(hidden)
        return activities

    def _conv_activities(self, images, codes, local=True):
        """A convolutional stack's activities, each weighted by every label code: (copies * batch, units) each.

        The stack runs once per image; only the weighting is per code (`FFConv2D.with_label_codes`).
        `FFConfig.validate` allows no dense layer after convolutions.
        """
        activities = []
        hidden = images
        for layer in self.layers:
            hidden = layer(hidden)
            activities.append(layer.with_label_codes(hidden, codes))
            if local:  # Locality, as in `forward`.
                hidden = ops.stop_gradient(hidden)
        return activities

    def forward_with_label_codes(self, images, codes, label_free=None):
        """`forward` of the images with each of several label codes, sharing what the codes do not change.

        A dense first layer shares its label-free product (`FFDense.call_with_label_codes`); a
        convolutional stack runs once per image, and only its goodness weighting is per code.

        Args:
            images: (batch, 784) images; codes: (copies, batch, 10), from `ffviz.overlay`.
            label_free: the first layer's `label_free_product(images)`, if already computed.

        Returns:
            Each layer's activities, (copies * batch, units), copy-major.
        """
        if isinstance(self.layers[0], FFConv2D):
            return self._conv_activities(images, codes)
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
        activities = self.forward_with_label_codes(images, all_label_codes(image_maxima(images)))
        rows = [goodness(activity, self.config.goodness) for activity in activities]
        stacked = ops.stack(rows)  # (layers, 10 * batch)
        return ops.transpose(ops.reshape(stacked, (len(self.layers), NUM_CLASSES, -1)), (2, 0, 1))

    def _head_logits(self, images):
        """The softmax head's logits on the neutral-label pass for one chunk: (batch, 10)."""
        activities = self.forward_with_label_codes(images, neutral_codes(image_maxima(images))[None])
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
        if images.ndim == 2 and images.shape == (IMAGE_SIDE, IMAGE_SIDE):
            images = images.reshape(1, IMAGE_PIXELS)
        elif images.ndim == 1:
            images = images.reshape(1, -1)
        elif images.ndim == 3:
            images = images.reshape(images.shape[0], -1)
        if images.ndim != 2 or images.shape[1] != IMAGE_PIXELS:
            raise ValueError(
                f"Expected images of shape (batch, {IMAGE_PIXELS}) or (batch, {IMAGE_SIDE}, {IMAGE_SIDE}). "
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
        """A (batch, 10) score per label from a read-out in `READOUT_FUNCTIONS`; its argmax is the prediction.

        Only the passes that the read-out needs are run. `readout` defaults to the config's.
        """
        readout = readout or self.config.readout
        if readout not in READOUT_FUNCTIONS:
            raise ValueError(f"readout must be one of {tuple(READOUT_FUNCTIONS)}. Received: readout={readout!r}")
        return READOUT_FUNCTIONS[readout](self, images)

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
        activities = self.activations(images, labels)
        return np.stack([np.asarray(goodness(activity, self.config.goodness)) for activity in activities])

    def first_layer_fields(self):
        """First-layer weights as receptive fields: (units, 28, 28), or a conv layer's filters (filters, k, k)."""
        kernel = variable_to_numpy(self.layers[0].kernel)  # (784, units) or (k, k, 1, filters)
        if kernel.ndim == 4:
            return np.transpose(kernel[:, :, 0, :], (2, 0, 1))
        return kernel.T.reshape(-1, IMAGE_SIDE, IMAGE_SIDE)

    def feature_maps(self, image, label=None):
        """Each convolutional layer's output for one image: a list of (height, width, filters) arrays.

        `label` is written into the image (None: the neutral label), as in `activations`.
        """
        activities = self.activations(image, None if label is None else [label])
        return [
            activity.reshape(layer.output_shape_hwc)
            for layer, activity in zip(self.layers, activities)
            if isinstance(layer, FFConv2D)
        ]

    def goodness_maps(self, image):
        """Where each label's goodness comes from in each convolutional layer: a list of (10, h, w) arrays.

        Entry [label, y, x] is the mean square over filters at location (y, x) with `label` written in.
        """
        images = np.repeat(self.check_images(image)[:1], NUM_CLASSES, axis=0)
        activities = self.activations(images, np.arange(NUM_CLASSES))
        return [
            np.asarray(layer.goodness_map(activity))
            for layer, activity in zip(self.layers, activities)
            if isinstance(layer, FFConv2D)
        ]

    # Weights; the file format is `ffviz.checkpoint`'s.

    def variables(self):
        """Every weight, in a fixed order: layer kernels and biases, then the head's."""
        layer_variables = [variable for layer in self.layers for variable in layer.ff_variables()]
        return layer_variables + [self.head.kernel, self.head.bias]

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
        """Write config, metadata and weights to one `.npz` file: `ffviz.checkpoint.save`."""
        from ffviz import checkpoint  # Imported here: `checkpoint` builds networks, so it imports this module.

        checkpoint.save(self, path)

    def to_bytes(self):
        """The file that `save` writes, as bytes: `ffviz.checkpoint.to_bytes`."""
        from ffviz import checkpoint

        return checkpoint.to_bytes(self)
