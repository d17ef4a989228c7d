"""A batch or story file's lines: JSON Lines, one clip a line, with the `generate` options as
keys (image, prompt, end_image, duration, sound, shot_type, segments, provider, model). Relative
paths are taken from the file's folder. Every line is checked, frames included, before
anything is sent; InputError names each bad line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import assets, pricing
from .errors import InputError
from .images import normalise_image
from .providers.registry import PROVIDERS
from .request import GenerationRequest, parse_request

KEYS = {
    "image",
    "prompt",
    "end_image",
    "duration",
    "sound",
    "shot_type",
    "segments",
    "provider",
    "model",
}


@dataclass
class Line:
    number: int  # in the file, from 1
    fields: dict[str, Any]  # as parse_request takes them (image may be None: chained)
    provider: str
    chained: bool = False  # starts from the previous clip's last frame

    def request(self, image: str | None = None) -> GenerationRequest:
        return parse_request({**self.fields, "image": image or self.fields["image"]})

    def estimate(self) -> pricing.Estimate:
        return pricing.estimate(
            self.provider,
            int(self.fields.get("duration") or 5),
            bool(self.fields.get("sound")),
            self.fields.get("model"),
        )


def load_lines(path: Path, *, story: bool = False) -> list[Line]:
    """Every line checked; InputError lists each bad one ("line 3: ...") before any is sent."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError({"file": f"{path} can't be read ({exc.strerror})."}) from exc
    lines: list[Line] = []
    problems: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        raw = raw.strip()
        if not raw or raw.startswith("#"):
            continue
        try:
            lines.append(_line(number, raw, path.parent, story=story, first=not lines))
        except InputError as exc:
            for problem in exc.problems.values():
                problems[f"line {number}"] = f"line {number}: {problem}"
                break
    if not lines and not problems:
        problems["file"] = f"{path} has no clips (one JSON object per line)."
    if problems:
        raise InputError(problems)
    return lines


def _line(number: int, raw: str, folder: Path, *, story: bool, first: bool) -> Line:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError({"line": f"isn't valid JSON ({exc.msg})."}) from exc
    if not isinstance(data, dict):
        raise InputError({"line": "must be a JSON object with the clip's options."})
    return line_from_options(number, data, folder, story=story, first=first)


def line_from_options(
    number: int, data: dict[str, Any], folder: Path, *, story: bool, first: bool
) -> Line:
    """One clip from its `generate` options (a file's line, or a shot in the Story tab);
    InputError when any rule fails, before anything is sent."""
    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise InputError({"line": f"unknown key(s) {', '.join(unknown)}; use {sorted(KEYS)}."})
    provider = data.get("provider", "preview")
    if provider not in PROVIDERS:
        raise InputError({"provider": f"provider must be one of: {', '.join(PROVIDERS)}."})
    fields = {
        "image": _path(data.get("image"), folder),
        "end_image": _path(data.get("end_image"), folder),
        "prompt": data.get("prompt", ""),
        "duration": data.get("duration", 5),
        "sound": data.get("sound", False),
        "shot_type": data.get("shot_type", "customize"),
        "multi_prompt": data.get("segments") or [],
    }
    if "model" in data:  # absent: the default model (and a line's identity as before)
        fields["model"] = data["model"]
    chained = story and not fields["image"]
    if chained and first:
        raise InputError({"image": "the first shot of a story needs an image."})
    for name in ("image", "end_image"):
        _check_frame(fields[name], name)
    # A chained shot's frame exists only once the shot before it is made: check the rest
    # of the line against a stand-in frame that passes the frame rules.
    stand_in = str(assets.path("sunset_lake.jpg"))
    parse_request({**fields, "image": stand_in} if chained else fields)
    return Line(number, fields, provider, chained)


def _check_frame(source: Any, field: str) -> None:
    """A local frame must exist and pass the frame rules now, not after others were paid."""
    if not isinstance(source, str) or not source or source.startswith(("https://", "http://")):
        return
    path = Path(source)
    if not path.is_file():
        raise InputError({field: f"{field} {path.name} was not found."})
    normalise_image(path.read_bytes(), field=field)


def _path(value: Any, folder: Path) -> Any:
    if isinstance(value, str) and value and not value.startswith(("https://", "http://")):
        candidate = Path(value).expanduser()
        return str(candidate if candidate.is_absolute() else (folder / candidate).resolve())
    return value


def totals(lines: list[Line]) -> dict[str, float]:
    """The whole file's estimate, per currency."""
    sums: dict[str, float] = {}
    for line in lines:
        estimate = line.estimate()
        if estimate.amount:
            sums[estimate.currency] = sums.get(estimate.currency, 0.0) + estimate.amount
    return sums
