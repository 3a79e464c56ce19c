"""The presenter's wall: what the room has drawn, read from the store twice a second.

The wall only reads: each drawing was classified by the process that served its sender.
`show_wall` draws one refresh; the Present page wraps it in an `st.fragment` with
`run_every=WALL_REFRESH_SECONDS`, so only the wall reruns, not the page with its QR code.
"""

import streamlit as st

from ffviz import rooms
from ui import layout
from ui.charts import room as room_charts

# Send-to-wall waits up to this for the wall's next read (the target is 2 s at p95). 0.5 s instead of
# 1 s: stored-to-wall p50/p95 0.54/1.00 -> 0.27/0.52 s with drawings arriving 6 per second.
WALL_REFRESH_SECONDS = 0.5
LATEST_SHOWN = 24  # Tiles in the grid of newest drawings: three rows of eight on a projector.
HARDEST_SHOWN = 6  # Tiles in the "hardest for the network" strip.


def join_panel(code, url, qr_png, big):
    """The join link as text and as a QR code; `big` makes the code fill the column for the back row."""
    qr_column, text_column = st.columns([2, 3] if big else [1, 3])
    with qr_column, st.container(key="present_qr"):
        st.image(qr_png, caption="Scan to join", width="stretch", output_format="PNG")
    with text_column, st.container(key="present_join"):
        st.markdown(f"## Room code: **{code}**")
        st.markdown("Open this address on your phone, or scan the QR code:")
        st.code(url, language=None)


def show_wall(store, code):
    """One refresh of the wall: totals, the newest drawings, counts per label and the hardest drawings."""
    try:
        info = store.room_info(code)
        drawings = store.drawings(code)
    except rooms.StoreUnavailable as error:
        st.error(layout.escape_markdown(error))
        return
    if info is None:
        st.warning(f"Room {code} has expired. Open a new room to go on.")
        return
    right, said = rooms.room_accuracy(drawings)
    newest = rooms.latest(drawings, LATEST_SHOWN)
    with st.container(key="present_totals", horizontal=True):
        st.metric("Drawings received", info.received)
        st.metric("People drawing", len({drawing.person for drawing in drawings}))
        st.metric(
            "Room accuracy",
            f"{100 * right / said:.0f}%" if said else "–",
            help="Of the drawings whose sender said which digit they meant, the share the network read so "
            f"({right} of {said}).",
        )
    with st.container(key="present_latest"):
        latest_number = newest[0].number if newest else 0
        status = "closed: it takes no more drawings" if info.closed else "open"
        st.caption(f"Latest drawing: #{latest_number} · room {code} is {status}.")
    if not drawings:
        st.info("No drawings yet. They appear here within a second or two of being sent.")
        return
    with st.container(key="present_grid"):
        st.image(
            [room_charts.tile(drawing.image) for drawing in newest],
            caption=[room_charts.tile_caption(drawing) for drawing in newest],
            width=room_charts.TILE_SCALE * 28,
        )
    counts_column, hardest_column = st.columns([3, 2])
    with counts_column, st.container(key="present_counts"):
        style = layout.chart_style().scaled(0.8)
        spec = room_charts.counts_spec(rooms.label_counts(drawings), style)
        layout.show_live_chart(spec, key="present_counts_chart", height=style.height)
    with hardest_column, st.container(key="present_hardest"):
        st.markdown("**Hardest for the network** (the best two labels' goodness closest)")
        hard = rooms.hardest(drawings, HARDEST_SHOWN)
        st.image(
            [room_charts.tile(drawing.image) for drawing in hard],
            caption=[room_charts.margin_caption(drawing) for drawing in hard],
            width=room_charts.TILE_SCALE * 28,
        )
    layout.explain(
        f"The wall shows the newest {LATEST_SHOWN} drawings; the counts, the accuracy and the hardest "
        f"drawings are over the last {store.limits.drawings_kept_per_room} kept.",
        key="page_explanation_wall",
    )
