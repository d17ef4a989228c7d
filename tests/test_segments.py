"""The segment editor's row operations and the studio's wording (no browser needed)."""

from __future__ import annotations

import pytest

from kling_ui.store import JobRecord
from kling_ui.ui.present import (
    cost_markdown,
    details_markdown,
    elapsed_text,
    segment_total_markdown,
    status_markdown,
)
from kling_ui.ui.segments import (
    MAX_ROWS,
    add_row,
    from_segments,
    move_row,
    read_rows,
    remove_row,
    split_evenly,
    to_segments,
)


def test_adding_rows_grows_the_clip_up_to_its_longest():
    rows = add_row([], 9)
    assert rows == [("", 9)]  # the first row takes the whole clip
    rows = add_row(rows, 9)
    assert [s for _, s in rows] == [9, 3]  # the next take the least; the clip follows
    rows = add_row(rows, 12)
    assert [s for _, s in rows] == [9, 3, 3]
    rows = add_row(rows, 15)
    assert [s for _, s in rows] == [4, 4, 4, 3]  # 15 s is the most: all share it evenly


def test_adding_keeps_typed_text_and_stops_at_the_maximum():
    rows = [("wide", 4), ("close", 3)]
    assert add_row(rows, 7) == [("wide", 4), ("close", 3), ("", 3)]
    full = [("x", 3)] * MAX_ROWS
    assert add_row(full, 15) == full


def test_remove_and_move_keep_each_row_whole():
    rows = [("a", 3), ("b", 4), ("c", 5)]
    assert remove_row(rows, 0) == [("b", 4), ("c", 5)]
    assert move_row(rows, 2, -1) == [("a", 3), ("c", 5), ("b", 4)]
    assert move_row(rows, 0, -1) == rows  # nothing above the first row
    assert move_row(rows, 2, +1) == rows


def test_split_evenly():
    rows, note = split_evenly([("a", 3), ("b", 3), ("c", 3)], 10)
    assert rows == [("a", 4), ("b", 3), ("c", 3)] and "10 s" in note
    assert split_evenly([], 5)[1] == "Add a segment first."


def test_rows_round_trip_and_bad_numbers_are_clamped():
    rows = read_rows(2, ["a", "b", "", "", ""], [3, "20", 3, 3, 3])
    assert rows == [("a", 3), ("b", 15)]
    assert from_segments(to_segments(rows)) == rows
    assert read_rows(1, ["a"] + [""] * 4, [None] * 5) == [("a", 3)]


def test_total_wording():
    assert segment_total_markdown(10, []).startswith("No segments")
    assert "7 of 10 s** — 3 s left to fill" in segment_total_markdown(10, [4, 3])
    assert "12 of 10 s** — 2 s too long" in segment_total_markdown(10, [6, 6])
    assert "10 of 10 s** — the segments fill the clip" in segment_total_markdown(10, [5, 5])


def test_cost_wording():
    assert cost_markdown("preview", 5, True).startswith("**Cost: free.**")
    text = cost_markdown("runcomfy", 5, False)
    assert "about $0.56" in text and "Sound would add +25 %" in text
    assert "about ¥4.35" in cost_markdown("runninghub", 5, True)


def test_status_and_details_wording():
    job = JobRecord(
        id="abc123def456",
        owner="o",
        provider="runcomfy",
        request={"prompt": "p", "duration": 5, "sound": True, "shot_type": "customize"},
        state="queued",
        request_id="rc-1",
        queue_position=2,
        created_at=100.0,
        cost_estimate=0.7,
        currency="USD",
    )
    text = status_markdown(job, now=165.0)
    assert text.startswith("… **Queued** · position 3 in line · RunComfy\n")
    # Machine facts (ids, how long the making took) live in Details, not beside the clip.
    assert "rc-1" not in text and "abc123def456" not in text and "1 min" not in text
    details = details_markdown(job, now=165.0)
    assert "- **Request id:** `rc-1`" in details and "- **Job id:** `abc123def456`" in details
    assert "- **Running for:** 1 min 05 s" in details
    assert "- **Cost:** about $0.70 (estimate)" in details and "- **Sound:** on" in details
    assert elapsed_text(7) == "7 s"


