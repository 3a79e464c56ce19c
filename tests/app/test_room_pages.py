"""AppTest checks of the Present and Join pages: opening a room, the join link, the wall, and the phone's messages.

The wall reads drawings that other sessions (often other processes) sent. To put drawings in
from the test, the app is pointed at a throw-away Redis (`FFVIZ_ROOM_STORE`) and the test
writes into the same Redis with its own store; the store is cached per address, so the app
uses that Redis from its next run on.
"""

import numpy as np
import pytest
from page_helpers import echarts_spec, plotly_array, plotly_spec, texts

from ffviz import rooms
from ffviz.room_store_redis import RedisRoomStore
from tests.helpers import load_sample, new_app
from ui import readings, room, session
from ui.canvas_input import CANVAS_SIDE, encode_drawing

PRESENT = "app_pages/present.py"
JOIN = "app_pages/join.py"


@pytest.fixture
def redis_store(redis_address, monkeypatch):
    """The app's room store is this Redis; the test gets a store of its own on it."""
    monkeypatch.setenv("FFVIZ_ROOM_STORE", redis_address)
    return RedisRoomStore(redis_address)


def open_room(app):
    app.switch_page(PRESENT).run()
    app.button(key="present_open").click().run()
    assert not app.exception
    return app.session_state["present_room"]


def join(code):
    """A fresh app (another phone's session) opened at /join?room=<code>."""
    phone = new_app()
    phone.query_params["room"] = code
    phone.switch_page(JOIN).run()
    assert not phone.exception
    return phone


def test_present_opens_a_room_with_its_link_and_qr_code(app):
    """Test that Open a room shows the code, the join link (as typed text and as a QR image) and the wall."""
    code = open_room(app)
    assert len(code) == rooms.CODE_LENGTH and set(code) <= set(rooms.CODE_ALPHABET)
    assert any(code in text for text in texts(app.get_by_key("present_join")))
    assert app.get_by_key("present_qr").get("image")[0].captions == ["Scan to join"]
    app.text_input(key="present_base_url").set_value("http://192.168.1.20:8501/").run()
    assert [element.value for element in app.code] == [f"http://192.168.1.20:8501/join?room={code}"]
    assert not app.warning, "a LAN address gives no loopback warning"
    assert any(f"Latest drawing: #0 · room {code} is open" in text for text in texts(app.get_by_key("present_latest")))


def test_present_refuses_an_address_phones_cannot_open(app):
    open_room(app)
    app.text_input(key="present_base_url").set_value("192.168.1.20:8501").run()
    assert any("The address phones open must look like" in element.value for element in app.error)
    assert not app.code
    app.text_input(key="present_base_url").set_value("http://localhost:8501").run()
    assert any("phones cannot open it" in element.value for element in app.warning)


def test_the_wall_shows_drawings_sent_to_the_room(app, redis_store):
    """Test that drawings in the store appear with their predictions, counts per label and the room's accuracy."""
    code = open_room(app)
    for number, (prediction, meant) in enumerate([(3, 3), (3, 5), (8, None)]):
        goodness = np.zeros((2, 10))
        goodness[:, prediction] = 1.0 + number
        image = np.zeros((28, 28))
        redis_store.add_drawing(code, rooms.make_drawing(image, goodness, prediction, f"phone-{number}", meant))
    app.run()
    assert not app.exception
    metrics = {metric.label: metric.value for metric in app.get_by_key("present_totals").metric}
    assert metrics == {"Drawings received": "3", "People drawing": "3", "Room accuracy": "50%"}
    grid = app.get_by_key("present_grid").get("image")[0]
    assert grid.captions == ["#3: 8", "#2: 3 (meant 5 ✗)", "#1: 3 (meant 3 ✓)"]
    bars = echarts_spec(app, "present_counts")["series"][0]["data"]
    assert [bar["value"] for bar in bars] == [0, 0, 0, 2, 0, 0, 0, 0, 1, 0]

    app.button(key="present_clear").click().run()
    assert "present_grid" not in [getattr(node, "key", None) for node in app.main]
    assert {metric.label: metric.value for metric in app.get_by_key("present_totals").metric}[
        "Drawings received"
    ] == "3"


def test_a_phone_joins_an_open_room_and_sees_the_canvas(app):
    code = open_room(app)
    phone = join(code)
    assert phone.text_input(key="join_room").value == code
    assert phone.get_by_key("join_canvas_box") is not None
    assert phone.button(key="join_send") is not None
    phone.button(key="join_send").click().run()
    assert any("Draw a digit first" in element.value for element in phone.warning)
    assert phone.query_params["room"] == [code] or phone.query_params["room"] == code


