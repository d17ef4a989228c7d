"""The public API's payload, checked strictly before it becomes a GenerationRequest.

API callers send JSON: "false" is not a boolean, 5.7 is not a number of seconds, null is
not a prompt. Every failure is one short line naming the field (and never echoes a huge
value back); the request rules themselves (limits, segment sums) are request.py's.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from ..errors import InputError
from ..providers import PROVIDERS

SHOT_TYPES = ("customize", "intelligent")

# One line each: Gradio reads a parameter's description from its docstring line alone.
DESCRIPTIONS = {
    "image": "The start frame: an https URL or a base64 data URL (data:image/jpeg;base64,...) "
    "of a jpg, png, webp or bmp image, each side at least 300 px, shape between 1:2.5 and 2.5:1.",
    "prompt": "What should happen in the clip: motion, camera move, light, action "
    "(1 to 2500 characters).",
    "end_image": "Optional end frame the clip should arrive at, given like image; not "
    "combinable with multi_prompt. Omit or null for none.",
    "duration": "Length of the clip in whole seconds, from 3 to 15. Default 5.",
    "sound": "true to generate a soundtrack as well (costs more: +25 % on RunComfy, "
    "+26 % on RunningHub), false for a silent clip. Default false.",
    "shot_type": '"customize" follows the prompt; "intelligent" lets the model decide the '
    'cuts. Default "customize".',
    "multi_prompt": "Optional timed shots: a list of objects {prompt: text up to 512 "
    "characters, duration: whole seconds 3-15}; their durations must add up to duration. "
    "Empty for one continuous shot.",
    "provider": '"preview" renders a free offline animatic; the names of the hosted '
    'providers run Kling on the server\'s key (they cost money). Default "preview".',
}

SEGMENTS_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "prompt": {"type": "string", "description": "what happens in this shot"},
            "duration": {"type": "integer", "minimum": 3, "maximum": 15},
        },
        "required": ["prompt", "duration"],
    },
}


class SegmentsInput(gr.JSON):
    """A JSON input whose API and MCP schema says what it holds (gr.JSON says "anything")."""

    def api_info(self) -> dict[str, Any]:
        return {**SEGMENTS_SCHEMA, "description": DESCRIPTIONS["multi_prompt"]}


def strict_fields(
    *,
    prompt: Any,
    duration: Any,
    sound: Any,
    shot_type: Any,
    multi_prompt: Any,
    provider: Any,
) -> dict[str, Any]:
    """The non-file fields, type-checked; InputError names each bad one in a short line."""
    problems: dict[str, str] = {}
    if not isinstance(prompt, str):
        problems["prompt"] = "prompt must be text."
    if isinstance(duration, float) and duration.is_integer() and abs(duration) < 1e6:
        duration = int(duration)
    if isinstance(duration, bool) or not isinstance(duration, int) or not 3 <= duration <= 15:
        problems["duration"] = "duration must be a whole number of seconds from 3 to 15."
    if not isinstance(sound, bool):
        problems["sound"] = "sound must be true or false (a JSON boolean)."
    if shot_type not in SHOT_TYPES:
        problems["shot_type"] = "shot_type must be customize or intelligent."
    if provider not in PROVIDERS:
        problems["provider"] = f"provider must be one of: {', '.join(PROVIDERS)}."
    segments = [] if multi_prompt is None else multi_prompt
    if not isinstance(segments, list) or not all(_segment_shape(s) for s in segments):
        problems["multi_prompt"] = (
            "multi_prompt must be a list of {prompt: text, duration: whole seconds}."
        )
    if problems:
        raise InputError(problems)
    return {
        "prompt": prompt,
        "duration": duration,
        "sound": sound,
        "shot_type": shot_type,
        "multi_prompt": segments,
    }


def _segment_shape(item: Any) -> bool:
    if not isinstance(item, dict) or set(item) - {"prompt", "duration"}:
        return False
    seconds = item.get("duration")
    if isinstance(seconds, float) and seconds.is_integer():
        item["duration"] = seconds = int(seconds)
    return isinstance(item.get("prompt"), str) and type(seconds) is int
