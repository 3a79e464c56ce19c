"""The engine queries that pages show: classify one image, look inside the layers, score the test set.

Each one is a single call into `ffviz`, shaped for one page's charts, so a page reads as
controls -> one reading -> display. `test_results` is cached per model, read-out and dataset,
since scoring 10,000 test digits takes seconds.
"""

import streamlit as st

from ui import session


def classify(network, image):
    """Everything the Goodness page shows about one (28, 28) image.

    Returns a dict: "goodness" (layers, 10), "prediction" (goodness read-out),
    "probabilities" (10,) and "softmax_prediction" (softmax read-out).
    """
    goodness = network.goodness_per_label(image)[0]
    prediction = int(network.predict(image, readout="goodness")[0])
    probabilities = network.label_scores(image, readout="softmax")[0]
    return {
        "goodness": goodness,
        "prediction": prediction,
        "probabilities": probabilities,
        "softmax_prediction": int(probabilities.argmax()),
    }


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
