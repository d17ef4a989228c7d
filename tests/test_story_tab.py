"""The Story tab's own logic: shot rows, the cost shown before paying, and each bad shot named."""

from __future__ import annotations

import pytest

from kling_ui import assets
from kling_ui.errors import InputError
from kling_ui.shots import MAX_SHOTS, Shot, parse_timed, story_lines
from kling_ui.ui.story_shots import change, story_cost

ASSET = str(assets.path("sunset_lake.jpg"))


def test_shots_are_added_moved_duplicated_and_removed_but_never_all():
    shots = [Shot("a", 3), Shot("b", 4, True, segments="2: x\n2: y")]
    assert change(shots, "up", 1) == [shots[1], shots[0]]
    assert change(shots, "up", 0) == shots  # nothing above the first
    assert change(shots, "duplicate", 0) == [shots[0], shots[0], shots[1]]
    assert change(change(shots, "remove", 0), "remove", 0) == [shots[1]]  # one stays
    full = shots * 3
    assert len(full) == MAX_SHOTS and change(full, "add", -1) == full


def test_the_story_cost_is_per_shot_and_summed_in_the_providers_currency():
    shots = [Shot("a", 5), Shot("b", 10, sound=True)]
    text = story_cost("runcomfy", shots)
    assert "about $1.96" in text and "shot 1: $0.56" in text and "shot 2: $1.40" in text
    assert "¥" in story_cost("runninghub", shots)
    assert "free" in story_cost("preview", shots)


def test_every_bad_shot_is_named_before_anything_is_sent(tmp_path):
    shots = [Shot("wide", 5), Shot("x" * 3000, 5), Shot("fine", 6, segments="3: a\n3 s - b")]
    with pytest.raises(InputError) as caught:
        story_lines(shots, None, "preview", tmp_path)
    problems = list(caught.value.problems.values())
    assert problems == [
        "Shot 1: the first shot of a story needs an image.",
        "Shot 2: Prompt is 3,000 characters; the limit is 2,500.",
    ]
    lines = story_lines(shots[:1] + shots[2:], ASSET, "preview", tmp_path)
    assert [line.chained for line in lines] == [False, True]
    assert lines[1].fields["multi_prompt"] == [
        {"prompt": "a", "duration": 3},
        {"prompt": "b", "duration": 3},
    ]


def test_timed_prompts_are_read_one_a_line_and_a_bad_line_is_named(tmp_path):
    assert parse_timed("3: wide\n\n 2s – closer ") == [
        {"prompt": "wide", "duration": 3},
        {"prompt": "closer", "duration": 2},
    ]
    with pytest.raises(InputError, match="timed prompt line 2"):
        parse_timed("3: wide\njust words")
    with pytest.raises(InputError) as caught:  # they must add up to the shot
        story_lines([Shot("p", 5, segments="3: a\n3: b")], ASSET, "preview", tmp_path)
    assert list(caught.value.problems.values()) == [
        "Shot 1: Segments add up to 6 s but the clip is 5 s: make them match."
    ]
