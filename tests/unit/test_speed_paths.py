"""The fast training paths give the same numbers as the plain, layer-by-layer ones.

The trainer's step shares the first layer's product between the positive, negative and
neutral passes, fuses several steps into one compiled call and can be compiled with XLA. Each
of these only changes how the numbers are computed, so each is checked here against the
straightforward version, to float tolerance.
"""

import json
import os
import pathlib
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf

from ffviz.batches import shift_images
from ffviz.checkpoint import load_network
from ffviz.config import FFConfig
from ffviz.ff_step import forward_forward_step
from ffviz.network import FFNetwork
from ffviz.overlay import all_label_codes, label_codes, neutral_codes, overlay_labels, overlay_neutral
from ffviz.train import Trainer, TrainingDiverged
from tests.oracles import fast_losses_and_gradients, reference_losses_and_gradients

REPO = pathlib.Path(__file__).resolve().parents[2]


def trained_looking_network(input_length="unit", layer_sizes=(64, 32), seed=0):
    """A small network whose weights are scaled up, so goodness sits near the threshold."""
    network = FFNetwork(FFConfig(layer_sizes=layer_sizes, input_length=input_length, seed=seed))
    scale = 30.0 if input_length == "unit" else 1.5
    for layer in network.layers:
        layer.kernel.assign(layer.kernel * scale)
        layer.bias.assign(tf.random.stateless_uniform(layer.bias.shape, (seed, 1), -0.1, 0.1))
    return network


@pytest.fixture(scope="module")
def batch(sample):
    x_train, y_train, _, _ = sample
    labels = y_train[:50].astype(np.int32)
    wrong = ((labels + 1 + np.arange(50) % 9) % 10).astype(np.int32)
    return x_train[:50], labels, wrong


def assert_same_numbers(first, second, rtol=1e-4, atol=1e-6):
    for one, other in zip(first, second):
        np.testing.assert_allclose(np.asarray(one), np.asarray(other), rtol=rtol, atol=atol)


