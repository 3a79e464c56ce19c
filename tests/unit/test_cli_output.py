"""What the command line prints when a person or a log file reads it.

Each test runs `python -m ffviz` as a real process, with its output going to a pipe as in a
log file or CI: one line per epoch and no TensorFlow start-up noise, honest accuracies in the
saved model, and the user's own `TF_CPP_MIN_LOG_LEVEL` honoured.
"""

import os
import pathlib
import subprocess
import sys

from ffviz.checkpoint import load_network
from ffviz.cli import app_command

REPO = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = str(REPO / "assets" / "mnist_sample.npz")
TENSORFLOW_NOISE = ("absl::InitializeLog", "cudart_stub", "cuInit", "cpu_feature_guard", "oneDNN")


def run_ffviz(*arguments, log_level=None, timeout=180):
    """`python -m ffviz` with stdout and stderr to pipes; TF_CPP_MIN_LOG_LEVEL as given, else unset."""
    environment = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    if log_level is not None:
        environment["TF_CPP_MIN_LOG_LEVEL"] = log_level
    return subprocess.run(
        [sys.executable, "-m", "ffviz", *arguments],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_train_to_a_pipe_writes_one_line_per_epoch_without_tensorflow_noise(tmp_path):
    """Test that a log file gets one short line per epoch, and a softmax accuracy that is real.

    Random negatives and the goodness read-out need no softmax head, yet the head is trained
    and its saved accuracy is far above chance (10%).
    """
    model_path = tmp_path / "random_goodness.npz"
    arguments = ["train", "--preset", "tiny", "--layers", "64,64", "--epochs", "3", "--negatives", "random"]
    result = run_ffviz(*arguments, "--readout", "goodness", "--data", SAMPLE, "--out", str(model_path))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    epoch_lines = [line for line in lines if line.startswith("epoch ")]
    assert [line.split()[1] for line in epoch_lines] == ["1/3", "2/3", "3/3"], result.stdout
    assert all("layer 1 loss" in line and "layer 2 loss" in line and "test accuracy" in line for line in epoch_lines)
    assert len(lines) <= 8 and max(len(line) for line in lines) < 400, result.stdout
    assert "\r" not in result.stdout and "\x1b[" not in result.stdout  # No terminal controls in a log file.
    assert "trained in" in result.stdout and "softmax" in result.stdout
    noise = [marker for marker in TENSORFLOW_NOISE if marker in result.stderr]
    assert not noise, result.stderr
    saved = load_network(model_path).metadata["test_accuracy"]
    assert saved["softmax"] > 0.5, saved
    assert saved["goodness"] > 0.15, saved


def test_a_users_log_level_brings_tensorflows_logs_back():
    """Test that TF_CPP_MIN_LOG_LEVEL=0 is honoured: ffviz then hides nothing on stderr."""
    quiet = run_ffviz("info", "--data", SAMPLE, timeout=120)
    loud = run_ffviz("info", "--data", SAMPLE, log_level="0", timeout=120)
    assert quiet.returncode == loud.returncode == 0, quiet.stderr + loud.stderr
    assert quiet.stderr == "", quiet.stderr
    assert loud.stderr.strip(), "with TF_CPP_MIN_LOG_LEVEL=0 TensorFlow's own start-up lines should show"


def test_app_passes_its_arguments_to_streamlit_run():
    """Test that `ffviz app ARGS` runs `streamlit run <repo>/app.py ARGS`, here asking for its help."""
    command = app_command(["--server.port", "8599"])
    assert command[1:5] == ["-m", "streamlit", "run", str(REPO / "app.py")] and command[5:] == ["--server.port", "8599"]
    result = run_ffviz("app", "--help", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout and "streamlit run" in result.stdout


def test_unknown_options_of_other_commands_are_still_refused():
    result = run_ffviz("info", "--server.port", "8599", timeout=120)
    assert result.returncode == 2 and "unrecognized arguments: --server.port" in result.stderr
