"""FFConfig accepts good settings and rejects bad ones with a message naming the value."""

import pytest

from ffviz.config import FFConfig, check_learning_rate, check_threshold


def test_defaults_are_valid_and_round_trip():
    config = FFConfig().validate()
    assert FFConfig.from_dict(config.to_dict()) == config
    assert FFConfig.from_dict({"layer_sizes": [64, 32]}).layer_sizes == (64, 32)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"threshold": 0.0}, "threshold"),
        ({"threshold": -1.0}, "threshold"),
        ({"threshold": float("nan")}, "threshold"),
        ({"layer_sizes": ()}, "at least one hidden layer"),
        ({"layer_sizes": (0,)}, "layer size"),
        ({"layer_sizes": (100000,)}, "layer size"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"learning_rate": -0.1}, "learning_rate"),
        ({"batch_size": 0}, "batch_size"),
        ({"epochs": 0}, "epochs"),
        ({"negatives": "sometimes"}, "negatives"),
        ({"readout": "vote"}, "readout"),
        ({"readout_layers": (5,)}, "readout_layers"),
    ],
)
def test_bad_settings_raise_value_error(changes, message):
    with pytest.raises(ValueError, match=message):
        FFConfig().replace(**changes)


def test_unknown_and_malformed_keys_are_rejected():
    with pytest.raises(ValueError, match="Unknown config keys"):
        FFConfig.from_dict({"treshold": 2.0})
    with pytest.raises(ValueError, match="layer"):
        FFConfig.from_dict({"layer_sizes": ["wide"]})


def test_live_setting_checks():
    assert check_threshold(2) == 2.0
    assert check_learning_rate(0.01) == 0.01
    with pytest.raises(ValueError, match="Received: threshold=0"):
        check_threshold(0)
    with pytest.raises(ValueError, match="learning_rate"):
        check_learning_rate(float("inf"))
