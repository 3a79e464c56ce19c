"""Latency of the Goodness page's saliency maps on the shipped model: p50 and p95 over 50 calls.

The page's budget is 500 ms (p95) from mouse-up to bars; the maps come after the bars, so
what matters is that the maps add little. Warm-up calls (tracing the graph) are left out.

    python -m benchmarks.bench_explain
"""

import os
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402

from ffviz import explain  # noqa: E402
from ffviz.checkpoint import load_network  # noqa: E402
from ffviz.system import device_description  # noqa: E402
from tests.helpers import PRETRAINED_MODEL, load_sample  # noqa: E402

CALLS = 50
WARM_UP = 3


def percentiles(function):
    for _ in range(WARM_UP):
        function()
    seconds = []
    for _ in range(CALLS):
        started = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - started)
    return 1000 * np.percentile(seconds, 50), 1000 * np.percentile(seconds, 95)


def main():
    network = load_network(PRETRAINED_MODEL)
    _, _, x_test, y_test = load_sample()
    image, label = x_test[0], int(y_test[0])

    def bars():  # What the page computes for the bars (`ui.readings.classify`).
        network.goodness_per_label(image)
        network.predict(image, readout="goodness")
        network.label_scores(image, readout="softmax")

    def maps():
        scores = network.goodness_per_label(image)[0].sum(axis=0)
        explain.label_saliency(network, image, explain.labels_to_explain(scores, label))

    print(f"device: {device_description()}; model: {network!r}")
    for name, function in (("bars", bars), ("saliency maps", maps)):
        p50, p95 = percentiles(function)
        print(f"{name:>14}: p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  ({CALLS} calls)")


if __name__ == "__main__":
    main()
