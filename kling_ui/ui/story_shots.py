"""The Story tab's shots in the page: reading and editing them, their cost, and the words for
a story being made (story.StoryRun, a server task that pages only look at). Pure functions,
tested without a browser; story_tab.py shows them.
"""

from __future__ import annotations

from typing import Any

from .. import pricing
from ..request import DURATION_DEFAULT
from ..shots import MAX_SHOTS, Shot
from ..story import StoryRun
from ..uploads import raw_source
from .present import clamp_seconds, provider_label

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
