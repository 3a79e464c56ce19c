"""Unit tests of `ui/export.py`: the training history as CSV and the charts' PNG button."""

import csv
import io

from ui import export


def test_history_csv_has_a_column_per_layer_metric_and_blank_accuracy_between_epochs():
    history = [
        {"step": 1, "epoch": 0.5, "seconds": 0.25, "loss": [0.7, 0.6], "goodness_pos": [2.0, 3.0], "goodness_neg": [1.0, 1.5]},
        {
            "step": 2, "epoch": 1.0, "seconds": 0.5, "loss": [0.5, 0.4], "goodness_pos": [2.5, 3.5],
            "goodness_neg": [0.5, 0.75], "test_accuracy": 0.875,
        },
    ]  # fmt: skip
    rows = list(csv.reader(io.StringIO(export.history_csv(history, num_layers=2))))
    assert rows[0] == [
        "step", "epoch", "seconds",
        "loss_layer_0", "goodness_pos_layer_0", "goodness_neg_layer_0",
        "loss_layer_1", "goodness_pos_layer_1", "goodness_neg_layer_1",
        "test_accuracy",
    ]  # fmt: skip
    assert rows[1] == ["1", "0.5", "0.25", "0.7", "2.0", "1.0", "0.6", "3.0", "1.5", ""]
    assert rows[2][-1] == "0.875" and rows[2][6] == "0.4"
    assert len(rows) == 3


def test_history_csv_of_no_steps_is_the_header_only():
    assert export.history_csv([], num_layers=1) == "step,epoch,seconds,loss_layer_0,goodness_pos_layer_0,goodness_neg_layer_0,test_accuracy\n"


def test_chart_config_offers_a_named_png_at_twice_the_size():
    options = export.chart_config("train_loss_plot")["toImageButtonOptions"]
    assert options == {"format": "png", "filename": "ffviz_train_loss_plot", "scale": 2}
    assert export.chart_config(None)["toImageButtonOptions"]["filename"] == "ffviz_chart"
