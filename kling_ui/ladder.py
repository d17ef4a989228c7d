"""From free to final: a finished preview becomes a draft on Kling, a draft the final clip.

The ladder is preview (free, here) → O3 Standard (a draft on a paid provider) → O3 Pro (the
final clip), each step the same stored request on the next rung (service.remake sends it)."""

from __future__ import annotations

from . import models
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
