"""The animatic's shots and camera: which move a prompt asks for, where the cuts fall, and
where the virtual camera is at each moment. Pure arithmetic; animatic.py draws it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

FPS = 24

# (phrase, move): the first phrase found in the prompt wins, so specific phrases come first.
_MOVE_WORDS: list[tuple[str, str]] = [
    (r"pull(s|ing)? (out|back)|zoom(s|ing)? out|dolly(ing)? out|pulls away|reveal", "pull_out"),
    (r"push(es|ing)?[ -]in|zoom(s|ing)? in|dolly(ing)? in|close[ -]?up|closer|approach", "push_in"),
    (r"orbit|circl|around|arc(s|ing)?\b|rotat|revolv", "orbit"),
    (r"pan(s|ning)? left|to the left|leftward|moves left", "pan_left"),
    (r"pan(s|ning)? right|to the right|rightward|moves right", "pan_right"),
    (r"tilt(s|ing)? up|crane(s|ing)? up|rises|rising|looks? up|ascend|upward", "tilt_up"),
    (r"tilt(s|ing)? down|crane(s|ing)? down|descend|looks? down|downward|falls|sinks", "tilt_down"),
    (r"\bpan(s|ning)?\b|track(s|ing)?\b|follow", "pan_right"),
]
# Intelligent shot type picks its own sequence; each shot moves differently from the last.
_AUTO_SEQUENCE = ("push_in", "pan_right", "tilt_up", "orbit", "pull_out")
# A gentle colour grade per shot so a cut reads as a new shot; shot 1 keeps the true colours.
_GRADES = [(1.0, 1.0), (1.08, 0.9), (0.92, 1.12), (1.05, 1.2), (0.95, 0.85)]


def choose_move(prompt: str, default: str = "push_in") -> str:
    text = prompt.lower()
    for pattern, move in _MOVE_WORDS:
        if re.search(pattern, text):
            return move
    return default


@dataclass(frozen=True)
class Shot:
    prompt: str
    frames: int
    move: str
    grade: tuple[float, float] = (1.0, 1.0)  # (brightness, colour saturation)


def plan_shots(
    prompt: str, duration: int, segments: list[tuple[str, int]], shot_type: str
) -> list[Shot]:
    """One shot per segment; `intelligent` cuts the clip itself; otherwise one shot."""
    if segments:
        parts = segments
    elif shot_type == "intelligent" and duration >= 6:
        count = max(2, round(duration / 4))
        base, extra = divmod(duration, count)
        parts = [(prompt, base + (1 if i < extra else 0)) for i in range(count)]
    else:
        parts = [(prompt, duration)]
    shots = []
    for index, (text, seconds) in enumerate(parts):
        default = _AUTO_SEQUENCE[index % len(_AUTO_SEQUENCE)] if len(parts) > 1 else "push_in"
        move = choose_move(text, default)
        if len(parts) > 1 and shots and move == shots[-1].move:
            move = _AUTO_SEQUENCE[(_AUTO_SEQUENCE.index(default) + 1) % len(_AUTO_SEQUENCE)]
        shots.append(Shot(text, seconds * FPS, move, _GRADES[index % len(_GRADES)]))
    return shots


def ease(t: float) -> float:
    """Cubic ease-in-out: starts and stops without a jolt."""
    return 4 * t**3 if t < 0.5 else 1 - (-2 * t + 2) ** 3 / 2


def camera(move: str, t: float) -> tuple[float, float, float]:
    """(zoom, centre x, centre y) at eased time t; every move starts on the full frame."""
    e = ease(t)
    if move == "pull_out":
        return 1.0 - 0.18 * e, 0.5, 0.5
    if move == "push_in":
        return 1.0 + 0.22 * e, 0.5, 0.5
    zoom = 1.0 + 0.2 * e
    room = (1 - 1 / zoom) / 2  # how far the centre may move and stay inside the picture
    if move == "pan_left":
        return zoom, 0.5 - room, 0.5
    if move == "pan_right":
        return zoom, 0.5 + room, 0.5
    if move == "tilt_up":
        return zoom, 0.5, 0.5 - room
    if move == "tilt_down":
        return zoom, 0.5, 0.5 + room
    # orbit-like drift: the centre travels a quarter ellipse while pushing in
    angle = e * math.pi / 2
    return zoom, 0.5 + room * math.sin(angle), 0.5 - room * (1 - math.cos(angle))
