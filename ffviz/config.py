"""Settings of a Forward-Forward network and its training: one frozen dataclass and its options.

This module owns every fact that the engine, the command line and the app must agree on: the
image and label sizes, the allowed values of each option and how a layer list is written (the
named presets built from it are in `ffviz.presets`). It imports neither Keras nor Streamlit, so
anything may import it cheaply.

Every field says its unit and why it has its default. `FFConfig.validate()` raises
`ValueError` with the received value, so bad settings from the CLI, the app or a URL are
rejected with a message instead of failing deep inside TensorFlow.
"""

import dataclasses
import json
import math
import numbers
import re

NUM_CLASSES = 10  # MNIST and Fashion-MNIST both have ten labels.
IMAGE_SIDE = 28  # MNIST and Fashion-MNIST images are 28 x 28.
IMAGE_PIXELS = IMAGE_SIDE * IMAGE_SIDE  # 784, flattened.
MAX_JITTER = 4  # Pixels; larger shifts push MNIST digits out of the frame.

# The allowed values of each option. Each engine registry that implements an option
# (`ffviz.objective.GOODNESS_FUNCTIONS`, `ffviz.objective.LOSS_FUNCTIONS`,
# `ffviz.network.READOUT_FUNCTIONS`) has exactly these keys; a unit test checks that they agree.
NEGATIVE_STRATEGIES = ("random", "hard")
READOUTS = ("goodness", "softmax")
INPUT_LENGTHS = ("unit", "sqrt_dim")  # L2 length of each layer's normalised input: 1 or sqrt(width).
GOODNESS_MEASURES = ("mean_square", "sum_square")  # How a layer's activities become one goodness number.
LOSSES = ("softplus", "symba")  # How a layer's goodness of positive and negative data becomes its loss.
DATASETS = ("mnist", "fashion_mnist")  # The data sets that `ffviz.data.load_dataset` can load.
# Shape limits; the budget (`ffviz.budget`, checked by `FFConfig.validate`) bounds the whole network.
MAX_LAYER_UNITS = 8192  # Units per layer.
MAX_LAYERS = 8  # Hidden layers, convolutional and dense together.
MAX_CONV_FILTERS = 512  # Channels per convolutional layer.
MAX_KERNEL_SIZE = 7  # Side of a convolution's square kernel, in pixels.
MAX_POOL = 4  # Side of the max-pooling window after a convolution.
MAX_BATCH_SIZE = 60000  # Images per step: the whole MNIST training set.
MAX_EPOCHS = 1000  # Passes over the training set.
# Races against a clock (FF vs backprop, FF vs FF) plan the most epochs a run may have, so the time
# budget ends them, not the epoch count (100 epochs of the 4,000-image sample took 4 s on a fast CPU).
RACE_EPOCHS = MAX_EPOCHS
MAX_SEED = 2**31 - 1  # Seeds are 31-bit, as NumPy's and TensorFlow's generators all accept.
MAX_SHARPNESS = 1000  # softplus(1000 * margin) is already a step function.


