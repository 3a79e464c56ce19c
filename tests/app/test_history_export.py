"""Unit tests of `ui/history.py`'s CSV export and `ui/layout.py`'s chart config (the PNG button)."""

import csv
import io

from ui import history, layout


def test_history_csv_has_a_column_per_layer_metric_numbered_from_one_and_blank_accuracy_between_epochs():
    """Test that the CSV numbers layers from 1, as the charts do, and leaves accuracy blank mid-epoch."""
    records = [
        {
            "step": 1,
            "epoch": 0.5,
            "seconds": 0.25,
            "loss": [0.7, 0.6],
            "goodness_pos": [2.0, 3.0],
            "goodness_neg": [1.0, 1.5],
        },
        {
            "step": 2,
            "epoch": 1.0,
            "seconds": 0.5,
            "loss": [0.5, 0.4],
            "goodness_pos": [2.5, 3.5],
            "goodness_neg": [0.5, 0.75],
            "test_accuracy": 0.875,
        },
    ]
    rows = list(csv.reader(io.StringIO(history.history_csv(records, num_layers=2))))
    assert rows[0] == [
        "step",
        "epoch",
        "seconds",
        "loss_layer_1",
        "goodness_pos_layer_1",
        "goodness_neg_layer_1",
        "loss_layer_2",
        "goodness_pos_layer_2",
        "goodness_neg_layer_2",
        "test_accuracy",
    ]
    assert rows[1] == ["1", "0.5", "0.25", "0.7", "2.0", "1.0", "0.6", "3.0", "1.5", ""]
    assert rows[2][-1] == "0.875" and rows[2][6] == "0.4"
    assert len(rows) == 3


def test_history_csv_of_no_steps_is_the_header_only():
    header = "step,epoch,seconds,loss_layer_1,goodness_pos_layer_1,goodness_neg_layer_1,test_accuracy\n"
    assert history.history_csv([], num_layers=1) == header


def test_chart_config_offers_a_named_png_at_twice_the_size():
    options = layout.chart_config("train_loss_plot")["toImageButtonOptions"]
    assert options == {"format": "png", "filename": "ffviz_train_loss_plot", "scale": 2}
    assert layout.chart_config(None)["toImageButtonOptions"]["filename"] == "ffviz_chart"
