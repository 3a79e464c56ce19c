"""Unit tests of the pure figure builders in `ui/charts/` and the history thinning they draw from."""

import numpy as np
import pytest

from ui import history as history_module
from ui.charts import compare, digits, inside, style, training
from ui.charts import goodness as goodness_charts

STYLE = style.NORMAL_STYLE


def history(steps, num_layers=2):
    return [
        {
            "step": step,
            "loss": [0.7 - 0.01 * layer for layer in range(num_layers)],
            "goodness_pos": [2.0] * num_layers,
            "goodness_neg": [1.0] * num_layers,
            "threshold": 1.5,
        }
        for step in range(1, steps + 1)
    ]


def test_palettes_are_distinct_and_wrap():
    assert len(set(style.LAYER_COLORS)) == len(style.LAYER_COLORS) >= 8
    assert len(set(style.LABEL_COLORS)) == 10
    assert style.THRESHOLD_COLOR not in style.LAYER_COLORS + style.LABEL_COLORS
    assert style.layer_color(len(style.LAYER_COLORS)) == style.layer_color(0)


def test_thin_history_keeps_the_live_tail():
    records = history(10_000)
    thinned = history_module.thin_history(records, max_points=2000, tail=500)
    assert len(thinned) <= 2000
    assert thinned[-500:] == records[-500:]
    assert thinned[0] == records[0]
    assert history_module.thin_history(records[:100]) == records[:100]


def test_loss_figure_has_one_coloured_line_per_layer():
    figure = training.loss_figure(history(50, 3), [], 3, STYLE)
    assert [trace.name for trace in figure.data] == ["Layer 1", "Layer 2", "Layer 3"]
    assert [trace.line.color for trace in figure.data] == [style.layer_color(i) for i in range(3)]
    assert len(figure.data[0].x) == 50
    assert figure.layout.font.size >= 16


def test_events_become_dashed_vertical_lines_with_notes():
    events = [
        {"step": 10, "setting": "threshold", "value": 2.0},
        {"step": 20, "setting": "learning_rate", "value": 0.01},
    ]
    figure = training.loss_figure(history(30), events, 2, STYLE)
    lines = [shape for shape in figure.layout.shapes if shape.type == "line"]
    assert [line.x0 for line in lines] == [10, 20]
    assert all(line.line.dash == "dash" for line in lines)
    notes = [annotation.text for annotation in figure.layout.annotations]
    assert notes == ["threshold → 2", "lr → 0.01"]


def test_changes_close_together_share_one_note_with_each_settings_last_value():
    """Slider ticks and a second setting changed within 8% of the chart share one marker, so notes never collide."""
    events = [{"step": 100 + tick, "setting": "threshold", "value": 1.5 + 0.05 * tick} for tick in range(1, 11)]
    events.append({"step": 105, "setting": "learning_rate", "value": 0.01})
    events.append({"step": 600, "setting": "threshold", "value": 1.0})
    groups = history_module.group_events(events, min_gap=30)
    assert groups == [
        {"step": 110, "changes": {"learning_rate": 0.01, "threshold": 2.0}},
        {"step": 600, "changes": {"threshold": 1.0}},
    ]
    figure = training.loss_figure(history(1000), events, 2, STYLE)
    assert [annotation.text for annotation in figure.layout.annotations] == [
        "lr → 0.01<br>threshold → 2",
        "threshold → 1",
    ]
    # Left of the middle a note starts right of its line, past it left of it: inside the plot either way.
    assert [annotation.xanchor for annotation in figure.layout.annotations] == ["left", "right"]


def test_accuracy_axis_fits_the_points_and_quick_points_come_before_the_first_epoch():
    quick = [{"step": step, "epoch": step / 300, "accuracy": 0.94 + 0.00001 * step} for step in range(50, 301, 50)]
    figure = training.accuracy_figure(quick, [(1.0, 0.97)], STYLE)
    quick_trace, epoch_end = figure.data
    assert len(quick_trace.x) == 6 and min(quick_trace.x) < 0.2
    assert list(epoch_end.y) == [pytest.approx(97.0)]
    low, high = figure.layout.yaxis.range
    assert 85 < low < 94 and 97 < high <= 100.5


def test_loss_axis_fits_the_curve_without_the_first_step_spike():
    records = history(200)
    records[0]["loss"] = [50.0, 50.0]  # The first step's loss, far above the rest.
    figure = training.loss_figure(records, [], 2, STYLE)
    low, high = figure.layout.yaxis.range
    rest = [value for record in records[1:] for value in record["loss"]]
    assert high < 50.0
    assert low <= min(rest) and high >= max(rest)


def test_goodness_history_pairs_positive_and_negative_in_the_layer_colour():
    figure = training.goodness_history_figure(history(20), [], 2, STYLE)
    assert len(figure.data) == 2 * 2 + 1
    assert figure.data[0].line.color == figure.data[1].line.color == style.layer_color(0)
    assert figure.data[0].line.dash == "solid" and figure.data[1].line.dash == "dot"
    assert figure.data[-1].name == "threshold"
    assert figure.data[-1].line.color == style.THRESHOLD_COLOR


