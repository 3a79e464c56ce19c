"""AppTest checks of the FF vs backprop page: both runs train and both get points on the charts."""

import time

from page_helpers import plotly_array, plotly_spec, texts

COMPARE_PAGE = "app_pages/compare.py"
WAIT_SECONDS = 120  # Two networks trace their steps at once on two busy cores.


def accuracy_traces(app):
    try:
        return {trace["name"]: trace for trace in plotly_spec(app, "compare_accuracy_chart")["data"]}
    except (KeyError, AssertionError):
        return {}


def both_have_points(app):
    traces = accuracy_traces(app)
    return len(traces) == 2 and all(len(plotly_array(trace["x"])) >= 1 for trace in traces.values())


def test_start_trains_ff_and_backprop_and_both_get_accuracy_points(app):
    """Test that Start trains both methods on the same layers and each draws accuracy and loss against seconds."""
    app.switch_page(COMPARE_PAGE).run()
    assert not app.exception
    app.text_input(key="compare_layers").set_value("32")
    app.number_input(key="compare_budget").set_value(30)
    app.button(key="compare_start").click().run()
    assert not app.exception
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and not both_have_points(app):
        time.sleep(0.5)
        app.run()
    assert both_have_points(app), accuracy_traces(app)
    runs = app.session_state["compare_runs"]
    assert runs["FF"].network.config.layer_sizes == (32,)
    assert runs["Backprop"].trainer.config.layer_sizes == (32,)
    loss_names = [trace["name"] for trace in plotly_spec(app, "compare_loss_chart")["data"]]
    assert loss_names == ["FF layer 1 (FF loss)", "Backprop (cross-entropy)"]
    status = " ".join(texts(app.get_by_key("compare_status")))
    assert "FF" in status and "Backprop" in status
    app.button(key="compare_stop").click().run()
    for method in ("FF", "Backprop"):
        runs[method].join(timeout=30)
        assert runs[method].state == "stopped"
