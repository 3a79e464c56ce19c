"""The training history as the charts and the CSV export read it: thinning, change events, accuracy points.

A `TrainingRun` keeps one record per step: {"step", "epoch", "seconds", "loss",
"goodness_pos", "goodness_neg", "threshold", ...}, with per-layer lists, plus
"test_accuracy" at the end of an epoch and "quick_accuracy" at the quick checks. Everything
here is a pure function of those records, so the tests call it without Streamlit.
"""

import csv
import io
import math

import numpy as np

MAX_CHART_POINTS = 600  # Beyond this, old training steps are thinned (a chart is ~800 px wide); the live tail never is.
TAIL_POINTS = 150  # The most recent steps, always drawn one by one.
PER_LAYER_COLUMNS = ("loss", "goodness_pos", "goodness_neg")


def thin_history(history, max_points=MAX_CHART_POINTS, tail=TAIL_POINTS):
    """At most about `max_points` records: every k-th old one plus the last `tail`, all kept.

    Plotly would otherwise draw tens of thousands of steps; thinning only the old part keeps
    the live end of the curve exact, so the newest steps never disappear from the chart.
    """
    if len(history) <= max_points:
        return list(history)
    old, recent = history[:-tail], history[-tail:]
    stride = math.ceil(len(old) / (max_points - tail))
    return list(old[::stride]) + list(recent)


def group_events(events, min_gap):
    """Setting changes as groups of nearby steps: [{"step", "changes": {setting: value}}].

    Changes less than `min_gap` steps after the previous one join its group, which is drawn as
    one marker at its last step with one line per setting (its last value), so two changes made
    in quick succession never print their notes on top of each other.
    """
    groups = []
    for event in sorted(events, key=lambda event: event["step"]):
        if groups and event["step"] - groups[-1]["step"] < min_gap:
            groups[-1]["step"] = event["step"]
            groups[-1]["changes"].pop(event["setting"], None)  # Keep the settings in the order last changed.
            groups[-1]["changes"][event["setting"]] = event["value"]
        else:
            groups.append({"step": event["step"], "changes": {event["setting"]: event["value"]}})
    return groups


def robust_range(values, skip_fraction=0.05, margin=0.08):
    """(low, high) of an axis that shows `values` without the spike of the first steps.

    The first `skip_fraction` of the points (at least one, once there are ten) and the top and
    bottom 0.5% are left out of the range, so the loss of step 1 (often ten times the rest) no
    longer flattens the curve; the spike is still drawn, cut at the top. None when there are
    too few finite values to say.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    skip = max(1, int(skip_fraction * len(values))) if len(values) >= 10 else 0
    finite = values[skip:][np.isfinite(values[skip:])]
    if finite.size < 2:
        return None
    low, high = np.percentile(finite, [0.5, 99.5])
    pad = margin * max(high - low, 1e-6 * max(abs(high), 1.0))
    return float(max(0.0, low - pad) if low >= 0 else low - pad), float(high + pad)


def history_arrays(history, key):
    """Steps (points,) and the per-layer series `key` (points, layers) of the thinned history.

    NumPy arrays, not lists: Plotly checks a list element by element, which at a refresh
    twice a second would take most of a CPU core away from training.
    """
    records = thin_history(history)
    steps = np.fromiter((record["step"] for record in records), dtype=np.int64, count=len(records))
    values = np.array([record[key] for record in records], dtype=np.float32).reshape(len(records), -1)
    return steps, values


def accuracy_by_epoch(quick_accuracy, test_accuracy):
    """The accuracy points as (epochs, percents) lists: quick checks and epoch ends apart.

    Args:
        quick_accuracy: `TrainingRun.snapshot()["quick_accuracy"]`: {"epoch", "accuracy", ...}
            on a fixed held-out slice, every few seconds.
        test_accuracy: `snapshot()["test_accuracy"]`: (epoch, accuracy) on the whole test set.

    Returns:
        {"quick": (epochs, percents), "epoch": (epochs, percents)}.
    """
    return {
        "quick": (
            [point["epoch"] for point in quick_accuracy],
            [100.0 * point["accuracy"] for point in quick_accuracy],
        ),
        "epoch": ([epoch for epoch, _ in test_accuracy], [100.0 * accuracy for _, accuracy in test_accuracy]),
    }


def accuracy_points(history):
    """(seconds, accuracy in percent) of every record with a quick or an epoch-end test accuracy."""
    points = [
        (record["seconds"], 100.0 * record.get("test_accuracy", record.get("quick_accuracy")))
        for record in history
        if record.get("test_accuracy", record.get("quick_accuracy")) is not None
    ]
    return [seconds for seconds, _ in points], [percent for _, percent in points]


def history_columns(num_layers):
    """The CSV header: step, epoch, seconds, per layer (from 1, as on the charts) loss and goodness, accuracy."""
    per_layer = [f"{name}_layer_{layer + 1}" for layer in range(num_layers) for name in PER_LAYER_COLUMNS]
    return ["step", "epoch", "seconds", *per_layer, "test_accuracy"]


def history_csv(history, num_layers):
    """The training history (one `TrainingRun` record per step) as CSV text.

    `test_accuracy` is only measured at the end of each epoch, so it is empty on the other
    rows. Layers are numbered from 1, as on the charts: `loss_layer_1` is the first layer.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(history_columns(num_layers))
    for record in history:
        per_layer = [
            record[name][layer] if name in record else "" for layer in range(num_layers) for name in PER_LAYER_COLUMNS
        ]
        accuracy = record.get("test_accuracy")
        row = [record["step"], record["epoch"], record.get("seconds", ""), *per_layer]
        writer.writerow([*row, "" if accuracy is None else accuracy])
    return buffer.getvalue()
