"""AppTest checks of the Data, Goodness and Inside pages, and of the shared sidebar."""

import numpy as np
import pytest
from page_helpers import plotly_array, plotly_spec, texts

PAGES = [
    "app_pages/goodness.py",
    "app_pages/data.py",
    "app_pages/train.py",
    "app_pages/inside.py",
    "app_pages/compare.py",
]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(app, page):
    """Test that each page runs without an exception or an error box."""
    app.switch_page(page).run()
    assert not app.exception
    assert not app.error, [element.value for element in app.error]


def test_empty_canvas_shows_the_hint(app):
    """Test that the Goodness page asks for a drawing instead of drawing an empty chart."""
    assert not app.exception
    assert any("Draw a digit" in element.value for element in app.info)
    with pytest.raises(KeyError):
        app.get_by_key("goodness_chart")
    assert app.get_by_key("goodness_canvas_box") is not None


def test_clear_gives_the_canvas_a_new_key(app):
    """Test that Clear replaces the canvas, which empties it."""
    app.button(key="goodness_clear").click().run()
    box = app.get_by_key("goodness_canvas_box")
    keys = [node.key for node in box if type(node).__name__ == "UnknownElement"]
    assert keys == ["goodness_canvas_1"]


def test_test_digit_bars_agree_with_the_prediction(app):
    """Test that a test digit gives ten bars per layer whose tallest total is the prediction."""
    app.radio(key="goodness_source").set_value("Test set").run()
    app.number_input(key="goodness_index").set_value(7).run()
    assert not app.exception
    figure = plotly_spec(app, "goodness_chart")
    bars = [trace for trace in figure["data"] if trace["type"] == "bar"]
    network = app.session_state["model"]["network"]
    assert len(bars) == network.config.num_layers
    totals = np.sum([plotly_array(trace["y"]) for trace in bars], axis=0)
    assert totals.shape == (10,)

    from ffviz.data import load_dataset

    image = load_dataset("mnist").x_test[7]
    predicted = int(network.predict(image, readout="goodness")[0])
    assert int(np.argmax(totals)) == predicted
    prediction_texts = texts(app.get_by_key("goodness_prediction"))
    assert any(text.startswith(f"Prediction: {predicted}") for text in prediction_texts)


def test_grouped_layout_and_random_digit(app):
    """Test that the grouped layout and the random button both keep a chart on the page."""
    app.radio(key="goodness_source").set_value("Test set").run()
    app.radio(key="goodness_layout").set_value("Grouped").run()
    app.button(key="goodness_random").click().run()
    assert not app.exception
    assert plotly_spec(app, "goodness_chart")["layout"]["barmode"] == "group"


def test_upload_source_asks_for_a_file(app):
    """Test that the Upload source shows an uploader and a hint, not an error."""
    app.radio(key="goodness_source").set_value("Upload").run()
    assert not app.exception
    assert any("Upload a picture" in element.value for element in app.info)


def test_uploaded_picture_is_classified_and_a_bad_file_is_explained(app):
    """Test that a PNG of a digit gets a chart and a non-image gets a clear error, not a traceback."""
    import io

    from PIL import Image

    from ffviz.data import load_dataset

    digit = (load_dataset("mnist").x_test[0].reshape(28, 28) * 255).astype(np.uint8)
    png = io.BytesIO()
    Image.fromarray(255 - digit).resize((112, 112)).save(png, format="PNG")  # Dark ink on white paper.
    app.radio(key="goodness_source").set_value("Upload").run()
    app.file_uploader(key="goodness_upload").upload("seven.png", png.getvalue(), "image/png").run()
    assert not app.exception
    assert not app.error
    assert plotly_spec(app, "goodness_chart")["data"]

    app.file_uploader(key="goodness_upload").set_value(("notes.png", b"plain text", "image/png")).run()
    assert not app.exception
    assert any("notes.png" in element.value for element in app.error)


def test_data_page_new_samples_changes_the_seed(app):
    """Test that New samples draws a different, repeatable grid."""
    app.switch_page("app_pages/data.py").run()
    first_seed = app.number_input(key="data_seed").value
    first = plotly_spec(app, "data_grid")
    app.button(key="data_new_samples").click().run()
    assert not app.exception
    second = plotly_spec(app, "data_grid")
    titles = lambda figure: [annotation["text"] for annotation in figure["layout"]["annotations"]]  # noqa: E731
    assert len(titles(second)) == 24
    seed = app.number_input(key="data_seed").value
    assert seed != first_seed
    app.number_input(key="data_seed").set_value(first_seed).run()
    assert titles(plotly_spec(app, "data_grid")) == titles(first)
    app.number_input(key="data_seed").set_value(seed).run()
    assert titles(plotly_spec(app, "data_grid")) == titles(second)
    app.selectbox(key="data_sample").set_value(5).run()
    assert not app.exception


def test_inside_page_shows_the_confusion_matrix(app):
    """Test that the Inside page draws a 10x10 confusion matrix for both read-outs."""
    app.switch_page("app_pages/inside.py").run()
    figure = plotly_spec(app, "inside_confusion")
    assert plotly_array(figure["data"][0]["z"]).shape == (10, 10)
    app.radio(key="inside_readout").set_value("goodness").run()
    assert not app.exception
    assert plotly_array(plotly_spec(app, "inside_confusion")["data"][0]["z"]).sum() > 0


def test_talk_mode_hides_explanations_and_enlarges_charts(app):
    """Test that talk mode removes the explanation paragraph and makes fonts larger."""
    app.radio(key="goodness_source").set_value("Test set").run()
    normal_font = plotly_spec(app, "goodness_chart")["layout"]["font"]["size"]
    assert [text for text in texts(app.main) if "writes each label into the image" in text]
    app.toggle(key="talk_mode").set_value(True).run()
    assert not app.exception
    assert not [text for text in texts(app.main) if "writes each label into the image" in text]
    assert plotly_spec(app, "goodness_chart")["layout"]["font"]["size"] > normal_font >= 16


def test_sidebar_names_device_data_and_model(app):
    """Test that the sidebar, drawn by app.py on every page, names device, data and model."""
    app.switch_page("app_pages/inside.py").run()
    captions = [caption.value for caption in app.sidebar.caption]
    assert any(caption.startswith("**Device:**") for caption in captions)
    assert any("**Data:**" in caption and "train" in caption for caption in captions)
    assert any(caption.startswith("**Model:**") for caption in captions)


def test_widget_values_survive_a_page_change(app):
    """Test that a Train setting is still there after visiting another page."""
    app.switch_page("app_pages/train.py").run()
    app.text_input(key="train_layers").set_value("32,16").run()
    app.switch_page("app_pages/data.py").run()
    app.switch_page("app_pages/train.py").run()
    assert app.text_input(key="train_layers").value == "32,16"
