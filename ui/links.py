"""Shareable links: the main settings in the URL's query string, read on arrival and kept up to date.

A link such as `/train?threshold=3&lr=0.003&layers=200,200&seed=4` opens the Train page with
those settings; `digit=17` opens test digit 17 on the Goodness page, and `page=inside` opens
that page from the root address. A value that no widget can hold (threshold <= 0, a layer of
0 or 100000 units) is not used: the default stays and a warning names the value.
"""

import streamlit as st

from ffviz.config import FFConfig
from ui import state
from ui.training import parse_layer_sizes

READ = "links_read"  # Set once the query string of this session's first run has been read.
NOTICES = "links_notices"  # Warnings about values in the link that were not used.


def _threshold(text):
    value = float(text)
    low, high = state.THRESHOLD_RANGE
    if not low <= value <= high:
        raise ValueError(f"the threshold must be from {low:g} to {high:g}")
    return value


def _learning_rate(text):
    value = float(text)
    if not 0 < value <= 1:
        raise ValueError("the learning rate must be above 0 and at most 1")
    return state.closest(state.LEARNING_RATES, value)  # The slider offers these rates only.


def _layers(text):
    sizes = parse_layer_sizes(text)
    FFConfig().replace(layer_sizes=sizes).validate()
    return ",".join(str(units) for units in sizes)


def _whole_number(text, limit=10**9):
    value = int(text)
    if not 0 <= value <= limit:
        raise ValueError(f"it must be a whole number from 0 to {limit}")
    return value


def _digit(text):
    return _whole_number(text, len(state.load_data().x_test) - 1)


# Query parameter -> (session-state key, parser that raises ValueError for a value it rejects).
PARAMETERS = {
    "threshold": ("train_threshold", _threshold),
    "lr": ("train_lr", _learning_rate),
    "layers": ("train_layers", _layers),
    "seed": ("data_seed", _whole_number),
    "digit": ("goodness_index", _digit),
}


def read_query_params(query_params, session):
    """Copy valid settings from the query string into `session`.

    Returns:
        The warnings, one per value that was rejected (its setting keeps the default).
    """
    notices = []
    for name, (key, parse) in PARAMETERS.items():
        if name not in query_params:
            continue
        text = query_params[name]
        try:
            session[key] = parse(text)
        except ValueError as error:
            notices.append(f"The link's {name}={text!r} was not used ({error}); {key} keeps {session[key]!r}.")
            continue
        if name == "digit":
            session["goodness_source"] = "Test set"
    return notices


def settings_as_params(session, url_path):
    """The query string (as a dict of strings) that reproduces the current view."""
    params = {"page": url_path} if url_path else {}  # The default page's address is the root.
    params |= {
        "threshold": f"{session['train_threshold']:g}",
        "lr": f"{session['train_lr']:g}",
        "layers": str(session["train_layers"]).replace(" ", ""),
        "seed": str(session["data_seed"]),
    }
    if session.get("goodness_source") == "Test set":
        params["digit"] = str(session["goodness_index"])
    return params


def read_once(pages):
    """On the session's first run, read the link into session state.

    Args:
        pages: the `st.Page`s given to `st.navigation`, to find the one named by `page=`.

    Returns:
        The page that the link's `page=` names, or None.
    """
    if st.session_state.get(READ):
        return None
    st.session_state[READ] = True
    notices = read_query_params(st.query_params.to_dict(), st.session_state)
    wanted = st.query_params.get("page")
    target = next((page for page in pages if page.url_path == wanted), None)
    if wanted and target is None:
        notices.append(f"The link's page={wanted!r} is not a page of this app; this one is shown instead.")
    st.session_state[NOTICES] = notices
    return target


def show_notices():
    for notice in st.session_state.get(NOTICES, []):
        st.warning(notice)


def write(url_path):
    """Put the current settings into the address bar, so copying it shares this view."""
    params = settings_as_params(st.session_state, url_path)
    last = st.session_state.get("links_last_written")
    if last is not None and last != params:
        st.session_state[NOTICES] = []  # The user changed something: old warnings no longer apply.
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    st.session_state["links_last_written"] = params
