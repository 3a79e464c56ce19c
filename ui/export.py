"""Exports of the Train page: the training history as CSV (charts export themselves as PNG).

Pure functions of plain records, so the tests call them without Streamlit. Each chart's PNG
comes from Plotly's own modebar button, set up in `chart_config`.
"""

import csv
import io


def history_columns(num_layers):
    """The CSV header: step, epoch, seconds, then per layer loss and both goodness means, then test accuracy."""
    per_layer = [
        f"{name}_layer_{layer}"
        for layer in range(num_layers)
        for name in ("loss", "goodness_pos", "goodness_neg")
    ]  # fmt: skip
    return ["step", "epoch", "seconds", *per_layer, "test_accuracy"]


def history_csv(history, num_layers):
    """The training history (one `TrainingRun` record per step) as CSV text.

    `test_accuracy` is only measured at the end of each epoch, so it is empty on the other rows.
    Layers are numbered from 0, as in the metric names `loss_layer_0`.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(history_columns(num_layers))
    for record in history:
        per_layer = [
            record[name][layer] if name in record else ""
            for layer in range(num_layers)
            for name in ("loss", "goodness_pos", "goodness_neg")
        ]  # fmt: skip
        accuracy = record.get("test_accuracy")
        writer.writerow(
            [record["step"], record["epoch"], record.get("seconds", ""), *per_layer, "" if accuracy is None else accuracy]
        )
    return buffer.getvalue()


def chart_config(name):
    """Plotly's config for one chart: no logo, and a "download as PNG" button at twice the size."""
    return {
        "displaylogo": False,
        "displayModeBar": "hover",
        "toImageButtonOptions": {"format": "png", "filename": f"ffviz_{name or 'chart'}", "scale": 2},
    }
