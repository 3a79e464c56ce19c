"""Unit tests of `ffviz/rooms.py`: room codes, the drawing record and the wall's summaries, checked by hand."""

import dataclasses

import numpy as np
import pytest

from ffviz import rooms


def drawing(prediction, meant=None, goodness_totals=None, number=0, person="p"):
    """A drawing whose one-layer goodness is `goodness_totals` (default: `prediction` ahead by 1)."""
    if goodness_totals is None:
        goodness_totals = np.zeros(10)
        goodness_totals[prediction] = 1.0
    image = np.zeros((28, 28), np.float32)
    made = rooms.make_drawing(image, np.asarray(goodness_totals)[None, :], prediction, person, meant=meant)
    return dataclasses.replace(made, number=number)


def test_codes_use_only_unambiguous_letters_and_read_back():
    """Test that new codes have CODE_LENGTH letters of the alphabet, which has no digit look-alikes."""
    assert not set(rooms.CODE_ALPHABET) & set("BGILOQSZ0123456789")
    for _ in range(50):
        code = rooms.new_code()
        assert len(code) == rooms.CODE_LENGTH and set(code) <= set(rooms.CODE_ALPHABET)
        assert rooms.normalize_code(code.lower()) == code


def test_normalize_code_accepts_spaces_and_lower_case():
    assert rooms.normalize_code(" kx mp ") == "KXMP"


@pytest.mark.parametrize("text", ["", "KXM", "KXMPA", "K0MP", "BIGS", "<b>x", "KX-MP"])
def test_a_malformed_code_is_a_value_error_that_shows_it(text):
    with pytest.raises(ValueError, match="A room code is 4 letters.*Received: code="):
        rooms.normalize_code(text)


def test_make_drawing_quantises_the_image_and_checks_its_inputs():
    """Test that the [0, 1] image becomes 0..255 bytes, and wrong shapes or labels are refused."""
    image = np.zeros((28, 28), np.float32)
    image[3, 4], image[5, 6] = 1.0, 0.5
    made = rooms.make_drawing(image, np.ones((2, 10)), 7, "p", meant=3, sent_at=12.5, server="h:1")
    assert made.image.dtype == np.uint8 and made.image[3, 4] == 255 and made.image[5, 6] == 128
    assert (made.prediction, made.meant, made.sent_at, made.server, made.number) == (7, 3, 12.5, "h:1", 0)
    with pytest.raises(ValueError, match=r"28x28 image. Received: shape=\(27, 28\)"):
        rooms.make_drawing(np.zeros((27, 28)), np.ones((2, 10)), 7, "p")
    with pytest.raises(ValueError, match=r"goodness must be \(layers, 10\). Received: shape=\(2, 9\)"):
        rooms.make_drawing(image, np.ones((2, 9)), 7, "p")
    with pytest.raises(ValueError, match="Received: meant=10"):
        rooms.make_drawing(image, np.ones((2, 10)), 7, "p", meant=10)


def test_a_drawing_survives_json_exactly():
    """Test that the stored text gives back the same pixels, goodness (5 decimals) and fields."""
    rng = np.random.default_rng(0)
    made = rooms.make_drawing(rng.random((28, 28)), rng.random((3, 10)), 4, "person-1", meant=None, sent_at=1e9 + 0.25)
    made = dataclasses.replace(made, number=42)
    back = rooms.Drawing.from_json(made.to_json())
    np.testing.assert_array_equal(back.image, made.image)
    np.testing.assert_allclose(back.goodness, made.goodness, atol=1e-5)
    assert (back.prediction, back.person, back.meant, back.sent_at, back.number) == (
        4,
        "person-1",
        None,
        1e9 + 0.25,
        42,
    )


def test_margin_is_best_minus_second_best_summed_over_layers():
    """Test the margin on a two-layer goodness worked out by hand: totals 3, 5, 4 -> 5 - 4 = 1."""
    goodness = np.zeros((2, 10))
    goodness[:, 0] = [1.0, 2.0]
    goodness[:, 1] = [2.0, 3.0]
    goodness[:, 2] = [4.0, 0.0]
    made = rooms.make_drawing(np.zeros((28, 28)), goodness, 1, "p")
    assert made.margin == pytest.approx(1.0)


def test_label_counts_and_room_accuracy_by_hand():
    """Test counts per predicted label, and accuracy only over drawings whose sender said what they meant."""
    drawings = [drawing(3, meant=3), drawing(3, meant=5), drawing(7), drawing(1, meant=1)]
    assert rooms.label_counts(drawings).tolist() == [0, 1, 0, 2, 0, 0, 0, 1, 0, 0]
    assert rooms.room_accuracy(drawings) == (2, 3)
    assert rooms.room_accuracy([drawing(2)]) == (0, 0)


def test_hardest_are_the_smallest_margins_and_latest_the_highest_numbers():
    close = np.zeros(10)
    close[[4, 9]] = [1.0, 0.9]  # Margin 0.1.
    middle = np.zeros(10)
    middle[[4, 9]] = [1.0, 0.5]  # Margin 0.5.
    drawings = [
        drawing(4, number=1),
        drawing(4, goodness_totals=close, number=2),
        drawing(4, goodness_totals=middle, number=3),
    ]
    assert [item.number for item in rooms.hardest(drawings, 2)] == [2, 3]
    assert [item.number for item in rooms.latest(drawings, 2)] == [3, 2]


@pytest.mark.parametrize("field", ["drawings_per_person_per_minute", "drawings_kept_per_room", "rooms_per_server"])
def test_limits_must_be_positive(field):
    with pytest.raises(ValueError, match=f"{field} must be a positive number. Received: {field}=0"):
        rooms.RoomLimits(**{field: 0})


def test_the_stated_bounds():
    """Test that the bounds the README states are the ones the code uses."""
    limits = rooms.RoomLimits()
    assert limits.drawings_per_person_per_minute == 20
    assert limits.drawings_kept_per_room == 300
    assert limits.rooms_per_server == 20
    assert limits.lifetime_seconds == 4 * 3600