@pytest.mark.parametrize("input_length", ["unit", "sqrt_dim"])
def test_shared_first_layer_product_equals_the_layer_on_overlaid_images(batch, input_length):
    images, labels, _ = batch
    network = trained_looking_network(input_length)
    layer = network.layers[0]
    image_max = tf.reduce_max(images, axis=1)
    codes = tf.stack([label_codes(labels, image_max), neutral_codes(image_max)])
    shared = np.asarray(layer.call_with_label_codes(images, codes)).reshape(2, len(images), -1)
    np.testing.assert_allclose(shared[0], np.asarray(layer(overlay_labels(images, labels))), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(shared[1], np.asarray(layer(overlay_neutral(images))), rtol=1e-4, atol=1e-6)
    every_label = np.asarray(layer.call_with_label_codes(images[:3], all_label_codes(image_max[:3])))
    for label in range(10):
        expected = np.asarray(layer(overlay_labels(images[:3], np.full(3, label))))
        np.testing.assert_allclose(every_label[label * 3 : label * 3 + 3], expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("input_length", ["unit", "sqrt_dim"])
def test_fast_step_gives_the_reference_losses_and_gradients(batch, input_length):
    images, labels, wrong = batch
    network = trained_looking_network(input_length)
    threshold = 1.5 if input_length == "unit" else 1.0
    fast = fast_losses_and_gradients(network, images, labels, wrong, threshold)
    reference = reference_losses_and_gradients(
        network, overlay_labels(images, labels), overlay_labels(images, wrong), threshold
    )
    for part in range(3):  # Loss, positive goodness, negative goodness, per layer.
        assert_same_numbers(fast[part], reference[part])
    for fast_pair, reference_pair in zip(fast[3], reference[3]):
        assert np.abs(np.asarray(reference_pair[0])).max() > 1e-4, "a vanishing gradient would prove nothing"
        assert_same_numbers(fast_pair, reference_pair)


def test_trainer_step_with_the_head_gives_the_reference_gradients(batch):
    """The head rides on the same tape, but its gradient never reaches a hidden layer."""
    images, labels, wrong = batch
    network = trained_looking_network()
    network.head.kernel.assign(tf.random.stateless_normal(network.head.kernel.shape, (1, 2)))
    step = forward_forward_step(network, images, labels, 1.5, lambda logits: tf.constant(wrong))
    reference = reference_losses_and_gradients(
        network, overlay_labels(images, labels), overlay_labels(images, wrong), 1.5
    )
    assert_same_numbers(step["losses"], reference[0])
    for step_pair, reference_pair in zip(step["gradients"], reference[3]):
        assert_same_numbers(step_pair, reference_pair)
    assert float(step["head_loss"]) > 0 and np.abs(np.asarray(step["head_gradients"][0])).max() > 0


def make_trainer(sample, steps_per_call, jit_compile, negatives="hard"):
    x_train, y_train, _, _ = sample
    config = FFConfig(layer_sizes=(64, 32), batch_size=50, epochs=1, negatives=negatives, lr_decay=True, seed=3)
    network = FFNetwork(config)
    trainer = Trainer(network, x_train[:1000], y_train[:1000], jit_compile=jit_compile, steps_per_call=steps_per_call)
    return network, trainer


def test_fused_steps_equal_single_steps(sample):
    single_network, single = make_trainer(sample, steps_per_call=1, jit_compile=False)
    fused_network, fused = make_trainer(sample, steps_per_call=7, jit_compile=False)
    single_records = [single.train_step() for _ in range(12)]
    fused_records = list(fused.run(max_steps=12))  # Calls of 7 and 5 steps.
    assert [r["step"] for r in fused_records] == list(range(1, 13))
    for one, other in zip(single_records, fused_records):
        assert one["learning_rate"] == other["learning_rate"]
        np.testing.assert_allclose(one["loss"], other["loss"], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(one["goodness_neg"], other["goodness_neg"], rtol=1e-5, atol=1e-6)
    assert_same_numbers(single_network.get_weights(), fused_network.get_weights(), rtol=1e-5)


def test_xla_steps_equal_plain_steps(sample):
    # Random negatives: a hard negative is a sampled argmax, which rounding could flip.
    plain_network, plain = make_trainer(sample, steps_per_call=5, jit_compile=False, negatives="random")
    xla_network, xla = make_trainer(sample, steps_per_call=5, jit_compile=True, negatives="random")
    plain_records, xla_records = list(plain.run(max_steps=5)), list(xla.run(max_steps=5))
    for one, other in zip(plain_records, xla_records):
        np.testing.assert_allclose(one["loss"], other["loss"], rtol=1e-4, atol=1e-6)
    assert_same_numbers(plain_network.get_weights(), xla_network.get_weights(), rtol=1e-3, atol=1e-5)


def test_a_failing_step_inside_a_fused_call_keeps_the_steps_before_it(sample):
    """As with single steps: the records before the failure arrive, then the weights that
    the last applied step started from (the last ones a loss showed to be finite) are put back."""
    x_train, y_train, _, _ = sample
    poisoned = x_train[:300].copy()
    poisoned[200:] = np.nan  # The third batch of 100.
    config = FFConfig(layer_sizes=(32, 32), lr_decay=False, jitter=0)  # Jitter would draw differently.
    network, single = FFNetwork(config), FFNetwork(config)
    single_trainer = Trainer(single, poisoned[:100], y_train[:100], steps_per_call=1)
    single_trainer.order = np.arange(100)
    single_trainer.train_step()  # The same first step, alone: its result is what step 2 starts from.
    trainer = Trainer(network, poisoned, y_train[:300], steps_per_call=3)
    trainer.order = np.arange(300)
    records = []
    with pytest.raises(TrainingDiverged, match="NaN at step 3"):
        for record in trainer.run():
            records.append(record)
    assert [r["step"] for r in records] == [1, 2] and trainer.step == 2
    assert_same_numbers(network.get_weights(), single.get_weights(), rtol=1e-5)


@pytest.mark.slow
def test_benchmark_quick_mode_runs_on_the_sample():
    environment = {**os.environ, "PYTHONPATH": str(REPO), "FFVIZ_DATA": str(REPO / "assets" / "mnist_sample.npz")}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench", "--quick"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    for heading in ("matmul peak", "s/epoch", "% of peak", "products", "latency p50/p95", "whole test set", "keras.io"):
        assert heading in result.stdout, f"{heading!r} missing from:\n{result.stdout}"
    assert seconds < 60, f"bench --quick took {seconds:.0f} s"


def test_jitter_moves_each_image_by_at_most_the_given_pixels(batch):
    images = batch[0][:40]
    rng = np.random.default_rng(0)
    assert np.array_equal(shift_images(images, 0, rng), images)
    shifted = shift_images(images, 2, rng).reshape(-1, 28, 28)
    padded = np.pad(images.reshape(-1, 28, 28), [(0, 0), (2, 2), (2, 2)])
    moves = []
    for image, result in zip(padded, shifted):
        matches = [
            (row, column)
            for row in range(5)
            for column in range(5)
            if np.array_equal(result, image[row : row + 28, column : column + 28])
        ]
        assert matches, "every image must be its original moved by at most 2 pixels"
        moves.append(matches[0])
    assert len(set(moves)) > 5, "the moves should differ between images"


def test_model_files_from_before_input_length_load_as_unit_length(tmp_path):
    """Older files have no `input_length` or `jitter`: they were trained with unit length."""
    network = trained_looking_network("unit")
    path = tmp_path / "old.npz"
    network.save(path)
    with np.load(path) as archive:
        contents = {key: archive[key] for key in archive.files}
    values = json.loads(str(contents["config"]))
    del values["input_length"], values["jitter"]
    contents["config"] = np.array(json.dumps(values))
    np.savez(path, **contents)
    loaded = load_network(path)
    assert loaded.config.input_length == "unit" and loaded.config.jitter == 0
    images = np.random.default_rng(0).random((3, 784)).astype(np.float32)
    np.testing.assert_allclose(loaded.goodness_per_label(images), network.goodness_per_label(images), rtol=1e-5)
