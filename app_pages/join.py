"""Join: draw a digit on your phone, send it to the presenter's wall, and see how good each label looked."""

import streamlit as st

from ffviz import rooms
from ffviz.preprocess import canvas_to_mnist
from ui import canvas_input, layout, room
from ui.charts import goodness as goodness_charts

LAST = "join_last_drawing"  # Session state: the rooms.Drawing this tab sent last.
CANVAS_VERSION = "join_canvas_version"  # Session state: a new canvas key empties the canvas after a send.
MESSAGE = "join_message"  # Session state: (st function name, text) of the last Send's problem, or None.
PHONE_STYLE_FACTOR = 0.75  # The goodness chart's height on a phone, relative to the desktop one.

st.title("Draw a digit")
store = room.room_store()
st.session_state.setdefault(CANVAS_VERSION, 0)


def room_that_takes_drawings():
    """The room code from the link or the box, if that room is open; otherwise a message and None."""
    text = st.text_input("Room code", key="join_room", max_chars=32, placeholder="e.g. KXMP")
    if not text.strip():
        st.info("Type the room code from the presenter's screen, or scan its QR code.")
        return None
    try:
        code = rooms.normalize_code(text)
        store.open_room(code)
    except rooms.RoomClosed as error:
        st.info(layout.escape_markdown(error))
        return None
    except ValueError as error:  # A malformed code, an unknown room or an unreachable store.
        st.error(layout.escape_markdown(error))
        return None
    return code


def send(code, canvas_key):
    """Send's callback: classify and send the canvas's drawing, then empty the canvas; or say why not.

    A callback, not code under the button: it runs before the page is drawn, so one script run
    shows the sent drawing's reading and a fresh canvas (no second run to clear the canvas).
    """
    st.session_state[MESSAGE] = None
    try:
        pixels = canvas_input.decode_drawing((st.session_state.get(canvas_key) or {}).get("pixels"))
    except ValueError as error:  # The browser sent something other than a drawing.
        st.session_state[MESSAGE] = ("error", f"The drawing could not be read: {error}. Draw it again.")
        return
    image = canvas_to_mnist(pixels) if pixels is not None else None
    if image is None:
        st.session_state[MESSAGE] = ("warning", "Draw a digit first, as large as the square.")
        return
    try:
        drawing = room.send_drawing(
            store, code, room.room_network(), image, room.person(), st.session_state.get("join_meant")
        )
    except rooms.SendingTooFast as error:
        st.session_state[MESSAGE] = ("warning", str(error))
        return
    except rooms.RoomClosed as error:  # The presenter closed the room while this phone was drawing.
        st.session_state[MESSAGE] = ("info", str(error))
        return
    except ValueError as error:  # The room closed meanwhile, or the model could not read the drawing.
        st.session_state[MESSAGE] = ("error", str(error))
        return
    st.session_state[LAST] = drawing
    st.session_state[CANVAS_VERSION] += 1


def show_message():
    """The last Send's problem, if it had one (plain text: it may quote what the browser sent)."""
    message = st.session_state.get(MESSAGE)
    if message is not None:
        kind, text = message
        getattr(st, kind)(layout.escape_markdown(text))


def show_last_drawing():
    """What the network made of this tab's last drawing: its number on the wall and the goodness bars."""
    drawing = st.session_state.get(LAST)
    if drawing is None:
        return
    with st.container(key="join_result"):
        meant = "" if drawing.meant is None else f" (you meant {drawing.meant})"
        st.subheader(f"Sent as #{drawing.number}: the network reads {drawing.prediction}{meant}")
        figure = goodness_charts.goodness_bars_figure(
            drawing.goodness,
            room.room_network().config.threshold,
            drawing.prediction,
            layout.chart_style().scaled(PHONE_STYLE_FACTOR),
        )
        layout.show_chart(figure, key="join_goodness")
        layout.explain(
            "Each bar is the goodness (mean squared activity) of your drawing with that label written "
            "into it, one colour per layer; the label with the most goodness wins."
        )


code = room_that_takes_drawings()
if code is not None:
    st.caption(f"Room {code}: your drawing appears on the presenter's wall.")
    canvas_key = f"join_canvas_{st.session_state[CANVAS_VERSION]}"
    with st.container(key="join_canvas_box"):
        try:
            canvas_input.digit_canvas(canvas_key)
        except ValueError as error:  # The browser sent something other than a drawing.
            st.error(f"The drawing could not be read: {layout.escape_markdown(error)}. Draw it again.")
    st.pills("Which digit did you mean? (optional)", list(range(10)), key="join_meant")
    st.button("Send", key="join_send", type="primary", width="stretch", on_click=send, args=(code, canvas_key))
    show_message()
    show_last_drawing()
