"""JobRun: one job's life, start to end: submit once, wait, save the video, check it, finish.

The job record lives in memory for the run and every move is written to the store first
(see `move`), so a restart can carry the job on from where it was. A run never returns a
flag: it ends with the video saved, or by raising a JobError whose class says where the job
stops (state.py), which `run()` records.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

from . import media
from .clock import SYSTEM_CLOCK, Clock
from .config import Settings
from .doorbell import doorbell_url
from .errors import (
    ConcurrencyLimitError,
    ContentRejectedError,
    ErrorCode,
    JobCanceled,
    JobError,
    JobFailed,
    JobRefused,
    JobTimedOut,
    KlingUIError,
    MediaError,
    NotFoundError,
    ProviderError,
    RateLimitError,
    ResultNotSaved,
    SubmitOutcomeUnknown,
    UntrustedResultURL,
)
from .eta import Expectation, PollPlan, expect, next_delay
from .names import video_file_name
from .providers.base import (
    Canceled,
    Failed,
    Inputs,
    Provider,
    Queued,
    Running,
    Succeeded,
)
from .refusals import CODE_INPUTS, INPUT_WORDS, Refused, refusal_code
from .request import parse_request
from .results import probe_warnings, write_sidecar
from .retry import RetryPolicy, jitter
from .slots import SlotKey, Slots
from .state import JobState, check_transition
from .store import JobRecord, JobStore

log = logging.getLogger(__name__)

DOWNLOAD_ATTEMPTS = 5
TROUBLE_AFTER = 3  # failed status checks in a row before the page says "having trouble"
TROUBLE_BACKOFF_MAX = 60.0
SUBMIT_RETRY_MAX = 60.0  # longest wait between re-submits after a concurrency-limit refusal
# A job waiting in our queue for one of its key's jobs to end looks again this often anyway.
SLOT_BACKSTOP = 600.0


def submit_retry(settings: Settings) -> RetryPolicy:
    """Re-sends after a limit refusal (nothing was created): 5 s doubling to a minute, or
    as soon as the provider's Retry-After allows, until the job's deadline."""
    return RetryPolicy(
        base=5.0, cap=SUBMIT_RETRY_MAX, deadline=settings.job_deadline, hint_replaces=True
    )


def status_retry(plan: PollPlan) -> RetryPolicy:
    """Failing status checks back off from the shortest poll, doubling, to twice the longest
    (a minute at most), never sooner than Retry-After; an error's own limit ends them."""
    return RetryPolicy(base=plan.shortest, cap=min(TROUBLE_BACKOFF_MAX, 2 * plan.longest))


def download_retry(settings: Settings) -> RetryPolicy:
    """1, 2, 4, 8 s between five tries; sooner when status checks are set to be quicker
    (the fakes)."""
    return RetryPolicy(base=min(settings.poll_interval, 1.0), attempts=DOWNLOAD_ATTEMPTS)


