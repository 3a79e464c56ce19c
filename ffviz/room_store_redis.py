"""Rooms in Redis, so that several app processes (behind a proxy, on one machine or several) share them.

Each room is a few keys under `prefix` (default "ffviz:"):

    rooms:open              sorted set: code -> expiry time, of the open rooms (for `rooms_per_server`)
    room:<code>:info        hash: created_at, expires_at, closed (0/1), received (drawings taken)
    room:<code>:drawings    list: "<number> <drawing JSON>", newest first, trimmed to the kept count
    room:<code>:sends:<id>  sorted set: one sender's send times within the last minute

Creating a room and taking a drawing are each one Lua script, so the checks (room open, bound
not reached) and the writes happen atomically even when several processes send at once. The
times come from the caller's clock, as in `MemoryRoomStore`; Redis's own expiry (a room's
lifetime plus `EXPIRY_GRACE_SECONDS`) only removes keys that no one can reach any more.
"""

import contextlib
import dataclasses
import math
import time

import redis

from ffviz import rooms
from ffviz.room_store import CODE_ATTEMPTS, RoomStore

EXPIRY_GRACE_SECONDS = 60  # Keys outlive their room by a minute, so no reader sees half a room.
CONNECT_TIMEOUT_SECONDS = 5  # A page waits at most this long before it says the store is unreachable.

CREATE_SCRIPT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 'full' end
if redis.call('EXISTS', KEYS[2]) == 1 then return 'taken' end
redis.call('HSET', KEYS[2], 'created_at', ARGV[1], 'expires_at', ARGV[2], 'closed', '0', 'received', '0')
redis.call('EXPIRE', KEYS[2], ARGV[5])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
return 'ok'
"""

ADD_SCRIPT = """
local info = redis.call('HMGET', KEYS[1], 'expires_at', 'closed')
if not info[1] or tonumber(info[1]) <= tonumber(ARGV[1]) then return {'unknown'} end
if info[2] == '1' then return {'closed'} end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
  return {'fast', oldest[2]}
end
local number = redis.call('HINCRBY', KEYS[1], 'received', 1)
redis.call('ZADD', KEYS[3], ARGV[1], number)
redis.call('EXPIRE', KEYS[3], ARGV[7])
redis.call('LPUSH', KEYS[2], number .. ' ' .. ARGV[5])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[4]) - 1)
redis.call('EXPIRE', KEYS[2], math.ceil(tonumber(info[1]) - tonumber(ARGV[1]) + tonumber(ARGV[6])))
return {'ok', tostring(number)}
"""


@contextlib.contextmanager
def _reaching(address):
    """Turn the Redis client's connection and protocol errors into `rooms.StoreUnavailable`."""
    try:
        yield
    except redis.RedisError as error:
        raise rooms.StoreUnavailable(f"The room store at {address} cannot be reached: {error}") from error


class RedisRoomStore(RoomStore):
    """The room store in Redis at `address` ("redis://host:port/db"); safe to share between threads."""

    def __init__(self, address, limits=None, clock=time.time, prefix="ffviz:"):
        super().__init__(limits, clock)
        self.address = address
        self.prefix = prefix
        self._client = redis.Redis.from_url(
            address,
            decode_responses=True,
            socket_timeout=CONNECT_TIMEOUT_SECONDS,
            socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        )
        self._create = self._client.register_script(CREATE_SCRIPT)
        self._add = self._client.register_script(ADD_SCRIPT)

    def __repr__(self):
        return f"RedisRoomStore({self.address!r})"

    def _key(self, code, part):
        return f"{self.prefix}room:{code}:{part}"

    @property
    def _open_key(self):
        return f"{self.prefix}rooms:open"

    def create_room(self):
        now = self.clock()
        expires_at = now + self.limits.lifetime_seconds
        key_lifetime = math.ceil(self.limits.lifetime_seconds + EXPIRY_GRACE_SECONDS)
        with _reaching(self.address):
            for _ in range(CODE_ATTEMPTS):
                code = rooms.new_code()
                keys = [self._open_key, self._key(code, "info")]
                answer = self._create(
                    keys=keys, args=[repr(now), repr(expires_at), self.limits.rooms_per_server, code, key_lifetime]
                )
                if answer == "full":
                    raise self._too_many_rooms()
                if answer == "ok":
                    return rooms.RoomInfo(code, now, expires_at)
        raise rooms.TooManyRooms("No free room code was found; try again.")

    def close_room(self, code):
        if self.room_info(code) is None:
            raise rooms.RoomNotFound(rooms.not_found_message(code))
        with _reaching(self.address):
            pipeline = self._client.pipeline()
            pipeline.hset(self._key(code, "info"), "closed", "1")
            pipeline.zrem(self._open_key, code)
            pipeline.execute()

    def room_info(self, code):
        with _reaching(self.address):
            fields = self._client.hgetall(self._key(code, "info"))
        if not fields or float(fields["expires_at"]) <= self.clock():
            return None
        return rooms.RoomInfo(
            code,
            float(fields["created_at"]),
            float(fields["expires_at"]),
            closed=fields["closed"] == "1",
            received=int(fields["received"]),
        )

    def add_drawing(self, code, drawing):
        now = self.clock()
        keys = [self._key(code, "info"), self._key(code, "drawings"), self._key(code, f"sends:{drawing.person}")]
        args = [
            repr(now),
            repr(now - rooms.RATE_WINDOW_SECONDS),  # Send times at or before this are out of the window.
            self.limits.drawings_per_person_per_minute,
            self.limits.drawings_kept_per_room,
            drawing.to_json(),
            EXPIRY_GRACE_SECONDS,
            math.ceil(rooms.RATE_WINDOW_SECONDS) + 1,
        ]
        with _reaching(self.address):
            answer = self._add(keys=keys, args=args)
        if answer[0] == "unknown":
            raise rooms.RoomNotFound(rooms.not_found_message(code))
        if answer[0] == "closed":
            raise rooms.RoomClosed(rooms.closed_message(code))
        if answer[0] == "fast":
            raise self._too_fast(float(answer[1]), now)
        return dataclasses.replace(drawing, number=int(answer[1]))

    def drawings(self, code):
        if self.room_info(code) is None:
            return []
        with _reaching(self.address):
            entries = self._client.lrange(self._key(code, "drawings"), 0, self.limits.drawings_kept_per_room - 1)
        drawings = []
        for entry in reversed(entries):
            number, text = entry.split(" ", 1)
            drawings.append(dataclasses.replace(rooms.Drawing.from_json(text), number=int(number)))
        return drawings

    def clear(self, code):
        with _reaching(self.address):
            self._client.delete(self._key(code, "drawings"))

    def open_rooms(self):
        with _reaching(self.address):
            return self._client.zcount(self._open_key, f"({self.clock()!r}", "+inf")
