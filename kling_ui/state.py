"""A job's states and the moves between them: the one table to read for a job's life.

    SUBMITTING ──> QUEUED <──> RUNNING ──> SAVING ──> SUCCEEDED
        │             │           │           │
        │             └─────┬─────┴───────────┴──> NOT_SAVED  (paid; retry the download)
        │                   ├──> WAITING_FOR_KEY  (a visitor's own key is needed to go on)
        ├──> UNKNOWN        └──> FAILED / CANCELED
        │       └──> QUEUED / RUNNING / SAVING  (only by an import of its request id)
        └──> FAILED / CANCELED

A held job (NOT_SAVED, WAITING_FOR_KEY) has a live provider job behind it: resume carries it
on. Some FAILED jobs are resumable too (a timeout may still finish upstream).
"""

from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    SUBMITTING = "submitting"  # stored; the paid request is about to go, or is on its way
    QUEUED = "queued"  # the provider has it and has not started
    RUNNING = "running"  # the provider is generating
    SAVING = "saving"  # the provider finished; downloading and checking the video
    SUCCEEDED = "succeeded"  # the video is saved here
    # Paid upstream, but not saved here so far: the download failed, or this server can't
    # write (a full disk) while it followed the job. Check again carries it on.
    NOT_SAVED = "not_saved"
    WAITING_FOR_KEY = "waiting_for_key"  # started with a key this server does not keep
    FAILED = "failed"
    CANCELED = "canceled"
    UNKNOWN = "unknown"  # the submit's answer was lost: a paid job may exist

    @property
    def is_active(self) -> bool:
        """Something is (or should be) following this job right now."""
        return self in ACTIVE

    @property
    def is_held(self) -> bool:
        """Paused until someone acts (retry the download, offer the key)."""
        return self in HELD

    @property
    def is_final(self) -> bool:
        return self in FINAL


ACTIVE = frozenset({JobState.SUBMITTING, JobState.QUEUED, JobState.RUNNING, JobState.SAVING})
HELD = frozenset({JobState.NOT_SAVED, JobState.WAITING_FOR_KEY})
FINAL = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELED, JobState.UNKNOWN})

_FOLLOWING = {JobState.QUEUED, JobState.RUNNING, JobState.SAVING}
_STOPS = {JobState.FAILED, JobState.CANCELED, JobState.WAITING_FOR_KEY}
_HOLD = {JobState.NOT_SAVED}  # from any following state: this server could not write

# Where each state may go next. Staying put is always allowed (progress updates).
# SUBMITTING is reachable again from the following states only for the offline preview,
# which renders again from scratch after a restart.
TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    JobState.SUBMITTING: frozenset(
        {JobState.QUEUED, JobState.RUNNING, JobState.FAILED, JobState.CANCELED, JobState.UNKNOWN}
    ),
    JobState.QUEUED: frozenset(_FOLLOWING | _STOPS | _HOLD | {JobState.SUBMITTING}),
    JobState.RUNNING: frozenset(_FOLLOWING | _STOPS | _HOLD | {JobState.SUBMITTING}),
    JobState.SAVING: frozenset(
        _FOLLOWING | _STOPS | _HOLD | {JobState.SUCCEEDED, JobState.SUBMITTING}
    ),
    JobState.NOT_SAVED: frozenset(_FOLLOWING | _STOPS),
    JobState.WAITING_FOR_KEY: frozenset(_FOLLOWING | _STOPS),
    JobState.FAILED: frozenset(_FOLLOWING),  # only resumable failures (errors.RESUMABLE_CODES)
    JobState.SUCCEEDED: frozenset(),
    JobState.CANCELED: frozenset(),
    # Its request id found (imports.py: the owner brings it): followed like any other.
    JobState.UNKNOWN: frozenset(_FOLLOWING),
}


class IllegalTransition(RuntimeError):
    """A bug: code tried to move a job somewhere its state table does not allow."""


def check_transition(current: JobState | str, new: JobState | str) -> JobState:
    """Return `new` as a JobState, or raise IllegalTransition."""
    current, new = JobState(current), JobState(new)
    if new != current and new not in TRANSITIONS[current]:
        raise IllegalTransition(f"a job can't go from {current} to {new}")
    return new
