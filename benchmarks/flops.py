"""What a training step costs in matmul FLOPs, and the matmul rates this machine allows.

`benchmarks.bench` divides an epoch's FLOPs by its seconds and compares the rate with two
references measured in the same run:

- `matmul_peak`: large square float32 products, the most the machine's matmul can do;
- `step_products_rate`: only the products of one dense training step, at their own shapes
  (a batch of 100 makes them small and thin), in a loop of XLA calls as the trainer runs them.
  No step can beat it, since the step does these products and more (normalisation, ReLU,
  losses, Adam's updates); the gap between it and the peak is the matmul library's, not ffviz's.

`dense_step_products` lists the products once, so the FLOP count and the rate measurement
agree by construction.
"""

import math
import time

import tensorflow as tf

from ffviz.config import IMAGE_PIXELS, IMAGE_SIDE, NUM_CLASSES


def matmul_peak(size, repeats, rounds=5):
    """Best float32 GFLOP/s of `repeats` chained (size x size) products, over `rounds` tries.

    Each product's input differs (the loop counter is added), so no two can be merged.
    """
    a = tf.random.normal((size, size))
    b = tf.random.normal((size, size)) / math.sqrt(size)

    @tf.function
    def products(a, b):
        def body(index, total):
            return index + 1, total + tf.reduce_sum(tf.matmul(a + tf.cast(index, tf.float32), b))

        return tf.while_loop(lambda index, total: index < repeats, body, (tf.constant(0), tf.constant(0.0)))[1]

    products(a, b).numpy()  # Compile and warm up.
    best = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        products(a, b).numpy()
        best = max(best, 2 * size**3 * repeats / (time.perf_counter() - started) / 1e9)
    return best


def dense_step_products(config, batch_size):
    """The (rows, inner, columns) of every matmul in one dense training step as `ffviz.ff_step` computes it.

    Forward and weight-gradient products only (no gradient flows into a layer's input). The
    first layer's 784-wide product is done once per image and shared by the neutral, positive
    and negative copies; only the tiny products of the ten label pixels are per copy. Deeper
    layers see the neutral copy (when the softmax head is trained) and the positive and
    negative copies; gradients come from the positive and negative copies.
    """
    if config.conv_layers:
        raise ValueError(f"dense_step_products takes a dense network. Received: conv_layers={config.conv_layers}")
    widths = (IMAGE_PIXELS, *config.layer_sizes)
    trains_head = config.readout == "softmax" or config.negatives == "hard"
    copies = 3 if trains_head else 2
    products = [
        (batch_size, IMAGE_PIXELS, widths[1]),  # The shared label-free product.
        (IMAGE_PIXELS, batch_size, widths[1]),  # Its weight gradient.
        (copies * batch_size, NUM_CLASSES, widths[1]),  # The label pixels of every copy.
        (NUM_CLASSES, 2 * batch_size, widths[1]),  # Their weight gradient.
    ]
    for fan_in, units in zip(widths[1:-1], widths[2:]):
        products += [(copies * batch_size, fan_in, units), (fan_in, 2 * batch_size, units)]
    if trains_head:
        head_width = sum(config.layer_sizes[index] for index in config.used_layers())
        products += [(batch_size, head_width, NUM_CLASSES), (head_width, batch_size, NUM_CLASSES)]
    return products


def conv_training_flops_per_step(config, batch_size):
    """Convolution and head FLOPs of one convolutional training step as `ffviz.network` computes it.

    A convolutional stack runs once per image for all label codes (only the goodness weighting
    is per code), and its weight gradient costs as much again; the neutral pass feeds the head.
    """
    flops, channels, side = 0, 1, IMAGE_SIDE
    for filters, kernel, pool in config.conv_layers:
        out = side - kernel + 1
        flops += 2 * out * out * filters * kernel * kernel * channels * 2  # Forward and weight gradient.
        channels, side = filters, out // pool
    head_width = sum(config.layer_widths()[index] for index in config.used_layers())
    return batch_size * (flops + 2 * head_width * NUM_CLASSES * 2)


def training_flops_per_step(config, batch_size):
    """Matmul (or convolution) FLOPs of one training step as `ffviz.train` computes it."""
    if config.conv_layers:
        return conv_training_flops_per_step(config, batch_size)
    return sum(2 * rows * inner * columns for rows, inner, columns in dense_step_products(config, batch_size))


def step_products_rate(config, batch_size, jit_compile=True, steps=200, rounds=5):
    """Best GFLOP/s of one dense step's products alone, at their shapes, over `rounds` loops of `steps`.

    Each step is one compiled call inside a `tf.while_loop`, as `ffviz.compiled_steps` runs
    training, and its inputs change with the step (the counter is added), so nothing is hoisted.
    """
    products = dense_step_products(config, batch_size)
    lefts = [tf.random.normal((rows, inner)) for rows, inner, _ in products]
    rights = [tf.random.normal((inner, columns)) / math.sqrt(inner) for _, inner, columns in products]

    @tf.function(jit_compile=jit_compile)
    def one_step(shift):
        return tf.add_n([tf.reduce_sum(tf.matmul(left + shift, right)) for left, right in zip(lefts, rights)])

    @tf.function
    def loop():
        def body(index, total):
            return index + 1, total + one_step(tf.cast(index, tf.float32) * 1e-6)

        return tf.while_loop(lambda index, total: index < steps, body, (tf.constant(0), tf.constant(0.0)))[1]

    loop().numpy()  # Compile and warm up.
    best = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        loop().numpy()
        best = max(best, training_flops_per_step(config, batch_size) * steps / (time.perf_counter() - started) / 1e9)
    return best