@pytest.mark.parametrize("mode, line_at", [("stack", 3.0), ("group", 1.5)])
def test_goodness_bars_stack_layers_and_mark_threshold_and_prediction(mode, line_at):
    goodness = np.arange(20, dtype=np.float32).reshape(2, 10) / 10
    figure = goodness_charts.goodness_bars_figure(goodness, 1.5, predicted=9, style=STYLE, mode=mode)
    bars = [trace for trace in figure.data if trace.type == "bar"]
    assert len(bars) == 2 and all(len(bar.y) == 10 for bar in bars)
    assert [bar.marker.color for bar in bars] == [style.layer_color(0), style.layer_color(1)]
    assert figure.layout.barmode == mode
    assert bars[0].marker.line.width[9] > 0 and bars[0].marker.line.width[0] == 0
    assert "◀" in bars[0].x[9]
    threshold_lines = [shape for shape in figure.layout.shapes if shape.type == "line"]
    assert threshold_lines[0].y0 == pytest.approx(line_at)
    # All ten labels are ticked (a narrow chart would skip some), and the threshold is named in
    # the legend, where it covers no bar.
    assert figure.layout.xaxis.tickmode == "array" and len(figure.layout.xaxis.tickvals) == 10
    assert not figure.layout.annotations
    assert f"{line_at:g}" in [trace for trace in figure.data if trace.type == "scatter"][0].name


def test_probabilities_use_the_label_colours():
    figure = goodness_charts.probabilities_figure(np.full(10, 0.1), STYLE)
    assert list(figure.data[0].marker.color) == list(style.LABEL_COLORS)


def test_sample_grid_titles_use_label_colours_and_outline_the_chosen_digit():
    labels = np.array([3, 1, 4, 1, 5])
    figure = digits.sample_grid_figure(np.zeros((5, 784)), labels, STYLE, columns=4, selected=2)
    assert len(figure.data) == 10  # A heatmap and an invisible clickable point per digit.
    assert [trace.customdata[0] for trace in figure.data if trace.type == "scatter"] == [0, 1, 2, 3, 4]
    assert [annotation.font.color for annotation in figure.layout.annotations] == [
        style.label_color(label) for label in labels
    ]
    assert figure.layout.shapes[0].xref == "x3"


def test_digit_row_outlines_the_ten_label_pixels():
    image = np.zeros((28, 28))
    figure = digits.digit_row_figure([image, image, image], ["raw", "positive", "negative"], STYLE)
    assert len(figure.data) == 3
    assert len(figure.layout.shapes) == 3
    assert (figure.layout.shapes[0].x0, figure.layout.shapes[0].x1) == (-0.5, 9.5)


def test_label_pixels_figure_shows_ten_values_per_row():
    figure = digits.label_pixels_figure({"positive": np.eye(784)[3], "negative": np.eye(784)[5]}, STYLE)
    assert np.asarray(figure.data[0].z).shape == (2, 10)


def test_tile_places_images_with_gaps():
    mosaic = inside.tile(np.ones((5, 2, 2)), columns=3)
    assert mosaic.shape == (2 * 3 - 1, 3 * 3 - 1)
    assert np.isnan(mosaic[2]).all()
    assert np.nansum(mosaic) == 5 * 4


def test_receptive_fields_are_symmetric_around_zero():
    fields = np.random.default_rng(0).normal(size=(100, 28, 28))
    figure = inside.receptive_fields_figure(fields, STYLE, count=64)
    heatmap = figure.data[0]
    assert heatmap.zmin == -heatmap.zmax == -1.0
    assert np.asarray(heatmap.z).shape == (8 * 29 - 1, 8 * 29 - 1)
    assert np.nanmax(np.abs(np.asarray(heatmap.z, dtype=float))) <= 1.0


def test_receptive_fields_ignore_the_label_pixels_when_scaling():
    fields = np.full((1, 28, 28), 0.5)
    fields[0, 0, :10] = 100.0  # Label-pixel weights, far larger than the rest.
    heatmap = inside.receptive_fields_figure(fields, STYLE, count=1).data[0]
    z = np.asarray(heatmap.z, dtype=float)
    assert z[5, 5] == 1.0
    assert np.asarray(heatmap.customdata)[0, 0, 1] == 100.0


def test_activations_figure_has_a_panel_per_layer_and_label():
    activations = {"true 3": [np.ones(500), np.ones(64)], "wrong 5": [np.zeros(500), np.zeros(64)]}
    goodness = {"true 3": [1.0, 1.0], "wrong 5": [0.0, 0.0]}
    figure = inside.activations_figure(activations, goodness, STYLE)
    assert len(figure.data) == 4
    notes = [annotation.text for annotation in figure.layout.annotations]
    assert notes[:2] == ["true 3", "wrong 5"]
    assert "Layer 1: goodness 1.00" in notes and "Layer 2: goodness 0.00" in notes


