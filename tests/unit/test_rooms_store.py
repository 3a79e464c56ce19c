"""The room stores: the same tests against the in-process store and against Redis.

Redis is a real `redis-server` that the tests start on a free loopback port, without saving to
disk; the Redis tests skip (saying why) only where Debian's `redis-server` is not installed, and
`.ci/run` installs it. Both stores read time from a clock that the tests move, so lifetimes and
the per-person bound are tested without waiting.
"""

import threading

import numpy as np
import pytest

from ffviz import rooms
from ffviz.room_store import MemoryRoomStore, open_store
from ffviz.room_store_redis import RedisRoomStore
from tests.helpers import free_loopback_port


class Clock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now=1_000_000.0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture(params=["memory", "redis"])
def make_store(request):
    """A function (limits, clock) -> a new, empty store of the parametrized kind."""
    if request.param == "memory":
        return lambda limits=None, clock=None: MemoryRoomStore(limits, clock or Clock())
    address = request.getfixturevalue("redis_address")
    counter = iter(range(1_000_000))

    def make(limits=None, clock=None):
        # Each store gets its own key prefix, so tests see only their own rooms.
        prefix = f"test-{request.node.name}-{next(counter)}:"
        return RedisRoomStore(address, limits, clock or Clock(), prefix=prefix)

    return make


def sample(prediction=3, person="alice", meant=None, server="host:1"):
    rng = np.random.default_rng(prediction)
    return rooms.make_drawing(rng.random((28, 28)), rng.random((2, 10)), prediction, person, meant, 5.0, server)


def test_a_new_room_is_open_and_empty(make_store):
    store = make_store()
    info = store.create_room()
    assert len(info.code) == rooms.CODE_LENGTH and set(info.code) <= set(rooms.CODE_ALPHABET)
    assert store.room_info(info.code) == info
    assert not info.closed and info.received == 0
    assert info.expires_at - info.created_at == rooms.ROOM_LIFETIME_SECONDS
    assert store.drawings(info.code) == []
    assert store.open_rooms() == 1


def test_drawings_are_numbered_kept_in_order_and_read_back_whole(make_store):
    """Test that the store numbers drawings 1, 2, 3 and gives back the same pixels, goodness and fields."""
    store = make_store()
    code = store.create_room().code
    sent = [sample(prediction, meant=prediction if prediction % 2 else None) for prediction in (3, 8, 5)]
    numbered = [store.add_drawing(code, drawing) for drawing in sent]
    assert [drawing.number for drawing in numbered] == [1, 2, 3]
    kept = store.drawings(code)
    assert [drawing.number for drawing in kept] == [1, 2, 3]
    for original, back in zip(sent, kept):
        np.testing.assert_array_equal(back.image, original.image)
        np.testing.assert_allclose(back.goodness, original.goodness, atol=1e-5)
        assert (back.prediction, back.meant, back.person, back.server) == (
            original.prediction,
            original.meant,
            original.person,
            original.server,
        )
    assert store.room_info(code).received == 3


def test_only_the_newest_drawings_are_kept(make_store):
    store = make_store(rooms.RoomLimits(drawings_kept_per_room=3))
    code = store.create_room().code
    for person in range(5):
        store.add_drawing(code, sample(person=f"p{person}"))
    assert [drawing.number for drawing in store.drawings(code)] == [3, 4, 5]
    assert store.room_info(code).received == 5


def test_a_person_may_send_only_so_many_drawings_a_minute(make_store):
    """Test the per-person bound: the third send in a minute is refused with the wait, others may send."""
    clock = Clock()
    store = make_store(rooms.RoomLimits(drawings_per_person_per_minute=2), clock)
    code = store.create_room().code
    store.add_drawing(code, sample(person="alice"))
    clock.advance(20)
    store.add_drawing(code, sample(person="alice"))
    with pytest.raises(rooms.SendingTooFast, match="You sent 2 drawings in the last minute.*again in 40 s") as error:
        store.add_drawing(code, sample(person="alice"))
    assert error.value.wait_seconds == pytest.approx(40)
    assert store.add_drawing(code, sample(person="bob")).number == 3
    clock.advance(40)  # Alice's first drawing is now a minute old.
    assert store.add_drawing(code, sample(person="alice")).number == 4


