"""Rooms: the audience of a talk draws digits on their phones, and the presenter's wall shows them.

A room is a short code that the presenter's page opens. Each audience member's page sends a
drawing into it: the 28 x 28 image the network saw, the goodness of every label in every layer
(Hinton 2022, section 3.3: the label with the most goodness wins), the prediction and, when the
person said so, the digit they meant. The sending process classifies the drawing, so a wall
that may be served by another process only reads.

This module holds what every room store shares: the bounds, the codes, the records and the
wall's summaries. The stores themselves are in `ffviz.room_store` (in this process) and
`ffviz.room_store_redis` (in Redis, shared by several processes).
"""

import base64
import dataclasses
import json
import secrets

import numpy as np

from ffviz.config import IMAGE_SIDE, NUM_CLASSES

# Letters only, and none that read like a digit or like each other: B (8), G (6), I and L (1),
# O and Q (0), S (5), Z (2). Eighteen letters in four places give 104,976 codes.
CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY"
CODE_LENGTH = 4

# The bounds of one server (one store: a process, or all the processes that share one Redis).
DRAWINGS_PER_PERSON_PER_MINUTE = 20  # One drawing every 3 s on average: enough to play, too few to flood a wall.
DRAWINGS_KEPT_PER_ROOM = 300  # Older drawings drop off the wall and its counts; 300 x ~1.5 KB per room.
ROOMS_PER_SERVER = 20  # Open rooms at once: talks in parallel, not one per visitor.
ROOM_LIFETIME_SECONDS = 4 * 60 * 60  # A talk and its questions; then the room and its drawings are gone.
RATE_WINDOW_SECONDS = 60.0  # The "per minute" of DRAWINGS_PER_PERSON_PER_MINUTE.


@dataclasses.dataclass(frozen=True)
class RoomLimits:
    """The bounds a store enforces; the defaults are the constants above, tests pass small ones."""

    drawings_per_person_per_minute: int = DRAWINGS_PER_PERSON_PER_MINUTE
    drawings_kept_per_room: int = DRAWINGS_KEPT_PER_ROOM
    rooms_per_server: int = ROOMS_PER_SERVER
    lifetime_seconds: float = ROOM_LIFETIME_SECONDS

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"{field.name} must be a positive number. Received: {field.name}={value!r}")


class RoomError(ValueError):
    """A room operation that cannot be done; the message is written for the person who asked."""


class RoomNotFound(RoomError):
    """No room has this code: it never existed, or it expired."""


class RoomClosed(RoomError):
    """The presenter closed the room; it takes no more drawings."""


class TooManyRooms(RoomError):
    """The server already has `rooms_per_server` open rooms."""


class SendingTooFast(RoomError):
    """This person sent `drawings_per_person_per_minute` drawings in the last minute."""

    def __init__(self, message, wait_seconds):
        super().__init__(message)
        self.wait_seconds = wait_seconds


class StoreUnavailable(RoomError):
    """The store (Redis) cannot be reached."""