def test_confusion_figure_writes_the_counts():
    confusion = np.arange(100).reshape(10, 10)
    figure = inside.confusion_figure(confusion, STYLE)
    assert np.asarray(figure.data[0].z).shape == (10, 10)
    assert figure.data[0].texttemplate == "%{z}"
    assert figure.data[0].zmax == 98  # The largest off-diagonal count: errors get the colour range.


def test_talk_style_is_larger():
    assert style.TALK_STYLE.font_size > style.NORMAL_STYLE.font_size >= 16
    assert style.TALK_STYLE.height > style.NORMAL_STYLE.height


def test_goodness_histograms_overlay_positive_and_negative_with_the_threshold_in_each_layer():
    samples = {
        "step": 7,
        "positive": [[2.0, 3.0, 4.0], [5.0, 6.0, 7.0]],
        "negative": [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]],
    }
    spec = training.goodness_histogram_spec(samples, 1.5, STYLE)
    bars = [series for series in spec["series"] if series["type"] == "bar"]
    assert [series["name"] for series in bars] == ["positive (right label)", "negative (wrong label)"] * 2
    assert bars[0]["itemStyle"]["color"] != bars[1]["itemStyle"]["color"]
    assert [series["xAxisIndex"] for series in bars] == [0, 0, 1, 1]
    assert bars[0]["barGap"] == "-100%"  # Overlaid.
    assert [series["markLine"]["data"][0]["xAxis"] for series in bars if "markLine" in series] == [1.5, 1.5]
    # Layer 2 by hand: its bins span 0.4 (the lowest negative) to 7.0 (the highest positive) in 30 bins of
    # 0.22; 0.4, 0.5, 0.6 fall in the first bin, 5.0, 6.0 and 7.0 in bins 20, 25 and 29 (the last edge counts).
    assert (spec["xAxis"][1]["min"], spec["xAxis"][1]["max"]) == (0.4, 7.0)
    positive_counts = [count for _, count in bars[2]["data"]]
    negative_counts = [count for _, count in bars[3]["data"]]
    assert [index for index, count in enumerate(positive_counts) if count] == [20, 25, 29]
    assert negative_counts[0] == 3 and sum(negative_counts) == 3
    np.testing.assert_allclose(bars[2]["data"][0][0], 0.4 + 0.11)  # A bar sits at its bin's centre.
    assert spec["title"][0]["text"] == "Goodness at step 7"
    assert [title["text"] for title in spec["title"][1:]] == ["Layer 1", "Layer 2"]


def test_histogram_bins_span_the_threshold_when_it_lies_outside_the_data():
    centers, positive, negative, (low, high) = training.histogram_bins([2.0, 3.0], [2.5], threshold=10.0, bins=4)
    assert (low, high) == (2.0, 10.0)
    np.testing.assert_allclose(centers, [3.0, 5.0, 7.0, 9.0])
    assert positive.tolist() == [2, 0, 0, 0] and negative.tolist() == [1, 0, 0, 0]


def test_compare_figures_put_both_methods_against_seconds():
    ff = [
        {"step": 1, "seconds": 0.5, "loss": [0.7, 0.6]},
        {"step": 2, "seconds": 1.0, "loss": [0.6, 0.5], "quick_accuracy": 0.4},
        {"step": 3, "seconds": 1.5, "loss": [0.5, 0.4], "test_accuracy": 0.6},
    ]
    backprop = [
        {"step": 1, "seconds": 0.2, "loss": [2.3]},
        {"step": 2, "seconds": 0.4, "loss": [1.9], "quick_accuracy": 0.5},
    ]
    histories = {"FF": ff, "Backprop": backprop}
    accuracy = compare.compare_accuracy_figure(histories, STYLE)
    assert [trace.name for trace in accuracy.data] == ["FF", "Backprop"]
    np.testing.assert_allclose(accuracy.data[0].x, [1.0, 1.5])
    np.testing.assert_allclose(accuracy.data[0].y, [40.0, 60.0])
    np.testing.assert_allclose(accuracy.data[1].y, [50.0])
    loss = compare.compare_loss_figure(histories, STYLE)
    names = ["FF layer 1 (FF loss)", "FF layer 2 (FF loss)", "Backprop (cross-entropy)"]
    assert [trace.name for trace in loss.data] == names
    np.testing.assert_allclose(loss.data[2].x, [0.2, 0.4])
    np.testing.assert_allclose(loss.data[1].y, [0.6, 0.5, 0.4])


def test_compare_figures_accept_runs_that_have_no_steps_yet():
    histories = {"FF": [], "Backprop": []}
    assert len(compare.compare_loss_figure(histories, STYLE).data) == 0
    assert [len(trace.x) for trace in compare.compare_accuracy_figure(histories, STYLE).data] == [0, 0]
