"""AppTest checks of the Train page: a live run, its controls, and the model buttons."""

import time

import numpy as np
from page_helpers import echarts_spec, plotly_array, plotly_spec, texts

TRAIN_PAGE = "app_pages/train.py"
WAIT_SECONDS = 90  # Tracing the training step takes seconds; much longer on two busy cores.


def open_train_page(app, layers="64,64", epochs=1):
    app.switch_page(TRAIN_PAGE).run()
    app.text_input(key="train_layers").set_value(layers)
    app.number_input(key="train_epochs").set_value(epochs)
    app.run()
    return app


def rerun_until(app, condition, seconds=WAIT_SECONDS):
    """Rerun the page (as the live fragment would) until `condition(app)` holds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.run()
        if condition(app):
            return True
        time.sleep(0.3)
    return False


def loss_traces(app):
    try:
        figure = plotly_spec(app, "train_loss_chart")
    except (KeyError, AssertionError):
        return []
    return [trace for trace in figure["data"] if trace["type"] == "scatter"]


def test_start_draws_a_loss_line_for_every_layer(app):
    """Test that Play trains in the background and the chart gets one loss line per layer."""
    open_train_page(app, epochs=50)  # One epoch of the sample takes ~0.2 s: it would end before the pause click.
    app.button(key="train_play").click().run()
    assert not app.exception
    assert rerun_until(app, lambda app: len(loss_traces(app)) == 2 and len(plotly_array(loss_traces(app)[0]["y"])) >= 3)
    names = [trace["name"] for trace in loss_traces(app)]
    assert names == ["Layer 1", "Layer 2"]
    for trace in loss_traces(app):
        assert np.all(np.isfinite(plotly_array(trace["y"])))
    status = " ".join(texts(app.get_by_key("train_status")))
    assert "Step " in status
    app.button(key="train_play").click().run()
    assert "paused" in " ".join(texts(app.get_by_key("train_status")))


def test_threshold_change_is_marked_on_the_chart(app):
    """Test that moving the threshold while training records an event drawn as a line."""
    open_train_page(app)
    app.button(key="train_play").click().run()
    assert rerun_until(app, lambda app: len(loss_traces(app)) == 2)
    app.slider(key="train_threshold").set_value(2.5).run()

    def threshold_marked(app):
        annotations = plotly_spec(app, "train_loss_chart")["layout"].get("annotations", [])
        return any("threshold" in (annotation.get("text") or "") for annotation in annotations)

    assert rerun_until(app, threshold_marked)
    run = app.session_state["training_run"]
    assert run.snapshot()["threshold"] == 2.5


def test_one_step_then_use_the_model(app):
    """Test that Step trains exactly one step and Use this model switches every page to it."""
    open_train_page(app, layers="32")
    app.button(key="train_step").click().run()

    def stepped(app):
        """The step counter moves before the step's record is stored: wait for both."""
        status = " ".join(texts(app.get_by_key("train_status")))
        return "Step 1" in status and bool(app.session_state["training_run"].history)

    assert rerun_until(app, stepped)
    app.button(key="train_use_model").click().run()
    assert app.session_state["model"]["source"] == "trained"
    assert app.session_state["model"]["network"].config.layer_sizes == (32,)
    app.switch_page("app_pages/goodness.py").run()
    app.radio(key="goodness_source").set_value("Test set").run()
    assert not app.exception
    bars = [trace for trace in plotly_spec(app, "goodness_chart")["data"] if trace["type"] == "bar"]
    assert len(bars) == 1
    app.switch_page(TRAIN_PAGE).run()
    app.button(key="train_use_pretrained").click().run()
    assert app.session_state["model"]["source"] in ("pretrained", "untrained")


def test_bad_layer_sizes_show_an_error(app):
    """Test that an unreadable layer list gives an error message and no run."""
    open_train_page(app, layers="500,abc")
    app.button(key="train_play").click().run()
    assert not app.exception
    assert any("Layer sizes" in element.value for element in app.error)
    assert app.session_state["training_run"] is None


def test_reset_forgets_the_run(app):
    """Test that Reset stops the run and brings the page back to step 0."""
    open_train_page(app, layers="16")
    app.button(key="train_play").click().run()
    run = app.session_state["training_run"]
    app.button(key="train_reset").click().run()
    assert app.session_state["training_run"] is None
    run.join(30)
    assert not run.alive
    assert "Step 0" in " ".join(texts(app.get_by_key("train_status")))


