"""The public API's payload, checked strictly before it becomes a GenerationRequest.

API callers send JSON: "false" is not a boolean, 5.7 is not a number of seconds, null is
not a prompt. Every failure is one short line naming the field (and never echoes a huge
value back); the request rules themselves (limits, segment sums) are request.py's.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
from gradio import processing_utils
from gradio.data_classes import ImageData
from gradio.utils import get_upload_folder

from .. import models, pricing
from ..errors import InputError
from ..images import MAX_ASPECT, MIN_SIDE
from ..providers.registry import PROVIDERS
from ..request import (
    DURATION_DEFAULT,
    DURATION_MAX,
    DURATION_MIN,
    PROMPT_MAX,
    SEGMENT_PROMPT_MAX,
    SHOT_TYPES,
)


def _sound_note() -> str:
    paid = [cls for cls in PROVIDERS.values() if cls.needs_key]
    return ", ".join(f"{pricing.sound_surcharge(cls.name)} on {cls.label}" for cls in paid)


def _model_note() -> str:
    return ", ".join(f'"{m}" ({entry.label})' for m, entry in models.CATALOGUE.items())


# One line each: Gradio reads a parameter's description from its docstring line alone.
# Every bound comes from request.py, every price and model from the catalogue (models.py).
DESCRIPTIONS = {
    "image": "The start frame: an https URL or a base64 data URL (data:image/jpeg;base64,...) "
    f"of a jpg, png, webp or bmp image, each side at least {MIN_SIDE} px, shape between "
    f"1:{MAX_ASPECT:g} and {MAX_ASPECT:g}:1.",
    "prompt": "What should happen in the clip: motion, camera move, light, action "
    f"(1 to {PROMPT_MAX} characters).",
    "end_image": "Optional end frame the clip should arrive at, given like image; not "
    "combinable with multi_prompt. Omit or null for none.",
    "duration": f"Length of the clip in whole seconds, from {DURATION_MIN} to {DURATION_MAX}. "
    f"Default {DURATION_DEFAULT}.",
    "sound": f"true to generate a soundtrack as well (costs more: {_sound_note()}), false "
    "for a silent clip. Default false.",
    "shot_type": '"customize" follows the prompt; "intelligent" lets the model decide the '
    'cuts. Default "customize".',
    "multi_prompt": "Optional timed shots: a list of objects {prompt: text up to "
    f"{SEGMENT_PROMPT_MAX} characters, duration: whole seconds {DURATION_MIN}-{DURATION_MAX}"
    "}; their durations must add up to duration. Empty for one continuous shot.",
    "provider": '"preview" makes a free offline rough draft; the names of the hosted '
    'providers run Kling on the server\'s key (they cost money). Default "preview".',
    "model": f"The model, one of: {_model_note()}. Not every provider runs every model; "
    f'the preview renders any. Default "{models.DEFAULT_MODEL}".',
}

SEGMENTS_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "prompt": {"type": "string", "description": "what happens in this shot"},
            "duration": {"type": "integer", "minimum": DURATION_MIN, "maximum": DURATION_MAX},
        },
        "required": ["prompt", "duration"],
    },
}


class SegmentsInput(gr.JSON):
    """A JSON input whose API and MCP schema says what it holds (gr.JSON says "anything")."""

    def api_info(self) -> dict[str, Any]:
        return {**SEGMENTS_SCHEMA, "description": DESCRIPTIONS["multi_prompt"]}


class OptionalImage(gr.JSON):
    """An image input that may be null (end_image). gr.Image's schema says "an image" only,
    so MCP clients, which check arguments against the schema, refused the documented null;
    and gr.Image's data model refuses the plain URL text that MCP then passes through. The
    value (a file, an https or data: URL, or null) is checked by the handler (uploads.py)."""

    def api_info(self) -> dict[str, Any]:
        image = {**ImageData.model_json_schema(), "additional_description": "a URL or a file"}
        return {"anyOf": [image, {"type": "null"}]}


def saved_data_url(value: Any) -> Any:
    """A data: URL that arrives as text, saved to Gradio's upload cache as Gradio saves the
    files it converts; anything else unchanged. Gradio's MCP layer converts only file fields
    whose whole schema is a file, which a nullable one is not."""
    if isinstance(value, str) and value.startswith("data:image/"):
        return processing_utils.save_base64_to_cache(value, get_upload_folder())
    return value


def strict_fields(
    *,
    prompt: Any,
    duration: Any,
    sound: Any,
    shot_type: Any,
    multi_prompt: Any,
    provider: Any,
    model: Any = models.DEFAULT_MODEL,
) -> dict[str, Any]:
    """The non-file fields, type-checked; InputError names each bad one in a short line."""
    problems: dict[str, str] = {}
    if not isinstance(prompt, str):
        problems["prompt"] = "prompt must be text."
    if isinstance(duration, float) and duration.is_integer() and abs(duration) < 1e6:
        duration = int(duration)
    if (
        isinstance(duration, bool)
        or not isinstance(duration, int)
        or not DURATION_MIN <= duration <= DURATION_MAX
    ):
        problems["duration"] = (
            f"duration must be a whole number of seconds from {DURATION_MIN} to {DURATION_MAX}."
        )
    if not isinstance(sound, bool):
        problems["sound"] = "sound must be true or false (a JSON boolean)."
    if shot_type not in SHOT_TYPES:
        problems["shot_type"] = f"shot_type must be {' or '.join(SHOT_TYPES)}."
    if provider not in PROVIDERS:
        problems["provider"] = f"provider must be one of: {', '.join(PROVIDERS)}."
    model = models.DEFAULT_MODEL if model is None else model  # JSON null: not given
    if not isinstance(model, str) or model not in models.CATALOGUE:
        problems["model"] = f"model must be one of: {', '.join(models.CATALOGUE)}."
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
        "model": model,
    }


def _segment_shape(item: Any) -> bool:
    if not isinstance(item, dict) or set(item) - {"prompt", "duration"}:
        return False
    seconds = item.get("duration")
    if isinstance(seconds, float) and seconds.is_integer():
        item["duration"] = seconds = int(seconds)
    return isinstance(item.get("prompt"), str) and type(seconds) is int
