"""The form agrees with itself (issue #28): a refused key never becomes a job, the clip's
length follows its segments, a fixed problem leaves at once."""

from __future__ import annotations

import pytest

from kling_ui.errors import InputError
from kling_ui.service import Caller

from .conftest import RC_KEY


def _fields(settings, make_image) -> dict:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    frame = make_image((1280, 720))
    inside = settings.data_dir / "start.png"  # a visitor may hand in files under data_dir
    inside.write_bytes(frame.read_bytes())
    return {"image": str(inside), "prompt": "slow push in", "duration": 5}


async def test_a_refused_key_never_becomes_a_job_and_says_not_charged(
    studio, settings, make_image, fake_rc
):
    visitor = Caller("b-visitor", address="addr-1")
    with pytest.raises(InputError) as refused:
        await studio.generate(
            visitor, _fields(settings, make_image), provider="runcomfy", api_key="wrong-key-1"
        )
    said = refused.value.problems
    assert "provider" in said and "refused the key" in said["provider"]
    assert "not charged" in said["provider"].lower()
    assert "wrong-key-1" not in repr(said)
    assert studio.jobs(visitor) == []
    assert fake_rc.submits == 0


async def test_an_accepted_key_is_checked_once_then_trusted(studio, settings, make_image, fake_rc):
    visitor = Caller("b-visitor", address="addr-2")
    fields = _fields(settings, make_image)
    first = await studio.generate(visitor, fields, provider="runcomfy", api_key=RC_KEY)
    checks = len(fake_rc.calls_to("account"))
    again = {**fields, "prompt": "a second clip"}
    second = await studio.generate(visitor, again, provider="runcomfy", api_key=RC_KEY)
    assert first.id != second.id
    assert len(fake_rc.calls_to("account")) == checks  # trusted; the balance read is kept


# --- the clip's length is the sum of its segments (finding 4) --------------------------------


def test_three_segments_of_4_s_make_a_12_s_clip_with_no_problem():
    from kling_ui.ui.segments import add_row, clip_for, total_words

    rows: list = []
    for _ in range(3):
        rows = add_row(rows, clip_for(rows, 5))
    assert clip_for(rows, 5) == sum(s for _, s in rows)  # the clip follows at every step
    assert "too long" not in total_words(None, [s for _, s in rows])
    rows = [("a", 4), ("b", 4), ("c", 4)]
    assert clip_for(rows, 5) == 12
    said = total_words(None, [4, 4, 4])
    assert said.startswith("✓") and "12 s" in said and "⚠" not in said


def test_a_clip_past_15_s_says_by_how_much():
    from kling_ui.ui.segments import clip_for, total_words

    assert clip_for([("a", 6)] * 3, 5) == 15
    assert "3 s" in total_words(None, [6, 6, 6]) and total_words(None, [6, 6, 6]).startswith("⚠")
    assert "秒" in total_words("zh-CN", [6, 6, 6])


def test_split_evenly_says_what_it_had_to_change():
    from kling_ui.ui.segments import clamp_notes, split_evenly

    rows, note = split_evenly([("a", 3)] * 4, 10)
    assert [s for _, s in rows] == [3, 3, 3, 3] and "12 s" in note
    notes = clamp_notes(None, ["2", "30", "4"], 3)
    assert "Segment 1" in notes and "2 s" in notes and "3 s" in notes
    assert "Segment 2" in notes and "30 s" in notes and "15 s" in notes
    assert "Segment 3" not in notes


def test_adding_past_the_longest_clip_says_the_rows_were_reshared():
    from kling_ui.ui.segments import add_said

    rows, note = add_said([("a", 5), ("b", 5), ("c", 5)], 15)
    assert [s for _, s in rows] == [4, 4, 4, 3] and "15 s" in note and "4" in note
    rows, note = add_said([("a", 5)], 5)
    assert [s for _, s in rows] == [5, 3] and note == ""  # the clip grows: said by the page
