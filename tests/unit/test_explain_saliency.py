"""`ffviz.explain.label_saliency`: hand-set networks whose gradient is worked out by hand, and the shipped model.

A one-unit network that looks at one pixel has a goodness whose gradient is short to write
down: the pixel it looks at raises it, every other lit pixel lowers it (through the input's
normalisation), dark pixels and the label pixels do nothing. On the shipped model the maps of
two labels that look alike (3 and 8, 4 and 9) still differ: their correlation is low.
"""

import numpy as np
import pytest

from ffviz import explain
from ffviz.checkpoint import load_network
from ffviz.config import FFConfig
from ffviz.network import FFNetwork
from ffviz.objective import NORM_EPSILON
from tests.helpers import PRETRAINED_MODEL

WATCHED = 400  # The pixel that the hand-set unit looks at (row 14, column 8).
WEIGHT = 2.0


def one_pixel_network():
    """784 -> 1 with input length 1: the unit's input is WEIGHT x (the watched pixel / the image's length)."""
    network = FFNetwork(FFConfig(layer_sizes=(1,), input_length="unit"))
    kernel = np.zeros((784, 1), np.float32)
    kernel[WATCHED] = WEIGHT
    weights = network.get_weights()
    weights[0] = kernel
    network.set_weights(weights)
    return network


def lit_image():
    image = np.zeros(784, np.float32)
    image[[WATCHED, 401, 402, 500]] = [0.8, 0.5, 1.0, 0.3]
    return image


def test_one_unit_looking_at_one_pixel_gives_the_hand_computed_gradient():
    image, label = lit_image(), 3
    maps = explain.label_saliency(one_pixel_network(), image, [label])
    assert maps.shape == (1, 2, 28, 28)  # One label; layer 1 and the sum.
    gradient = maps[0, 0].reshape(784)
    # By hand: x is the image with the label code (one-hot x max = 1.0) in pixel `label`;
    # h = WEIGHT * x_w / (|x| + eps), goodness g = h^2 (one unit), and for a pixel j >= 10:
    # dg/dx_j = 2 h WEIGHT (1[j = w] / (|x| + eps) - x_w x_j / (|x| (|x| + eps)^2)).
    x = image.astype(np.float64).copy()
    x[label] = image.max()
    length = np.sqrt(np.sum(x**2))
    h = WEIGHT * x[WATCHED] / (length + NORM_EPSILON)
    expected = -2 * h * WEIGHT * x[WATCHED] * x / (length * (length + NORM_EPSILON) ** 2)
    expected[WATCHED] += 2 * h * WEIGHT / (length + NORM_EPSILON)
    expected[:10] = 0.0  # The label pixels carry the label, not the digit.
    np.testing.assert_allclose(gradient, expected, rtol=1e-4, atol=1e-7)
    # The signs and places, as a reader of the heatmap sees them.
    assert gradient[WATCHED] > 0
    assert np.all(gradient[[401, 402, 500]] < 0)
    dark = np.setdiff1d(np.arange(784), [WATCHED, 401, 402, 500])
    assert np.all(gradient[dark] == 0)
    np.testing.assert_array_equal(maps[0, 1], maps[0, 0])  # One layer: the sum is that layer.


def test_gradient_times_input_keeps_only_lit_pixels():
    plain = explain.label_saliency(one_pixel_network(), lit_image(), [3])
    times_input = explain.label_saliency(one_pixel_network(), lit_image(), [3], gradient_times_input=True)
    np.testing.assert_allclose(times_input[0, 0].reshape(784), plain[0, 0].reshape(784) * lit_image())


def test_deeper_layers_see_the_pixels_through_every_layer_below():
    """Layer 2's map is the gradient through layer 1 (no stop_gradient): a directional finite difference agrees."""
    network = FFNetwork(FFConfig(layer_sizes=(20, 12), seed=5))
    rng = np.random.default_rng(0)
    image = (rng.random(784) * 0.5).astype(np.float32)
    image[100] = 1.0  # The maximum, which sets the label code; the direction below leaves it alone.
    label = 6
    maps = explain.label_saliency(network, image, [label, 2])
    assert maps.shape == (2, 3, 28, 28)
    direction = rng.normal(size=784).astype(np.float32) * 0.05
    direction[:10] = 0.0
    direction[100] = 0.0
    step = 1e-2
    per_label = [network.goodness_per_label(image + sign * step * direction)[0, :, label] for sign in (1, -1)]
    finite_difference = (per_label[0] - per_label[1]) / (2 * step)  # (layers,)
    along = maps[0, :2].reshape(2, 784) @ direction
    np.testing.assert_allclose(along, finite_difference, rtol=5e-2, atol=1e-4)
    assert abs(along[1]) > 0  # Layer 2 does depend on the pixels.
    np.testing.assert_allclose(maps[:, 2], maps[:, 0] + maps[:, 1], rtol=1e-5, atol=1e-7)


def test_the_sum_covers_the_readout_layers_only():
    network = FFNetwork(FFConfig(layer_sizes=(20, 12), readout_layers=(1,), seed=5))
    maps = explain.label_saliency(network, np.random.default_rng(1).random(784), [0])
    np.testing.assert_array_equal(maps[:, 2], maps[:, 1])


def test_labels_to_explain_are_the_top_two_and_the_true_label():
    scores = np.array([0.1, 0.5, 0.2, 3.0, 0.0, 0.3, 0.1, 0.0, 2.5, 0.4])
    assert explain.labels_to_explain(scores, true_label=5) == [3, 8, 5]
    assert explain.labels_to_explain(scores, true_label=8) == [3, 8]
    assert explain.labels_to_explain(scores) == [3, 8]


def test_bad_requests_are_refused_with_the_value():
    network = one_pixel_network()
    with pytest.raises(ValueError, match="Received: labels="):
        explain.label_saliency(network, lit_image(), [10])
    with pytest.raises(ValueError, match="Received: 2 images"):
        explain.label_saliency(network, np.zeros((2, 784)), [1])


@pytest.fixture(scope="module")
def shipped():
    return load_network(PRETRAINED_MODEL)


@pytest.mark.parametrize("digit, look_alike", [(3, 8), (4, 9)])
def test_look_alike_labels_have_visibly_different_maps_on_the_shipped_model(shipped, sample, digit, look_alike):
    """Over the first ten test images of `digit` that the model gets right, the two summed maps correlate weakly.

    Measured: median correlation 0.08 for 3 vs 8 (largest 0.39) and -0.26 for 4 vs 9 (largest 0.19).
    """
    _, _, x_test, y_test = sample
    candidates = np.flatnonzero(y_test == digit)[:40]
    predictions = shipped.predict(x_test[candidates], readout="goodness")
    chosen = candidates[predictions == digit][:10]
    assert len(chosen) == 10
    correlations = []
    for index in chosen:
        maps = explain.label_saliency(shipped, x_test[index], [digit, look_alike])
        correlations.append(np.corrcoef(maps[0, -1].ravel(), maps[1, -1].ravel())[0, 1])
    assert np.median(correlations) < 0.3, correlations
    assert max(correlations) < 0.7, correlations
