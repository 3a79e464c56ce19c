"""Convolutional Forward-Forward: `FFConv2D`'s math by hand, locality, the fast paths and files."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from ffviz.checkpoint import load_network
from ffviz.config import NUM_CLASSES, FFConfig, architecture_text, layers_text, parse_layers
from ffviz.conv_layers import FFConv2D
from ffviz.ff_step import forward_forward_step
from ffviz.network import FFNetwork
from ffviz.objective import ff_loss
from ffviz.overlay import label_codes, overlay_labels
from ffviz.train import Trainer

TINY = FFConfig(conv_layers=((10, 3, 2), (20, 2, 1)), layer_sizes=(), batch_size=8, epochs=1, seed=4)


def images(count, seed=0):
    return np.random.default_rng(seed).random((count, 784)).astype(np.float32)


def test_conv_layer_by_hand():
    """A 4 x 4 one-channel input, a 3 x 3 kernel, ReLU, 2 x 2 max-pooling, unit-length input."""
    layer = FFConv2D(10, 3, 2, (4, 4, 1), first=False, input_length="unit")
    layer.build()
    kernel = np.zeros((3, 3, 1, 10), np.float32)
    kernel[:, :, 0, 0] = 1.0  # Filter 0 sums its 3 x 3 window.
    kernel[1, 1, 0, 3] = -1.0  # Filter 3 is minus the window's centre: always <= 0, so ReLU zeroes it.
    bias = np.zeros(10, np.float32)
    bias[5] = 0.25  # Filter 5 is constant.
    layer.kernel.assign(kernel)
    layer.bias.assign(bias)
    image = np.zeros((4, 4), np.float32)
    image[0, 0], image[3, 3] = 3.0, 4.0  # Length 5, so the normalised pixels are 0.6 and 0.8.
    output = np.asarray(layer(image.reshape(1, 16)))
    assert output.shape == (1, 10)  # 4 - 3 + 1 = 2 locations a side, pooled 2 x 2 into one.
    # Windows: top-left holds 0.6, bottom-right 0.8; the pool keeps the larger.
    expected = np.zeros(10, np.float32)
    expected[0], expected[5] = 0.8, 0.25
    np.testing.assert_allclose(output[0], expected, atol=1e-4)
    # Label 0's group is filter 0 alone: goodness 0.8^2; label 5's is filter 5: 0.25^2; the
    # neutral code weighs all ten filters: (0.64 + 0.0625) / 10.
    codes = np.eye(NUM_CLASSES, dtype=np.float32)[[0, 5]][:, None, :]  # (2 copies, 1 image, 10)
    weighted = np.asarray(layer.with_label_codes(output, codes))
    np.testing.assert_allclose(np.mean(weighted**2, axis=1), [0.64, 0.0625], atol=1e-4)
    neutral = np.asarray(layer.with_label_codes(output, np.full((1, 1, NUM_CLASSES), 0.1, np.float32)))
    np.testing.assert_allclose(np.mean(neutral**2), 0.0702, atol=1e-4)


def test_first_conv_layer_ignores_the_label_pixels():
    network = FFNetwork(TINY)
    batch = images(3)
    changed = batch.copy()
    changed[:, :NUM_CLASSES] = 1.0
    np.testing.assert_allclose(network.layers[0](batch), network.layers[0](changed), atol=1e-6)


def test_goodness_of_a_label_is_the_mean_square_of_its_filter_group():
    network = FFNetwork(TINY)
    batch = images(4, seed=1)
    table = network.goodness_per_label(batch)  # (batch, layers, 10), the fast path.
    hidden = batch
    for index, layer in enumerate(network.layers):  # The plain reference: slice each group.
        hidden = np.asarray(layer(hidden))
        grouped = hidden.reshape(4, -1, NUM_CLASSES, layer.filters // NUM_CLASSES)
        np.testing.assert_allclose(table[:, index, :], np.mean(grouped**2, axis=(1, 3)), rtol=1e-4, atol=1e-6)


def test_fast_step_gives_the_layer_by_layer_reference():
    network = FFNetwork(TINY)
    batch, labels = images(8, seed=2), np.arange(8) % NUM_CLASSES
    wrong = (labels + 3) % NUM_CLASSES
    result = forward_forward_step(network, batch, labels, 1.0, lambda logits: wrong)
    config = network.config
    hidden = batch
    for index, layer in enumerate(network.layers):
        with tf.GradientTape() as tape:
            out = layer(hidden)
            grouped = keras.ops.reshape(out, (8, -1, NUM_CLASSES, layer.filters // NUM_CLASSES))
            group_goodness = keras.ops.mean(keras.ops.square(grouped), axis=(1, 3))  # (8, 10)
            positive = keras.ops.take_along_axis(group_goodness, labels[:, None], axis=1)[:, 0]
            negative = keras.ops.take_along_axis(group_goodness, wrong[:, None], axis=1)[:, 0]
            loss = ff_loss(positive, negative, config.threshold, config.sharpness)
        expected = tape.gradient(loss, layer.ff_variables())
        np.testing.assert_allclose(result["losses"][index], loss, rtol=1e-4)
        for got, want in zip(result["gradients"][index], expected):
            np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-6)
        hidden = tf.stop_gradient(out)


def test_gradient_never_reaches_the_conv_layer_below():
    network = FFNetwork(TINY)
    overlaid = overlay_labels(images(5, seed=3), [1, 2, 3, 4, 5])
    with tf.GradientTape(persistent=True) as tape:
        activities = network.forward(overlaid)
        upper = ff_loss(keras.ops.mean(activities[1] ** 2, axis=1), keras.ops.mean(activities[1] ** 2, axis=1) / 2, 1.0)
    assert all(gradient is None for gradient in tape.gradient(upper, network.layers[0].ff_variables()))
    own = tape.gradient(upper, network.layers[1].kernel)
    assert own is not None and float(np.max(np.abs(own))) > 0


def test_forward_on_overlaid_images_equals_the_shared_pass():
    network = FFNetwork(TINY)
    batch, labels = images(6, seed=4), np.array([0, 1, 2, 7, 8, 9])
    plain = network.forward(overlay_labels(batch, labels))
    codes = label_codes(labels, batch.max(axis=1))[None]
    shared = network.forward_with_label_codes(batch, codes)
    for one, other in zip(plain, shared):
        np.testing.assert_allclose(one, other, rtol=1e-5, atol=1e-6)


def test_conv_network_trains_and_round_trips_through_a_file(tmp_path, sample):
    x_train, y_train, x_test, y_test = sample
    network = FFNetwork(TINY)
    trainer = Trainer(network, x_train[:400], y_train[:400], jit_compile=False)
    before = network.get_weights()
    records = list(trainer.run(max_steps=10))
    assert len(records) == 10 and all(np.all(np.isfinite(record["loss"])) for record in records)
    assert any(not np.allclose(old, new) for old, new in zip(before, network.get_weights()))
    path = tmp_path / "conv.npz"
    network.save(path)
    loaded = load_network(path)
    assert loaded.config == network.config
    np.testing.assert_allclose(loaded.goodness_per_label(x_test[:5]), network.goodness_per_label(x_test[:5]), rtol=1e-5)
    np.testing.assert_array_equal(loaded.predict(x_test[:50]), network.predict(x_test[:50]))


def test_maps_and_filters_have_the_layers_shapes():
    network = FFNetwork(TINY)
    assert network.first_layer_fields().shape == (10, 3, 3)
    assert [maps.shape for maps in network.feature_maps(images(1)[0])] == [(13, 13, 10), (12, 12, 20)]
    goodness_maps = network.goodness_maps(images(1)[0])
    assert [maps.shape for maps in goodness_maps] == [(10, 13, 13), (10, 12, 12)]
    # Averaged over locations, a label's map is that label's goodness.
    table = network.goodness_per_label(images(1))[0]
    np.testing.assert_allclose([maps.mean(axis=(1, 2)) for maps in goodness_maps], table, rtol=1e-4)


def test_layer_text_round_trips_and_bad_lists_say_why():
    layers = parse_layers("c40k5p2, c80k3p2,c160k3")
    assert layers == {"conv_layers": ((40, 5, 2), (80, 3, 2), (160, 3, 1)), "layer_sizes": ()}
    config = FFConfig(**layers).validate()
    assert layers_text(config) == "c40k5p2,c80k3p2,c160k3"
    assert architecture_text(config) == "28x28-c40k5p2-c80k3p2-c160k3"
    assert config.layer_widths() == (12 * 12 * 40, 5 * 5 * 80, 3 * 3 * 160)
    with pytest.raises(ValueError, match="multiple of 10"):
        FFConfig(conv_layers=((32, 5, 2),), layer_sizes=()).validate()
    with pytest.raises(ValueError, match="cannot follow"):
        FFConfig(**parse_layers("c40k5p2,500")).validate()
    with pytest.raises(ValueError, match="too small"):
        FFConfig(conv_layers=((10, 7, 4), (10, 5, 2)), layer_sizes=()).validate()
    with pytest.raises(ValueError, match="Received: 'c40x5'"):
        parse_layers("c40x5")
