"""The budget (`ffviz.budget`): its arithmetic matches the real network, and FFConfig enforces it."""

import pathlib
import re

import pytest

from ffviz import budget
from ffviz.config import FFConfig
from ffviz.network import INFERENCE_CHUNK, FFNetwork
from ffviz.presets import PRESETS

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "config", [FFConfig(layer_sizes=(12, 7, 5)), FFConfig(layer_sizes=(9, 4), readout_layers=(1,))]
)
def test_weight_shapes_match_the_built_network(config):
    """Test that the build-free shapes are exactly those of `FFNetwork.variables()`."""
    built = [tuple(variable.shape) for variable in FFNetwork(config).variables()]
    assert budget.config_weight_shapes(config) == built
    assert budget.parameter_count(config) == sum(
        int(variable.shape[0]) * (int(variable.shape[1]) if len(variable.shape) == 2 else 1)
        for variable in FFNetwork(config).variables()
    )


def test_constants_agree_with_the_engine_and_the_server():
    assert budget.INFERENCE_IMAGES == INFERENCE_CHUNK
    settings = (REPO / ".streamlit" / "config.toml").read_text()
    megabytes = int(re.search(r"^maxUploadSize = (\d+)", settings, re.MULTILINE).group(1))
    assert megabytes * 1024 * 1024 == budget.MAX_MODEL_FILE_BYTES
    assert budget.MAX_PARAMETERS * 4 + 1024 * 1024 < 64 * 10**6  # A float32 file at the cap fits either megabyte.


def test_every_preset_is_within_the_default_budget():
    for config in PRESETS.values():
        budget.check_budget(config, budget.Budget(max_bytes=4 * 1024**3))  # Any machine of 32 GiB or more.


def test_eight_layers_of_8192_are_refused_with_size_and_limit():
    with pytest.raises(ValueError) as caught:
        FFConfig(layer_sizes=(8192,) * 8).validate()
    message = str(caught.value)
    assert "476,905,482 parameters and about 21.1 GB to train" in message
    assert "at most 15,000,000 parameters and" in message and "1/8 of this machine's memory" in message
    assert "Received: layer_sizes=(8192, 8192" in message


def test_the_memory_limit_refuses_what_the_parameter_cap_allows():
    """Test that a large batch on a small network is refused by its estimated memory alone."""
    config = FFConfig(layer_sizes=(2000, 2000), batch_size=20000)
    assert budget.parameter_count(config) < budget.MAX_PARAMETERS
    with pytest.raises(
        ValueError, match="about 3.3 GB to train; this server allows at most 15,000,000 parameters and 1.0 GB"
    ):
        budget.check_budget(config, budget.Budget(max_bytes=10**9))
    budget.check_budget(config, budget.NO_BUDGET)


def test_using_budget_applies_to_validate_and_then_restores_the_default():
    config = FFConfig(layer_sizes=(100,))
    with budget.using_budget(budget.Budget(max_parameters=1000)):
        with pytest.raises(ValueError, match="at most 1,000 parameters"):
            config.validate()
    assert config.validate() is config
    assert budget.current_budget() is budget.DEFAULT_BUDGET


def test_the_limit_comes_from_physical_memory():
    memory = budget.physical_memory_bytes()
    assert memory > 256 * 1024**2
    assert budget.DEFAULT_BUDGET.memory_limit() == int(memory * budget.NETWORK_MEMORY_FRACTION)
