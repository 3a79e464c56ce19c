"""Saving and loading a trained `FFNetwork` as one `.npz` file.

The file holds a format marker (`FILE_FORMAT`), the config as JSON, free-form metadata as
JSON (dataset, accuracies, the command that trained it) and one array per weight, in the order
of `FFNetwork.variables()`. It is written with NumPy only and read with `allow_pickle=False`,
so opening a file from elsewhere runs no code.

Loading is one chain of small steps, each raising `ValueError` with a reason that a person
can act on: read the bytes, open the archive, check the marker, read the config, build the
network, read and check the weights.
"""

import io
import json
import os

import numpy as np

from ffviz.config import FFConfig
from ffviz.network import FFNetwork

FILE_FORMAT = "ffviz-model-1"
# Files written before these settings existed trained with unit length and no jitter.
DEFAULTS_OF_OLDER_FILES = {"input_length": "unit", "jitter": 0}


def save(network, path):
    """Write config, metadata and weights of `network` to one `.npz` file (or a file-like object)."""
    arrays = {f"weight_{index}": value for index, value in enumerate(network.get_weights())}
    arrays["format"] = np.array(FILE_FORMAT)
    arrays["config"] = np.array(network.config.to_json())
    arrays["metadata"] = np.array(json.dumps(network.metadata, default=str))
    if isinstance(path, (str, os.PathLike)):
        with open(path, "wb") as handle:
            np.savez_compressed(handle, **arrays)
    else:
        np.savez_compressed(path, **arrays)


def to_bytes(network):
    """The file that `save` writes, as bytes (for a download button)."""
    buffer = io.BytesIO()
    save(network, buffer)
    return buffer.getvalue()


def load_network(source, expected_layer_sizes=None):
    """Read a network written by `save` from a path or from bytes.

    Raises `ValueError` with the reason when the file is missing, empty, corrupt, not an
    ffviz model, or (with `expected_layer_sizes`) from a different architecture.
    """
    name = str(source) if isinstance(source, (str, os.PathLike)) else "the uploaded file"
    contents = read_archive(read_bytes(source, name), name)
    config, metadata = read_config(contents, name)
    if expected_layer_sizes is not None and tuple(expected_layer_sizes) != config.layer_sizes:
        raise ValueError(f"{name} has layers {config.layer_sizes}, but {tuple(expected_layer_sizes)} were expected.")
    network = FFNetwork(config)
    network.set_weights(read_weights(contents, len(network.variables()), name))
    network.metadata = metadata
    return network


def read_bytes(source, name):
    """The bytes of a model file given as a path or as bytes."""
    if isinstance(source, (str, os.PathLike)):
        if not os.path.isfile(source):
            raise ValueError(f"Model file {name} does not exist.")
        with open(source, "rb") as handle:
            data = handle.read()
    else:
        data = bytes(source)
    if not data:
        raise ValueError(f"Model file {name} is empty.")
    return data


def read_archive(data, name):
    """Every array in the `.npz` bytes, after checking the ffviz format marker."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            contents = {key: archive[key] for key in archive.files}
    except Exception as error:  # zipfile, OSError, pickle refusal: all mean "not our file".
        raise ValueError(f"{name} is not an ffviz model file (expected a .npz written by ffviz): {error}") from error
    if str(contents.get("format", "")) != FILE_FORMAT:
        raise ValueError(f"{name} is not an ffviz model file: it has no '{FILE_FORMAT}' marker.")
    return contents


def read_config(contents, name):
    """The validated `FFConfig` and the metadata dict stored in the archive."""
    try:
        values = json.loads(str(contents["config"]))
        if isinstance(values, dict):
            values = {**DEFAULTS_OF_OLDER_FILES, **values}
        config = FFConfig.from_dict(values)
        metadata = json.loads(str(contents.get("metadata", "{}")))
    except (KeyError, json.JSONDecodeError) as error:
        raise ValueError(f"{name} has a damaged config: {error}") from error
    return config, metadata


def read_weights(contents, count, name):
    """The `count` weight arrays, all finite; their shapes are checked by `FFNetwork.set_weights`."""
    try:
        weights = [contents[f"weight_{index}"] for index in range(count)]
    except KeyError as error:
        raise ValueError(f"{name} is missing weight {error}: the file is incomplete.") from error
    if not all(np.all(np.isfinite(weight)) for weight in weights):
        raise ValueError(f"{name} holds NaN or infinite weights.")
    return weights
