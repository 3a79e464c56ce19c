"""Helpers for the AppTest page tests: read Plotly figures and texts out of the element tree.

A module of its own, not `conftest.py`: `from conftest import ...` would get whichever of the
repository's conftest modules was imported first.
"""

import base64
import json

import numpy as np


def plotly_spec(app_test, container_key):
    """The plotly figure (as a dict) drawn inside the container with `container_key`."""
    container = app_test.get_by_key(container_key)
    charts = [node for node in container if type(node).__name__ == "UnknownElement" and node.type == "plotly_chart"]
    assert charts, f"no plotly chart inside {container_key}"
    return json.loads(charts[0].proto.spec)


def echarts_spec(app_test, container_key):
    """The ECharts option (as a dict) drawn inside the container with `container_key`."""
    container = app_test.get_by_key(container_key)
    charts = [node for node in container if type(node).__name__ == "UnknownElement" and node.type == "echarts_chart"]
    assert charts, f"no ECharts chart inside {container_key}"
    return json.loads(charts[0].proto.spec)


def texts(node):
    """Every markdown, caption and subheader text under `node`."""
    return [element.value for kind in ("markdown", "caption", "subheader") for element in getattr(node, kind)]


def plotly_array(value):
    """A plotly JSON array as NumPy: plain lists, or plotly's typed arrays {"dtype", "bdata", "shape"}."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            array = array.reshape([int(size) for size in str(value["shape"]).split(",")])
        return array
    return np.asarray(value)