@dataclasses.dataclass(frozen=True)
class FFConfig:
    """Architecture and training settings of a Forward-Forward run."""

    # The defaults are the `default` preset (`ffviz.presets`), tuned on full MNIST for a budget of
    # 3 minutes on a 2-core CPU (benchmarks/RESULTS.md): 98.8% test accuracy after 10 epochs.
    layer_sizes: tuple = (500, 500)  # Units per hidden layer; the keras.io example's 784-500-500.
    conv_layers: tuple = ()  # (filters, kernel side, pool side) per conv layer; a network is conv or dense, not both.
    input_length: str = "sqrt_dim"  # Each layer's input L2 length: sqrt(width) (Hinton) or 1 ("unit", keras.io).
    threshold: float = 1.0  # Goodness (mean square of the activities) between negative and positive; Hinton's 1.
    sharpness: float = 30.0  # Loss is softplus(sharpness * margin); 1 is the keras.io loss, Hinton's sum(h^2) - N is N.
    learning_rate: float = 0.001  # Adam step per layer; 0.002 killed 40% of layer-0 units in 15 flat epochs.
    batch_size: int = 100  # Images per step; every >= 98.5% FF result in the literature uses 100.
    epochs: int = 10  # Passes over the training set; 20 gave the same softmax accuracy, better goodness.
    negatives: str = "hard"  # "random": any wrong label; "hard": a wrong label the model itself likes.
    lr_decay: bool = True  # Hinton's schedule: constant for the first half, then linear to zero.
    readout: str = "softmax"  # "softmax": one neutral pass, better early; "goodness": best of ten labelled passes.
    readout_layers: tuple = ()  # Layers (0-based) summed by the read-outs; empty means all layers.
    goodness: str = "mean_square"  # Goodness of a layer: mean(h^2), the keras.io example's (Hinton sums).
    loss: str = "softplus"  # Layer loss: softplus(sharpness * margin), the keras.io example's.
    symba_alpha: float = 4.0  # Loss "symba": softplus(-alpha * (g_pos - g_neg)); 4 as in the SymBa paper.
    jitter: int = 1  # Training images move up to this many pixels at random: +0.4 points; 2 was worse, 0 none.
    seed: int = 0  # Seeds weights, shuffling and negative labels.

    def __post_init__(self):
        # Lists from JSON or a form become tuples, so the config stays hashable.
        for name in ("layer_sizes", "readout_layers"):
            values = getattr(self, name)
            try:
                if isinstance(values, (str, bytes)):
                    raise TypeError(name)
                object.__setattr__(self, name, tuple(integer(name, value) for value in values))
            except (TypeError, ValueError, OverflowError):
                raise ValueError(f"{name} must be a list of integers. Received: {name}={values!r}") from None
        try:
            if isinstance(self.conv_layers, (str, bytes)) or any(len(spec) != 3 for spec in self.conv_layers):
                raise TypeError("conv_layers")
            specs = tuple(tuple(integer("conv_layers", value) for value in spec) for spec in self.conv_layers)
        except (TypeError, ValueError, OverflowError):
            raise ValueError(
                "conv_layers must be a list of [filters, kernel, pool] triples. "
                f"Received: conv_layers={self.conv_layers!r}"
            ) from None
        object.__setattr__(self, "conv_layers", specs)

    @property
    def num_layers(self):
        """Hidden layers, convolutional and dense."""
        return len(self.conv_layers) + len(self.layer_sizes)

    def layer_widths(self):
        """Activities per image of every hidden layer, convolutional (height x width x filters) then dense."""
        conv_widths = [height * width * filters for height, width, filters in conv_output_shapes(self.conv_layers)]
        return (*conv_widths, *self.layer_sizes)

    def used_layers(self):
        """Indices of the layers that the read-outs sum over."""
        return self.readout_layers or tuple(range(self.num_layers))

    def validate(self):
        """Raise `ValueError` naming the first setting that is out of range or over budget; return self."""
        if not self.layer_sizes and not self.conv_layers:
            raise ValueError("layer_sizes must list at least one hidden layer. Received: layer_sizes=()")
        if self.num_layers > MAX_LAYERS:
            raise ValueError(
                f"At most {MAX_LAYERS} hidden layers are supported. "
                f"Received: conv_layers={self.conv_layers}, layer_sizes={self.layer_sizes}"
            )
        conv_output_shapes(self.conv_layers)  # Raises for a kernel or pool too large for its input.
        if self.conv_layers and self.layer_sizes:
            raise ValueError(
                "Dense layers cannot follow convolutional ones: a convolutional layer's output is the same for "
                "every label, so a dense layer after it could not tell labels apart. "
                f"Received: conv_layers={self.conv_layers}, layer_sizes={self.layer_sizes}"
            )
        for units in self.layer_sizes:
            if not 1 <= units <= MAX_LAYER_UNITS:
                raise ValueError(
                    f"Each layer size must be an integer from 1 to {MAX_LAYER_UNITS}. "
                    f"Received: layer_sizes={self.layer_sizes}"
                )
        check_integer("batch_size", self.batch_size, 1, MAX_BATCH_SIZE)
        check_integer("epochs", self.epochs, 1, MAX_EPOCHS)
        check_integer("jitter", self.jitter, 0, MAX_JITTER)
        check_integer("seed", self.seed, 0, MAX_SEED)
        if not isinstance(self.lr_decay, bool):
            raise ValueError(f"lr_decay must be true or false. Received: lr_decay={self.lr_decay!r}")
        check_threshold(self.threshold)
        check_learning_rate(self.learning_rate)
        if not (is_real(self.sharpness) and math.isfinite(self.sharpness) and 0 < self.sharpness <= MAX_SHARPNESS):
            raise ValueError(f"sharpness must be in (0, {MAX_SHARPNESS}]. Received: sharpness={self.sharpness!r}")
        if self.negatives not in NEGATIVE_STRATEGIES:
            raise ValueError(f"negatives must be one of {NEGATIVE_STRATEGIES}. Received: negatives={self.negatives!r}")
        if self.input_length not in INPUT_LENGTHS:
            raise ValueError(
                f"input_length must be one of {INPUT_LENGTHS}. Received: input_length={self.input_length!r}"
            )
        if self.goodness not in GOODNESS_MEASURES:
            raise ValueError(f"goodness must be one of {GOODNESS_MEASURES}. Received: goodness={self.goodness!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}. Received: loss={self.loss!r}")
        if not (is_real(self.symba_alpha) and math.isfinite(self.symba_alpha) and 0 < self.symba_alpha <= 100):
            raise ValueError(f"symba_alpha must be in (0, 100]. Received: symba_alpha={self.symba_alpha!r}")
        if self.readout not in READOUTS:
            raise ValueError(f"readout must be one of {READOUTS}. Received: readout={self.readout!r}")
        for index in self.readout_layers:
            if not 0 <= index < self.num_layers:
                raise ValueError(
                    f"readout_layers must index the {self.num_layers} hidden layers. "
                    f"Received: readout_layers={self.readout_layers}"
                )
        from ffviz.budget import check_budget  # Here: `ffviz.budget` reads this module's constants.

        check_budget(self)
        return self

    def replace(self, **changes):
        """A validated copy with some fields changed."""
        return dataclasses.replace(self, **changes).validate()

    def to_dict(self):
        return dataclasses.asdict(self)

    def to_json(self):
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, values):
        """Build and validate a config; unknown keys are an error, missing ones take defaults."""
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"Unknown config keys {unknown}; expected some of {sorted(known)}.")
        try:
            return cls(**values).validate()
        except (TypeError, OverflowError) as error:  # A list where a number belongs; 1e400.
            raise ValueError(f"Malformed config {values!r}: {error}") from error


