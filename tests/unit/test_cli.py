"""The command line: train writes a model that evaluate reads; info names the device."""

import io
import pathlib

import numpy as np
import pytest

from ffviz.budget import using_budget
from ffviz.checkpoint import load_network
from ffviz.cli import budget_from_args, build_parser, config_from_args, main, save_with_fallback
from ffviz.config import FFConfig
from ffviz.network import FFNetwork
from ffviz.presets import DATASET_PRESETS, PRESETS
from tests.unit.test_checkpoint import CRAFTED

SAMPLE = str(pathlib.Path(__file__).resolve().parents[2] / "assets" / "mnist_sample.npz")


@pytest.fixture(scope="module")
def model_arrays():
    """The arrays of a valid model file of a (16, 8) network, as `tests/unit/test_checkpoint.py` crafts from."""
    with np.load(io.BytesIO(FFNetwork(FFConfig(layer_sizes=(16, 8))).to_bytes())) as archive:
        return {key: archive[key] for key in archive.files}


def test_train_then_evaluate(tmp_path, capsys):
    model_path = tmp_path / "tiny.npz"
    code = main(
        ["train", "--preset", "tiny", "--layers", "64,64", "--epochs", "1", "--data", SAMPLE, "--out", str(model_path)]
    )
    output = capsys.readouterr().out
    assert code == 0, output
    assert "layer 1 loss" in output and "layer 2 loss" in output  # Per-layer loss, counted from 1 as on the charts.
    assert "layer 0" not in output
    assert "test accuracy" in output and f"saved {model_path}" in output
    network = load_network(model_path)
    assert network.config.layer_sizes == (64, 64)
    assert network.metadata["dataset"] == "mnist" and "command" in network.metadata

    assert main(["evaluate", str(model_path), "--data", SAMPLE]) == 0
    table = capsys.readouterr().out
    assert "test accuracy" in table and "label  images  accuracy" in table
    assert len([line for line in table.splitlines() if line.strip()[:1].isdigit()]) == 10


def test_info_reports_versions_device_and_data(capsys):
    assert main(["info", "--data", SAMPLE]) == 0
    output = capsys.readouterr().out
    assert "tensorflow:" in output and ("device: CPU" in output or "device: GPU" in output)
    assert "data:" in output


def test_bad_input_gives_a_message_not_a_traceback(tmp_path, capsys):
    assert main(["train", "--threshold", "0", "--data", SAMPLE]) == 2
    assert "threshold" in capsys.readouterr().err
    assert main(["evaluate", str(tmp_path / "missing.npz"), "--data", SAMPLE]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["info", "--data", str(tmp_path / "nowhere.npz")]) == 2
    assert "nowhere.npz" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "--layers", "a,b"])


@pytest.mark.parametrize("kind", sorted(CRAFTED))
def test_evaluate_of_each_bad_model_file_is_one_error_line(tmp_path, capsys, model_arrays, kind):
    """Test that `evaluate` of each crafted file exits with 2 and one `error:` line naming the file, no traceback."""
    path = tmp_path / f"{kind}.npz"
    path.write_bytes(CRAFTED[kind][0](model_arrays))
    assert main(["evaluate", str(path), "--data", SAMPLE]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(path) in lines[0], captured.err
    assert "Traceback" not in captured.err + captured.out


def test_train_refuses_an_unwritable_out_before_training(tmp_path, capsys):
    """Test that a missing or unwritable --out folder is refused before any data is loaded or any step runs."""
    assert main(["train", "--preset", "tiny", "--data", SAMPLE, "--out", "/nonexistent_dir/m.npz"]) == 2
    captured = capsys.readouterr()
    assert "The folder of --out does not exist: /nonexistent_dir" in captured.err
    assert "epoch" not in captured.out and "images" not in captured.out  # Neither data nor training.
    assert main(["train", "--preset", "tiny", "--data", SAMPLE, "--out", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_a_failed_save_after_training_keeps_the_model(tmp_path):
    """Test that when saving fails after training, the model goes to a new file in the fallback folder."""
    network = FFNetwork(FFConfig(layer_sizes=(8,)))
    saved, problem = save_with_fallback(network, tmp_path / "gone" / "m.npz", fallback_folder=tmp_path)
    assert problem.startswith(f"could not save {tmp_path / 'gone' / 'm.npz'}")
    assert pathlib.Path(saved).parent == tmp_path
    np.testing.assert_array_equal(load_network(saved).get_weights()[0], network.get_weights()[0])
    assert save_with_fallback(network, tmp_path / "m.npz") == (str(tmp_path / "m.npz"), None)


def test_the_budget_refuses_8_layers_of_8192_and_the_flags_set_it(capsys):
    """Test that the CLI states the budget for 8 x 8192, and that --max-parameters sets the cap it states."""
    layers = ",".join(["8192"] * 8)
    assert main(["train", "--layers", layers, "--data", SAMPLE, "--out", "m.npz"]) == 2
    error = capsys.readouterr().err
    assert "476,905,482 parameters" in error and "at most 15,000,000 parameters" in error
    assert main(["train", "--preset", "tiny", "--max-parameters", "1000", "--data", SAMPLE, "--out", "m.npz"]) == 2
    assert "at most 1,000 parameters" in capsys.readouterr().err
    arguments = build_parser().parse_args(["train", "--no-budget"])
    with using_budget(budget_from_args(arguments)):
        assert FFConfig(layer_sizes=(8192,) * 8).validate().num_layers == 8  # Checked, never built.


def test_train_takes_the_dataset_s_preset_and_conv_layer_lists():
    """Test that no --preset means the dataset's own preset and --layers reads convolutional layers."""
    parse = build_parser().parse_args
    assert config_from_args(parse(["train"])) == PRESETS["default"]
    assert config_from_args(parse(["train", "--dataset", "fashion_mnist"])) == PRESETS[DATASET_PRESETS["fashion_mnist"]]
    assert config_from_args(parse(["train", "--dataset", "fashion_mnist", "--preset", "tiny"])) == PRESETS["tiny"]
    config = config_from_args(parse(["train", "--layers", "c20k5p2,c40k3"]))
    assert config.conv_layers == ((20, 5, 2), (40, 3, 1)) and config.layer_sizes == ()
