"""The room's Streamlit side: the shared store, the sender's identity, sending a drawing, the join link and QR code.

The store is one `st.cache_resource` per process (`FFVIZ_ROOM_STORE` chooses it, see
`ffviz.room_store`). A drawing is classified here, in the process that serves the phone,
with the shipped pretrained model that every session of the process shares; the wall, which
another process may serve, only reads what was stored.
"""

import io
import os
import socket
import time
import urllib.parse
import uuid

import qrcode
import streamlit as st
from qrcode.constants import ERROR_CORRECT_M

from ffviz import rooms
from ffviz.room_store import STORE_VARIABLE, open_store
from ui import readings, session
from ui.layout import escape_markdown

PERSON = "room_person"  # Session state: this tab's sender id, for the per-person bound.
SERVER = f"{socket.gethostname()}:{os.getpid()}"  # Stored with each drawing: which process classified it.
FALLBACK_BASE_URL = "http://127.0.0.1:8501"  # Streamlit's default address, when the request's is unknown.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")
QR_BOX_PIXELS = 12  # Pixels per QR module: a 29-module code is 396 px wide (with its border), readable across a hall.


@st.cache_resource(show_spinner=False)
def _store(address):
    return open_store(address)


def room_store():
    """This process's room store, or an error on the page and a stop when FFVIZ_ROOM_STORE is wrong.

    Cached per address, so a process whose FFVIZ_ROOM_STORE changes (a test) gets the store it names.
    """
    try:
        return _store(os.environ.get(STORE_VARIABLE, "").strip())
    except ValueError as error:
        st.error(escape_markdown(error))
        st.stop()


def person():
    """This browser tab's sender id: random, kept in session state, never shown."""
    return st.session_state.setdefault(PERSON, uuid.uuid4().hex)


def room_network():
    """The shared pretrained network that classifies every room's drawings, or an error and a stop."""
    network, problem = session.load_pretrained()
    if network is None:
        st.error(f"The room needs the pretrained model, which could not be loaded: {escape_markdown(problem)}")
        st.stop()
    return network


def send_drawing(store, code, network, image, person_id, meant=None, clock=time.time):
    """Classify a (28, 28) image and add it to the room; returns the numbered `rooms.Drawing`.

    The room is checked first, so a closed or unknown room costs no classification.

    Raises:
        rooms.RoomError: the room does not take the drawing (the message says why).
        ValueError: the model cannot read the image.
    """
    store.open_room(code)
    reading = readings.classify(network, image)
    drawing = rooms.make_drawing(image, reading["goodness"], reading["prediction"], person_id, meant, clock(), SERVER)
    return store.add_drawing(code, drawing)


def default_base_url():
    """The address this page was opened at, less the page's own path ("http://host:port[/prefix]")."""
    try:
        url = st.context.url
    except (AttributeError, RuntimeError):
        url = None
    if not url:
        return FALLBACK_BASE_URL
    parts = urllib.parse.urlsplit(url)
    path = parts.path.rstrip("/")
    path = path.rsplit("/", 1)[0] if path.endswith("/present") else path
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def check_base_url(text):
    """The address phones use, without a trailing slash; a ValueError if it is not an http(s) address."""
    text = str(text).strip().rstrip("/")
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(
            f"The address phones open must look like http://192.168.1.20:8501 (this machine's address on "
            f"the room's network). Received: address={text[:80]!r}"
        )
    return text


def is_loopback(base_url):
    """Whether phones could not reach `base_url` (it names this machine only)."""
    return urllib.parse.urlsplit(base_url).hostname in LOOPBACK_HOSTS


def join_url(base_url, code):
    """The link printed and encoded in the QR code: `<base>/join?room=<CODE>`."""
    return f"{check_base_url(base_url)}/join?{urllib.parse.urlencode({'room': code})}"


@st.cache_data(max_entries=32, show_spinner=False)
def qr_png(text):
    """`text` as a QR code, PNG bytes: black on white with a two-module border, error correction M."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=QR_BOX_PIXELS, border=2)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def store_description(store):
    """Where rooms live, for the presenter: this process, or Redis (shared by several processes)."""
    if os.environ.get(STORE_VARIABLE, "").startswith(("redis://", "rediss://", "unix://")):
        return "Rooms live in Redis, shared by every app process that uses it."
    return "Rooms live in this app process (set FFVIZ_ROOM_STORE=redis://... to share them between processes)."
