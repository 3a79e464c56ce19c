"""AppTest checks of the explanation panels: saliency on Goodness, one update on Train, FF vs FF on Compare."""

import re
import time

import numpy as np
from page_helpers import plotly_array, plotly_spec, texts

from tests.helpers import wait_until

TRAIN_PAGE = "app_pages/train.py"
COMPARE_PAGE = "app_pages/compare.py"
WAIT_SECONDS = 120  # Tracing the steps takes seconds; much longer on two busy cores.


def heatmaps(app, key):
    return [trace for trace in plotly_spec(app, key)["data"] if trace["type"] == "heatmap"]


def test_a_test_digit_gets_diverging_saliency_maps_for_top_two_and_true_label(app):
    """Test that picking a test digit draws one red-blue map per explained label, summed first, per layer on demand."""
    app.radio(key="goodness_source").set_value("Test set").run()
    assert not app.exception
    maps = heatmaps(app, "goodness_saliency")
    assert 2 <= len(maps) <= 3
    assert all(trace["zmid"] == 0 and trace["colorscale"] for trace in maps)
    names = [trace["name"] for trace in maps]
    assert names[0].endswith("(top)") and names[1].endswith("(second)")
    summed = plotly_array(maps[0]["z"])
    assert summed.shape == (28, 28) and np.abs(summed).max() > 0
    assert np.all(summed[0, :10] == 0)  # The label pixels get no credit.
    assert "Red pixels raise" in " ".join(texts(app.get_by_key("goodness_saliency")))
    app.selectbox(key="goodness_saliency_layer").set_value(1).run()
    assert not app.exception
    first_layer = plotly_array(heatmaps(app, "goodness_saliency")[0]["z"])
    assert not np.allclose(first_layer, summed)


def test_one_step_shows_what_the_update_did(app):
    """Test that One step shows the batch's goodness before and after, the weight change and the digits that moved."""
    app.switch_page(TRAIN_PAGE).run()
    app.text_input(key="train_layers").set_value("32,16").run()
    app.button(key="train_step").click().run()

    def update_shown():
        app.run()
        return _has_key(app, "train_update")

    wait_until(update_shown, WAIT_SECONDS, interval=0.3, message="the one-update panel")
    assert not app.exception
    bars = plotly_spec(app, "train_update")["data"]
    assert [trace["name"] for trace in bars] == [
        "positive before",
        "positive after",
        "negative before",
        "negative after",
    ]
    assert all(len(plotly_array(trace["y"])) == 2 for trace in bars)  # One bar per layer.
    assert "What update 1 did" in texts(app.get_by_key("train_update"))
    run = app.session_state["training_run"]
    assert run.trainer.step == 1


def _has_key(app, key):
    try:
        app.get_by_key(key)
    except (KeyError, IndexError):
        return False
    return True


def test_ff_vs_ff_races_two_variants_and_states_the_winner(app):
    """Test that FF vs FF trains both variants for the budget and says who led by how much."""
    app.switch_page(COMPARE_PAGE).run()
    app.radio(key="compare_mode").set_value("FF vs FF").run()
    assert not app.exception
    assert "Which Forward-Forward choices matter?" in [title.value for title in app.title]
    for name in ("a", "b"):
        app.text_input(key=f"variants_{name}_layers").set_value("32")
    app.number_input(key="variants_budget").set_value(5)
    app.button(key="variants_start").click().run()
    assert not app.exception
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and not app.success:
        time.sleep(0.5)
        app.run()
    assert app.success, texts(app.main)
    sentence = app.success[0].value
    assert re.fullmatch(
        r"(A|B) reached \d+\.\d% vs \d+\.\d%, \d+\.\d points ahead after 5 s\.|A and B tied .*", sentence
    )
    accuracy = {trace["name"] for trace in plotly_spec(app, "variants_accuracy_chart")["data"]}
    assert accuracy == {"Variant A", "Variant B"}
    race = app.session_state["variants_race"]
    assert race.runs["B"].network.config.loss == "symba"
    assert app.button(key="variants_start").label == "Run again"
