"""The command line: train writes a model that evaluate reads; info names the device."""

import pathlib

import pytest

from ffviz.checkpoint import load_network
from ffviz.cli import main

SAMPLE = str(pathlib.Path(__file__).resolve().parents[2] / "assets" / "mnist_sample.npz")


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
