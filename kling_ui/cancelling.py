"""Whether Cancel can stop a job now: one fact per provider and state, read by the service
(to act) and by the page (to offer the button only where it works, and to say so before
the click)."""

from __future__ import annotations

from .providers.registry import PROVIDERS
from .records import JobRecord
from .state import JobState


def can_cancel(job: JobRecord) -> bool:
    """Before a job is sent, always (nothing left here); after, only where its provider's
    cancel works in its state (RunningHub has none; RunComfy stops only a queued job)."""
    if not job.is_active or job.state == JobState.SAVING or job.is_film:
        return False
    if job.request_id is None:
        return True
    cls = PROVIDERS.get(job.provider)
    return cls is not None and str(job.state) in cls.cancels_in
