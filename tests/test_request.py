"""Every rule of the seed schema, each bad case with the message a person reads."""

from __future__ import annotations

import pytest

from kling_ui.errors import InputError
from kling_ui.request import GenerationRequest, parse_request

GOOD = {"image": "start.png", "prompt": "A slow push in."}


def problems(**changes) -> dict[str, str]:
    with pytest.raises(InputError) as caught:
        parse_request({**GOOD, **changes})
    return caught.value.problems


def test_defaults_match_the_seed_schema():
    request = parse_request(GOOD)
    assert (request.duration, request.sound, request.shot_type) == (5, False, "customize")
    assert request.end_image is None and request.multi_prompt == ()


def test_a_full_request_round_trips_through_public_dict():
    request = parse_request(
        {
            **GOOD,
            "end_image": None,
            "duration": 8,
            "sound": True,
            "shot_type": "intelligent",
            "multi_prompt": [{"prompt": "one", "duration": 3}, {"prompt": "two", "duration": 5}],
        }
    )
    again = GenerationRequest.model_validate(request.public_dict())
    assert again == request
    assert [s.duration for s in again.multi_prompt] == [3, 5]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"image": ""}, "image", "Start frame is required: upload an image or give an https URL."),
        ({"image": None}, "image", "Start frame is required"),
        ({"image": "http://x.test/a.png"}, "image", "must start with https://"),
        ({"end_image": "http://x.test/a.png"}, "end_image", "End frame: web addresses must"),
        ({"prompt": "   "}, "prompt", "Prompt is empty"),
        ({"prompt": "x" * 2501}, "prompt", "Prompt is 2,501 characters; the limit is 2,500."),
        ({"duration": 2}, "duration", "Duration must be between 3 and 15 seconds (got 2)."),
        ({"duration": 16}, "duration", "Duration must be between 3 and 15 seconds (got 16)."),
        ({"duration": "five"}, "duration", "Duration must be a whole number of seconds."),
        ({"sound": "maybe"}, "sound", "Sound must be on or off"),
        ({"shot_type": "auto"}, "shot_type", "Shot type must be one of: 'customize' or"),
        ({"colour": "red"}, "colour", "Unknown field 'colour'."),
    ],
)
def test_each_field_rule_names_the_field_and_limit(changes, field, message):
    found = problems(**changes)
    assert field in found
    assert message in found[field]


def test_prompt_at_the_limit_is_fine():
    assert len(parse_request({**GOOD, "prompt": "x" * 2500}).prompt) == 2500


def test_segments_must_add_up_to_the_duration():
    found = problems(
        duration=10, multi_prompt=[{"prompt": "a", "duration": 3}, {"prompt": "b", "duration": 5}]
    )
    assert found == {
        "multi_prompt": "Segments add up to 8 s but the clip is 10 s: make them match."
    }


def test_segment_rows_are_numbered_in_messages():
    found = problems(
        duration=15,
        multi_prompt=[
            {"prompt": "a", "duration": 2},
            {"prompt": "b" * 513, "duration": 5},
            {"duration": 4},
            {"prompt": "d", "duration": 16},
        ],
    )
    assert found["multi_prompt.0.duration"] == (
        "Segment 1 length must be between 3 and 15 seconds (got 2)."
    )
    assert found["multi_prompt.1.prompt"] == (
        "Segment 2 prompt is 513 characters; the limit is 512."
    )
    assert found["multi_prompt.2.prompt"] == "Segment 3 prompt is required."
    assert "Segment 4 length must be between 3 and 15" in found["multi_prompt.3.duration"]


def test_too_many_segments():
    rows = [{"prompt": "a", "duration": 3}] * 21
    assert "Too many segments: 21; the limit is 20." in problems(multi_prompt=rows)["multi_prompt"]


def test_end_frame_and_segments_do_not_mix():
    found = problems(
        end_image="end.png",
        duration=6,
        multi_prompt=[{"prompt": "a", "duration": 3}, {"prompt": "b", "duration": 3}],
    )
    assert found["end_image"].startswith("An end frame can't be combined with segments")


def test_every_problem_is_reported_at_once():
    found = problems(image="", prompt="", duration=99)
    assert set(found) == {"image", "prompt", "duration"}
    with pytest.raises(InputError) as caught:
        parse_request({"image": "", "prompt": "", "duration": 99})
    assert caught.value.user_message.count(";") == 2  # one sentence per field


def test_whitespace_is_trimmed_and_blank_end_frame_means_none():
    request = parse_request({**GOOD, "prompt": "  hi  ", "end_image": "  "})
    assert request.prompt == "hi" and request.end_image is None
