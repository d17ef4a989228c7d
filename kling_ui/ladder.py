"""From free to final: a finished preview becomes a draft on Kling, a draft the final clip.

The ladder is preview (free, here) → O3 Standard (a draft on a paid provider) → O3 Pro (the
final clip), each step the same stored request on the next rung (service.remake sends it)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from PIL import Image

from . import models
from .identity import FRAME_FIELDS
from .providers.registry import PROVIDERS
from .records import JobRecord
from .state import JobState

# Cheapest first; a rung a provider doesn't offer is skipped.
RUNGS = ("kling-video-o3-std", models.DEFAULT_MODEL)


def paid_provider(chosen: str | None, model: str) -> str | None:
    """The provider for a paid rung: the one chosen in the form when it offers `model`,
    else the first paid provider that does."""
    paid = [name for name, cls in PROVIDERS.items() if cls.needs_key]
    order = ([chosen] if chosen in paid else []) + paid
    return next((name for name in order if models.offer(name, model) is not None), None)


def next_step(job: JobRecord, chosen: str | None = None) -> tuple[str, str] | None:
    """(provider, model) of the rung above a finished clip, or None (a final clip, a film,
    a job that did not finish)."""
    if job.is_film or job.state != JobState.SUCCEEDED:
        return None
    if job.provider == "preview":
        rungs = list(RUNGS)
        provider = chosen
    else:
        above = RUNGS.index(job.model) + 1 if job.model in RUNGS else len(RUNGS)
        rungs = list(RUNGS[above:])
        provider = job.provider
    for model in rungs:
        target = paid_provider(provider, model)
        if target is not None:
            return target, model
    return None


# A step taken again only when the one taken before came to nothing.
_CAME_TO_NOTHING = (JobState.FAILED, JobState.CANCELED)


def made_again(job: JobRecord, jobs: Iterable[JobRecord], provider: str, model: str) -> bool:
    """Whether `job`'s request was already sent again to `provider` and `model` (a Retry, a
    step up the ladder) by a later job that didn't fail or get canceled: its button would pay
    twice for one clip, so a card offers it only once.

    Cheap enough for every redraw: the settings compared as stored, then each frame by its
    size in pixels (a remade job keeps its own re-encoded copy of the frame)."""
    settings, frames = _settings(job.request), _frames(job.request)
    return any(
        other.id != job.id
        and not other.is_film
        and other.created_at >= job.created_at
        and (other.provider, other.model) == (provider, model)
        and other.state not in _CAME_TO_NOTHING
        and _settings(other.request) == settings
        and _frames(other.request) == frames
        for other in jobs
    )


def _settings(request: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in request.items() if k not in (*FRAME_FIELDS, "model")}


def _frames(request: dict[str, Any]) -> tuple:
    return tuple(_frame_shape(request.get(name)) for name in FRAME_FIELDS)


@lru_cache(maxsize=512)
def _frame_shape(frame: Any) -> Any:
    """A kept frame's size in pixels (its header only); a URL or a missing file as given."""
    if isinstance(frame, str) and not frame.startswith(("https://", "data:")):
        try:
            with Image.open(frame) as image:
                return image.size
        except OSError:
            return frame
    return frame
