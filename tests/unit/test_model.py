"""Inference, read-outs, evaluation, save and load of an FFNetwork."""

import io

import numpy as np
import pytest

from ffviz.checkpoint import load_network
from ffviz.config import FFConfig
from ffviz.network import FFNetwork
from ffviz.objective import goodness
from ffviz.overlay import overlay_labels


@pytest.fixture(scope="module")
def network():
    return FFNetwork(FFConfig(layer_sizes=(32, 16), seed=1))


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).random((7, 784)).astype(np.float32)


def test_goodness_per_label_matches_one_label_at_a_time(network, images):
    table = network.goodness_per_label(images)
    assert table.shape == (7, 2, 10)
    for label in (0, 4, 9):
        activities = network.forward(overlay_labels(images, np.full(7, label)))
        for layer, activity in enumerate(activities):
            np.testing.assert_allclose(table[:, layer, label], np.asarray(goodness(activity)), rtol=1e-5, atol=1e-7)


def hand_set_network():
    """One layer of ten units whose goodness for each label can be worked out by hand.

    Unit u reads label pixel u (weight 1), and unit 3 also reads pixel 100 and unit 5 pixel
    200 (weight 1); every other weight and bias is 0, and each input row is scaled to length 1.
    """
    network = FFNetwork(FFConfig(layer_sizes=(10,), input_length="unit", readout="goodness"))
    kernel, bias, *head = network.get_weights()
    kernel, bias = np.zeros_like(kernel), np.zeros_like(bias)  # (784, 10), (10,)
    kernel[np.arange(10), np.arange(10)] = 1.0
    kernel[100, 3] = kernel[200, 5] = 1.0
    network.set_weights([kernel, bias, *head])
    return network


def test_goodness_read_out_picks_the_label_with_the_largest_hand_computed_goodness():
    """Test goodness per label and the prediction against numbers worked out by hand.

    An image with only pixel 100 at 1 and label l written in (label pixel l = image max = 1)
    has length sqrt(2), so after scaling both pixels are 1/sqrt(2). For l = 3 both feed unit 3:
    activity sqrt(2), goodness (mean square over 10 units) 2/10. For any other l, unit l and
    unit 3 each get 1/sqrt(2): goodness (1/2 + 1/2)/10. The image with pixel 200 prefers label 5.
    """
    network = hand_set_network()
    images = np.zeros((2, 784), np.float32)
    images[0, 100] = images[1, 200] = 1.0
    expected = np.full((2, 10), 0.1, np.float32)
    expected[0, 3] = expected[1, 5] = 0.2
    # rtol: the scaling divides by the length plus a small epsilon (1e-4 of a length of sqrt(2)).
    np.testing.assert_allclose(network.goodness_per_label(images)[:, 0, :], expected, rtol=1e-3)
    np.testing.assert_allclose(network.label_scores(images, "goodness"), expected, rtol=1e-3)
    np.testing.assert_array_equal(network.predict(images, "goodness"), [3, 5])


def test_softmax_read_out_gives_probabilities(network, images):
    probabilities = network.label_scores(images, "softmax")
    assert probabilities.shape == (7, 10) and np.all(probabilities >= 0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_single_image_shapes_are_accepted_and_wrong_ones_rejected(network, images):
    assert network.goodness_per_label(images[0].reshape(28, 28)).shape == (1, 2, 10)
    with pytest.raises(ValueError, match="Received: shape=\\(3, 100\\)"):
        network.predict(np.zeros((3, 100), np.float32))
    with pytest.raises(ValueError, match="NaN"):
        network.predict(np.full((1, 784), np.nan, np.float32))


def test_evaluate_counts_every_image_once(network, images):
    labels = np.array([0, 1, 2, 3, 4, 5, 6])
    result = network.evaluate(images, labels, "goodness")
    assert result["confusion"].sum() == 7
    assert result["confusion"].trace() / 7 == pytest.approx(result["accuracy"])
    assert result["per_class_accuracy"].shape == (10,)


def test_activations_and_receptive_fields(network, images):
    activities = network.activations(images[:2], labels=3)
    assert [a.shape for a in activities] == [(2, 32), (2, 16)]
    assert network.first_layer_fields().shape == (32, 28, 28)


def test_save_then_load_gives_identical_goodness(network, images, tmp_path):
    network.metadata = {"note": "round trip"}
    path = tmp_path / "model.npz"
    network.save(path)
    loaded = load_network(path)
    np.testing.assert_array_equal(loaded.goodness_per_label(images), network.goodness_per_label(images))
    assert loaded.config == network.config and loaded.metadata == {"note": "round trip"}
    from_bytes = load_network(network.to_bytes())
    np.testing.assert_array_equal(from_bytes.predict(images), network.predict(images))


def test_bad_model_files_raise_clear_errors(network, tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_network(tmp_path / "missing.npz")
    with pytest.raises(ValueError, match="is empty"):
        load_network(b"")
    with pytest.raises(ValueError, match="not an ffviz model"):
        load_network(b"this is plain text, not a model")
    data = network.to_bytes()
    with pytest.raises(ValueError, match="not an ffviz model"):
        load_network(data[: len(data) // 2])  # A truncated download.
    buffer = io.BytesIO()
    np.savez(buffer, x_train=np.zeros(3))  # A valid npz, but a dataset.
    with pytest.raises(ValueError, match="not an ffviz model"):
        load_network(buffer.getvalue())
    with pytest.raises(ValueError, match="were expected"):
        load_network(data, expected_layer_sizes=(500, 500))


def test_weights_from_another_architecture_are_refused(network):
    other = FFNetwork(FFConfig(layer_sizes=(16, 16)))
    with pytest.raises(ValueError, match="different architecture"):
        other.set_weights(network.get_weights())
