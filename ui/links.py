"""Shareable links: every setting of `ui.settings.SETTINGS` in the URL's query string, read on arrival.

A link such as `/train?threshold=3&lr=0.003&layers=200,200&talk=true` opens the Train page with
those settings; `digit=17` opens test digit 17 on the Goodness page, and `page=inside` opens
that page from the root address. Only settings that differ from their defaults are written,
so an untouched page has a clean address. A value that no widget can hold (threshold <= 0, a
layer of 0 or 100000 units) is not used: the default stays and a warning names the value.

While the session has a training run, the link also carries its id (`run=...`): a reload of
the tab opens the same run, still training (`ffviz.registry`). Without a run there is none.
"""

import streamlit as st

from ffviz import registry
from ui import session, settings
from ui.layout import escape_markdown

READ = "links_read"  # Set once the query string of this session's first run has been read.
NOTICES = "links_notices"  # Warnings about values in the link that were not used.
LAST_WRITTEN = "links_last_written"  # The query string this session wrote last.
PAGE = "page"  # The query parameter naming a page, for links to the root address.
RUN = "run"  # The query parameter carrying the registry id of the session's training run.


def read_query_params(query_params, session):
    """Copy valid settings from the query string into `session`.

    Returns:
        The warnings (Markdown, with the link's text escaped), one per value that was
        rejected; its setting keeps the value it had.
    """
    notices = []
    for key, setting in settings.SETTINGS.items():
        if setting.param not in query_params:
            continue
        text = query_params[setting.param]
        try:
            session[key] = setting.parse(text)
        except ValueError as error:
            notices.append(
                f"The link's {setting.param}={escape_markdown(repr(text))} was not used "
                f"({escape_markdown(error)}); {key} keeps {escape_markdown(repr(session[key]))}."
            )
    digit, source = settings.SETTINGS["goodness_index"], settings.SETTINGS["goodness_source"]
    if digit.param in query_params and source.param not in query_params:
        session[source.key] = "Test set"  # A link to a test digit shows that digit.
    return notices


def settings_as_params(session):
    """The query string (as a dict of strings) of every setting that differs from its default."""
    params = {}
    for key, setting in settings.SETTINGS.items():
        value = session.get(key, setting.default)
        if setting.format(value) != setting.format(setting.default):
            params[setting.param] = setting.format(value)
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
    wanted = st.query_params.get(PAGE)
    target = next((page for page in pages if page.url_path == wanted), None)
    if wanted and target is None:
        notices.append(
            f"The link's {PAGE}={escape_markdown(repr(wanted))} is not a page of this app; this one is shown instead."
        )
    run_id = st.query_params.get(RUN)
    if run_id and not adopt_run(run_id):
        notices.append(f"The training run {escape_markdown(repr(run_id))} of this link has ended or was reset.")
    st.session_state[NOTICES] = notices
    return target


def adopt_run(run_id):
    """Make the registry's run `run_id` this session's; False when no run has that id (any more)."""
    run = registry.RUNS.get(run_id)
    if run is None:
        return False
    st.session_state[session.RUN] = run
    st.session_state[session.RUN_ID] = run_id
    return True


def run_param(session_state):
    """{"run": id} while the session has a training run, else {}."""
    run_id = session_state.get(session.RUN_ID)
    return {RUN: run_id} if run_id is not None and session_state.get(session.RUN) is not None else {}


def show_notices():
    for notice in st.session_state.get(NOTICES, []):
        st.warning(notice)  # Escaped where the link's text was put in.


def write():
    """Put the changed settings into the address bar, so copying it shares this view.

    The address's path names the page, so `page=` is not written; it is only read.
    """
    params = settings_as_params(st.session_state) | run_param(st.session_state)
    last = st.session_state.get(LAST_WRITTEN)
    if last is not None and last != params:
        st.session_state[NOTICES] = []  # The user changed something: old warnings no longer apply.
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    st.session_state[LAST_WRITTEN] = params
