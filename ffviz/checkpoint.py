"""Saving and loading a trained `FFNetwork` as one `.npz` file.

The file holds a format marker (`FILE_FORMAT`), the config as JSON, free-form metadata as
JSON (dataset, accuracies, the command that trained it) and one array per weight, in the order
of `FFNetwork.variables()`. It is written with NumPy only and read with `allow_pickle=False`,
so opening a file from elsewhere runs no code.

A model file may come from anyone (an upload on a shared server), so loading reads it as
hostile and raises one error type, `ModelFileError` (a `ValueError`), for every way it can be
unusable, with the file's name and a reason that a person can act on. Nothing is read that the
config does not call for, and nothing is built before everything is checked:

1. the archive: its size (`ffviz.budget.MAX_MODEL_FILE_BYTES`) and its number of members, read
   from the zip's end record before `zipfile` parses its directory;
2. the format marker, the config and the metadata: each member's uncompressed size is checked
   before it is read, and the JSON's length and nesting; the config is validated, which checks
   the budget (`ffviz.budget`), so an 8 x 8192 config is refused before any weight is read;
3. each weight, `weight_0` .. `weight_{n-1}`: its uncompressed size against the shape the config
   implies, then its .npy header (shape and dtype: float16/32/64 only) before its data;
4. any other member is refused without being decompressed; then the network is built.
"""

import contextlib
import io
import json
import os
import struct
import zipfile

import numpy as np

from ffviz.budget import MAX_MODEL_FILE_BYTES, config_weight_shapes
from ffviz.config import MAX_LAYERS, FFConfig
from ffviz.network import FFNetwork

FILE_FORMAT = "ffviz-model-1"
# Files written before these settings existed trained with unit length and no jitter.
DEFAULTS_OF_OLDER_FILES = {"input_length": "unit", "jitter": 0}
MAX_CONFIG_CHARACTERS = 4096  # A saved config is about 400 characters of JSON.
MAX_MARKER_CHARACTERS = 64  # The format marker is 13; another marker of this length is reported as wrong.
MAX_METADATA_CHARACTERS = 65536  # Saved metadata (dataset, accuracies, command) is under 1,000.
MAX_NPY_HEADER_BYTES = 4096  # NumPy writes 128-byte headers; a header this long is not NumPy's.
MAX_MEMBERS = 3 + 2 * (MAX_LAYERS + 1)  # format, config, metadata and each layer's and the head's two weights.
WEIGHT_DTYPES = ("float16", "float32", "float64")  # Real floats only: no complex, int, text or records.
END_RECORD = struct.Struct("<4s4H2LH")  # A zip's end-of-central-directory record, 22 bytes.


class ModelFileError(ValueError):
    """A file that is not a usable ffviz model: missing, damaged, hostile, over budget or of another architecture."""


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


def load_network(source, expected_layer_sizes=None, name=None):
    """Read a network written by `save` from a path or from bytes.

    Raises `ModelFileError` (a `ValueError`), naming the file (`name`, or the path, or "the
    uploaded file"), when the file is missing, empty, damaged, not an ffviz model, over the
    budget, or (with `expected_layer_sizes`) of a different architecture. The network is built
    only after every check has passed.
    """
    if name is None:
        name = str(source) if isinstance(source, (str, os.PathLike)) else "the uploaded file"
    try:
        with open_archive(source, name) as archive:
            config, metadata = read_config(archive, name)
            if expected_layer_sizes is not None and tuple(expected_layer_sizes) != config.layer_sizes:
                raise ModelFileError(
                    f"{name} has layers {config.layer_sizes}, but {tuple(expected_layer_sizes)} were expected."
                )
            weights = read_weights(archive, config_weight_shapes(config), name)
            check_no_other_members(archive, len(weights), name)
        network = FFNetwork(config)
        network.set_weights(weights)
        network.metadata = metadata
        return network
    except ModelFileError:
        raise
    except MemoryError:
        raise
    except Exception as error:  # zipfile, zlib, OSError, a config over budget: all mean "not usable".
        raise ModelFileError(f"{name} is not a usable ffviz model file: {error}") from error


@contextlib.contextmanager
def open_archive(source, name):
    """The model file as an open `zipfile.ZipFile`, after checking its size and its number of members."""
    if isinstance(source, (str, os.PathLike)):
        if not os.path.isfile(source):
            raise ModelFileError(f"Model file {name} does not exist.")
        handle = open(source, "rb")  # noqa: SIM115 -- closed by the `with handle` below.
    else:
        handle = io.BytesIO(bytes(source))
    with handle:
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            raise ModelFileError(f"Model file {name} is empty.")
        if size > MAX_MODEL_FILE_BYTES:
            raise ModelFileError(
                f"{name} is {size:,} bytes; model files of up to {MAX_MODEL_FILE_BYTES:,} bytes are accepted."
            )
        members = count_members(handle, size)
        if members is None:
            raise ModelFileError(f"{name} is not an ffviz model file (expected a .npz written by ffviz).")
        if members > MAX_MEMBERS:
            raise ModelFileError(f"{name} has {members:,} members; an ffviz model file has at most {MAX_MEMBERS}.")
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
            raise ModelFileError(
                f"{name} is not an ffviz model file (expected a .npz written by ffviz): {error}"
            ) from error
        with archive:
            yield archive


