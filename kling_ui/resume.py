"""Carrying a stored job on after a restart, a held download, or a visitor's key offered again.

The one rule here: a paid submit is never sent twice. A job with a request id is followed again
(with the key it was started with); a job without one is settled as unsent (free) or unknown
(the answer was lost: it may have been charged); the free offline preview renders again.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from . import pricing
from .errors import RESUMABLE_CODES, KlingUIError
from .request import parse_request
from .state import JobState
from .store import JobRecord

if TYPE_CHECKING:
    from .jobs import JobManager

log = logging.getLogger(__name__)


async def resume(
    jobs: JobManager, job_id: str, *, api_key: str | None = None, quiet: bool = False
) -> bool:
    """Carry on one job. Never re-sends a paid submit; returns whether it is running."""
    job = jobs.get(job_id)
    if jobs.is_live(job_id):
        return True
    resumable_failure = job.state == JobState.FAILED and job.error_code in RESUMABLE_CODES
    if not (job.is_active or job.is_held or resumable_failure):
        return False
    if job.provider == "preview":
        return await _rerender(jobs, job)
    if job.request_id is None:
        _settle_unsent(jobs, job, api_key)
        return False
    key = key_for(jobs, job, api_key)
    if key is None:
        if not quiet:
            log.info("job %s: waiting for its owner's key to resume", job_id)
        if job.is_active:
            label = pricing.provider_name(job.provider)
            jobs.move(
                job_id,
                JobState.WAITING_FOR_KEY,
                error_code="key_needed",
                error_message=f"Still on {label} (request id {job.request_id}), but this "
                "server doesn't keep the key it was started with: enter that key again "
                "to pick it up, or delete the job.",
            )
        return False
    provider = jobs.provider(job.provider, key)
    state = job.state if job.is_active else JobState.RUNNING
    job = jobs.move(job_id, state, error_code=None, error_message=None, finished_at=None)
    jobs.start(job, provider, None)
    log.info("job %s: resumed (%s)", job_id, job.request_id)
    return True


def key_for(jobs: JobManager, job: JobRecord, api_key: str | None) -> str | None:
    """The key `job` was started with, if it is on hand (offered now, or the server's)."""
    for key in ((api_key or "").strip(), jobs.settings.server_key(job.provider)):
        if key and (
            not job.key_fingerprint or job.key_fingerprint == jobs.fingerprint(job.provider, key)
        ):
            return key
    return None


def _settle_unsent(jobs: JobManager, job: JobRecord, api_key: str | None) -> None:
    """A job that never got a request id: unsent (free) or lost on the way (unknown)."""
    if job.submitted_at is None:
        jobs.move(
            job.id,
            JobState.FAILED,
            error_code="interrupted",
            error_message="Interrupted before it was sent: nothing was charged. Generate again.",
            finished_at=time.time(),
        )
        return
    provider = jobs.provider(job.provider, api_key) if api_key else None
    hint = provider.dashboard_hint if provider else ""
    jobs.move(
        job.id,
        JobState.UNKNOWN,
        error_code="submit_unknown",
        error_message="The app stopped while sending this job: it may "
        f"have been created and charged. {hint}".strip(),
        finished_at=time.time(),
    )


async def _rerender(jobs: JobManager, job: JobRecord) -> bool:
    # The preview is free and deterministic: after a restart, render it again.
    provider = jobs.provider("preview")
    try:
        inputs = await jobs.prepare_inputs(parse_request(job.request), provider)
    except KlingUIError as exc:
        jobs.move(
            job.id,
            JobState.FAILED,
            error_code="interrupted",
            error_message=f"The preview was interrupted and can't restart: {exc.user_message}",
            finished_at=time.time(),
        )
        return False
    job = jobs.move(
        job.id,
        JobState.SUBMITTING,
        request_id=None,
        submitted_at=None,
        error_code=None,
        error_message=None,
        finished_at=None,
    )
    jobs.start(job, provider, inputs)
    return True
