"""GenerationRequest and Segment: the seed schema and its rules, checked before money is spent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from . import models
from .errors import InputError

PROMPT_MAX = 2500
SEGMENT_PROMPT_MAX = 512  # Kling's own per-shot limit (stricter than the RunComfy schema)
DURATION_MIN, DURATION_MAX, DURATION_DEFAULT = 3, 15, 5
SEGMENTS_MAX = 20  # the seed schema's maxItems; the sum rule makes 5 the real ceiling

ShotType = Literal["customize", "intelligent"]
SHOT_TYPES: tuple[str, ...] = get_args(ShotType)  # the first is the default

FIELD_LABELS = {
    "image": "Start frame",
    "end_image": "End frame",
    "prompt": "Prompt",
    "duration": "Duration",
    "sound": "Sound",
    "shot_type": "Shot type",
    "multi_prompt": "Segments",
    "model": "Model",
}


class FieldProblem(ValueError):
    """A rule broken across fields; remembers which field the user should fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _check_duration(value: int, label: str, bounds: tuple[int, int] | None = None) -> int:
    low, high = bounds or (DURATION_MIN, DURATION_MAX)
    if not low <= value <= high:
        raise ValueError(f"{label} must be between {low} and {high} seconds (got {value}).")
    return value


def _check_text(value: str, label: str, limit: int) -> str:
    text = value.strip()
    if not text:
        raise ValueError(f"{label} is empty: describe what should happen.")
    if len(text) > limit:
        raise ValueError(f"{label} is {len(text):,} characters; the limit is {limit:,}.")
    return text


def _check_image_source(value: str | None, label: str) -> str | None:
    if value is None:
        return None
    source = value.strip()
    if not source:
        return None
    if source.lower().startswith("http://"):
        raise ValueError(f"{label}: web addresses must start with https:// (got http://).")
    return source