class JobRun:
    """Walks one job through its states. Owned by the JobManager while it runs."""

    def __init__(
        self,
        job: JobRecord,
        provider: Provider,
        *,
        settings: Settings,
        store: JobStore,
        on_change: Callable[[str], None],
        inputs: Inputs | None = None,
        clock: Clock = SYSTEM_CLOCK,
        slots: Slots | None = None,
    ) -> None:
        self.job = job
        self.slots = slots  # the accounts' learned concurrency (shared by the manager)
        self.provider = provider
        self.settings = settings
        self.store = store
        self.on_change = on_change
        self.inputs = inputs
        self.clock = clock  # the job's deadline, its pauses and its stamps (tests step it)
        self.cancel_requested = False
        self.unrecorded = False  # the final state could not be written (disk full, ...)
        self.task: asyncio.Task[None] | None = None
        self.wake = asyncio.Event()  # set by check_now: ask the provider at once

    @property
    def id(self) -> str:
        return self.job.id

    def move(self, state: JobState | None = None, **changes) -> JobRecord:
        """Write a change to the store (checking the state table) and tell the watchers."""
        self.job = apply_move(self.store, self.job, state, **changes)
        self.on_change(self.job.id)
        return self.job

    # --- the life ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Drive the job to its end; every ending is recorded, whatever happens."""
        try:
            if self.job.request_id is None:
                await self.submit()
            else:
                self._hold()  # followed again: it holds one of its account's slots
            status = await self.wait()
            self._release()  # finished upstream: the account's slot is free again
            await self.save(status)
        except asyncio.CancelledError:
            raise  # shutting down: the stored state stays active and resumes on next start
        except JobError as exc:
            self._end(exc)
        except (OSError, sqlite3.Error) as exc:  # this server can't write: disk or store
            self._end(self._not_written(exc))
        except Exception as exc:  # the last line of defence: log it, tell the user briefly
            log.exception("job %s: unexpected error", self.id)
            self._end(
                JobFailed(
                    f"Something went wrong with job {self.id} ({type(exc).__name__}); "
                    "details are in the server log.",
                    code=ErrorCode.INTERNAL,
                )
            )
        finally:
            self._release()

    def _not_written(self, exc: OSError | sqlite3.Error) -> JobError:
        """The ending when this server can't write (a full disk, a read-only data dir, a
        store it can't update). A job the provider has is kept, held as not saved (paid
        for there): it is never shown as failed while its video can still be fetched."""
        log.error("job %s: could not write (%s)", self.id, type(exc).__name__, exc_info=exc)
        if self.job.request_id is None:  # nothing was sent (the write before the submit)
            return JobFailed(
                f"Job {self.id} could not be started: this server can't write to its disk "
                f"({_why(exc)}). Nothing was sent or charged.",
                code=ErrorCode.DISK,
            )
        label = self.provider.label
        return ResultNotSaved(
            f"The video could not be saved here yet: this server can't write to its disk "
            f"({_why(exc)}). The job is kept: it is paid for on {label} (request id "
            f"{self.job.request_id}) and stays there while its link lives "
            f"({self.provider.link_lifetime}). Check again later to save it.",
            code=ErrorCode.DISK,
        )

    def _end(self, exc: JobError) -> None:
        log.info("job %s: %s (%s)", self.id, exc.state, exc.stored_code)
        changes = {
            "error_code": exc.stored_code,
            "error_message": exc.user_message,
            "finished_at": self.clock.now() if exc.state.is_final else None,
        }
        try:
            self.move(exc.state, **changes)
        except Exception:
            # The store can't be written (disk full, damaged file): keep the ending in memory
            # so watchers still hear it, and say so in the log.
            log.exception("job %s: could not record its end", self.id)
            self.job = dataclasses.replace(self.job, state=exc.state, **changes)
            self.unrecorded = True
            self.on_change(self.id)

    async def submit(self) -> None:
        """Send the paid request exactly once. Only a definite "no job was created" answer
        (a concurrency or rate limit) is sent again: when the account's limit is learned
        (slots.py) once one of its jobs here ends, else after a timed wait."""
        if self.inputs is None:
            raise JobFailed("The job lost its frames before it was sent.", code=ErrorCode.INTERNAL)
        inputs = dataclasses.replace(self.inputs, callback_url=doorbell_url(self.settings, self.id))
        try:
            payload = await self.provider.prepare(inputs)
        except KlingUIError as exc:
            raise JobFailed(exc.user_message, code=ErrorCode.PREPARE) from exc
        retry = submit_retry(self.settings)
        started = self.clock.now()
        for refusals in itertools.count():
            # Time spent in our own queue is not the provider's: the deadline starts over.
            started += await self._wait_for_slot()
            # Recorded before sending: after a crash, "sent at" without a request id = unknown.
            self.move(submitted_at=self.clock.now())
            self._hold()
            try:
                request_id = await self.provider.submit(payload)
            except RateLimitError as exc:  # refused: nothing was created
                self._release(quiet=True)
                if retry.gives_up(refusals, self.clock.now() - started):
                    raise JobFailed(
                        exc.user_message, code=ErrorCode.LIMIT, provider_code=exc.provider_code
                    ) from exc
                await self._after_limit(exc, retry.delay(refusals, exc.retry_after))
                continue
            except ProviderError as exc:
                self._release(quiet=True)
                raise self._not_submitted(exc) from exc
            except KlingUIError as exc:
                self._release(quiet=True)
                raise JobFailed(exc.user_message, code=exc.code) from exc
            self._submitted(request_id)
            return

    async def _after_limit(self, exc: RateLimitError, delay: float) -> None:
        """A limit refused the submit: learn the account's limit from a concurrency refusal
        while its other jobs run here (the next loop waits for one of them), else wait."""
        limit = None
        if isinstance(exc, ConcurrencyLimitError) and self.slots and self._slot_key():
            limit = self.slots.learn(self._slot_key())
        if limit is not None:
            log.info("job %s: %s allows %d job(s) at once; waiting here", self.id, exc, limit)
            self.move(submitted_at=None)
            return
        self.move(submitted_at=None, notice=exc.user_message)
        log.info("job %s: no job created (%s); again in %.1fs", self.id, exc, delay)
        await self.clock.sleep(jitter(delay))

    async def _wait_for_slot(self) -> float:
        """Wait in this app's queue (not sent, not charged) while the key's learned limit is
        reached; returns the seconds waited. A cancel ends the wait."""
        began = self.clock.now()
        key = self._slot_key()
        if self.slots is None or key is None:
            return 0.0
        try:
            while (limit := self.slots.full(key, self.id)) is not None:
                if self.cancel_requested:
                    raise JobCanceled("Canceled before anything was sent: nothing charged.")
                if self.job.error_code != ErrorCode.WAITING_FOR_SLOT:
                    self.move(error_code=ErrorCode.WAITING_FOR_SLOT, notice=self._slot_words(limit))
                await self.slots.wait_for_one(key, self.id, self.wake, SLOT_BACKSTOP)
                self.wake.clear()
        finally:
            self.slots.leave(key, self.id)
        if self.cancel_requested:
            raise JobCanceled("Canceled before anything was sent: nothing charged.")
        return self.clock.now() - began

    def _slot_words(self, limit: int) -> str:
        jobs = "job" if limit == 1 else "jobs"
        return (
            f"Waiting in this app's queue: {self.provider.label} runs {limit} of your {jobs} "
            "at once on your plan and that many are running. It is sent when one ends; not "
            "sent yet, not charged."
        )

    def _submitted(self, request_id: str) -> None:
        try:
            self.move(
                JobState.QUEUED,
                request_id=request_id,
                notice=None,
                error_code=None,
                error_message=None,
            )
        except (OSError, sqlite3.Error):
            # Sent and created upstream: the request id must outlive a failed write.
            self.job = dataclasses.replace(self.job, state=JobState.QUEUED, request_id=request_id)
            raise
        log.info("job %s: submitted as %s", self.id, request_id)

    # --- the account's slots (slots.py) -----------------------------------------------------

    def _slot_key(self) -> SlotKey | None:
        if not self.provider.needs_key:
            return None
        return (self.job.provider, self.job.key_fingerprint or "")

    def _hold(self) -> None:
        key = self._slot_key()
        if self.slots is not None and key is not None:
            self.slots.hold(key, self.id)

    def _release(self, *, quiet: bool = False) -> None:
        """This job no longer holds a slot upstream; unless `quiet` (it never got one: a
        refused submit), a job waiting for one may go."""
        key = self._slot_key()
        if self.slots is not None and key is not None:
            self.slots.release(key, self.id, wake=not quiet)

    def _not_submitted(self, exc: ProviderError) -> JobError:
        """How a submit that raised ends: unknown when a paid job may exist, else failed
        (and, when no connection was even made, certainly free)."""
        if exc.may_have_charged:  # 5xx, a garbled answer, a lost connection
            return self._unknown(exc)
        if exc.code is ErrorCode.CONNECT:
            message = f"{exc.user_message} Nothing was sent or charged."
            return JobFailed(message, code=ErrorCode.CONNECT)
        if isinstance(exc, ContentRejectedError):
            return self._refused(exc.refused, exc.provider_text, exc.provider_code, created=False)
        return JobFailed(exc.user_message, code=exc.code, provider_code=exc.provider_code)

    def _refused(
        self, which: str | None, detail: str, provider_code: str | None, *, created: bool
    ) -> JobRefused:
        """A content check refused an input: which one, in words, whether it was charged, and
        that it is not sent again (the same input would be refused again)."""
        has_end = bool((self.job.request or {}).get("end_image"))
        code = refusal_code(Refused(which) if which else None, has_end_frame=has_end)
        which_words = INPUT_WORDS[CODE_INPUTS[code]]
        said = f" ({detail})" if detail else ""
        tag = f" [code {provider_code}]" if provider_code else ""
        charged = (
            f"It may have been charged: see your {self.provider.label} usage page."
            if created
            else "Nothing was created: you were not charged."
        )
        return JobRefused(
            f"{self.provider.label}'s content check refused {which_words}{said}{tag}. "
            f"{charged} It is not sent again automatically: change {which_words} and "
            "generate again.",
            code=code,
            provider_code=provider_code,
        )

    def _unknown(self, exc: KlingUIError) -> SubmitOutcomeUnknown:
        log.warning("job %s: submit outcome unknown (%s)", self.id, type(exc).__name__)
        return SubmitOutcomeUnknown(
            f"{exc.user_message} The job may have been created and charged; it will not be "
            f"sent again automatically. {self.provider.dashboard_hint}"
        )

    async def wait(self) -> Succeeded:
        """Ask the provider until the job is done; return its result or raise its ending.

        Checks follow eta.next_delay (seldom while the job can't be done, about every second
        around when it should be); failures back off (status_retry); after a few in a row
        the job shows "trouble" until the provider answers again. `check_now` (a button, or
        a provider's callback) cuts any wait short.
        """
        request_id = self.job.request_id
        assert request_id is not None
        started = self.job.submitted_at or self.job.created_at
        expected = self._expectation()
        plan = PollPlan(
            shortest=self.settings.poll_interval,
            longest=self.settings.poll_interval_max,
            late_longest=min(15.0, self.settings.poll_interval_max),
        )
        retry = status_retry(plan)
        previous, failures = plan.shortest, 0
        while True:
            self._check_deadline(started + self.settings.job_deadline)
            elapsed = self.clock.now() - started
            pause = next_delay(elapsed, expected.seconds, expected.spread, previous, plan)
            previous = pause
            try:
                status = await self.provider.status(request_id)
            except ProviderError as exc:
                failures += 1
                pause = max(pause, self._status_failed(exc, failures, retry))
            except KlingUIError as exc:  # not the provider's answer: nothing to ask again
                raise self._status_refused(exc, None) from exc
            else:
                if failures or self.job.trouble_since is not None:
                    failures = 0
                    self.move(trouble_since=None)
                if isinstance(status, Succeeded):
                    return status
                self._follow(status)
            await self.provider.wait(request_id, jitter(pause), self.wake)
            self.wake.clear()

    def _check_deadline(self, deadline: float) -> None:
        if self.clock.now() > deadline:
            minutes = round(self.settings.job_deadline / 60)
            raise JobTimedOut(
                f"No result from {self.provider.label} after {minutes} min (request id "
                f"{self.job.request_id}). It may still finish there: Check again asks later."
            )

    def _status_failed(self, exc: ProviderError, failures: int, retry: RetryPolicy) -> float:
        """After the `failures`th failed check in a row: how long to wait before the next
        one, or the job's ending when the error is not worth asking again."""
        if not exc.transient:
            raise self._status_refused(exc, exc.provider_code) from exc
        log.warning("job %s: status check failed (%s); retrying", self.id, exc)
        if retry.gives_up(failures, limit=exc.retry_limit):
            message = f"{exc.user_message} (request id {self.job.request_id}), {failures} times"
            raise JobFailed(message, code=exc.code, provider_code=exc.provider_code) from exc
        if failures >= TROUBLE_AFTER and self.job.trouble_since is None:
            self.move(trouble_since=self.clock.now())
        return retry.delay(failures, exc.retry_after)

    def _status_refused(self, exc: KlingUIError, provider_code: str | None) -> JobFailed:
        message = f"{exc.user_message} (request id {self.job.request_id})"
        return JobFailed(message, code=ErrorCode.STATUS, provider_code=provider_code)

    def _follow(self, status: Queued | Running | Failed | Canceled) -> None:
        """Record where an unfinished job is, or raise how it ended."""
        if isinstance(status, Failed) and status.content:
            raise self._refused(status.refused, status.detail, status.provider_code, created=True)
        if isinstance(status, Failed):
            raise JobFailed(
                status.message,
                code=ErrorCode.GENERATION_FAILED,
                provider_code=status.provider_code,
            )
        if isinstance(status, Canceled):
            raise JobCanceled(status.message)
        self._record_progress(status)

    def check_now(self) -> None:
        """Ask the provider at once instead of at the next scheduled check."""
        self.wake.set()

    def _expectation(self) -> Expectation:
        request = self.job.request or {}
        expected = expect(
            self.store,
            self.job.provider,
            int(request.get("duration") or 5),
            bool(request.get("sound")),
        )
        started = self.job.submitted_at or self.job.created_at
        if self.job.expected_at is None:
            self.move(expected_at=started + expected.seconds)
        return expected

    def _record_progress(self, status: Queued | Running) -> None:
        if isinstance(status, Queued):
            changes = {"state": JobState.QUEUED, "queue_position": status.position}
        else:
            changes = {"state": JobState.RUNNING, "queue_position": None}
            changes["progress"] = status.progress
            if status.note:  # e.g. a status this app doesn't know: shown, logged once
                if status.note != self.job.notice:
                    log.warning("job %s: %s", self.id, status.note)
                changes["notice"] = status.note
        if any(getattr(self.job, k) != v for k, v in changes.items()):
            self.move(**changes)

    async def save(self, status: Succeeded) -> None:
        """Download at once (links expire), check the file, write the sidecar, finish."""
        self.move(JobState.SAVING, queue_position=None)
        dest = self.settings.videos_dir / video_file_name(self.job)
        await self._download(status.video_url, dest)
        try:
            info = await asyncio.to_thread(media.probe, dest)
        except MediaError as exc:
            self.move(video_path=str(dest))
            raise JobFailed(
                f"The downloaded file is not a playable video: {exc.user_message}",
                code=ErrorCode.BAD_VIDEO,
            ) from exc
        warnings = self._warnings(info)
        finished = self.clock.now()
        cost = status.cost if status.cost is not None else self.job.cost_estimate
        currency = status.currency or self.job.currency
        write_sidecar(
            dest, self.job, self.provider.label, info, cost, currency, finished, status.cost
        )
        self.move(
            JobState.SUCCEEDED,
            request=self._as_made(info),
            video_path=str(dest),
            probe=info.as_dict(),
            cost=cost,
            currency=currency,
            progress=1.0,
            notice=" ".join(warnings) or None,
            error_code=None,
            error_message=None,
            finished_at=finished,
        )
        log.info("job %s: saved %s (%.1fs)", self.id, dest, info.duration)

    def _as_made(self, info: media.VideoInfo) -> dict:
        """The stored request; an imported job's (not known here) gets its length and sound
        from the video, for History and its sidecar."""
        if not self.job.request.get("imported"):
            return self.job.request
        return {**self.job.request, "duration": round(info.duration), "sound": info.has_audio}

    def _warnings(self, info: media.VideoInfo) -> list[str]:
        if self.job.request.get("imported"):  # started elsewhere: what was asked is unknown
            return []
        return probe_warnings(info, parse_request(self.job.request))

    def _link_life(self) -> str:
        # Visitors' words; the CLI adds the operator's command (__main__.resume_hint).
        return f"while its link lives ({self.provider.link_lifetime}): Check again saves it"

    async def _download(self, url: str, dest: Path) -> None:
        label, request_id = self.provider.label, self.job.request_id
        retry = download_retry(self.settings)
        for attempt in itertools.count():
            try:
                await self.provider.download(url, dest)
                return
            except UntrustedResultURL as exc:
                raise ResultNotSaved(
                    f"{exc.user_message} The video is paid for and stays on {label} "
                    f"(request id {request_id}) {self._link_life()}.",
                    code=ErrorCode.UNTRUSTED_HOST,
                ) from exc
            except NotFoundError as exc:
                raise ResultNotSaved(
                    f"The video link from {label} expired before it could be saved "
                    f"(request id {request_id}). {self.provider.dashboard_hint}",
                    code=ErrorCode.EXPIRED,
                ) from exc
            except OSError as exc:  # our side: disk full, data dir gone or read-only
                raise self._not_written(exc) from exc
            except KlingUIError as exc:
                if not exc.transient or retry.gives_up(attempt + 1):
                    raise ResultNotSaved(
                        f"{exc.user_message} (request id {request_id}). Check again tries again.",
                    ) from exc
                await self.clock.sleep(jitter(retry.delay(attempt)))


def _why(exc: OSError | sqlite3.Error) -> str:
    """The system's words for a failed write, never a path ("No space left on device")."""
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return str(exc) or type(exc).__name__  # sqlite: "database or disk is full"


def apply_move(
    store: JobStore, job: JobRecord, state: JobState | None = None, **changes
) -> JobRecord:
    """The one way a job's record changes: the state table is checked, then the store."""
    if state is not None:
        changes["state"] = check_transition(job.state, state)
    elif "state" in changes:
        changes["state"] = check_transition(job.state, changes["state"])
    return store.update(job.id, **changes)