def test_the_server_keeps_a_bounded_number_of_open_rooms(make_store):
    """Test that rooms_per_server open rooms refuse another; closing or expiry makes room."""
    clock = Clock()
    store = make_store(rooms.RoomLimits(rooms_per_server=2, lifetime_seconds=100), clock)
    store.create_room()
    clock.advance(50)
    second = store.create_room()
    with pytest.raises(rooms.TooManyRooms, match="already has 2 open rooms"):
        store.create_room()
    store.close_room(second.code)
    third = store.create_room()
    with pytest.raises(rooms.TooManyRooms):
        store.create_room()
    clock.advance(51)  # The first room, 101 s old, has expired.
    store.create_room()
    assert store.open_rooms() == 2
    assert store.room_info(third.code) is not None


def test_a_closed_room_refuses_drawings_but_still_answers(make_store):
    store = make_store()
    code = store.create_room().code
    store.add_drawing(code, sample())
    store.close_room(code)
    assert store.room_info(code).closed
    with pytest.raises(rooms.RoomClosed, match=f"Room {code} is closed"):
        store.add_drawing(code, sample())
    with pytest.raises(rooms.RoomClosed):
        store.open_room(code)
    assert [drawing.number for drawing in store.drawings(code)] == [1]
    assert store.open_rooms() == 0


def test_an_unknown_room_says_so(make_store):
    store = make_store()
    assert store.room_info("KXMP") is None
    assert store.drawings("KXMP") == []
    with pytest.raises(rooms.RoomNotFound, match="There is no room KXMP on this server"):
        store.add_drawing("KXMP", sample())
    with pytest.raises(rooms.RoomNotFound):
        store.close_room("KXMP")


def test_a_room_expires_after_its_lifetime(make_store):
    clock = Clock()
    store = make_store(rooms.RoomLimits(lifetime_seconds=100), clock)
    code = store.create_room().code
    store.add_drawing(code, sample())
    clock.advance(99.5)
    assert store.open_room(code).code == code
    clock.advance(0.5)
    assert store.room_info(code) is None
    assert store.drawings(code) == []
    with pytest.raises(rooms.RoomNotFound):
        store.add_drawing(code, sample())


def test_clear_empties_the_wall_and_numbering_goes_on(make_store):
    store = make_store()
    code = store.create_room().code
    store.add_drawing(code, sample())
    store.add_drawing(code, sample(person="bob"))
    store.clear(code)
    assert store.drawings(code) == []
    assert store.add_drawing(code, sample(person="carol")).number == 3
    assert [drawing.number for drawing in store.drawings(code)] == [3]
    assert store.room_info(code).received == 3


def test_concurrent_senders_get_distinct_consecutive_numbers(make_store):
    """Test that 4 threads sending 10 drawings each into one room lose none and share no number."""
    store = make_store()
    code = store.create_room().code
    numbers, errors = [], []

    def send(person):
        try:
            for _ in range(10):
                numbers.append(store.add_drawing(code, sample(person=person)).number)
        except rooms.RoomError as error:  # Collected, so the test fails with it (pytest also reports others).
            errors.append(error)

    threads = [threading.Thread(target=send, args=(f"person-{index}",)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sorted(numbers) == list(range(1, 41))
    assert sorted(drawing.number for drawing in store.drawings(code)) == list(range(1, 41))


def test_open_store_reads_the_address():
    assert isinstance(open_store(""), MemoryRoomStore)
    assert isinstance(open_store("memory"), MemoryRoomStore)
    assert isinstance(open_store("redis://127.0.0.1:1/0"), RedisRoomStore)  # Connects only when used.
    with pytest.raises(ValueError, match="FFVIZ_ROOM_STORE must be empty, 'memory' or a Redis address"):
        open_store("postgres://somewhere")


def test_open_store_defaults_to_the_environment(monkeypatch):
    monkeypatch.setenv("FFVIZ_ROOM_STORE", "redis://127.0.0.1:1/0")
    assert isinstance(open_store(), RedisRoomStore)
    monkeypatch.delenv("FFVIZ_ROOM_STORE")
    assert isinstance(open_store(), MemoryRoomStore)


def test_an_unreachable_redis_is_a_clear_room_error():
    store = RedisRoomStore(f"redis://127.0.0.1:{free_loopback_port()}/0")
    with pytest.raises(rooms.StoreUnavailable, match="The room store at redis://127.0.0.1:.* cannot be reached"):
        store.room_info("KXMP")
