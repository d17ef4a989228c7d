"""The Story tab's own logic: shot rows, the cost shown before paying, and each bad shot named."""

from __future__ import annotations

import pytest

from kling_ui.errors import InputError
from kling_ui.ui.story_tab import MAX_SHOTS, change, story_cost, story_lines

from .conftest import ROOT

ASSET = str(ROOT / "assets" / "sunset_lake.jpg")


def test_shots_are_added_moved_duplicated_and_removed_but_never_all():
    shots = [("a", 3, False, None), ("b", 4, True, None)]
    assert change(shots, "up", 1) == [shots[1], shots[0]]
    assert change(shots, "up", 0) == shots  # nothing above the first
    assert change(shots, "duplicate", 0) == [shots[0], shots[0], shots[1]]
    assert change(change(shots, "remove", 0), "remove", 0) == [shots[1]]  # one stays
    full = shots * 3
    assert len(full) == MAX_SHOTS and change(full, "add", -1) == full


def test_the_story_cost_is_per_shot_and_summed_in_the_providers_currency():
    shots = [("a", 5, False, None), ("b", 10, True, None)]
    text = story_cost("runcomfy", shots)
    assert "about $1.96" in text and "shot 1: $0.56" in text and "shot 2: $1.40" in text
    assert "¥" in story_cost("runninghub", shots)
    assert "free" in story_cost("preview", shots)


def test_every_bad_shot_is_named_before_anything_is_sent(tmp_path):
    shots = [("wide", 5, False, None), ("x" * 3000, 5, False, None), ("fine", 5, False, None)]
    with pytest.raises(InputError) as caught:
        story_lines(shots, None, "preview", tmp_path)
    problems = list(caught.value.problems.values())
    assert problems == [
        "Shot 1: the first shot of a story needs an image.",
        "Shot 2: Prompt is 3,000 characters; the limit is 2,500.",
    ]
    lines = story_lines(shots[:1] + shots[2:], ASSET, "preview", tmp_path)
    assert [line.chained for line in lines] == [False, True]
