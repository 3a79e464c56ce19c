"""Bad input at the app level: odd canvases, bad uploads, bad model files, broken data, bad settings.

The pure functions have unit tests (tests/unit/test_preprocess.py, test_data.py, test_model.py);
these tests drive the pages through AppTest and check that every problem is a message on the
page, never a traceback, and that nothing the user had (the current model) is lost.
"""

import base64
import io
import json

import numpy as np
import pytest

from tests.helpers import MNIST_SAMPLE, error_texts, new_app, stop_training
from tests.unit.test_checkpoint import CRAFTED, zip_with_bomb
from ui.canvas_input import CANVAS_SIDE, MAX_DRAWING_CHARS, encode_drawing
from ui.settings import setting_is_valid

TRAIN_PAGE = "app_pages/train.py"


def has_chart(app, key):
    try:
        app.get_by_key(key)
    except KeyError:
        return False
    return True


# Canvas: the page path from what the browser sends to the chart. The canvas's state is set as the
# browser would set it (session state under the canvas's key), so the real component reads it.


def black_canvas(height=CANVAS_SIDE, width=CANVAS_SIDE):
    return np.zeros((height, width), np.uint8)


def single_dot():
    canvas = black_canvas()
    canvas[140:149, 140:149] = 255
    return canvas


def scribble():
    canvas = black_canvas()
    for offset in range(0, CANVAS_SIDE, 7):
        canvas[offset : offset + 9, :] = 255 * (offset % 14 == 0)  # Stripes over the whole square.
        canvas[:, offset : offset + 3] = 255
    return canvas


def corner_stroke():
    canvas = black_canvas()
    canvas[0:60, 250:280] = 255  # Ink touching two edges: the page still centres it like MNIST.
    return canvas


def app_with_canvas(message):
    """The Goodness page after the canvas sent `message` (what the browser's component sends)."""
    app = new_app()
    app.session_state["goodness_canvas"] = {"pixels": message}
    app.run()
    return app


@pytest.mark.parametrize(
    "canvas, expect_chart",
    [(black_canvas(), False), (single_dot(), True), (scribble(), True), (corner_stroke(), True)],
    ids=["empty", "single-dot", "scribble-everywhere", "corner"],
)
def test_any_canvas_gives_a_hint_or_a_prediction(canvas, expect_chart):
    """Test that an empty canvas gives the hint and any drawing gives bars and a prediction."""
    app = app_with_canvas(encode_drawing(canvas))
    assert not app.exception
    assert not app.error, error_texts(app)
    if expect_chart:
        assert has_chart(app, "goodness_chart")
        assert any(element.value.startswith("Prediction:") for element in app.subheader)
    else:
        assert not has_chart(app, "goodness_chart")
        assert any("Draw a digit" in element.value for element in app.info)


@pytest.mark.parametrize(
    "message, expected",
    [
        ("not base64 at all!", "not base64"),
        (base64.b64encode(bytes(100)).decode(), "Received: 100 pixels"),
        ("A" * (MAX_DRAWING_CHARS + 4), f"Received: {MAX_DRAWING_CHARS + 4} characters"),
        (12345, "Received: int"),
        ({"pixels": [1, 2, 3]}, "Expected the drawing as base64 text"),
    ],
    ids=["not-base64", "wrong-size", "too-long", "number", "object"],
)
def test_a_canvas_message_that_is_not_a_drawing_is_explained(message, expected):
    """Test that what the component should never send gives one message, not a traceback or a chart."""
    app = app_with_canvas(message)
    assert not app.exception
    messages = error_texts(app)
    assert len(messages) == 1, messages
    assert "could not be read" in messages[0] and expected in messages[0], messages
    assert not has_chart(app, "goodness_chart")
    assert any("Draw a digit" in element.value for element in app.info)  # And what to do instead.


# Uploaded pictures.


