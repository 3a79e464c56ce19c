"""Hostile model files: every one is refused with `ModelFileError`, before anything big is read or built.

Each crafted file is the valid file of a small network with one part replaced, so that only the
check under test can refuse it (issue 14, items 1, 2 and 4).
"""

import io
import json
import struct
import zlib

import numpy as np
import pytest

from ffviz.checkpoint import ModelFileError, load_network
from ffviz.config import FFConfig
from ffviz.network import FFNetwork

LAYERS = (16, 8)
KERNEL_SHAPE = (784, 16)  # weight_0, the first layer's kernel.
GIB = 1024**3


@pytest.fixture(scope="module")
def arrays():
    """The arrays of a valid model file of a (16, 8) network."""
    network = FFNetwork(FFConfig(layer_sizes=LAYERS))
    network.metadata = {"dataset": "mnist"}
    with np.load(io.BytesIO(network.to_bytes())) as archive:
        return {key: archive[key] for key in archive.files}


def model_file(arrays, **replace):
    buffer = io.BytesIO()
    np.savez(buffer, **{**arrays, **replace})
    return buffer.getvalue()


def with_config(arrays, text):
    """A model file whose config member holds `text` (JSON or not)."""
    return model_file(arrays, config=np.array(text))


def config_text(**changes):
    return json.dumps({**FFConfig(layer_sizes=LAYERS).to_dict(), **changes})


def peak_rss_bytes():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc/self/status")


def reset_peak_rss():
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")  # Linux: reset VmHWM to the current RSS.


def zip_with_bomb(arrays, bomb_name, bomb_bytes=GIB):
    """A .npz of `arrays` (stored) plus member `bomb_name`: `bomb_bytes` of zeros deflated to about 1 MiB.

    Written by hand so that the test never holds or compresses the gigabyte: one 1 MiB chunk of
    zeros is deflated with a full flush, which makes every chunk's output identical, so the
    member's data is that output repeated.
    """
    members = []
    for key, value in arrays.items():
        buffer = io.BytesIO()
        np.save(buffer, value)
        data = buffer.getvalue()
        members.append((f"{key}.npy", 0, data, zlib.crc32(data), len(data)))
    chunk = bytes(1024 * 1024)
    compressor = zlib.compressobj(level=9, wbits=-15)
    piece = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    count = bomb_bytes // len(chunk)
    payload = piece * count + compressor.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    members.append((bomb_name, 8, payload, crc, bomb_bytes))
    output, directory = bytearray(), bytearray()
    for name, method, data, checksum, size in members:
        encoded = name.encode()
        offset = len(output)
        output += struct.pack(
            "<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0, checksum, len(data), size, len(encoded), 0
        )
        output += encoded + data
        directory += struct.pack(
            "<4s6H3L5H2L",
            b"PK\x01\x02",
            20,
            20,
            0,
            method,
            0,
            0,
            checksum,
            len(data),
            size,
            len(encoded),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        directory += encoded
    start = len(output)
    output += directory + struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), start, 0
    )
    return bytes(output)


# Each crafted file and words of the reason it must be refused for.
CRAFTED = {
    "string-weights": (lambda a: model_file(a, weight_0=np.full(KERNEL_SHAPE, "a")), "weights must be one of"),
    "bytes-weights": (lambda a: model_file(a, weight_0=np.full(KERNEL_SHAPE, b"a")), "weights must be one of"),
    "structured-weights": (
        lambda a: model_file(a, weight_0=np.zeros(KERNEL_SHAPE, dtype=[("x", "f4")])),
        "weights must be one of",
    ),
    "complex-weights": (
        lambda a: model_file(a, weight_0=np.zeros(KERNEL_SHAPE, np.complex64)),
        "weights must be one of",
    ),
    "int-weights": (lambda a: model_file(a, weight_0=np.zeros(KERNEL_SHAPE, np.int32)), "weights must be one of"),
    "config-a-list": (lambda a: with_config(a, "[16, 8]"), "a JSON object was expected"),
    "config-a-number": (lambda a: with_config(a, "3"), "a JSON object was expected"),
    "layer-1e400": (lambda a: with_config(a, config_text().replace("[16, 8]", "[1e400]")), "layer_sizes must be"),
    "config-2000-deep": (lambda a: with_config(a, "[" * 2000 + "]" * 2000), "nested too deeply"),
    "config-100000-deep": (lambda a: with_config(a, "[" * 100000 + "]" * 100000), "at most 4,096 characters"),
    "metadata-100000-deep": (
        lambda a: model_file(a, metadata=np.array("[" * 30000 + "]" * 30000)),
        "nested too deeply",
    ),
    "seed-negative": (lambda a: with_config(a, config_text(seed=-1)), "seed must be an integer"),
    "seed-text": (lambda a: with_config(a, config_text(seed="zero")), "seed must be an integer"),
    "seed-huge": (lambda a: with_config(a, config_text(seed=2**40)), "seed must be an integer"),
    "seed-1e400": (lambda a: with_config(a, config_text().replace('"seed": 0', '"seed": 1e400')), "seed must be"),
    "metadata-a-list": (lambda a: model_file(a, metadata=np.array("[1, 2]")), "a JSON object was expected"),
    "metadata-a-string": (lambda a: model_file(a, metadata=np.array('"hello"')), "a JSON object was expected"),
    "object-member": (lambda a: model_file(a, metadata=np.array([{}], dtype=object)), "Python objects"),
    "config-8x8192": (lambda a: with_config(a, config_text(layer_sizes=[8192] * 8)), "over the budget"),
    "extra-member": (lambda a: model_file(a, extra=np.zeros(3)), "does not have: 'extra.npy'"),
}


