"""The Forward-Forward math against numbers worked out by hand with NumPy."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from ffviz.config import FFConfig
from ffviz.layers import FFDense
from ffviz.network import FFNetwork
from ffviz.objective import ff_loss, goodness, normalize
from ffviz.overlay import overlay_all_labels, overlay_labels, overlay_neutral


def softplus(values):
    return np.log1p(np.exp(values))


def test_overlay_writes_scaled_one_hot_into_first_ten_pixels():
    image = np.zeros((1, 784), np.float32)
    image[0, 400] = 0.8  # The brightest pixel sets the label's brightness.
    image[0, 3] = 0.5  # A stroke under the label pixels is overwritten.
    result = np.asarray(overlay_labels(image, [3]))
    expected_code = np.zeros(10, np.float32)
    expected_code[3] = 0.8
    np.testing.assert_allclose(result[0, :10], expected_code)
    np.testing.assert_allclose(result[0, 10:], image[0, 10:])


def test_overlay_is_vectorised_over_the_batch():
    images = np.random.default_rng(0).random((4, 784)).astype(np.float32)
    labels = np.array([0, 9, 5, 5])
    result = np.asarray(overlay_labels(images, labels))
    maxima = images.max(axis=1)
    for row, label in enumerate(labels):
        assert result[row, label] == pytest.approx(maxima[row])
        assert np.count_nonzero(result[row, :10]) == 1


def test_neutral_overlay_is_a_tenth_of_the_max_everywhere():
    image = np.full((1, 784), 0.5, np.float32)
    np.testing.assert_allclose(np.asarray(overlay_neutral(image))[0, :10], np.full(10, 0.05), rtol=1e-6)


def test_all_labels_overlay_is_copy_major_like_the_network():
    images = np.random.default_rng(1).random((2, 784)).astype(np.float32)
    result = np.asarray(overlay_all_labels(images))
    assert result.shape == (20, 784)
    for row in range(20):
        label, image = divmod(row, 2)  # Row `label * batch + image`, as `all_label_codes` orders them.
        np.testing.assert_allclose(result[row], np.asarray(overlay_labels(images[image : image + 1], [label]))[0])


def test_overlay_rejects_wrong_shapes():
    with pytest.raises(ValueError, match="batch, pixels"):
        overlay_labels(np.zeros((28, 28, 1), np.float32), [1])


def test_normalize_goodness_and_loss_by_hand():
    np.testing.assert_allclose(np.asarray(normalize(np.array([[3.0, 4.0]]))), [[3 / 5.0001, 4 / 5.0001]], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(goodness(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 3.0]]))), [14 / 3, 3.0])
    g_pos, g_neg, threshold = np.array([2.0, 1.0]), np.array([0.5, 3.0]), 1.5
    expected = softplus(np.array([-0.5, 0.5, -1.0, 1.5])).mean()
    assert float(ff_loss(g_pos, g_neg, threshold)) == pytest.approx(expected, rel=1e-6)
    # On the threshold the loss is ln 2: the layer cannot tell positive from negative.
    assert float(ff_loss(np.array([1.5]), np.array([1.5]), 1.5)) == pytest.approx(np.log(2))
    # Sharpness scales the margins inside softplus.
    assert float(ff_loss(g_pos, g_neg, threshold, 4.0)) == pytest.approx(
        softplus(4 * np.array([-0.5, 0.5, -1.0, 1.5])).mean(), rel=1e-6
    )


def test_ffdense_with_hand_set_weights():
    layer = FFDense(2)
    layer.build((None, 2))
    layer.kernel.assign(np.array([[1.0, -1.0], [2.0, 0.0]], np.float32))
    layer.bias.assign(np.array([0.0, 0.1], np.float32))
    # [3, 4] has length 5: the layer sees [0.6, 0.8].
    output = np.asarray(layer(np.array([[3.0, 4.0]], np.float32)))
    np.testing.assert_allclose(output, [[2.2, 0.0]], rtol=1e-3)


def test_ffdense_rejects_bad_units():
    with pytest.raises(ValueError, match="Received: units=0"):
        FFDense(0)


def test_gradient_never_reaches_the_layer_below():
    network = FFNetwork(FFConfig(layer_sizes=(8, 6), seed=3))
    images = np.random.default_rng(2).random((5, 784)).astype(np.float32)
    with tf.GradientTape(persistent=True) as tape:
        activities = network.forward(overlay_labels(images, [1, 2, 3, 4, 5]))
        upper_loss = ff_loss(goodness(activities[1]), goodness(activities[1]) * 0.5, 1.0)
    below = tape.gradient(upper_loss, [network.layers[0].kernel, network.layers[0].bias])
    own = tape.gradient(upper_loss, [network.layers[1].kernel])
    assert all(gradient is None for gradient in below)
    assert own[0] is not None and float(keras.ops.max(keras.ops.abs(own[0]))) > 0
