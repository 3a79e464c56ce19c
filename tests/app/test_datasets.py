"""AppTest checks of the dataset choice: Fashion-MNIST's class names on the pages, and the model's dataset."""

from page_helpers import plotly_spec


def switch_to_fashion(app):
    app.selectbox(key="dataset_name").set_value("fashion_mnist").run()
    assert not app.exception


def test_fashion_names_its_classes_on_the_data_page_and_warns_about_the_mnist_model(app):
    """Test that choosing Fashion-MNIST shows its class names and says the pretrained model is MNIST's."""
    app.switch_page("app_pages/data.py").run()
    switch_to_fashion(app)
    titles = " ".join(annotation["text"] for annotation in plotly_spec(app, "data_grid")["layout"]["annotations"])
    assert "Trouser" in titles or "Sneaker" in titles or "Bag" in titles
    assert any("Fashion-MNIST" in caption.value for caption in app.sidebar.caption)
    warnings = " ".join(element.value for element in app.sidebar.warning)
    assert app.session_state["model"]["source"] == "pretrained"  # A fresh session uses the shipped model.
    assert "trained on MNIST" in warnings
    app.selectbox(key="dataset_name").set_value("mnist").run()
    assert "trained on MNIST" not in " ".join(element.value for element in app.sidebar.warning)


def test_fashion_class_names_label_the_goodness_chart(app):
    """Test that the Goodness page's bars and prediction use Fashion-MNIST's class names."""
    switch_to_fashion(app)
    app.radio(key="goodness_source").set_value("Test set").run()
    assert not app.exception
    bars = plotly_spec(app, "goodness_chart")
    ticks = " ".join(str(value) for value in bars["layout"]["yaxis"].get("ticktext", []))
    assert "Trouser" in ticks or "Trouser" in str(bars["data"])
