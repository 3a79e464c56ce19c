"""AppTest checks that text from outside the app is shown as text: links, file names, model metadata.

A shared link or a crafted file must not put a real link or a tracking image into the app's own
message boxes (issue 14, "No injection"). Each source gets both payloads; the rendered element
values must hold them escaped, and metadata that is not an object must not raise in the sidebar.
"""

import io
import json
import pathlib
import re

import numpy as np
import pytest
from page_helpers import plotly_spec
from streamlit.testing.v1 import AppTest

from ui.session import copy_network

REPO = pathlib.Path(__file__).resolve().parents[2]
LINK = "[x](https://evil.example)"
IMAGE = "![p](https://evil.example/p.png)"
# An unescaped "[" ... "](" or a bare "https://" is what Markdown turns into a link or an image.
RAW_LINK = re.compile(r"(?<!\\)\]\(|(?<!\\)!\[|https://")
MARKDOWN_KINDS = ("markdown", "caption", "warning", "error", "info", "success", "subheader", "title")


def shown_texts(app_test):
    """Every Markdown-rendered value on the page and in the sidebar."""
    return [str(element.value) for kind in MARKDOWN_KINDS for element in getattr(app_test, kind)]


def assert_shown_escaped(app_test, payload_marker):
    """No Markdown value holds a live link or image, and the payload is on screen in escaped form."""
    texts = shown_texts(app_test)
    assert not [text for text in texts if RAW_LINK.search(text)], texts
    assert any(payload_marker in text for text in texts), texts


def model_bytes(metadata):
    """A small ffviz model file whose metadata is `metadata` (any JSON value)."""
    from ffviz.config import FFConfig
    from ffviz.network import FFNetwork

    with np.load(io.BytesIO(FFNetwork(FFConfig(layer_sizes=(16,))).to_bytes())) as archive:
        arrays = {key: archive[key] for key in archive.files}
    arrays["metadata"] = np.array(json.dumps(metadata))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


@pytest.mark.parametrize("payload", [LINK, IMAGE])
@pytest.mark.parametrize("name", ["layers", "page", "source"])
def test_a_link_value_is_escaped_in_its_warning(payload, name):
    """Test that a crafted value in the query string is named in the warning as plain text."""
    app_test = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    app_test.query_params[name] = payload
    app_test.run()
    assert not app_test.exception
    assert_shown_escaped(app_test, r"\]\(https\://evil.example")


@pytest.mark.parametrize("payload", [LINK, IMAGE])
def test_an_uploaded_model_file_name_and_metadata_are_escaped(app, payload):
    """Test that the success note, the sidebar's model line and its dataset warning show the payload as text."""
    app.switch_page("app_pages/train.py").run()
    upload = model_bytes({"dataset": payload, "description": payload})
    app.file_uploader(key="train_upload").upload(f"{payload}.npz", upload, "application/octet-stream").run()
    assert not app.exception
    assert app.session_state["model"]["source"] == "uploaded"
    assert_shown_escaped(app, r"\]\(https\://evil.example")
    assert any(r"trained on \!\[p\]" in text or r"trained on \[x\]" in text for text in shown_texts(app))


@pytest.mark.parametrize("payload", [LINK, IMAGE])
def test_an_uploaded_image_file_name_is_escaped_in_errors_and_captions(app, payload):
    """Test that a bad picture's error and a good picture's description on the Inside page show the name as text."""
    from PIL import Image

    app.radio(key="goodness_source").set_value("Upload").run()
    app.file_uploader(key="goodness_upload").upload(f"{payload}.png", b"plain text", "image/png").run()
    assert not app.exception
    assert app.error and all(r"\]\(https\://evil.example" in element.value for element in app.error)
    assert_shown_escaped(app, r"\]\(https\://evil.example")

    png = io.BytesIO()
    image = np.zeros((56, 56), np.uint8)
    image[10:46, 24:32] = 255  # A white stroke: a "1" on black.
    Image.fromarray(image).save(png, format="PNG")
    app.file_uploader(key="goodness_upload").set_value((f"{payload}.png", png.getvalue(), "image/png")).run()
    assert not app.exception and plotly_spec(app, "goodness_chart")["data"]
    app.switch_page("app_pages/inside.py").run()
    assert not app.exception
    assert_shown_escaped(app, r"\]\(https\://evil.example")


@pytest.mark.parametrize("metadata", [["a", "list"], "a string", 42, None])
def test_model_metadata_that_is_not_an_object_does_not_break_any_page(app, metadata):
    """Test that a model whose metadata is a list, string, number or null is shown without a traceback.

    The network is put in place directly, so the check does not depend on whether the file
    loader accepts such metadata: the sidebar and the pages must read it defensively either way.
    """
    from ffviz.config import FFConfig
    from ffviz.network import FFNetwork

    network = FFNetwork(FFConfig(layer_sizes=(16,)))
    network.metadata = metadata
    app.session_state["model"] = {"network": network, "source": "uploaded", "description": "odd.npz", "id": "odd"}
    for page in ("app_pages/goodness.py", "app_pages/inside.py", "app_pages/train.py"):
        app.switch_page(page).run()
        assert not app.exception, (page, [element.value for element in app.exception])
        assert any(caption.value.startswith("**Model:**") for caption in app.sidebar.caption)
    assert copy_network(network).metadata == {}  # "Use this model" and downloads copy it.