def new_code():
    """A random room code, CODE_LENGTH letters of CODE_ALPHABET."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text):
    """A room code as typed ("kx mp", " KXMP ") in its one spelling ("KXMP"); a ValueError if it is none."""
    code = "".join(str(text).split()).upper()
    if len(code) != CODE_LENGTH or any(letter not in CODE_ALPHABET for letter in code):
        raise ValueError(
            f"A room code is {CODE_LENGTH} letters from {CODE_ALPHABET}, as on the presenter's screen. "
            f"Received: code={str(text)[:40]!r}"
        )
    return code


def not_found_message(code):
    return (
        f"There is no room {code} on this server: it was never opened, or it expired "
        f"(rooms last {ROOM_LIFETIME_SECONDS // 3600} hours). Check the code on the presenter's screen."
    )


def closed_message(code):
    return f"Room {code} is closed: the presenter has ended it. Thank you for drawing!"


def too_fast_message(limit, wait_seconds):
    return (
        f"You sent {limit} drawings in the last minute, the most a person may send. "
        f"Try again in {max(1, round(wait_seconds))} s."
    )


@dataclasses.dataclass(frozen=True)
class RoomInfo:
    """What a store knows about a room besides its drawings (times are seconds since the epoch)."""

    code: str
    created_at: float
    expires_at: float
    closed: bool = False
    received: int = 0  # Drawings taken since the room opened, those cleared or dropped included.


@dataclasses.dataclass(frozen=True)
class Drawing:
    """One drawing sent into a room, with what the network made of it.

    `number` is 0 until a store takes the drawing; the store then numbers the room's drawings
    1, 2, 3, ... in the order it took them.
    """

    image: np.ndarray  # (28, 28) uint8: what the network saw, 0 (black) to 255 (white).
    goodness: np.ndarray  # (layers, 10) float32: the goodness of every label in every layer.
    prediction: int  # The goodness read-out: the label with the most goodness summed over the layers.
    person: str  # The sender's session, for the per-person bound; never shown.
    meant: int | None = None  # The digit the person said they drew, if they said.
    sent_at: float = 0.0  # When the sending process classified it (seconds since the epoch).
    server: str = ""  # Which process classified it ("host:pid"), to tell processes apart.
    number: int = 0

    @property
    def margin(self):
        """Summed goodness of the best label minus that of the second best: small means hard."""
        total = np.sort(np.asarray(self.goodness, np.float64).sum(axis=0))
        return float(total[-1] - total[-2])

    def to_json(self):
        return json.dumps(
            {
                "image": base64.b64encode(np.asarray(self.image, np.uint8).tobytes()).decode("ascii"),
                "goodness": np.round(np.asarray(self.goodness, np.float64), 5).tolist(),
                "prediction": int(self.prediction),
                "person": self.person,
                "meant": None if self.meant is None else int(self.meant),
                "sent_at": float(self.sent_at),
                "server": self.server,
                "number": int(self.number),
            }
        )

    @classmethod
    def from_json(cls, text):
        fields = json.loads(text)
        image = np.frombuffer(base64.b64decode(fields.pop("image")), np.uint8).reshape(IMAGE_SIDE, IMAGE_SIDE)
        goodness = np.asarray(fields.pop("goodness"), np.float32).reshape(-1, NUM_CLASSES)
        return cls(image=image, goodness=goodness, **fields)


def make_drawing(image, goodness, prediction, person, meant=None, sent_at=0.0, server=""):
    """A Drawing from the network's float image in [0, 1] (28, 28) and its (layers, 10) goodness."""
    image = np.asarray(image, np.float32)
    if image.shape != (IMAGE_SIDE, IMAGE_SIDE):
        raise ValueError(f"A drawing is a {IMAGE_SIDE}x{IMAGE_SIDE} image. Received: shape={image.shape}")
    goodness = np.asarray(goodness, np.float32)
    if goodness.ndim != 2 or goodness.shape[1] != NUM_CLASSES:
        raise ValueError(f"goodness must be (layers, {NUM_CLASSES}). Received: shape={goodness.shape}")
    if meant is not None and not (isinstance(meant, (int, np.integer)) and 0 <= meant < NUM_CLASSES):
        raise ValueError(f"meant must be a digit from 0 to {NUM_CLASSES - 1} or None. Received: meant={meant!r}")
    pixels = np.round(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)
    return Drawing(
        pixels, goodness, int(prediction), str(person), None if meant is None else int(meant), sent_at, server
    )


# The wall's summaries: plain functions of a room's drawings, so a test can check them by hand.


def label_counts(drawings):
    """(10,) int: how many drawings the network read as each label."""
    counts = np.zeros(NUM_CLASSES, np.int64)
    for drawing in drawings:
        counts[drawing.prediction] += 1
    return counts


def room_accuracy(drawings):
    """(right, said): of the drawings whose sender said what they meant, how many the network read so."""
    said = [drawing for drawing in drawings if drawing.meant is not None]
    return sum(drawing.prediction == drawing.meant for drawing in said), len(said)


def hardest(drawings, count):
    """The `count` drawings with the smallest goodness margin, hardest first (ties: newest first)."""
    return sorted(drawings, key=lambda drawing: (drawing.margin, -drawing.number))[:count]


def latest(drawings, count):
    """The `count` drawings with the highest numbers, newest first."""
    return sorted(drawings, key=lambda drawing: drawing.number, reverse=True)[:count]
