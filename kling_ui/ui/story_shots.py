"""The Story tab's shots as data: reading, editing, costing and checking them, the words for
a story being made, and StoryRun, the server task that makes one (pages only look at it).
Tested without a browser; story_tab.py shows them.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from .. import pricing
from ..errors import InputError, KlingUIError
from ..jobs import JobManager
from ..lines import Line, line_from_options
from ..request import DURATION_DEFAULT
from ..story import Outcome, record_film, run_story
from ..uploads import raw_source
from .present import clamp_seconds, provider_label

log = logging.getLogger(__name__)

MAX_SHOTS = 6
CROSSFADE_SECONDS = 0.5


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
            raise InputError(
                {
                    "segments": f"timed prompt line {number} should read like “3: the door "
                    "opens” (seconds, a colon, what happens)."
                }
            )
        segments.append({"prompt": match["words"].strip(), "duration": int(match["seconds"])})
    return segments


TIMED = re.compile(r"^\s*(?P<seconds>\d{1,2})\s*(?:s|sec|seconds)?\s*[:\-–]\s*(?P<words>.+)$")


# --- pure shot operations (tested without a browser) ------------------------------------


def read_shots(
    count: Any, prompts: list, seconds: list, sounds: list, frames: list, timed: list
) -> list[Shot]:
    count = max(1, min(MAX_SHOTS, int(count or 1)))
    return [
        Shot(
            prompts[i] or "",
            clamp_seconds(seconds[i]),
            bool(sounds[i]),
            raw_source(frames[i]),
            timed[i] or "",
        )
        for i in range(count)
    ]


def change(shots: list[Shot], op: str, index: int) -> list[Shot]:
    """add / remove / up / down / duplicate, never leaving fewer than one shot."""
    shots = list(shots)
    if op == "add" and len(shots) < MAX_SHOTS:
        shots.append(Shot("", DURATION_DEFAULT))
    elif op == "duplicate" and len(shots) < MAX_SHOTS and 0 <= index < len(shots):
        shots.insert(index + 1, shots[index])
    elif op == "remove" and len(shots) > 1 and 0 <= index < len(shots):
        del shots[index]
    elif op in ("up", "down"):
        target = index + (-1 if op == "up" else 1)
        if 0 <= index < len(shots) and 0 <= target < len(shots):
            shots[index], shots[target] = shots[target], shots[index]
    return shots


def story_cost(provider: str, shots: list[Shot]) -> str:
    """Per shot and the sum, in the provider's currency."""
    if provider == "preview":
        total = sum(shot.seconds for shot in shots)
        return f"**Cost: free** — {len(shots)} shot(s), {total} s on the offline preview."
    parts = [pricing.estimate(provider, shot.seconds, shot.sound) for shot in shots]
    total = sum(p.amount for p in parts)
    each = ", ".join(
        f"shot {i + 1}: {p.text().removeprefix('about ')}" for i, p in enumerate(parts)
    )
    money = pricing.format_money(total, parts[0].currency if parts else "USD")
    return f"**Estimated cost: about {money}** on {provider_label(provider)} ({each})."


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
            problems[f"shot {i + 1}"] = f"Shot {i + 1}: " + " ".join(exc.problems.values())
    if problems:
        raise InputError(problems)
    return lines


@dataclass
class StoryRun:
    """One story being made on the server; pages only look at it."""

    shots: int
    outcomes: list[Outcome] = field(default_factory=list)
    film: Path | None = None
    error: str | None = None
    task: asyncio.Task | None = None

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    async def make(
        self,
        jobs: JobManager,
        lines: list[Line],
        folder: Path,
        *,
        crossfade: bool,
        submit: dict[str, Any],
    ) -> None:
        """Make the story (story.run_story), then put its film in History. Run it as the
        server task `self.task`: pages only look at it."""
        try:
            _, self.film = await run_story(
                jobs,
                lines,
                folder,
                crossfade=CROSSFADE_SECONDS if crossfade else 0.0,
                on_done=self.outcomes.append,
                submit=submit,
            )
            if self.film is not None:
                await asyncio.to_thread(
                    record_film, jobs, self.film, lines, self.outcomes, owner=submit["owner"]
                )
        except KlingUIError as exc:
            self.error = exc.user_message
        except Exception:
            log.exception("story: unexpected error in %s", folder.name)
            self.error = (
                f"something went wrong making the story ({folder.name}); see the server log."
            )


def progress_markdown(run: StoryRun, provider: str) -> str:
    made = len(run.outcomes)
    rows = []
    for o in run.outcomes:
        if o.status == "succeeded":
            note = "reused (made before, not paid again)" if o.reused else "made"
            if o.cost:
                note += f", {pricing.format_money(o.cost, o.currency)}"
            rows.append(f"- Shot {o.line}: ✓ {note}")
        else:
            rows.append(f"- Shot {o.line}: ✗ {o.error or o.status}")
    if run.running:
        head = f"**Making shot {made + 1} of {run.shots}** on {provider_label(provider)}…"
    elif run.error:
        head = f"**The story stopped:** {run.error}"
    elif run.film is not None:
        head = "**Your film is ready** (below). Press again after a change: shots that are the "
        head += "same are reused, only what changed is made."
    else:
        head = "**The story stopped before the film.** Fix the shot marked ✗ and press again: "
        head += "finished shots are kept."
    return "\n".join([head, "", *rows])