def test_the_page_counts_prompt_characters_as_the_server_does():
    """The counter's JavaScript, run by node, agrees with the server's rule (code points)."""
    import json
    import shutil
    import subprocess

    from kling_ui.request import PROMPT_MAX, parse_request
    from kling_ui.ui.form import PROMPT_COUNT_JS

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    text = "🎬" * 1300 + "a" * 1200  # 2,500 code points, 3,800 UTF-16 units
    script = f"console.log(({PROMPT_COUNT_JS})({json.dumps(text)}))"
    shown = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=30)
    assert shown.stdout.strip() == f"2,500 / {PROMPT_MAX:,} characters"
    parse_request({"image": "https://x.test/a.jpg", "prompt": text})  # and the server agrees
    over = subprocess.run(
        [node, "-e", f"console.log(({PROMPT_COUNT_JS})({json.dumps(text + 'b')}))"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert over.stdout.strip().endswith("too long")


def test_the_card_says_time_left_trouble_and_money_in_words():
    base = {"owner": "o", "provider": "runninghub", "request": {"duration": 5}}
    running = JobRecord(
        id="a" * 12, state="running", request_id="t1", created_at=0.0, expected_at=200.0, **base
    )
    assert "about 2 min left" in status_markdown(running, now=80.0)
    # What Cancel means for money is said before the click, and only what is true:
    # RunningHub has no cancel, RunComfy stops a queued job but not a started one.
    cannot = "RunningHub can't stop it now: it finishes and may be charged."
    assert cannot in status_markdown(running, 80.0)
    queued = JobRecord(id="f" * 12, state="queued", request_id="t1", created_at=0.0, **base)
    assert cannot in status_markdown(queued, now=1.0)
    on_rc = {**base, "provider": "runcomfy"}
    queued = JobRecord(id="f" * 12, state="queued", request_id="t1", created_at=0.0, **on_rc)
    assert "cancel now and you won't be charged" in status_markdown(queued, now=1.0)
    started = JobRecord(id="f" * 12, state="running", request_id="t1", created_at=0.0, **on_rc)
    assert "RunComfy can't stop it now" in status_markdown(started, now=1.0)
    assert "ready any moment" in status_markdown(running, now=195.0)
    troubled = JobRecord(
        id="b" * 12, state="running", request_id="t1", created_at=0.0, trouble_since=50.0, **base
    )
    assert "Having trouble reaching RunningHub — your job is still running there" in (
        status_markdown(troubled, now=100.0)
    )
    unsent = JobRecord(id="c" * 12, state="canceled", **base)
    assert "you were not charged" in status_markdown(unsent, now=1.0)
    held = JobRecord(id="d" * 12, state="not_saved", request_id="t1", **base)
    assert "Paid on RunningHub, not saved here yet" in status_markdown(held, now=1.0)
    unknown = JobRecord(id="e" * 12, state="unknown", submitted_at=1.0, **base)
    assert "may have been charged" in status_markdown(unknown, now=2.0)


def test_each_row_says_its_own_problem_all_at_once():
    from kling_ui.ui.segments import MAX_ROWS, add_label, row_problems

    prompts = ["wide", "", "x" * 600, "fine", "unused"]
    seconds = [3, 4, 3, 30, 3]
    notes = row_problems(prompts, seconds, 4)
    assert notes == [
        "",
        "⚠ Segment 2: write what happens in it.",
        "⚠ Segment 3: 600 characters; the limit is 512.",
        "⚠ Segment 4: 30 s is outside 3-15 s; it counts as 15 s.",
        "",  # not shown: nothing to say
    ]
    assert add_label(2).value == f"+ Add segment (2 of {MAX_ROWS})"
    full = add_label(MAX_ROWS)
    assert full.interactive is False and "the most" in full.value


def test_which_provider_says_price_currency_and_where_to_get_a_key():
    from kling_ui.providers.registry import PROVIDERS
    from kling_ui.ui.present import which_provider_markdown

    text = which_provider_markdown()
    assert "$0.112/s ($0.14/s with sound), billed in USD" in text
    assert "¥0.69/s (¥0.87/s with sound), billed in CNY" in text
    for cls in PROVIDERS.values():
        assert not cls.needs_key or cls.key_url in text
