"""How big a network may be: its parameters and the memory its training needs, against one budget.

Every network is built from a validated `FFConfig`, and `FFConfig.validate()` calls `check_budget`,
so the layer fields, links, uploaded model files (checked before anything is built), the compare
page and the CLI all meet the same budget. Over budget is a `ValueError` that states the size and
the limit; nothing has been allocated when it is raised.

The budget has two parts:

- a hard cap on parameters, `MAX_PARAMETERS`, so that a big machine still serves a tool that
  answers interactively, and so that the largest model file fits the app's upload limit;
- a cap on the estimated training memory of one network: `NETWORK_MEMORY_FRACTION` of the
  machine's physical memory. A session trains at most two networks at once (the compare page's
  FF and backprop runs of the same layers), so one session's training stays within a quarter of
  the machine and several sessions fit beside each other.

The CLI may set another budget for one command (`--max-parameters N`, `--no-budget`) with
`using_budget`; the app always uses the default one.

This module imports neither Keras nor Streamlit: it is arithmetic on the config's numbers.
"""

import contextlib
import dataclasses
import functools
import os

from ffviz.config import IMAGE_PIXELS, NUM_CLASSES, conv_output_shapes

# The hard cap on parameters: 2.5 s per default-size step on 2 CPU cores is already slow, and a
# float32 file of this many weights (60 MB) fits the app's upload limit, `MAX_MODEL_FILE_BYTES`.
# Hinton's 4 x 2000 network ("paper" preset) has 13.7 M parameters.
MAX_PARAMETERS = 15_000_000
NETWORK_MEMORY_FRACTION = 1 / 8  # Of physical memory, per network: 3.1 GB on a 24 GiB machine.
MAX_MODEL_FILE_BYTES = 64 * 1024 * 1024  # Equal to `server.maxUploadSize = 64` in .streamlit/config.toml.
FALLBACK_PHYSICAL_MEMORY = 8 * 1024**3  # Bytes assumed when the system does not say.

# Bytes of training memory per parameter, measured (RSS of one process before and after building
# a network and running two XLA-compiled training steps, batch 100, on the 2-core CPU): peak
# +531 MB for 4 x 2000 (13.7 M parameters, 38.9 B each) and +738 MB for 3 x 3000 (20.5 M, 36.1 B).
# That is float32 weights (4) + two Adam moments (8) + gradients (4) + the trainer's backup copy
# (4), plus XLA's temporary buffers and the compiled step itself.
BYTES_PER_PARAMETER = 40
# Bytes of training memory per image of a batch and unit of a layer (the image's 784 pixels
# count as units): positive, negative and ten labelled hard-negative passes, their gradients.
# Measured 27 B from the peak RSS of batches of 6,000 on 1000-1000 and 10,000 on 2000.
BYTES_PER_BATCH_ACTIVATION = 32
# Inference runs on chunks of `INFERENCE_IMAGES` images (`ffviz.network.INFERENCE_CHUNK`) with all
# ten labels at once; a chunk's widest layer costs this many bytes per activation (measured 9 B:
# peak +373 MB evaluating 4 x 2000). Inference runs between training steps, not during them.
INFERENCE_IMAGES = 2048
BYTES_PER_INFERENCE_ACTIVATION = 12


@functools.lru_cache(maxsize=1)
def physical_memory_bytes():
    """The machine's physical memory in bytes, from `os.sysconf` or /proc/meminfo."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        pass
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return FALLBACK_PHYSICAL_MEMORY


@dataclasses.dataclass(frozen=True)
class Budget:
    """Limits on one network; None means no limit."""

    max_parameters: int | None = MAX_PARAMETERS  # Weights and biases, the softmax head's included.
    max_bytes: int | None = None  # Estimated training memory; None here means "from physical memory".

    def memory_limit(self):
        if self.max_bytes is not None:
            return self.max_bytes
        return int(physical_memory_bytes() * NETWORK_MEMORY_FRACTION)


DEFAULT_BUDGET = Budget()
NO_BUDGET = Budget(max_parameters=None, max_bytes=float("inf"))
_active_budgets = []  # A stack of the budgets that `using_budget` set; the default when empty.


def current_budget():
    """The budget that `FFConfig.validate()` enforces now."""
    return _active_budgets[-1] if _active_budgets else DEFAULT_BUDGET


@contextlib.contextmanager
def using_budget(budget):
    """Enforce `budget` instead of the default until the block ends (for one CLI command)."""
    _active_budgets.append(budget)
    try:
        yield budget
    finally:
        _active_budgets.pop()


def weight_shapes(layer_sizes, head_width, conv_layers=()):
    """Shapes of every weight in the order of `FFNetwork.variables()`, without building anything.

    A convolutional layer has a kernel (k, k, channels, filters) and a bias (filters,); a dense
    layer a kernel (inputs, units) and a bias (units,); the softmax head reads `head_width`
    normalised activities and has ten outputs.
    """
    shapes = []
    channels, width = 1, IMAGE_PIXELS
    for (filters, kernel, _), (height, side, _) in zip(conv_layers, conv_output_shapes(conv_layers)):
        shapes += [(kernel, kernel, channels, filters), (filters,)]
        channels, width = filters, height * side * filters
    for units in layer_sizes:
        shapes += [(width, units), (units,)]
        width = units
    return shapes + [(head_width, NUM_CLASSES), (NUM_CLASSES,)]


def config_weight_shapes(config):
    """`weight_shapes` of the network that `config` describes."""
    widths = config.layer_widths()
    head_width = sum(widths[index] for index in config.used_layers())
    return weight_shapes(config.layer_sizes, head_width, config.conv_layers)


def parameter_count(config):
    total = 0
    for shape in config_weight_shapes(config):
        count = 1
        for size in shape:
            count *= size
        total += count
    return total


def estimated_bytes(config):
    """Estimated peak memory of training the network of `config`, on top of the data and TensorFlow."""
    per_batch = config.batch_size * (IMAGE_PIXELS + sum(config.layer_widths())) * BYTES_PER_BATCH_ACTIVATION
    inference = INFERENCE_IMAGES * NUM_CLASSES * max(config.layer_widths()) * BYTES_PER_INFERENCE_ACTIVATION
    return parameter_count(config) * BYTES_PER_PARAMETER + max(per_batch, inference)


def gigabytes(count):
    return f"{count / 1e9:.1f} GB"


def check_budget(config, budget=None):
    """Raise `ValueError` stating size and limit when `config`'s network is over `budget`."""
    budget = budget or current_budget()
    parameters = parameter_count(config)
    needed = estimated_bytes(config)
    limit = budget.memory_limit()
    over_parameters = budget.max_parameters is not None and parameters > budget.max_parameters
    if not over_parameters and needed <= limit:
        return
    limits = []
    if budget.max_parameters is not None:
        limits.append(f"{budget.max_parameters:,} parameters")
    if limit != float("inf"):
        limits.append(f"{gigabytes(limit)} of training memory")
        if budget.max_bytes is None:
            limits[-1] += f" (1/{round(1 / NETWORK_MEMORY_FRACTION)} of this machine's memory)"
    raise ValueError(
        f"This network is over the budget of this server: {parameters:,} parameters and about {gigabytes(needed)} "
        f"to train; this server allows at most {' and '.join(limits)}. Use fewer or narrower layers or a smaller "
        f"batch. Received: layer_sizes={config.layer_sizes}, conv_layers={config.conv_layers}, "
        f"batch_size={config.batch_size}"
    )