@pytest.mark.parametrize("kind", sorted(CRAFTED))
def test_each_crafted_file_is_a_model_file_error(arrays, kind):
    """Test that each crafted file is refused with ModelFileError, naming the file and its own reason."""
    make_file, reason = CRAFTED[kind]
    with pytest.raises(ModelFileError, match="the uploaded file") as caught:
        load_network(make_file(arrays))
    assert reason in str(caught.value)


def test_the_file_name_given_is_in_the_message(arrays, tmp_path):
    path = tmp_path / "strange.npz"
    path.write_bytes(with_config(arrays, "[]"))
    with pytest.raises(ModelFileError, match="strange.npz"):
        load_network(path)
    with pytest.raises(ModelFileError, match="mine.npz"):
        load_network(path.read_bytes(), name="mine.npz")


def test_a_budget_busting_config_is_refused_before_anything_is_built(arrays):
    """Test that an 8 x 8192 config (476 M parameters, about 2 GB to build) costs no memory to refuse."""
    data = with_config(arrays, config_text(layer_sizes=[8192] * 8))
    reset_peak_rss()
    before = peak_rss_bytes()
    with pytest.raises(ModelFileError, match="476,905,482 parameters"):
        load_network(data)
    assert peak_rss_bytes() - before < 50 * 1024**2


@pytest.mark.parametrize("bomb_name", ["bomb.npy", "weight_0.npy", "config.npy", "metadata.npy"])
def test_a_zip_bomb_is_refused_without_decompressing_it(arrays, bomb_name):
    """Test that a 1 MiB file with a member that inflates to 1 GiB is refused by its declared size.

    As an extra member it is never opened; in place of an expected member its size is over what
    the config allows. Peak memory stays far below the gigabyte.
    """
    kept = {key: value for key, value in arrays.items() if f"{key}.npy" != bomb_name}
    data = zip_with_bomb(kept, bomb_name)
    assert len(data) < 2 * 1024**2
    reset_peak_rss()
    before = peak_rss_bytes()
    with pytest.raises(ModelFileError, match="the uploaded file"):
        load_network(data)
    assert peak_rss_bytes() - before < 50 * 1024**2


def test_a_file_with_too_many_members_is_refused_before_zipfile_reads_them(arrays):
    many = {**arrays, **{f"weight_{index}": np.zeros(1, np.float32) for index in range(6, 40)}}
    with pytest.raises(ModelFileError, match="members; an ffviz model file has at most"):
        load_network(model_file(many))


def test_weights_of_other_float_widths_load_as_float32(arrays):
    """Test that float16 and float64 weights of the right shapes are accepted and used as float32."""
    halves = {key: value.astype(np.float16) for key, value in arrays.items() if key.startswith("weight_")}
    network = load_network(model_file(arrays, **halves))
    assert all(weight.dtype == np.float32 for weight in network.get_weights())
    np.testing.assert_array_equal(network.get_weights()[0], arrays["weight_0"].astype(np.float16).astype(np.float32))
    doubles = {key: value.astype(np.float64) for key, value in arrays.items() if key.startswith("weight_")}
    assert load_network(model_file(arrays, **doubles)).metadata == {"dataset": "mnist"}
