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
from .lang import EN_LANG, SAY_EN, say, say_text
from .present import clamp_seconds, count_words, provider_label

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


def story_cost(provider: str, shots: list[Shot], lang: str | None = EN_LANG) -> str:
    """Per shot and the sum, in the provider's currency."""
    if provider == "preview":
        total = sum(shot.seconds for shot in shots)
        counted = count_words(lang, "shots", len(shots))
        return say(lang, "story.cost_free", shots=counted, seconds=total)
    parts = [pricing.estimate(provider, shot.seconds, shot.sound) for shot in shots]
    total = sum(p.amount for p in parts)
    each = ", ".join(
        say(lang, "story.cost_shot", n=i + 1, money=pricing.format_money(p.amount, p.currency))
        for i, p in enumerate(parts)
    )
    money = pricing.format_money(total, parts[0].currency if parts else "USD")
    provider_name = provider_label(provider, lang)
    return say(lang, "story.cost", money=money, provider=provider_name, each=each)


def progress_markdown(run: StoryRun, provider: str, lang: str | None = EN_LANG) -> str:
    made = len(run.outcomes)
    rows = []
    for o in run.outcomes:
        if o.status == "succeeded":
            note = say(lang, "story.reused" if o.reused else "story.made")
            if o.cost:
                money = pricing.format_money(o.cost, o.currency)
                note = say(lang, "story.made_cost", note=note, money=money)
            rows.append(say(lang, "story.row_done", n=o.line, note=note))
        else:
            why = say_text(lang, o.error) if o.error else _status(lang, o.status)
            rows.append(say(lang, "story.row_failed", n=o.line, why=why))
    name = provider_label(provider, lang)
    if run.running:
        head = say(lang, "story.making", n=made + 1, total=run.shots, provider=name)
    elif run.error:
        head = say(lang, "story.stopped", why=say_text(lang, run.error))
    elif run.film is not None:
        head = say(lang, "story.ready")
    else:
        head = say(lang, "story.stopped_before")
    return "\n".join([head, "", *rows])


def _status(lang: str | None, status: str) -> str:
    key = f"story.status.{status}"
    return say(lang, key) if key in SAY_EN else status
