"""Import: follow a provider job by its request id and save its video, never submitting.

A job started elsewhere (the provider's own site, another install) or one this studio left
UNKNOWN after a lost answer: its owner brings the request id, one free status call proves
the key can read it, and a run follows it as it follows any job (run.py: a job with a
request id is never sent again). An id this owner already has is not stored twice: the
job it belongs to is followed again; an UNKNOWN job of this owner on that provider (sent,
the answer lost) takes the id rather than a new record being made beside it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .errors import InputError, KlingUIError, NotFoundError
from .keys import resolve_key
from .providers.base import Canceled, Failed, Provider
from .providers.registry import PROVIDERS
from .records import JobRecord
from .state import JobState

if TYPE_CHECKING:
    from .jobs import JobManager

log = logging.getLogger(__name__)

How = Literal["new", "attached", "known"]


@dataclass(frozen=True)
class Imported:
    """The job that follows the request id, and how it came to: a new record, an UNKNOWN
    job of the owner that took the id (`attached`), or a job that already had it."""

    job: JobRecord
    how: How


class NotOnProvider(KlingUIError):
    """The provider doesn't know the id (with this key, at this site): nothing stored."""


def check_id(provider: str, request_id: str) -> str:
    """The id, trimmed; InputError for a provider without ids or an id of the wrong shape
    (before any request is made with it)."""
    cls = PROVIDERS.get(provider)
    if cls is None or not cls.needs_key:
        raise InputError({"provider": "Only a paid provider's job can be imported."})
    return cls.check_request_id(request_id)


async def import_job(
    jobs: JobManager,
    provider: str,
    request_id: str,
    *,
    owner: str,
    api_key: str | None = None,
    region: str | None = None,
    caller: str | None = None,
) -> Imported:
    """Follow `request_id` on `provider` for `owner` with `api_key` (else the server's:
    the service decides who may use it). Free: one status call, then the job's own run."""
    request_id = check_id(provider, request_id)
    known = jobs.store.find_request(provider, request_id, owner)
    if known is not None:
        if not known.is_final:
            await jobs.resume(known.id, api_key=api_key)
        return Imported(jobs.current(known.id) or known, "known")
    chosen = jobs.provider(provider, api_key, region=region)
    await _ask(chosen, request_id)
    key = resolve_key(provider, api_key, jobs.settings)
    changes = {
        "request_id": request_id,
        "key_fingerprint": jobs.fingerprint(provider, key.value) if key else None,
        "submitted_at": jobs.clock.now(),
        "site": region,
    }
    unknown = _unknown_job(jobs, provider, owner)
    if unknown is not None:
        job = jobs.move(
            unknown.id,
            JobState.QUEUED,
            error_code=None,
            error_message=None,
            finished_at=None,
            **changes,
        )
        how: How = "attached"
    else:
        job = _new_record(provider, owner, caller, changes)
        jobs.store.admit(job, lambda _db: None)  # free: no spending rule to pass
        how = "new"
    jobs.start(job, chosen, None)
    log.info("job %s: imported %s request %s (%s)", job.id, provider, request_id, how)
    return Imported(job, how)


async def _ask(provider: Provider, request_id: str) -> None:
    """One status call: the id exists for this key, and has not ended without a video."""
    try:
        status = await provider.status(request_id)
    except NotFoundError as exc:
        raise NotOnProvider(
            f"{provider.label} has no job with the request id {request_id} for this key "
            "(or it has expired): nothing was imported."
        ) from exc
    if isinstance(status, (Failed, Canceled)):
        raise NotOnProvider(
            f"{provider.label} job {request_id} ended without a video ({status.message}): "
            "nothing was imported."
        )


def _unknown_job(jobs: JobManager, provider: str, owner: str) -> JobRecord | None:
    """`owner`'s newest UNKNOWN job on `provider` that never got a request id."""
    for job in jobs.store.list(owner=owner, states=[JobState.UNKNOWN], limit=50):
        if job.provider == provider and job.request_id is None:
            return job
    return None


def _new_record(provider: str, owner: str, caller: str | None, changes: dict) -> JobRecord:
    # What was asked is not known here: the request says only that it was imported
    # (run.py then skips the checks against the asked duration and sound).
    return JobRecord(
        id=uuid.uuid4().hex[:12],
        owner=owner,
        provider=provider,
        request={"imported": True, "prompt": ""},
        state=JobState.QUEUED,
        currency=PROVIDERS[provider].currency,  # until the provider says what it cost
        caller=caller,
        **changes,
    )