class Segment(BaseModel):
    """One timed prompt: a shot of `duration` seconds described by `prompt`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prompt: str
    duration: int = DURATION_DEFAULT

    @field_validator("prompt")
    @classmethod
    def _prompt(cls, value: str) -> str:
        return _check_text(value, "prompt", SEGMENT_PROMPT_MAX)

    @field_validator("duration")
    @classmethod
    def _duration(cls, value: int) -> int:
        return _check_duration(value, "length")


class GenerationRequest(BaseModel):
    """What the user asked for; provider-neutral. Never holds keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    image: str
    prompt: str
    end_image: str | None = None
    duration: int = DURATION_DEFAULT
    sound: bool = False
    shot_type: ShotType = "customize"
    multi_prompt: tuple[Segment, ...] = ()
    # A catalogue model id (models.py); the wire bodies are the provider adapters' business.
    model: str = models.DEFAULT_MODEL

    @field_validator("image", mode="before")
    @classmethod
    def _image(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValueError("Start frame is required: upload an image or give an https URL.")
        return value

    @field_validator("image")
    @classmethod
    def _image_source(cls, value: str) -> str:
        return _check_image_source(value, "Start frame") or value

    @field_validator("end_image")
    @classmethod
    def _end_image(cls, value: str | None) -> str | None:
        return _check_image_source(value, "End frame")

    @field_validator("prompt")
    @classmethod
    def _prompt(cls, value: str) -> str:
        return _check_text(value, "Prompt", PROMPT_MAX)

    @field_validator("duration")
    @classmethod
    def _duration(cls, value: int) -> int:
        # Any model's bounds here; the chosen model's own durations in _model_allows.
        return _check_duration(value, "Duration", models.duration_bounds())

    @field_validator("model")
    @classmethod
    def _model(cls, value: str) -> str:
        if models.find(value) is None:
            raise ValueError(
                f"Unknown model '{value[:60]}'; choose one of: {', '.join(models.CATALOGUE)}."
            )
        return value

    @field_validator("multi_prompt", mode="before")
    @classmethod
    def _segment_count(cls, value: Any) -> Any:
        if value is None:
            return ()
        if isinstance(value, (list, tuple)) and len(value) > SEGMENTS_MAX:
            raise ValueError(f"Too many segments: {len(value)}; the limit is {SEGMENTS_MAX}.")
        return value

    @model_validator(mode="after")
    def _model_allows(self) -> GenerationRequest:
        entry = models.find(self.model)
        if entry is not None:
            _check_model_rules(self, entry)
        return self

    @model_validator(mode="after")
    def _segments_fit(self) -> GenerationRequest:
        if not self.multi_prompt:
            return self
        entry = models.find(self.model)
        if self.end_image and not (entry and entry.end_frame_with_segments):
            raise FieldProblem(
                "end_image",
                "An end frame can't be combined with segments: "
                "remove the end frame or the segments.",
            )
        total = sum(s.duration for s in self.multi_prompt)
        if total != self.duration:
            raise FieldProblem(
                "multi_prompt",
                f"Segments add up to {total} s but the clip is {self.duration} s: make them match.",
            )
        return self

    def public_dict(self) -> dict[str, Any]:
        """JSON-ready parameters for the store, sidecars and re-use (never contains keys)."""
        return self.model_dump(mode="json")


def _check_model_rules(request: GenerationRequest, entry: models.ModelEntry) -> None:
    """What this model can't do, said per field before anything is sent (models.py)."""
    name = entry.label
    if request.duration not in entry.durations:
        low, high = entry.duration_range
        allowed = (
            f"between {low} and {high} seconds"
            if len(entry.durations) == high - low + 1
            else f"one of {', '.join(map(str, entry.durations))} seconds"
        )
        raise FieldProblem("duration", f"{name} makes clips {allowed} (got {request.duration}).")
    if request.sound and not entry.sound:
        raise FieldProblem("sound", f"{name} makes no sound: turn sound off.")
    if request.end_image and not entry.end_frame:
        raise FieldProblem("end_image", f"{name} takes no end frame: remove it.")
    if request.multi_prompt and not entry.segments:
        raise FieldProblem("multi_prompt", f"{name} takes no segments: remove them.")
    if request.shot_type not in entry.shot_types:
        raise FieldProblem(
            "shot_type", f"{name} offers the shot types: {', '.join(entry.shot_types)}."
        )


def parse_request(data: Mapping[str, Any]) -> GenerationRequest:
    """Validate `data` into a request, or raise InputError naming each bad field and its limit."""
    try:
        return GenerationRequest.model_validate(dict(data))
    except ValidationError as exc:
        raise InputError(_friendly_problems(exc)) from exc


def _friendly_problems(exc: ValidationError) -> dict[str, str]:
    problems: dict[str, str] = {}
    for error in exc.errors():
        loc = tuple(error["loc"])
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, FieldProblem):
            loc = (cause.field,)
        key = ".".join(str(part) for part in loc) or "request"
        if key in problems:
            continue
        problems[key] = _friendly_message(loc, error)
    return problems


def _friendly_message(loc: tuple[Any, ...], error: Mapping[str, Any]) -> str:
    field = str(loc[0]) if loc else ""
    label = FIELD_LABELS.get(field, field.replace("_", " ").capitalize() or "Request")
    row = ""
    if field == "multi_prompt" and len(loc) >= 2 and isinstance(loc[1], int):
        row = f"Segment {loc[1] + 1}"
        part = {"prompt": "prompt", "duration": "length"}.get(str(loc[2]) if len(loc) > 2 else "")
        label = f"{row} {part}" if part else row
    kind = error.get("type", "")
    if kind == "value_error":
        # Our validators already wrote a complete sentence; a segment row's starts lower-case
        # ("prompt is 600 characters...") so it reads on after "Segment 2".
        text = str(error["ctx"]["error"])
        return f"{row} {text}" if row else text
    if kind == "missing":
        return f"{label} is required."
    if kind == "extra_forbidden":
        return f"Unknown field '{'.'.join(map(str, loc))}'."
    if kind.startswith("int"):
        return f"{label} must be a whole number of seconds."
    if kind.startswith("bool"):
        return f"{label} must be on or off (true/false)."
    if kind == "literal_error":
        return f"{label} must be one of: {error['ctx']['expected']}."
    if kind.startswith("string"):
        return f"{label} must be text."
    return f"{label}: {error.get('msg', 'invalid value')}."
