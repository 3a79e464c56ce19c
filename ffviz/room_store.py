"""Where rooms live: one small interface, kept in this process by default or in Redis when configured.

`open_store()` reads `FFVIZ_ROOM_STORE`: unset or "memory" keeps rooms in this process (one
`streamlit run app.py` just works); "redis://host:port/db" keeps them in Redis, so several app
processes behind a proxy share them (see `deploy/`). Both stores enforce the same bounds
(`ffviz.rooms.RoomLimits`) and pass the same tests (`tests/unit/test_room_store.py`).

Every store takes a `clock` (seconds since the epoch), so room lifetimes and the per-person
bound are decided by the caller's clock in both stores, and tests can move it.
"""

import collections
import dataclasses
import os
import threading
import time

from ffviz import rooms

STORE_VARIABLE = "FFVIZ_ROOM_STORE"
CODE_ATTEMPTS = 50  # New codes tried before giving up; with 20 rooms among 104,976 codes one try nearly always does.


class RoomStore:
    """The operations on rooms; `MemoryRoomStore` and `RedisRoomStore` implement them.

    Args:
        limits: the bounds to enforce (`ffviz.rooms.RoomLimits`).
        clock: a function returning the time in seconds since the epoch.
    """

    def __init__(self, limits=None, clock=time.time):
        self.limits = limits or rooms.RoomLimits()
        self.clock = clock

    def create_room(self):
        """Open a room with a fresh code; `rooms.TooManyRooms` when `rooms_per_server` are open. Returns RoomInfo."""
        raise NotImplementedError

    def close_room(self, code):
        """Take no more drawings; the room still answers (as closed) until it expires."""
        raise NotImplementedError

    def room_info(self, code):
        """The room's RoomInfo, or None when there is no such room or it has expired."""
        raise NotImplementedError

    def add_drawing(self, code, drawing):
        """Take a `rooms.Drawing` and return it numbered.

        Raises:
            rooms.RoomNotFound, rooms.RoomClosed: the room does not take drawings.
            rooms.SendingTooFast: its sender reached `drawings_per_person_per_minute`.
        """
        raise NotImplementedError

    def drawings(self, code):
        """The room's kept drawings (at most `drawings_kept_per_room`), oldest first; [] for no room."""
        raise NotImplementedError

    def clear(self, code):
        """Forget the room's drawings; numbering and the `received` count go on."""
        raise NotImplementedError

    def open_rooms(self):
        """How many rooms are open (not closed, not expired)."""
        raise NotImplementedError

    def open_room(self, code):
        """The RoomInfo of a room that takes drawings, else RoomNotFound or RoomClosed with a message."""
        info = self.room_info(code)
        if info is None:
            raise rooms.RoomNotFound(rooms.not_found_message(code))
        if info.closed:
            raise rooms.RoomClosed(rooms.closed_message(code))
        return info

    def _too_fast(self, oldest_sent_at, now):
        wait = oldest_sent_at + rooms.RATE_WINDOW_SECONDS - now
        limit = self.limits.drawings_per_person_per_minute
        return rooms.SendingTooFast(rooms.too_fast_message(limit, wait), wait)

    def _too_many_rooms(self):
        return rooms.TooManyRooms(
            f"This server already has {self.limits.rooms_per_server} open rooms, the most it keeps at once. "
            "Close one, or wait until one expires."
        )


class _Room:
    """A room held in this process: its info, its drawings and each sender's recent send times."""

    def __init__(self, info, kept):
        self.info = info
        self.drawings = collections.deque(maxlen=kept)
        self.sends = collections.defaultdict(collections.deque)  # person -> times within the last minute.


class MemoryRoomStore(RoomStore):
    """Rooms in a dict of this process, behind one lock: every Streamlit session's thread uses it."""

    def __init__(self, limits=None, clock=time.time):
        super().__init__(limits, clock)
        self._lock = threading.Lock()
        self._rooms = {}

    def __repr__(self):
        return f"MemoryRoomStore(rooms={len(self._rooms)})"

    def _live(self, code, now):
        """The room with this code, unless it has expired (then it is dropped)."""
        room = self._rooms.get(code)
        if room is not None and room.info.expires_at <= now:
            del self._rooms[code]
            return None
        return room

    def _drop_expired(self, now):
        for code in list(self._rooms):
            self._live(code, now)

    def create_room(self):
        with self._lock:
            now = self.clock()
            self._drop_expired(now)
            if self._count_open() >= self.limits.rooms_per_server:
                raise self._too_many_rooms()
            for _ in range(CODE_ATTEMPTS):
                code = rooms.new_code()
                if code not in self._rooms:
                    break
            else:
                raise rooms.TooManyRooms("No free room code was found; try again.")
            info = rooms.RoomInfo(code, now, now + self.limits.lifetime_seconds)
            self._rooms[code] = _Room(info, self.limits.drawings_kept_per_room)
            return info

    def close_room(self, code):
        with self._lock:
            room = self._live(code, self.clock())
            if room is None:
                raise rooms.RoomNotFound(rooms.not_found_message(code))
            room.info = dataclasses.replace(room.info, closed=True)

    def room_info(self, code):
        with self._lock:
            room = self._live(code, self.clock())
            return None if room is None else room.info

    def add_drawing(self, code, drawing):
        with self._lock:
            now = self.clock()
            room = self._live(code, now)
            if room is None:
                raise rooms.RoomNotFound(rooms.not_found_message(code))
            if room.info.closed:
                raise rooms.RoomClosed(rooms.closed_message(code))
            sends = room.sends[drawing.person]
            while sends and sends[0] <= now - rooms.RATE_WINDOW_SECONDS:
                sends.popleft()
            if len(sends) >= self.limits.drawings_per_person_per_minute:
                raise self._too_fast(sends[0], now)
            sends.append(now)
            number = room.info.received + 1
            room.info = dataclasses.replace(room.info, received=number)
            numbered = dataclasses.replace(drawing, number=number)
            room.drawings.append(numbered)
            return numbered

    def drawings(self, code):
        with self._lock:
            room = self._live(code, self.clock())
            return [] if room is None else list(room.drawings)

    def clear(self, code):
        with self._lock:
            room = self._live(code, self.clock())
            if room is not None:
                room.drawings.clear()

    def open_rooms(self):
        with self._lock:
            self._drop_expired(self.clock())
            return self._count_open()

    def _count_open(self):
        return sum(not room.info.closed for room in self._rooms.values())


def open_store(address=None, limits=None, clock=time.time):
    """The store that `address` names (default: the `FFVIZ_ROOM_STORE` variable).

    Args:
        address: None or "" or "memory" for this process; "redis://..." (or "rediss://",
            "unix://") for Redis.

    Raises:
        ValueError: the address is neither.
    """
    address = os.environ.get(STORE_VARIABLE, "") if address is None else address
    address = address.strip()
    if address in ("", "memory"):
        return MemoryRoomStore(limits, clock)
    if address.startswith(("redis://", "rediss://", "unix://")):
        from ffviz.room_store_redis import RedisRoomStore

        return RedisRoomStore(address, limits, clock)
    raise ValueError(
        f"{STORE_VARIABLE} must be empty, 'memory' or a Redis address such as redis://127.0.0.1:6379/0. "
        f"Received: {STORE_VARIABLE}={address!r}"
    )