def test_uploading_a_model_file_switches_to_it_and_a_bad_file_keeps_the_current_one(app):
    """Test that a damaged upload shows an error and keeps the model; a good one is used."""
    from ffviz.config import FFConfig
    from ffviz.network import FFNetwork

    app.switch_page(TRAIN_PAGE).run()
    before = app.session_state["model"]["id"]
    app.file_uploader(key="train_upload").upload("broken.npz", b"not a model").run()
    assert not app.exception
    assert any("current model is kept" in element.value for element in app.error)
    assert app.session_state["model"]["id"] == before

    model_bytes = FFNetwork(FFConfig(layer_sizes=(16, 8))).to_bytes()
    app.file_uploader(key="train_upload").set_value(("small.npz", model_bytes, "application/octet-stream")).run()
    assert not app.exception
    assert not app.error
    assert app.session_state["model"]["source"] == "uploaded"
    assert app.session_state["model"]["network"].config.layer_sizes == (16, 8)


def test_a_diverged_run_shows_its_message_and_offers_reset(app):
    """Test that a run that fails (a NaN loss) shows the runner's message in an error box."""
    from ffviz.train import TrainingDiverged

    open_train_page(app, layers="16")
    app.button(key="train_step").click().run()
    assert rerun_until(app, lambda app: "Step 1" in " ".join(texts(app.get_by_key("train_status"))))
    run = app.session_state["training_run"]

    def diverge(*steps):
        raise TrainingDiverged("The loss became NaN at step 2.")

    # The runner trains several steps per call (`train_steps`); older runners called `train_step`.
    run.trainer.train_step = run.trainer.train_steps = diverge
    app.button(key="train_play").click().run()
    assert rerun_until(app, lambda app: run.snapshot()["state"] == "failed")
    app.run()
    assert not app.exception
    assert any("The loss became NaN at step 2." in element.value for element in app.error)
    assert not app.button(key="train_reset").disabled
    app.button(key="train_reset").click().run()
    assert app.session_state["training_run"] is None


def histogram_spec(app):
    try:
        return echarts_spec(app, "train_histograms")
    except (KeyError, AssertionError):
        return {}


def threshold_lines(spec):
    return [line["xAxis"] for series in spec["series"] for line in series.get("markLine", {}).get("data", [])]


def test_goodness_histograms_appear_with_two_bar_series_per_layer_and_follow_the_threshold(app):
    """Test that after Play each layer gets a positive and a negative histogram and the threshold line moves."""
    open_train_page(app)
    app.button(key="train_play").click().run()
    assert rerun_until(app, lambda app: bool(histogram_spec(app)))
    spec = histogram_spec(app)
    bars = [series for series in spec["series"] if series["type"] == "bar"]
    assert [series["name"] for series in bars] == ["positive (right label)", "negative (wrong label)"] * 2
    assert [series["xAxisIndex"] for series in bars] == [0, 0, 1, 1]
    probe_images = sum(count for _, count in bars[0]["data"])
    assert probe_images > 0 and all(sum(count for _, count in series["data"]) == probe_images for series in bars)
    app.button(key="train_play").click().run()
    app.slider(key="train_threshold").set_value(4.0).run()
    assert not app.exception
    assert threshold_lines(histogram_spec(app)) == [4.0, 4.0]


def test_each_one_step_press_advances_exactly_one_step_and_speed_sets_the_delay(app):
    """Test that Step adds exactly one step per press (the thread then waits) and the speed reaches the run."""
    open_train_page(app, layers="32")
    app.button(key="train_step").click().run()
    run = app.session_state["training_run"]
    assert rerun_until(app, lambda app: run.trainer.step >= 1 and run.history)
    time.sleep(1.0)  # Room for a wrong second step to happen before the count is checked.
    assert run.trainer.step == 1 and run.state == "paused"
    app.button(key="train_step").click().run()
    assert rerun_until(app, lambda app: run.trainer.step >= 2)
    time.sleep(1.0)
    assert run.trainer.step == 2
    assert "Step 2" in " ".join(texts(app.get_by_key("train_status")))
    app.select_slider(key="train_speed").set_value(0.25).run()
    assert run.delay == 0.25 and not app.exception


def test_history_csv_button_and_png_export_of_the_charts(app):
    """Test that after a step the CSV button is enabled and every chart offers a 2x PNG download."""
    import json

    from ui import history

    open_train_page(app, layers="32")
    app.button(key="train_step").click().run()
    run = app.session_state["training_run"]
    assert rerun_until(app, lambda app: len(loss_traces(app)) == 1)
    assert not app.get_by_key("train_download_csv").proto.disabled
    lines = history.history_csv(run.snapshot()["history"], 1).splitlines()
    assert lines[0].startswith("step,epoch,seconds,loss_layer_1") and len(lines) >= 2
    charts = [node for node in app.get_by_key("train_loss_chart") if getattr(node, "type", "") == "plotly_chart"]
    config = json.loads(charts[0].proto.config)
    assert config["toImageButtonOptions"] == {"format": "png", "filename": "ffviz_train_loss_plot", "scale": 2}