def drawn_one():
    """A canvas with a vertical stroke, as the browser's canvas sends it."""
    pixels = np.zeros((CANVAS_SIDE, CANVAS_SIDE), np.uint8)
    pixels[40:240, 130:150] = 255
    return encode_drawing(pixels)


def test_a_phone_sends_its_drawing_and_sees_its_reading_in_one_run(app):
    """Test that Send stores the drawing with what the sender meant, shows its reading and empties the canvas."""
    code = open_room(app)
    phone = join(code)
    phone.session_state["join_canvas_0"] = {"pixels": drawn_one()}
    phone.run()
    phone.button_group(key="join_meant").set_value(1).run()
    runs_before = phone.session_state["join_canvas_version"]
    phone.button(key="join_send").click().run()
    assert not phone.exception and not phone.warning and not phone.error
    assert phone.session_state["join_canvas_version"] == runs_before + 1, "a fresh canvas after the send"
    heading = phone.get_by_key("join_result").subheader[0].value
    stored = room.room_store().drawings(code)
    assert [drawing.number for drawing in stored] == [1] and stored[0].meant == 1
    assert heading == f"Sent as #1: the network reads {stored[0].prediction} (you meant 1)"
    bars = [trace for trace in plotly_spec(phone, "join_result")["data"] if trace["type"] == "bar"]
    np.testing.assert_allclose([plotly_array(bar["y"]) for bar in bars], stored[0].goodness, rtol=1e-5)

    app.run()  # The wall reads the same store.
    assert any("Latest drawing: #1" in text for text in texts(app.get_by_key("present_latest")))


@pytest.mark.parametrize(
    ("message", "words"),
    [("not base64!", "The drawing could not be read"), ("A" * 40, "Expected 78400 pixels")],
)
def test_a_send_that_is_not_a_drawing_is_explained_and_nothing_is_stored(app, message, words):
    code = open_room(app)
    phone = join(code)
    phone.session_state["join_canvas_0"] = {"pixels": message}
    phone.button(key="join_send").click().run()
    assert not phone.exception
    assert any(words in element.value for element in phone.error)
    assert room.room_store().drawings(code) == []


def test_a_closed_room_tells_the_phone(app):
    """Test that after Close the room, the phone's page says the room is closed and shows no canvas."""
    code = open_room(app)
    app.button(key="present_close").click().run()
    assert any(f"room {code} is closed" in text for text in texts(app.get_by_key("present_latest")))
    phone = join(code)
    assert any(f"Room {code} is closed" in element.value for element in phone.info)
    with pytest.raises(KeyError):
        phone.get_by_key("join_canvas_box")


@pytest.mark.parametrize(
    ("link", "kind", "words"),
    [("KXMP", "error", "There is no room KXMP on this server"), ("", "info", "Type the room code")],
)
def test_an_unknown_or_missing_room_tells_the_phone(link, kind, words):
    phone = join(link) if link else new_app().switch_page(JOIN).run()
    assert any(words in element.value for element in getattr(phone, kind))
    with pytest.raises(KeyError):
        phone.get_by_key("join_canvas_box")


def test_a_malformed_room_link_is_named_and_not_used():
    phone = join("<img src=x>")
    assert any("room=" in element.value and "was not used" in element.value for element in phone.warning)
    assert phone.text_input(key="join_room").value == ""


def test_send_drawing_classifies_with_the_shared_model_and_stores_the_reading(redis_store):
    """Test that a sent test digit is stored with the model's goodness and prediction, and the process's name."""
    network, problem = session.load_pretrained()
    assert problem is None
    code = redis_store.create_room().code
    _, _, x_test, y_test = load_sample()
    image = x_test[0].reshape(28, 28)
    sent = room.send_drawing(redis_store, code, network, image, "phone-1", meant=int(y_test[0]))
    reading = readings.classify(network, image)
    stored = redis_store.drawings(code)
    assert [drawing.number for drawing in stored] == [sent.number] == [1]
    assert stored[0].prediction == reading["prediction"]
    np.testing.assert_allclose(stored[0].goodness, reading["goodness"], rtol=1e-4, atol=1e-4)
    assert stored[0].server == room.SERVER and stored[0].meant == int(y_test[0])
    redis_store.close_room(code)
    with pytest.raises(rooms.RoomClosed):
        room.send_drawing(redis_store, code, network, image, "phone-1")
