"""What to do with a stored job after a restart, a held download, or a visitor's key offered
again: a plan, decided from the record alone (no I/O), that JobManager.resume carries out.

The one rule here: a paid submit is never sent twice. A job with a request id is followed
again, with the key it was started with, or waits for that key; a job without one is settled
as unsent (free) or unknown (the answer was lost: it may have been charged); the free
offline preview renders again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .errors import RESUMABLE_CODES
from .keys import PayingKey
from .records import JobRecord
from .state import JobState


@dataclass(frozen=True)
class Follow:
    """Ask the provider about the job again, with `key`: the one it was started with."""

    key: PayingKey


@dataclass(frozen=True)
class Rerender:
    """The free offline preview: render it again from the stored request."""


@dataclass(frozen=True)
class WaitForKey:
    """A live provider job whose key is not on hand: its owner must offer it again."""


@dataclass(frozen=True)
class SettleUnsent:
    """No request id: never sent (free), or `unknown` (sent, the answer lost: it may have
    been charged). Either way it is never sent again."""

    unknown: bool


@dataclass(frozen=True)
class Skip:
    """Finished, or stopped in a way nothing upstream can change."""


ResumePlan = Follow | Rerender | WaitForKey | SettleUnsent | Skip


def plan_resume(
    job: JobRecord, keys: Sequence[PayingKey], fingerprint: Callable[[str], str | None]
) -> ResumePlan:
    """What carrying `job` on means. `keys` are the keys on hand, in the order they are tried
    (keys.key_choices: offered now, then the server's); `fingerprint` is the salted print of
    a key for the job's provider (JobManager.fingerprint), to recognise the one it began with.
    """
    resumable_failure = job.state == JobState.FAILED and job.error_code in RESUMABLE_CODES
    if not (job.is_active or job.is_held or resumable_failure):
        return Skip()
    if job.provider == "preview":
        return Rerender()
    if job.request_id is None:
        return SettleUnsent(unknown=job.submitted_at is not None)
    key = key_for(job, keys, fingerprint)
    return WaitForKey() if key is None else Follow(key)


def key_for(
    job: JobRecord, keys: Sequence[PayingKey], fingerprint: Callable[[str], str | None]
) -> PayingKey | None:
    """The first of `keys` that `job` was started with (any, for a job that kept no print)."""
    for key in keys:
        if not job.key_fingerprint or job.key_fingerprint == fingerprint(key.value):
            return key
    return None