def test_one_toggle_plays_pauses_and_plays_on(app):
    """Test that the single Play/Pause button starts a run, pauses it, and goes on with the same run."""
    open_train_page(app, layers="16", epochs=50)
    assert app.button(key="train_play").label == "Play"
    app.button(key="train_play").click().run()
    run = app.session_state["training_run"]
    assert run.state in ("compiling", "running")
    assert app.button(key="train_play").label == "Pause"
    assert app.button(key="train_step").disabled
    app.button(key="train_play").click().run()
    assert run.state == "paused"
    assert app.button(key="train_play").label == "Play"
    app.button(key="train_play").click().run()
    assert app.session_state["training_run"] is run and run.state in ("compiling", "running")
    assert rerun_until(app, lambda app: run.trainer.step > 0)


def test_play_after_a_finished_run_says_and_trains_more_epochs(app):
    """Test that a finished run's Play says what it does, then trains the planned epochs again on the same run."""
    open_train_page(app, layers="16", epochs=1)
    app.button(key="train_play").click().run()
    run = app.session_state["training_run"]
    assert rerun_until(app, lambda app: run.state == "finished")
    app.run()
    assert any("Play trains 1 more epoch" in caption.value for caption in app.caption)
    finished_at = run.trainer.step
    app.button(key="train_play").click().run()
    assert app.session_state["training_run"] is run
    assert rerun_until(app, lambda app: run.trainer.step > finished_at)
    assert run.trainer.total_epochs == 2


def test_the_link_carries_the_run_and_a_new_session_with_it_finds_the_same_run(app):
    """Test that a run's id is in the query string, and a fresh session opened with it shows that run."""
    from streamlit.testing.v1 import AppTest

    from tests.helpers import APP_SCRIPT

    open_train_page(app, layers="16", epochs=50)
    assert "run" not in app.query_params  # A page without a run has a clean link.
    app.button(key="train_play").click().run()
    run = app.session_state["training_run"]
    run_id = app.query_params["run"]
    reloaded = AppTest.from_file(str(APP_SCRIPT), default_timeout=WAIT_SECONDS)
    reloaded.query_params["run"] = run_id
    reloaded.run()
    reloaded.switch_page(TRAIN_PAGE).run()
    assert reloaded.session_state["training_run"] is run
    assert rerun_until(reloaded, lambda page: "Step 0 " not in " ".join(texts(page.get_by_key("train_status"))))
    app.button(key="train_reset").click().run()
    assert "run" not in app.query_params
    assert run.state != "running"
    run.join(30)
    assert not run.alive


def test_opening_the_page_compiles_the_preset_so_its_first_play_compiles_nothing(app):
    """Test that the page compiles the chosen preset while it is read: Play then reuses that program."""
    app.switch_page(TRAIN_PAGE).run()  # The default preset, whose shape no other test of this file trains.
    app.number_input(key="train_epochs").set_value(50).run()  # Epochs are not part of the shape.
    app.button(key="train_play").click().run()
    run = app.session_state["training_run"]
    assert rerun_until(app, lambda app: run.trainer.step > 0)
    assert run.trainer.compile_seconds == 0.0  # The run waited for the page's compile, if it was still going.


def test_play_after_reset_reuses_the_stopped_run_s_compiled_steps(app):
    """Test that Reset waits for the stopped run to give its program back, so the next Play compiles nothing."""
    from ffviz.compiled_steps import STEP_CACHE

    open_train_page(app, layers="24")  # A shape no other test trains: nothing idle to borrow.
    app.number_input(key="train_epochs").set_value(50).run()
    app.button(key="train_play").click().run()
    first = app.session_state["training_run"]
    assert rerun_until(app, lambda app: first.trainer.step > 0)
    program, created = first.trainer.program, STEP_CACHE.created
    app.button(key="train_reset").click().run()
    assert not first.alive
    app.button(key="train_play").click().run()
    second = app.session_state["training_run"]
    assert rerun_until(app, lambda app: second.trainer.step > 0)
    assert second.trainer.program is program
    assert STEP_CACHE.created == created
    app.button(key="train_reset").click().run()
