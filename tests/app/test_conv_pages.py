"""AppTest checks of convolutional networks in the app: the Network box, training, goodness maps, filters."""

import numpy as np
from page_helpers import plotly_array, plotly_spec, texts
from test_train_page import TRAIN_PAGE, rerun_until

from ffviz.config import FFConfig, layers_text
from ffviz.network import FFNetwork
from ffviz.presets import PRESETS

TINY_CONV = FFConfig(conv_layers=((10, 5, 2), (20, 3, 2)), layer_sizes=())


def use_conv_network(app):
    """Make a small convolutional network the session's model, as "Use this model" does."""
    app.session_state["model"] = {
        "network": FFNetwork(TINY_CONV),
        "source": "trained",
        "description": "a convolutional test network",
        "id": "trained-conv-test",
    }


def test_network_box_fills_in_the_conv_preset_and_trains_it(app):
    """Test that choosing the conv preset writes its layers and epochs, and Step trains a conv network."""
    app.switch_page(TRAIN_PAGE).run()
    app.selectbox(key="train_preset").set_value("conv").run()
    assert not app.exception
    assert app.text_input(key="train_layers").value == layers_text(PRESETS["conv"])
    assert app.number_input(key="train_epochs").value == PRESETS["conv"].epochs
    app.text_input(key="train_layers").set_value("c10k5p2, c20k3").run()  # Small, to train in seconds.
    app.button(key="train_step").click().run()

    def stepped(app):
        run = app.session_state["training_run"]
        return run is not None and bool(run.history) and "Step 1" in " ".join(texts(app.get_by_key("train_status")))

    assert rerun_until(app, stepped)
    run = app.session_state["training_run"]
    assert run.network.config.conv_layers == ((10, 5, 2), (20, 3, 1))
    assert np.all(np.isfinite(run.history[-1]["loss"]))
    assert not app.exception


def test_conv_layers_in_a_dense_network_are_refused_with_a_message(app):
    app.switch_page(TRAIN_PAGE).run()
    app.text_input(key="train_layers").set_value("c10k5p2,500").run()
    app.button(key="train_play").click().run()
    assert not app.exception
    assert any("cannot follow" in element.value for element in app.error)
    assert app.session_state["training_run"] is None


def test_goodness_page_maps_where_the_winning_label_s_goodness_comes_from(app):
    use_conv_network(app)
    app.run()
    app.radio(key="goodness_source").set_value("Test set").run()
    assert not app.exception
    figure = plotly_spec(app, "goodness_maps_box")
    maps = [plotly_array(trace["z"]) for trace in figure["data"]]
    assert [layer_map.shape for layer_map in maps] == [(28, 28), (12, 12), (5, 5)]  # The digit, then each layer.
    assert any("each label owns a group of its filters" in element.value for element in app.markdown)
    prediction = " ".join(texts(app.get_by_key("goodness_prediction")))
    assert f"label {prediction.split('Prediction: ')[1][0]}" in figure["layout"]["title"]["text"]


def test_inside_page_shows_filters_and_feature_maps(app):
    use_conv_network(app)
    app.switch_page("app_pages/inside.py").run()
    assert not app.exception
    fields = plotly_spec(app, "inside_fields")
    assert fields["layout"]["title"]["text"] == "First-layer filters: 10 of 5 x 5 pixels"
    # Ten 5 x 5 filters tiled 4 to a row with 1-pixel gaps: 3 rows.
    assert plotly_array(fields["data"][0]["z"]).shape == (3 * 6 - 1, 4 * 6 - 1)
    maps = plotly_spec(app, "inside_feature_maps")
    assert maps["layout"]["title"]["text"] == "First-layer feature maps: 10 filters, 12 x 12 each"
    assert np.nanmax(plotly_array(maps["data"][0]["z"])) > 0  # The digit lights some filters up.


def test_the_shipped_conv_model_is_one_click_away_and_reads_test_digits(app):
    """Test that the Train page's button loads the shipped conv model, which the Goodness page then maps.

    The model file is checked as well: the `conv` preset, trained on all of MNIST, with the test
    accuracy that the README states (at least issue 15's 99.5%) in its metadata.
    """
    app.switch_page(TRAIN_PAGE).run()
    app.button(key="train_use_pretrained_conv").click().run()
    assert not app.exception
    model = app.session_state["model"]
    assert (model["source"], model["id"]) == ("pretrained", "pretrained-conv")
    network = model["network"]
    assert network.config.conv_layers == PRESETS["conv"].conv_layers
    assert network.metadata["dataset"] == "mnist" and network.metadata["test_accuracy"]["softmax"] >= 0.995
    assert "convolutional" in model["description"] and "softmax 99." in model["description"]
    app.switch_page("app_pages/goodness.py").run()
    app.radio(key="goodness_source").set_value("Test set").run()
    assert not app.exception
    assert len(plotly_spec(app, "goodness_maps_box")["data"]) == 1 + len(PRESETS["conv"].conv_layers)
    app.switch_page(TRAIN_PAGE).run()
    app.button(key="train_use_pretrained").click().run()
    assert app.session_state["model"]["id"] == "pretrained"
