"""The engine queries that pages show: classify one image, look inside the layers, score the test set.

Each one is a single call into `ffviz`, shaped for one page's charts, so a page reads as
controls -> one reading -> display. `test_results` is cached per model, read-out and dataset,
since scoring 10,000 test digits takes seconds.
"""

import numpy as np
import streamlit as st

from ffviz.config import IMAGE_SIDE
from ui import session


def classify(network, image):
    """Everything the Goodness page shows about one (28, 28) image.

    Returns a dict: "goodness" (layers, 10), "prediction" (goodness read-out),
    "probabilities" (10,) and "softmax_prediction" (softmax read-out).
    """
    goodness = network.goodness_per_label(image)[0]  # (layers, 10)
    # The goodness read-out from the table above, not a second pass through the network.
    prediction = int(goodness[list(network.config.used_layers())].sum(axis=0).argmax())
    probabilities = network.label_scores(image, readout="softmax")[0]
    return {
        "goodness": goodness,
        "prediction": prediction,
        "probabilities": probabilities,
        "softmax_prediction": int(probabilities.argmax()),
    }


def goodness_maps(network, image):
    """Where each label's goodness comes from in a convolutional network, (10, height, width) per conv layer.

    Empty for a dense network. Only the Goodness page draws them, so `classify` (which the Inside
    page and the room also call) does not compute them.
    """
    return network.goodness_maps(image) if network.config.conv_layers else []


@st.cache_resource(max_entries=4, show_spinner=False)
def warm_up(model_id, _network):
    """Trace the network's inference graphs once per model, so the first drawing is answered quickly."""
    classify(_network, np.zeros((IMAGE_SIDE, IMAGE_SIDE), np.float32))
    return True


def layer_activity(network, image, labels):
    """Each layer's activities and goodness for one image under each of several labels.

    Args:
        labels: dict of name -> label to write into the image.

    Returns:
        {"activations": {name: [(units,) per layer]}, "goodness": {name: [float per layer]}}.
    """
    goodness = network.goodness_per_label(image)[0]  # (layers, 10)
    activations = {
        name: [layer[0] for layer in network.activations(image, labels=label)] for name, label in labels.items()
    }
    return {
        "activations": activations,
        "goodness": {name: [float(value) for value in goodness[:, label]] for name, label in labels.items()},
    }


def test_results(model_id, network, readout):
    """`FFNetwork.evaluate` on the chosen dataset's test set, cached per model id, read-out and dataset."""
    return _test_results(model_id, network, readout, session.selected_dataset())


@st.cache_data(max_entries=16, show_spinner=False)
def _test_results(model_id, _network, readout, dataset_name):
    data = session.load_named_data(dataset_name)
    return _network.evaluate(data.x_test, data.y_test, readout=readout)
