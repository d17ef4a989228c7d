"""GenerationRequest and Segment: the seed schema and its rules, checked before money is spent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from . import models
from .errors import InputError
from .said import Said, listed, said

PROMPT_MAX = 2500
SEGMENT_PROMPT_MAX = 512  # Kling's own per-shot limit (stricter than the RunComfy schema)
DURATION_MIN, DURATION_MAX, DURATION_DEFAULT = 3, 15, 5
SEGMENTS_MAX = 20  # the seed schema's maxItems; the sum rule makes 5 the real ceiling

ShotType = Literal["customize", "intelligent"]
SHOT_TYPES: tuple[str, ...] = get_args(ShotType)  # the first is the default

# Each field's name as a problem says it (English is the str, said.py has both languages).
_FIELDS = ("image", "end_image", "prompt", "duration", "sound", "shot_type", "multi_prompt")
FIELD_LABELS: dict[str, Said] = {name: said(f"label.{name}") for name in (*_FIELDS, "model")}


class FieldProblem(ValueError):
    """A rule broken across fields; remembers which field the user should fix."""

    def __init__(self, field: str, message: Said) -> None:
        super().__init__(message)
        self.field = field


def _check_duration(value: int, label: Said, bounds: tuple[int, int] | None = None) -> int:
    low, high = bounds or (DURATION_MIN, DURATION_MAX)
    if not low <= value <= high:
        raise ValueError(
            said("problem.duration_range", label=label, low=low, high=high, value=value)
        )
    return value


def _check_text(value: str, label: Said, limit: int) -> str:
    text = value.strip()
    if not text:
        raise ValueError(said("problem.text_empty", label=label))
    if len(text) > limit:
        raise ValueError(
            said("problem.text_long", label=label, count=f"{len(text):,}", limit=f"{limit:,}")
        )
    return text


def _check_image_source(value: str | None, label: Said) -> str | None:
    if value is None:
        return None
    source = value.strip()
    if not source:
        return None
    if source.lower().startswith("http://"):
        raise ValueError(said("problem.http", label=label))
    return source


class Segment(BaseModel):
    """One timed prompt: a shot of `duration` seconds described by `prompt`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prompt: str
    duration: int = DURATION_DEFAULT

    @field_validator("prompt")
    @classmethod
    def _prompt(cls, value: str) -> str:
        return _check_text(value, said("label.segment_prompt"), SEGMENT_PROMPT_MAX)

    @field_validator("duration")
    @classmethod
    def _duration(cls, value: int) -> int:
        return _check_duration(value, said("label.segment_length"))


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
            raise ValueError(said("problem.image_required"))
        return value

    @field_validator("image")
    @classmethod
    def _image_source(cls, value: str) -> str:
        return _check_image_source(value, FIELD_LABELS["image"]) or value

    @field_validator("end_image")
    @classmethod
    def _end_image(cls, value: str | None) -> str | None:
        return _check_image_source(value, FIELD_LABELS["end_image"])

    @field_validator("prompt")
    @classmethod
    def _prompt(cls, value: str) -> str:
        return _check_text(value, FIELD_LABELS["prompt"], PROMPT_MAX)

    @field_validator("duration")
    @classmethod
    def _duration(cls, value: int) -> int:
        # Any model's bounds here; the chosen model's own durations in _model_allows.
        return _check_duration(value, FIELD_LABELS["duration"], models.duration_bounds())

    @field_validator("model")
    @classmethod
    def _model(cls, value: str) -> str:
        if models.find(value) is None:
            choices = ", ".join(models.CATALOGUE)
            raise ValueError(said("problem.model_unknown", value=value[:60], choices=choices))
        return value

    @field_validator("multi_prompt", mode="before")
    @classmethod
    def _segment_count(cls, value: Any) -> Any:
        if value is None:
            return ()
        if isinstance(value, (list, tuple)) and len(value) > SEGMENTS_MAX:
            raise ValueError(said("problem.segments_many", count=len(value), limit=SEGMENTS_MAX))
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
            raise FieldProblem("end_image", said("problem.end_and_segments"))
        total = sum(s.duration for s in self.multi_prompt)
        if total != self.duration:
            raise FieldProblem(
                "multi_prompt", said("problem.segments_sum", total=total, clip=self.duration)
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
        value = request.duration
        if len(entry.durations) == high - low + 1:
            problem = said(
                "problem.model_durations_range", model=name, low=low, high=high, value=value
            )
        else:
            choices = ", ".join(map(str, entry.durations))
            problem = said("problem.model_durations_list", model=name, choices=choices, value=value)
        raise FieldProblem("duration", problem)
    if request.sound and not entry.sound:
        raise FieldProblem("sound", said("problem.model_no_sound", model=name))
    if request.end_image and not entry.end_frame:
        raise FieldProblem("end_image", said("problem.model_no_end", model=name))
    if request.multi_prompt and not entry.segments:
        raise FieldProblem("multi_prompt", said("problem.model_no_segments", model=name))
    if request.shot_type not in entry.shot_types:
        choices = listed([_shot_type(name) for name in entry.shot_types])
        raise FieldProblem(
            "shot_type", said("problem.model_shot_types", model=name, choices=choices)
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
    label: str = FIELD_LABELS.get(field) or (
        field.replace("_", " ").capitalize() if field else said("label.request")
    )
    row: Said | None = None
    if field == "multi_prompt" and len(loc) >= 2 and isinstance(loc[1], int):
        row = said("label.segment", n=loc[1] + 1)
        part = {"prompt": "segment_prompt", "duration": "segment_length"}.get(
            str(loc[2]) if len(loc) > 2 else ""
        )
        label = (
            said("label.segment_part", n=loc[1] + 1, part=said(f"label.{part}")) if part else row
        )
    kind = error.get("type", "")
    if kind == "value_error":
        # Our validators already wrote a complete sentence (a Said: its first argument); a
        # segment row's starts lower-case ("prompt is 600 characters...") so it reads on
        # after "Segment 2".
        cause = error["ctx"]["error"]
        text = cause.args[0] if cause.args and isinstance(cause.args[0], str) else str(cause)
        return said("problem.in_row", row=row, text=text) if row else text
    return _kind_message(kind, label, loc, error)


def _kind_message(kind: str, label: str, loc: tuple[Any, ...], error: Mapping[str, Any]) -> str:
    if kind == "missing":
        return said("problem.required", label=label)
    if kind == "extra_forbidden":
        return said("problem.unknown_field", name=".".join(map(str, loc)))
    if kind.startswith("int"):
        return said("problem.whole_seconds", label=label)
    if kind.startswith("bool"):
        return said("problem.on_off", label=label)
    if kind == "literal_error":
        return said("problem.one_of", label=label, choices=_either(error["ctx"]["expected"]))
    if kind.startswith("string"):
        return said("problem.text", label=label)
    return said("problem.other", label=label, detail=error.get("msg", "invalid value"))


def _either(expected: str) -> str:
    """Pydantic's "'a', 'b' or 'c'", kept word for word, with its "or" translatable."""
    first, sep, last = expected.rpartition(" or ")
    return said("words.or", first=first, last=last) if sep else expected


def _shot_type(name: str) -> str:
    return said(f"shot.{name}") if name in SHOT_TYPES else name
