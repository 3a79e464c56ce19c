"""Present: open a room, show its join link and QR code, and watch the audience's drawings on the wall."""

import streamlit as st

from ffviz import rooms
from ui import layout, room, room_wall, session

ROOM = "present_room"  # Session state: the code of the room this tab opened.
BASE_URL = "present_saved_base_url"  # Session state: the address phones use, kept while other pages show.

st.title("The room draws")
layout.explain(
    "Open a room and put this page on the projector. Everyone scans the QR code, draws a digit on their "
    "phone and sends it; the network's reading of each drawing appears here within seconds, with the "
    "counts per label, the room's accuracy and the drawings the network found hardest (Hinton 2022, 3.3)."
)
store = room.room_store()


def open_room():
    """Open a room; the one this tab had, if still open, closes first so it does not hold a place."""
    try:
        if st.session_state.get(ROOM) is not None and store.room_info(st.session_state[ROOM]) is not None:
            store.close_room(st.session_state[ROOM])
        st.session_state[ROOM] = store.create_room().code
    except rooms.RoomError as error:
        st.session_state["present_error"] = str(error)


def close_room():
    try:
        store.close_room(st.session_state[ROOM])
    except rooms.RoomError as error:  # It expired meanwhile: the wall says so.
        st.session_state["present_error"] = str(error)


def remember_base_url():
    st.session_state[BASE_URL] = st.session_state["present_base_url"]


def no_room():
    """The page before a room is open: what a room is, its bounds, and the button that opens one."""
    st.info(room.store_description(store))
    st.markdown(
        f"A room takes at most {store.limits.drawings_per_person_per_minute} drawings per person per minute, "
        f"keeps the last {store.limits.drawings_kept_per_room} and closes itself after "
        f"{store.limits.lifetime_seconds / 3600:g} hours; this server keeps at most "
        f"{store.limits.rooms_per_server} rooms open at once."
    )
    on_open, open_args = session.once_per_click(open_room)  # One click opens one room, never two.
    st.button("Open a room", key="present_open", type="primary", on_click=on_open, args=open_args)


def join_address(code):
    """The join link from the address the presenter confirmed (default: the one this page was opened at)."""
    st.session_state.setdefault(BASE_URL, room.default_base_url())
    st.session_state["present_base_url"] = st.session_state[BASE_URL]
    with st.expander("Address that phones open", expanded=room.is_loopback(st.session_state[BASE_URL])):
        base_url = st.text_input(
            "This app's address on the room's network",
            key="present_base_url",
            on_change=remember_base_url,
            help="Phones cannot open localhost. Start the app with --server.address 0.0.0.0 and type this "
            "machine's address, e.g. http://192.168.1.20:8501 (or the proxy's, behind deploy/).",
        )
        if room.is_loopback(base_url):
            st.warning("This address names this machine only: phones cannot open it. Type the LAN address.")
    try:
        return room.join_url(base_url, code)
    except ValueError as error:
        st.error(layout.escape_markdown(error))
        return None


@st.fragment(run_every=room_wall.WALL_REFRESH_SECONDS)
def live_wall(code):
    room_wall.show_wall(store, code)


def show_room(code):
    """The join link and QR code, the presenter's buttons, and the live wall."""
    url = join_address(code)
    if url is not None:
        big = st.toggle(
            "Large QR code", value=True, key="present_big_qr", help="For the back row; turn off to see more wall."
        )
        room_wall.join_panel(code, url, room.qr_png(url), big)
    try:
        info = store.room_info(code)
    except rooms.StoreUnavailable as error:
        st.error(layout.escape_markdown(error))
        return
    with st.container(horizontal=True, key="present_controls"):
        st.button("Clear the wall", key="present_clear", on_click=store.clear, args=(code,))
        if info is not None and not info.closed:
            st.button("Close the room", key="present_close", on_click=close_room)
        on_open, open_args = session.once_per_click(open_room)
        st.button("Open a new room", key="present_new", on_click=on_open, args=open_args)
    live_wall(code)


error = st.session_state.pop("present_error", None)
if error:
    st.error(layout.escape_markdown(error))
code = st.session_state.get(ROOM)
if code is None:
    no_room()
else:
    show_room(code)
