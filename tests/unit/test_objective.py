"""The objective and the label layout each have one owner, and every option has one implementation.

`ffviz.config` lists the allowed values of each option; the engine's registries implement them.
These tests check that the two agree, that the formulas are written once under `ffviz/`, and
the objective's pieces against numbers worked out by hand.
"""

import pathlib
import re

import numpy as np
import pytest

from ffviz import config, negatives, network, objective, overlay

FFVIZ = pathlib.Path(__file__).resolve().parents[2] / "ffviz"


def source_lines_matching(pattern):
    """(file name, line) of every line under ffviz/ that matches `pattern`, comments and docstrings aside."""
    found = []
    for path in sorted(FFVIZ.glob("*.py")):
        for line in path.read_text().splitlines():
            code = line.split("#", 1)[0]
            if re.search(pattern, code) and not code.strip().startswith(('"', "`")):
                found.append((path.name, line.strip()))
    return found


@pytest.mark.parametrize(
    "registry, options",
    [
        (objective.GOODNESS_FUNCTIONS, config.GOODNESS_MEASURES),
        (objective.LOSS_FUNCTIONS, config.LOSSES),
        (network.READOUT_FUNCTIONS, config.READOUTS),
        (negatives.WRONG_LABEL_FUNCTIONS, config.NEGATIVE_STRATEGIES),
    ],
)
def test_every_option_has_exactly_one_implementation(registry, options):
    assert tuple(registry) == options


def test_the_goodness_formula_and_the_label_codes_are_written_once():
    squares = source_lines_matching(r"mean\(\s*ops\.square|\*\*\s*2\)?\.mean|square\(.*\)\.mean")
    assert squares == [("objective.py", "return ops.mean(ops.square(activations), axis=-1)")], squares
    one_hots = source_lines_matching(r"one_hot\(|\beye\(")  # A label code is a one-hot row or a row of eye.
    assert [name for name, _ in one_hots if name != "negatives.py"] == ["overlay.py"], one_hots
    norms = source_lines_matching(r"sqrt\(.*\+\s*NORM_EPSILON")
    assert [name for name, _ in norms] == ["objective.py"], norms


def test_defaults_name_the_keras_io_objective():
    defaults = config.FFConfig()
    assert (defaults.goodness, defaults.loss) == ("mean_square", "softplus")


def test_normalisation_scale_and_goodness_by_hand():
    np.testing.assert_allclose(np.asarray(objective.normalization_scale(np.array([25.0]), 2.0)), [2 / 5.0001])
    rows = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 3.0]])
    np.testing.assert_allclose(np.asarray(objective.goodness(rows)), [14 / 3, 3.0])
    np.testing.assert_allclose(np.asarray(objective.goodness(rows, "mean_square")), [14 / 3, 3.0])


def test_unknown_objective_names_are_refused_with_the_value():
    with pytest.raises(ValueError, match="Received: goodness='sum_abs'"):
        objective.goodness(np.ones((1, 2)), "sum_abs")
    with pytest.raises(ValueError, match="Received: goodness='sum_abs'"):
        objective.goodness_threshold(1.0, 5, "sum_abs")
    with pytest.raises(ValueError, match="Received: loss='hinge'"):
        objective.ff_loss(np.ones(1), np.ones(1), 1.0, loss="hinge")
    with pytest.raises(ValueError, match="goodness"):
        config.FFConfig(goodness="sum_abs").validate()
    with pytest.raises(ValueError, match="loss"):
        config.FFConfig(loss="hinge").validate()
    with pytest.raises(ValueError, match="Received: symba_alpha=0"):
        config.FFConfig(symba_alpha=0).validate()


def test_all_label_codes_are_label_codes_in_the_networks_copy_major_order():
    image_max = np.array([0.5, 1.0, 0.25], np.float32)
    codes = np.asarray(overlay.all_label_codes(image_max))
    assert codes.shape == (10, 3, 10)
    for label in range(10):
        np.testing.assert_allclose(codes[label], np.asarray(overlay.label_codes(np.full(3, label), image_max)))
    np.testing.assert_allclose(codes[7, 1], np.eye(10)[7])  # Copy 7, image 1 (max 1.0): label 7.


def test_overlays_write_the_codes_that_the_network_shares():
    images = np.random.default_rng(4).random((3, 784)).astype(np.float32)
    image_max = images.max(axis=1)
    every_label = np.asarray(overlay.overlay_all_labels(images))
    np.testing.assert_allclose(every_label[:, :10], np.asarray(overlay.all_label_codes(image_max)).reshape(30, 10))
    neutral = np.asarray(overlay.overlay_neutral(images))
    np.testing.assert_allclose(neutral[:, :10], np.asarray(overlay.neutral_codes(image_max)))
    np.testing.assert_array_equal(neutral[:, 10:], images[:, 10:])