def count_members(handle, size):
    """The number of members the zip's end record declares, or None when there is no end record.

    Read as `zipfile` finds the record (the last 22 bytes, else the last signature within the
    comment's reach), so that a file with millions of tiny members is refused before `zipfile`
    makes an object for each. A zip64 record (65,535 members or more) counts as too many.
    """
    reach = min(size, END_RECORD.size + 65535)
    handle.seek(size - reach)
    tail = handle.read(reach)
    start = len(tail) - END_RECORD.size
    if start < 0:
        return None
    if not (tail[start : start + 4] == b"PK\x05\x06" and tail[-2:] == b"\x00\x00"):
        start = tail.rfind(b"PK\x05\x06")
        if start < 0 or start + END_RECORD.size > len(tail):
            return None
    fields = END_RECORD.unpack_from(tail, start)
    return fields[4]  # Members in the whole archive; 0xFFFF means "see the zip64 record".


def member_info(archive, key, name, required=True):
    """The `ZipInfo` of array `key` (stored as `key.npy`), or None when it is absent and not required."""
    try:
        return archive.getinfo(f"{key}.npy")
    except KeyError:
        if not required:
            return None
        raise ModelFileError(f"{name} is missing {key!r}: the file is incomplete.") from None


def read_array(archive, info, name, check_header):
    """One .npy member: size limit, then header (`check_header(shape, dtype)` -> expected byte count), then data."""
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(member, MAX_NPY_HEADER_BYTES)
        elif version == (2, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(member, MAX_NPY_HEADER_BYTES)
        else:
            raise ModelFileError(f"{name} holds {info.filename} in .npy format {version}, which ffviz never writes.")
        if dtype.hasobject:
            raise ModelFileError(f"{name} holds Python objects in {info.filename}; ffviz files hold numbers and text.")
        count = check_header(shape, dtype)
        data = member.read(count)
        if len(data) != count or member.read(1):
            raise ModelFileError(f"{name} is damaged: {info.filename} does not match its header.")
    order = "F" if fortran_order else "C"
    return np.frombuffer(data, dtype=dtype, count=int(np.prod(shape))).reshape(shape, order=order)


def read_text(archive, key, limit, name, required=True):
    """The string in member `key`, a 0-d NumPy text array of at most `limit` characters."""
    info = member_info(archive, key, name, required)
    if info is None:
        return None
    if info.file_size > MAX_NPY_HEADER_BYTES + 4 * limit:
        raise ModelFileError(f"{name} has a {key} of {info.file_size:,} bytes; at most {limit:,} characters are read.")

    def check_header(shape, dtype):
        if shape != () or dtype.kind != "U" or dtype.itemsize > 4 * limit:
            raise ModelFileError(f"{name} has a {key} that is not text of at most {limit:,} characters.")
        return dtype.itemsize

    return str(read_array(archive, info, name, check_header)[()])


def parse_json_object(text, what, name):
    """A JSON object (dict); a list, a number, 1e400 or 100,000 nested brackets are refused."""
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError, ValueError) as error:
        reason = "it is nested too deeply" if isinstance(error, RecursionError) else str(error)
        raise ModelFileError(f"{name} has a damaged {what}: {reason}") from None
    if not isinstance(value, dict):
        raise ModelFileError(
            f"{name} has a damaged {what}: a JSON object was expected. Received: {type(value).__name__}"
        )
    return value


def read_config(archive, name):
    """The validated `FFConfig` (within the budget) and the metadata dict, after the format marker."""
    if read_text(archive, "format", MAX_MARKER_CHARACTERS, name, required=False) != FILE_FORMAT:
        raise ModelFileError(f"{name} is not an ffviz model file: it has no '{FILE_FORMAT}' marker.")
    values = parse_json_object(read_text(archive, "config", MAX_CONFIG_CHARACTERS, name), "config", name)
    try:
        config = FFConfig.from_dict({**DEFAULTS_OF_OLDER_FILES, **values})
    except (ValueError, TypeError, OverflowError) as error:
        raise ModelFileError(f"{name} has a config that cannot be used: {error}") from error
    metadata = read_text(archive, "metadata", MAX_METADATA_CHARACTERS, name, required=False)
    return config, parse_json_object(metadata or "{}", "metadata", name)


def read_weights(archive, shapes, name):
    """The weights of `shapes`, each checked for size, shape, dtype and finiteness before the next is read."""
    weights = []
    for index, shape in enumerate(shapes):
        key = f"weight_{index}"
        info = member_info(archive, key, name)
        if info.file_size > MAX_NPY_HEADER_BYTES + int(np.prod(shape)) * 8:
            raise ModelFileError(
                f"{name} has a {key} of {info.file_size:,} bytes, too big for shape {shape}: "
                "the file is from a different architecture or damaged."
            )

        def check_header(stored_shape, dtype, key=key, shape=shape):
            if tuple(stored_shape) != shape:
                raise ModelFileError(
                    f"{name} holds {key} of shape {tuple(stored_shape)}, but its config needs shape {shape}: "
                    "the file is from a different architecture."
                )
            if dtype.fields is not None or dtype.subdtype is not None or dtype.name not in WEIGHT_DTYPES:
                raise ModelFileError(f"{name} holds {key} of type {dtype}; weights must be one of {WEIGHT_DTYPES}.")
            return int(np.prod(shape)) * dtype.itemsize

        weight = read_array(archive, info, name, check_header)
        if not np.all(np.isfinite(weight)):
            raise ModelFileError(f"{name} holds NaN or infinite weights.")
        weights.append(weight.astype(np.float32))
    return weights


def check_no_other_members(archive, weight_count, name):
    """Refuse members that the config does not call for; they are listed, never decompressed."""
    expected = {f"{key}.npy" for key in ("format", "config", "metadata")}
    expected |= {f"weight_{index}.npy" for index in range(weight_count)}
    others = sorted(set(archive.namelist()) - expected)
    if others:
        raise ModelFileError(
            f"{name} holds members that an ffviz model file does not have: {', '.join(map(repr, others[:5]))}."
        )