def is_real(value):
    """True for an int or float, but not for a bool (True is not a learning rate)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def integer(name, value):
    """`value` as an int when it is a whole number (5 or 5.0, not 5.5, True or '5'); else `ValueError`."""
    if is_real(value) and math.isfinite(value) and value == int(value):
        return int(value)
    raise ValueError(f"{name} must be a whole number. Received: {name}={value!r}")


def check_integer(name, value, low, high):
    """Raise `ValueError` unless `value` is an int from `low` to `high`."""
    if not (isinstance(value, numbers.Integral) and not isinstance(value, bool) and low <= value <= high):
        raise ValueError(f"{name} must be an integer from {low} to {high}. Received: {name}={value!r}")
    return value


def check_threshold(threshold):
    """The goodness threshold must be a positive finite number."""
    if not (is_real(threshold) and math.isfinite(threshold) and threshold > 0):
        raise ValueError(f"threshold must be a positive number. Received: threshold={threshold!r}")
    return float(threshold)


def check_learning_rate(learning_rate):
    """The learning rate must be a positive finite number no larger than 10."""
    if not (is_real(learning_rate) and math.isfinite(learning_rate) and 0 < learning_rate <= 10):
        raise ValueError(
            f"learning_rate must be a positive number no larger than 10. Received: learning_rate={learning_rate!r}"
        )
    return float(learning_rate)


def conv_output_side(side, kernel, pool):
    """The side of a square input after a valid `kernel` convolution (stride 1) and `pool` max-pooling."""
    return (side - kernel + 1) // pool


def conv_output_shapes(conv_layers):
    """(height, width, filters) of each convolutional layer's output: a valid convolution, ReLU, max-pooling.

    Raises `ValueError` naming the layer whose kernel or pool does not fit its input.
    """
    height = width = IMAGE_SIDE
    shapes = []
    for index, (filters, kernel, pool) in enumerate(conv_layers):
        if not (1 <= filters <= MAX_CONV_FILTERS and filters % NUM_CLASSES == 0):
            raise ValueError(
                f"Convolutional layer {index + 1}: filters must be a multiple of {NUM_CLASSES} (one group per label) "
                f"from {NUM_CLASSES} to {MAX_CONV_FILTERS}. Received: conv_layers={conv_layers}"
            )
        if not 1 <= kernel <= MAX_KERNEL_SIZE:
            raise ValueError(
                f"Convolutional layer {index + 1}: kernel must be from 1 to {MAX_KERNEL_SIZE}. "
                f"Received: conv_layers={conv_layers}"
            )
        if not 1 <= pool <= MAX_POOL:
            raise ValueError(
                f"Convolutional layer {index + 1}: pool must be from 1 to {MAX_POOL}. "
                f"Received: conv_layers={conv_layers}"
            )
        if kernel > height or (height - kernel + 1) < pool:
            raise ValueError(
                f"Convolutional layer {index + 1} gets a {height} x {width} input, too small for a {kernel} x {kernel} "
                f"kernel and a {pool} x {pool} pool. Received: conv_layers={conv_layers}"
            )
        height = width = conv_output_side(height, kernel, pool)
        shapes.append((height, width, filters))
    return shapes


CONV_ITEM = re.compile(r"c(\d+)k(\d+)(?:p(\d+))?")  # A convolutional layer in a layer list: c32k5p2.


def parse_layers(text):
    """A layer list written as text: 'c40k5p2, c80k3p2' -> {"conv_layers": ..., "layer_sizes": ...}.

    A convolutional layer is `c<filters>k<kernel side>` with an optional `p<pool side>` (max-pooling
    after it); a dense layer is its number of units. A network is convolutional or dense, not
    both (`FFConfig.validate()` says why); it also checks the sizes' ranges.
    """
    conv_layers, layer_sizes = [], []
    for part in (part.strip().lower() for part in str(text).split(",")):
        if not part:
            continue
        match = CONV_ITEM.fullmatch(part)
        if match:
            filters, kernel, pool = match.groups()
            conv_layers.append((int(filters), int(kernel), int(pool or 1)))
        elif part.isdigit():
            layer_sizes.append(int(part))
        else:
            raise ValueError(
                "Layer sizes must be whole numbers (dense units) or convolutional layers written "
                f"c<filters>k<kernel>p<pool>, separated by commas, e.g. 500,500 or c40k5p2,c80k3p2. Received: {text!r}"
            )
    if not conv_layers and not layer_sizes:
        raise ValueError(f"Give at least one layer size, e.g. 500,500. Received: {text!r}")
    return {"conv_layers": tuple(conv_layers), "layer_sizes": tuple(layer_sizes)}


def layers_text(config):
    """The layer list of `config` as `parse_layers` reads it: '500,500' or 'c40k5p2,c80k3p2'."""
    conv = [f"c{filters}k{kernel}" + (f"p{pool}" if pool > 1 else "") for filters, kernel, pool in config.conv_layers]
    return ",".join([*conv, *(str(units) for units in config.layer_sizes)])


def architecture_text(config):
    """The network's shape for titles and logs: '784-500-500' or '28x28-c40k5p2-c80k3p2'."""
    if not config.conv_layers:
        return "-".join(str(units) for units in (IMAGE_PIXELS, *config.layer_sizes))
    return "-".join([f"{IMAGE_SIDE}x{IMAGE_SIDE}", *layers_text(config).split(",")])


def parse_layer_sizes(text):
    """Hidden layer sizes written as text: '500, 500' -> (500, 500).

    Spaces and a trailing comma are allowed. Anything that is not a comma-separated list of
    at least one whole number raises `ValueError` naming the text received; the sizes' range
    is checked by `FFConfig.validate()`.
    """
    parts = [part.strip() for part in str(text).split(",") if part.strip()]
    try:
        sizes = tuple(int(part) for part in parts)
    except ValueError:
        raise ValueError(
            f"Layer sizes must be whole numbers separated by commas, e.g. 500,500. Received: {text!r}"
        ) from None
    if not sizes:
        raise ValueError(f"Give at least one layer size, e.g. 500,500. Received: {text!r}")
    return sizes
