"""A story's shots as data, and turning them into story lines (every rule checked).

The Story tab edits shots; the service turns them into lines (lines.py) and makes them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

from .errors import InputError
from .lines import Line, line_from_options
from .said import said

MAX_SHOTS = 6


class Shot(NamedTuple):
    prompt: str
    seconds: int
    sound: bool = False
    frame: str | None = None  # its own start frame; None: the last frame of the shot before
    segments: str = ""  # timed prompts, one a line: "3: the door opens"


def parse_timed(text: str) -> list[dict[str, Any]]:
    """Timed prompts typed one a line as "3: the door opens" (3 seconds, then the words)."""
    segments = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        match = TIMED.match(raw)
        if match is None:
            raise InputError({"segments": said("problem.timed_line", number=number)})
        segments.append({"prompt": match["words"].strip(), "duration": int(match["seconds"])})
    return segments


TIMED = re.compile(r"^\s*(?P<seconds>\d{1,2})\s*(?:s|sec|seconds)?\s*[:\-–]\s*(?P<words>.+)$")


def story_lines(shots: list[Shot], start: str | None, provider: str, folder: Path) -> list[Line]:
    """The shots as story lines, every rule checked; InputError names each bad shot."""
    lines: list[Line] = []
    problems: dict[str, str] = {}
    for i, shot in enumerate(shots):
        try:
            options = {
                "image": (start if i == 0 else shot.frame) or None,
                "prompt": shot.prompt,
                "duration": shot.seconds,
                "sound": shot.sound,
                "segments": parse_timed(shot.segments),
                "provider": provider,
            }
            lines.append(line_from_options(i + 1, options, folder, story=True, first=i == 0))
        except InputError as exc:
            problems[f"shot {i + 1}"] = said("problem.shot", n=i + 1, text=_joined(exc))
    if problems:
        raise InputError(problems)
    return lines


def _joined(exc: InputError) -> str:
    """The shot's problems in one sentence (each kept translatable: see said.py)."""
    items = list(exc.problems.values())
    text = items[-1]
    for item in reversed(items[:-1]):
        text = said("problem.and", first=item, rest=text)
    return text