def picture_bytes(size, mode, fmt, invert=False):
    from PIL import Image, ImageDraw

    background, ink = ("black", "white") if invert else ("white", "black")
    if mode == "RGB":
        background, ink = ((20, 40, 160), (250, 240, 60)) if invert else ((245, 240, 225), (30, 30, 120))
    image = Image.new(mode, size, background)
    width, height = size
    ImageDraw.Draw(image).line(
        [(width * 0.5, height * 0.15), (width * 0.5, height * 0.85)], fill=ink, width=max(3, width // 12)
    )
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def blank_picture():
    """A white PNG with no ink at all."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (100, 100), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def upload_picture(app, name, data, mime="image/png"):
    app.radio(key="goodness_source").set_value("Upload").run()
    app.file_uploader(key="goodness_upload").upload(name, data, mime).run()
    return app


@pytest.mark.parametrize(
    "name, data",
    [
        ("small.png", picture_bytes((28, 28), "L", "PNG")),
        ("wide-colour.jpg", picture_bytes((1600, 900), "RGB", "JPEG")),
        ("inverted-colour.jpg", picture_bytes((300, 500), "RGB", "JPEG", invert=True)),
        ("inverted-grey.png", picture_bytes((64, 64), "L", "PNG", invert=True)),
    ],
)
def test_uploaded_pictures_of_any_size_and_colour_are_classified(app, name, data):
    upload_picture(app, name, data, "image/jpeg" if name.endswith("jpg") else "image/png")
    assert not app.exception
    assert not app.error, error_texts(app)
    assert has_chart(app, "goodness_chart")


@pytest.mark.parametrize(
    "name, data, words",
    [
        ("huge.png", b"\x89PNG\r\n\x1a\n" + bytes(6 * 1024 * 1024), "larger than 5 MB"),
        ("empty.png", b"", "not a PNG or JPEG"),
        ("model.jpg", b"PK\x03\x04 a zip file, not a picture", "not a PNG or JPEG"),
        ("blank.png", blank_picture(), "No digit found"),
    ],
    ids=["over-5-MB", "empty", "not-an-image", "blank"],
)
def test_bad_uploads_get_a_clear_message(app, name, data, words):
    upload_picture(app, name, data)
    assert not app.exception
    messages = error_texts(app)
    assert any(name in message and words in message for message in messages), messages
    assert not has_chart(app, "goodness_chart")


# Model files uploaded on the Train page.


def model_arrays():
    """The arrays of a valid ffviz model file with layers (16, 8)."""
    from ffviz.config import FFConfig
    from ffviz.network import FFNetwork

    data = FFNetwork(FFConfig(layer_sizes=(16, 8))).to_bytes()
    with np.load(io.BytesIO(data)) as archive:
        return {key: archive[key] for key in archive.files}


def model_file(**replace):
    """An ffviz model file, with some of its arrays replaced."""
    arrays = model_arrays()
    arrays.update(replace)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def other_architecture():
    from ffviz.config import FFConfig

    return model_file(config=np.array(FFConfig(layer_sizes=(32,)).to_json()))


def nan_weights():
    """The right shape (784 pixels x 16 units) with one NaN, so only the NaN check can refuse it."""
    weights = np.asarray(model_arrays()["weight_0"]).copy()
    weights[3, 5] = np.nan
    return model_file(weight_0=weights)


def huge_layers():
    config = json.loads(__import__("ffviz.config", fromlist=["FFConfig"]).FFConfig().to_json())
    config["layer_sizes"] = [100000]
    return model_file(config=np.array(json.dumps(config)))


def dataset_file():
    return MNIST_SAMPLE.read_bytes()


# Each kind of bad file and the words of the reason it must be refused for: a file refused for
# another reason (a NaN file with the wrong shape, say) means its own check is not tested.
BAD_MODELS = {
    "empty": (lambda: b"", "is empty"),
    "text": (lambda: b"just some text", "not an ffviz model file"),
    "truncated": (lambda: model_file()[:300], "not an ffviz model file"),
    "other-architecture": (other_architecture, "different architecture"),
    "nan-weights": (nan_weights, "NaN or infinite weights"),
    "layer-100000": (huge_layers, "layer_sizes=(100000,)"),
    "a-dataset": (dataset_file, "no 'ffviz-model-1' marker"),
    "no-marker": (lambda: model_file(format=np.array("something else")), "no 'ffviz-model-1' marker"),
}
# Crafted files of issue 14 that used to put a traceback on the page (or, for metadata, in the
# sidebar of every page), and the zip bomb and 8 x 8192 config that used to cost gigabytes.
for crafted in (
    "string-weights",
    "config-a-list",
    "layer-1e400",
    "config-2000-deep",
    "metadata-a-list",
    "config-8x8192",
):
    BAD_MODELS[crafted] = (lambda crafted=crafted: CRAFTED[crafted][0](model_arrays()), CRAFTED[crafted][1])
BAD_MODELS["zip-bomb"] = (lambda: zip_with_bomb(model_arrays(), "bomb.npy"), "does not have: 'bomb.npy'")


@pytest.mark.parametrize("kind", sorted(BAD_MODELS))
def test_bad_model_file_keeps_the_current_model(app, kind):
    """Test that every kind of bad model file is refused for its own reason and the current model stays in use."""
    make_file, reason = BAD_MODELS[kind]
    app.switch_page(TRAIN_PAGE).run()
    before = app.session_state["model"]["id"]
    app.file_uploader(key="train_upload").upload(f"{kind}.npz", make_file(), "application/octet-stream").run()
    assert not app.exception
    messages = error_texts(app)
    assert any("current model is kept" in message and reason in message for message in messages), messages
    assert app.session_state["model"]["id"] == before
    app.switch_page("app_pages/goodness.py").run()  # Every page still works with the kept model.
    assert not app.exception


# Broken data sources: the app starts on the shipped sample and says why.


def npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def good_arrays():
    with np.load(MNIST_SAMPLE) as archive:
        return {key: archive[key] for key in archive.files}


def broken_data(kind, folder):
    path = folder / f"{kind}.npz"
    arrays = good_arrays()
    if kind == "missing":
        return path, "file not found"
    if kind == "truncated":
        path.write_bytes(MNIST_SAMPLE.read_bytes()[:2000])
        return path, "truncated or corrupt"
    if kind == "wrong-shapes":
        arrays["x_train"] = arrays["x_train"].reshape(len(arrays["x_train"]), -1)[:, :100]
    elif kind == "labels-out-of-range":
        arrays["y_train"] = arrays["y_train"].astype(np.int64) + 10
    elif kind == "not-npz":
        path.write_bytes(b"this is not a dataset")
        return path, "not a readable .npz"
    path.write_bytes(npz_bytes(**arrays))
    return path, {"wrong-shapes": "x_train", "labels-out-of-range": "y_train"}[kind]


@pytest.mark.parametrize("kind", ["missing", "truncated", "not-npz", "wrong-shapes", "labels-out-of-range"])
def test_broken_data_source_falls_back_to_the_sample_with_a_warning(monkeypatch, tmp_path, kind):
    path, words = broken_data(kind, tmp_path)
    monkeypatch.setenv("FFVIZ_DATA", str(path))
    app = new_app()
    app.run()
    assert not app.exception
    assert not app.error, error_texts(app)
    warnings = [element.value.replace("\\", "") for element in app.sidebar.warning]  # Shown Markdown-escaped.
    assert any(str(path.name) in warning and words in warning for warning in warnings), warnings
    assert "sample" in " ".join(element.value for element in app.sidebar.caption).lower()
    app.switch_page("app_pages/data.py").run()
    assert not app.exception


# Settings out of range arriving through session state.


@pytest.mark.parametrize(
    "layers, words",
    [
        ("0,100000", "0"),
        ("64,100000", "100000"),
        ("-5", "-5"),
        ("1e9", "1e9"),
        ("64;64", "64;64"),
        ("", "at least one"),
    ],
)
def test_bad_layer_sizes_are_refused_on_start(app, layers, words):
    app.switch_page(TRAIN_PAGE).run()
    app.text_input(key="train_layers").set_value(layers).run()
    app.button(key="train_play").click().run()
    assert not app.exception
    messages = error_texts(app)
    assert any(words in message for message in messages), messages
    assert app.session_state["training_run"] is None


@pytest.mark.parametrize(
    "key, value",
    [
        ("train_threshold", 0.0),
        ("train_threshold", -1.0),
        ("train_threshold", float("nan")),
        ("train_lr", 0.0),
        ("train_lr", -0.01),
        ("train_lr", 7.0),
        ("train_batch", 0),
        ("train_epochs", 0),
        ("train_speed", -1.0),
    ],
)
def test_out_of_range_settings_in_session_state_are_refused(key, value):
    """Test that a value no widget can hold (from an old session, or an edited URL) is replaced with a message."""
    app = new_app()
    app.session_state[key] = value
    app.switch_page(TRAIN_PAGE).run()
    try:
        assert not app.exception, [element.value for element in app.exception]
        warnings = [element.value for element in app.warning]
        assert any(key in warning and "out of range" in warning for warning in warnings), warnings
        assert setting_is_valid(key, app.session_state[key])
        app.button(key="train_step").click().run()
        assert not app.exception, [element.value for element in app.exception]
        assert not app.error, error_texts(app)
        assert app.session_state["training_run"] is not None
    finally:
        stop_training(app)


def test_every_default_setting_is_valid():
    from ui.settings import defaults

    assert all(setting_is_valid(key, value) for key, value in defaults().items())
