"""JobManager: submit once, poll, download, verify, resume, cancel. Nothing paid for is lost.

Every job is a server-side asyncio task: closing a browser tab or a CLI's Ctrl-C does not
stop it, and its state is written to the store before each step so a restart can carry it on.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import os
import random
import re
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from . import media, pricing
from .config import Settings
from .errors import (
    ConcurrencyLimitError,
    KlingUIError,
    MediaError,
    NotFoundError,
    ProviderConnectionError,
    RateLimitError,
    UntrustedResultURL,
)
from .images import prepare_image
from .netsafety import Resolver, system_resolver
from .providers import create_provider
from .providers.base import (
    Canceled,
    CancelOutcome,
    Failed,
    Inputs,
    Provider,
    Queued,
    Running,
    Succeeded,
)
from .request import GenerationRequest, parse_request
from .spending import SpendingGuard, SpendingRefused
from .store import ACTIVE_STATES, JobRecord, JobStore

log = logging.getLogger(__name__)

DOWNLOAD_ATTEMPTS = 5
SUBMIT_RETRY_MAX = 60.0  # longest wait between re-submits after a concurrency-limit refusal
# Failed jobs that still have a live provider job behind them: `jobs resume` may look again.
RESUMABLE_CODES = ("timeout", "download", "internal", "untrusted_host")


@dataclass
class _Live:
    task: asyncio.Task[None]
    provider: Provider
    cancel_requested: bool = False


class JobManager:
    """Owns every running job of this process; many watchers share one polling loop per job."""

    def __init__(
        self,
        settings: Settings,
        store: JobStore,
        client: httpx.AsyncClient,
        *,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.settings = settings
        self.resolver = resolver
        self.store = store
        self.client = client
        self._live: dict[str, _Live] = {}
        self._changed: dict[str, asyncio.Event] = {}
        self._salt = _load_salt(settings.data_dir)
        self.guard = SpendingGuard(settings, store)

    # --- submitting -------------------------------------------------------------------------

    def provider(self, name: str, api_key: str | None = None) -> Provider:
        return create_provider(name, settings=self.settings, client=self.client, api_key=api_key)

    def fingerprint(self, provider: str, key: str | None) -> str | None:
        """A salted fingerprint that recognises a key again without storing it."""
        if not key:
            return None
        digest = hmac.new(self._salt, f"{provider}:{key}".encode(), hashlib.sha256)
        return digest.hexdigest()[:24]

    async def prepare_inputs(self, request: GenerationRequest, provider: Provider) -> Inputs:
        """Load and normalise the frames; InputError here means nothing is stored or sent."""
        limit = provider.max_image_bytes
        image = await prepare_image(
            request.image,
            field="image",
            client=self.client,
            max_bytes=limit,
            resolver=self.resolver,
        )
        end = None
        if request.end_image:
            end = await prepare_image(
                request.end_image,
                field="end_image",
                client=self.client,
                max_bytes=limit,
                resolver=self.resolver,
            )
        return Inputs(request, image, end)

    async def submit(
        self,
        request: GenerationRequest,
        *,
        provider: str,
        owner: str = "local",
        api_key: str | None = None,
        visitor: bool = False,
    ) -> JobRecord:
        """Validate everything, store the job, and start it. Returns at once with the job.

        `visitor` applies the deployment's spending rules (SpendingRefused before anything is
        stored or sent); the operator's CLI is not a visitor.
        """
        chosen = self.provider(provider, api_key)
        inputs = await self.prepare_inputs(request, chosen)
        estimate = pricing.estimate(provider, request.duration, request.sound)
        own_key = (api_key or "").strip()
        key = own_key or self.settings.server_key(provider)
        job_id = uuid.uuid4().hex[:12]
        request = await asyncio.to_thread(self._keep_inputs, job_id, request, inputs)
        # From the spending check to the insert there is no await: on the event loop that is
        # one step, so simultaneous requests can't all slip under a limit.
        if visitor:
            try:
                self.guard.check(
                    provider=provider,
                    owner=owner,
                    server_key_fingerprint=self.fingerprint(
                        provider, self.settings.server_key(provider)
                    ),
                    uses_server_key=chosen.needs_key and not own_key,
                    estimate=estimate,
                )
            except SpendingRefused:
                self._discard_inputs(job_id)
                raise
        job = JobRecord(
            id=job_id,
            owner=owner,
            provider=provider,
            request=request.public_dict(),
            cost_estimate=estimate.amount,
            currency=estimate.currency,
            key_fingerprint=self.fingerprint(provider, key) if chosen.needs_key else None,
        )
        self.store.insert(job)
        self._start(job.id, chosen, inputs)
        log.info("job %s: stored, submitting to %s", job.id, provider)
        return job

    def _keep_inputs(
        self, job_id: str, request: GenerationRequest, inputs: Inputs
    ) -> GenerationRequest:
        """Keep the normalised frames with the job: uploads in a temp dir vanish, and history's
        "re-use" and a preview's restart both need them. URLs are kept as given."""
        folder = self.settings.inputs_dir
        folder.mkdir(parents=True, exist_ok=True)
        changes = {}
        for field, image in (("image", inputs.image), ("end_image", inputs.end_image)):
            if image is None or image.url:
                continue
            path = folder / f"{job_id}-{'start' if field == 'image' else 'end'}{image.extension}"
            path.write_bytes(image.data)
            changes[field] = str(path)
        return request.model_copy(update=changes)

    def _discard_inputs(self, job_id: str) -> None:
        for kept in self.settings.inputs_dir.glob(f"{job_id}-*"):
            kept.unlink(missing_ok=True)

    def _start(self, job_id: str, provider: Provider, inputs: Inputs | None) -> None:
        task = asyncio.create_task(self._drive(job_id, provider, inputs), name=f"job-{job_id}")
        self._live[job_id] = _Live(task, provider)

        def finished(_: asyncio.Task[None]) -> None:
            self._live.pop(job_id, None)
            self._notify(job_id)

        task.add_done_callback(finished)

    async def _drive(self, job_id: str, provider: Provider, inputs: Inputs | None) -> None:
        try:
            job = self._get(job_id)
            needs_submit = job.request_id is None
            if needs_submit and (
                inputs is None or not await self._submit_once(job_id, provider, inputs)
            ):
                return
            await self._follow(job_id, provider)
        except asyncio.CancelledError:
            raise  # shutting down: the stored state stays active and resumes on next start
        except Exception as exc:  # the last line of defence: log it, tell the user briefly
            log.exception("job %s: unexpected error", job_id)
            self._update(
                job_id,
                state="failed",
                error_code="internal",
                error_message=f"Something went wrong with job {job_id} "
                f"({type(exc).__name__}); details are in the server log.",
                finished_at=time.time(),
            )

    async def _submit_once(self, job_id: str, provider: Provider, inputs: Inputs) -> bool:
        """Send the paid request exactly once. Only a definite "no job was created" answer
        (a concurrency or rate limit) is sent again, after a wait."""
        try:
            payload = await provider.prepare(inputs)
        except KlingUIError as exc:
            self._fail(job_id, exc.user_message, code="prepare")
            return False
        wait = 5.0
        started = time.time()
        while True:
            live = self._live.get(job_id)
            if live is not None and live.cancel_requested:
                self._update(
                    job_id,
                    state="canceled",
                    finished_at=time.time(),
                    error_message="Canceled before anything was sent: nothing charged.",
                )
                return False
            # Recorded before sending: after a crash, "sent at" without a request id = unknown.
            self._update(job_id, submitted_at=time.time())
            try:
                request_id = await provider.submit(payload)
            except (ConcurrencyLimitError, RateLimitError) as exc:
                if time.time() - started > self.settings.job_deadline:
                    self._fail(job_id, exc.user_message, code=exc.code or "limit")
                    return False
                delay = exc.retry_after if exc.retry_after is not None else wait
                wait = min(wait * 2, SUBMIT_RETRY_MAX)
                self._update(job_id, submitted_at=None, notice=exc.user_message)
                log.info(
                    "job %s: no job created (%s); re-submitting in %.1fs",
                    job_id,
                    type(exc).__name__,
                    delay,
                )
                await asyncio.sleep(_jitter(delay))
                continue
            except ProviderConnectionError as exc:
                if not exc.request_sent:
                    self._fail(
                        job_id, f"{exc.user_message} Nothing was sent or charged.", code="connect"
                    )
                    return False
                self._mark_unknown(job_id, provider, exc)
                return False
            except KlingUIError as exc:
                if exc.transient:  # 5xx or a garbled answer: the job may exist
                    self._mark_unknown(job_id, provider, exc)
                else:
                    self._fail(job_id, exc.user_message, code=getattr(exc, "code", None))
                return False
            self._update(job_id, state="queued", request_id=request_id, notice=None)
            log.info("job %s: submitted as %s", job_id, request_id)
            return True

    def _mark_unknown(self, job_id: str, provider: Provider, exc: KlingUIError) -> None:
        log.warning("job %s: submit outcome unknown (%s)", job_id, type(exc).__name__)
        self._update(
            job_id,
            state="unknown",
            error_code="submit_unknown",
            error_message=f"{exc.user_message} The job may have been created and charged; "
            f"it will not be sent again automatically. {provider.dashboard_hint}",
            finished_at=time.time(),
        )

    # --- following --------------------------------------------------------------------------

    async def _follow(self, job_id: str, provider: Provider) -> None:
        job = self._get(job_id)
        request_id = job.request_id
        assert request_id is not None
        deadline = (job.submitted_at or job.created_at) + self.settings.job_deadline
        interval = self.settings.poll_interval
        while True:
            if time.time() > deadline:
                minutes = round(self.settings.job_deadline / 60)
                self._fail(
                    job_id,
                    f"No result from {provider.label} after {minutes} min (request id "
                    f"{request_id}). It may still finish there: "
                    f"`python -m kling_ui jobs resume {job_id}` checks again.",
                    code="timeout",
                )
                return
            pause = _jitter(interval)
            try:
                status = await provider.status(request_id)
            except KlingUIError as exc:
                if not exc.transient:
                    self._fail(
                        job_id,
                        f"{exc.user_message} (request id {request_id})",
                        code=getattr(exc, "code", None) or "status",
                    )
                    return
                retry_after = getattr(exc, "retry_after", None) or 0.0
                log.warning(
                    "job %s: status check failed (%s); retrying", job_id, type(exc).__name__
                )
                pause = max(pause, retry_after)
            else:
                if isinstance(status, Succeeded):
                    await self._collect(job_id, provider, status)
                    return
                if isinstance(status, Failed):
                    self._update(
                        job_id,
                        state="failed",
                        error_code=status.code,
                        error_message=status.message,
                        finished_at=time.time(),
                    )
                    return
                if isinstance(status, Canceled):
                    self._update(
                        job_id,
                        state="canceled",
                        error_message=status.message,
                        finished_at=time.time(),
                    )
                    return
                self._record_progress(job_id, status)
            await provider.wait(request_id, pause)
            interval = min(interval * 1.5, self.settings.poll_interval_max)

    def _record_progress(self, job_id: str, status: Queued | Running) -> None:
        job = self._get(job_id)
        if isinstance(status, Queued):
            changes = {"state": "queued", "queue_position": status.position}
        else:
            changes = {"state": "running", "queue_position": None, "progress": status.progress}
        if any(getattr(job, k) != v for k, v in changes.items()):
            self._update(job_id, **changes)

    async def _collect(self, job_id: str, provider: Provider, status: Succeeded) -> None:
        """Download at once (links expire), verify, write the sidecar, then mark succeeded."""
        job = self._get(job_id)
        dest = self.settings.videos_dir / video_file_name(job)
        for attempt in range(DOWNLOAD_ATTEMPTS):
            try:
                await provider.download(status.video_url, dest)
                break
            except UntrustedResultURL as exc:
                self._fail(
                    job_id,
                    f"{exc.user_message} (request id {job.request_id}). If you trust that host, "
                    "add it to KLING_UI_RESULT_HOSTS and run "
                    f"`python -m kling_ui jobs resume {job_id}`.",
                    code="untrusted_host",
                )
                return
            except NotFoundError:
                self._fail(
                    job_id,
                    f"The video link from {provider.label} expired before it could be saved "
                    f"(request id {job.request_id}). {provider.dashboard_hint}",
                    code="expired",
                )
                return
            except KlingUIError as exc:
                if not exc.transient or attempt == DOWNLOAD_ATTEMPTS - 1:
                    self._fail(
                        job_id,
                        f"{exc.user_message} (request id {job.request_id}). "
                        f"`python -m kling_ui jobs resume {job_id}` tries again.",
                        code="download",
                    )
                    return
                await asyncio.sleep(_jitter(2.0**attempt))
        try:
            info = await asyncio.to_thread(media.probe, dest)
        except MediaError as exc:
            self._fail(
                job_id,
                f"The downloaded file is not a playable video: {exc.user_message}",
                code="bad_video",
                video_path=str(dest),
            )
            return
        warnings = _probe_warnings(info, parse_request(job.request))
        finished = time.time()
        cost = status.cost if status.cost is not None else job.cost_estimate
        currency = status.currency or job.currency
        _write_sidecar(
            dest, job, provider, info, cost, currency, finished, estimated=status.cost is None
        )
        self._update(
            job_id,
            state="succeeded",
            video_path=str(dest),
            probe=info.as_dict(),
            cost=cost,
            currency=currency,
            progress=1.0,
            queue_position=None,
            notice=" ".join(warnings) or None,
            finished_at=finished,
        )
        log.info("job %s: saved %s (%.1fs)", job_id, dest, info.duration)

    # --- watching, cancelling, resuming ----------------------------------------------------

    async def watch(self, job_id: str, *, poll_store: float = 1.0) -> AsyncIterator[JobRecord]:
        """Yield the job each time it changes, ending with its final state.

        Watchers never talk to the provider: they wake on this manager's updates (and re-read
        the store every `poll_store` seconds, which also sees jobs run by another process).
        """
        while True:
            changed = self._changed.setdefault(job_id, asyncio.Event())
            job = self._get(job_id)
            yield job
            if job.is_final and job_id not in self._live:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), timeout=poll_store)

    async def wait(self, job_id: str) -> JobRecord:
        async for _ in self.watch(job_id):
            pass
        return self._get(job_id)

    async def cancel(self, job_id: str, *, api_key: str | None = None) -> str:
        """Ask to stop a job; returns a plain sentence saying what actually happened."""
        job = self._get(job_id)
        if job.is_final:
            return f"Job {job_id} has already finished ({job.state})."
        live = self._live.get(job_id)
        if job.request_id is None:
            if live is not None:
                live.cancel_requested = True
            else:
                self._update(job_id, state="canceled", finished_at=time.time())
            return "Canceled before anything was sent: nothing was charged."
        provider = live.provider if live is not None else self.provider(job.provider, api_key)
        label = provider.label
        try:
            outcome = await provider.cancel(job.request_id)
        except KlingUIError as exc:
            message = f"Couldn't cancel: {exc.user_message} The job goes on and will be saved."
            self._update(job_id, notice=message)
            return message
        if outcome is CancelOutcome.CANCELED:
            if live is not None:
                live.task.cancel()
            self._update(
                job_id,
                state="canceled",
                finished_at=time.time(),
                error_message=f"Canceled on {label}.",
                notice=None,
            )
            return f"Canceled on {label}."
        if outcome is CancelOutcome.REQUESTED:
            message = f"{label} accepted the cancel request; it stops the job shortly."
        elif outcome is CancelOutcome.NOT_CANCELLABLE:
            message = (
                f"{label} can't stop a job that has already started: it will finish and "
                "may be charged. The video will still be saved here."
            )
        else:
            message = (
                f"{label} has no way to cancel a job: it will finish and may be charged. "
                "The video will still be saved here."
            )
        self._update(job_id, notice=message)
        return message

    async def resume_pending(
        self, *, api_key: str | None = None, provider: str | None = None
    ) -> list[str]:
        """Carry on every unfinished job whose key is available (the server's, or `api_key`)."""
        resumed = []
        for job in self.store.list(states=ACTIVE_STATES, limit=10_000):
            if job.id in self._live or (provider and job.provider != provider):
                continue
            if await self.resume(job.id, api_key=api_key, quiet=True):
                resumed.append(job.id)
        return resumed

    async def resume(self, job_id: str, *, api_key: str | None = None, quiet: bool = False) -> bool:
        """Carry on one job. Never re-sends a paid submit; returns whether it is running."""
        job = self._get(job_id)
        if job_id in self._live:
            return True
        resumable_failure = job.state == "failed" and job.error_code in RESUMABLE_CODES
        if not (job.is_active or resumable_failure):
            return False
        if job.provider == "preview":
            return await self._rerender(job)
        if job.request_id is None:
            if job.submitted_at is None:
                self._fail(
                    job_id,
                    "Interrupted before it was sent: nothing was charged. Generate again.",
                    code="interrupted",
                )
            else:
                provider = self.provider(job.provider, api_key) if api_key else None
                hint = provider.dashboard_hint if provider else ""
                self._update(
                    job_id,
                    state="unknown",
                    error_code="submit_unknown",
                    error_message="The app stopped while sending this job: it may "
                    f"have been created and charged. {hint}".strip(),
                    finished_at=time.time(),
                )
            return False
        key = (api_key or "").strip() or self.settings.server_key(job.provider)
        if not key or (
            job.key_fingerprint and job.key_fingerprint != self.fingerprint(job.provider, key)
        ):
            if not quiet:
                log.info("job %s: waiting for its owner's key to resume", job_id)
            return False
        provider = self.provider(job.provider, key)
        self._update(
            job_id,
            state="running" if job.state == "failed" else job.state,
            error_code=None,
            error_message=None,
            finished_at=None,
        )
        self._start(job_id, provider, None)
        log.info("job %s: resumed (%s)", job_id, job.request_id)
        return True

    async def _rerender(self, job: JobRecord) -> bool:
        # The preview is free and deterministic: after a restart, render it again.
        provider = self.provider("preview")
        try:
            inputs = await self.prepare_inputs(parse_request(job.request), provider)
        except KlingUIError as exc:
            self._fail(
                job.id,
                f"The preview was interrupted and can't restart: {exc.user_message}",
                code="interrupted",
            )
            return False
        self._update(
            job.id,
            state="submitting",
            request_id=None,
            submitted_at=None,
            error_code=None,
            error_message=None,
            finished_at=None,
        )
        self._start(job.id, provider, inputs)
        return True

    def delete(self, job_id: str) -> bool:
        """Forget a finished job and delete its video and sidecar."""
        job = self._get(job_id)
        if job.is_active:
            raise KlingUIError("This job is still running: cancel it first.")
        if job.video_path:
            path = Path(job.video_path)
            path.unlink(missing_ok=True)
            path.with_suffix(".json").unlink(missing_ok=True)
        self._discard_inputs(job_id)
        return self.store.delete(job_id)

    async def aclose(self) -> None:
        """Stop following jobs (they stay active in the store and resume on next start)."""
        tasks = [live.task for live in self._live.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # --- helpers ----------------------------------------------------------------------------

    def _get(self, job_id: str) -> JobRecord:
        job = self.store.get(job_id)
        if job is None:
            raise KlingUIError(f"There is no job {job_id}.")
        return job

    def _update(self, job_id: str, **changes) -> JobRecord:
        job = self.store.update(job_id, **changes)
        self._notify(job_id)
        return job

    def _notify(self, job_id: str) -> None:
        event = self._changed.pop(job_id, None)
        if event is not None:
            event.set()

    def _fail(self, job_id: str, message: str, *, code: str | None, **extra) -> None:
        log.info("job %s: failed (%s)", job_id, code)
        self._update(
            job_id,
            state="failed",
            error_code=code,
            error_message=message,
            finished_at=time.time(),
            **extra,
        )


def video_file_name(job: JobRecord) -> str:
    """A name that reads well in a downloads folder: date, the prompt's first words, job id."""
    words = re.findall(r"[a-z0-9]+", (job.request.get("prompt") or "").lower())[:5]
    stamp = time.strftime("%Y%m%d-%H%M", time.localtime(job.created_at))
    return f"kling-{stamp}-{'-'.join(words) or 'video'}-{job.id}.mp4"


def _jitter(seconds: float) -> float:
    # +-10 %: many jobs started together must not poll in lock-step.
    return seconds * random.uniform(0.9, 1.1)


def _probe_warnings(info: media.VideoInfo, request: GenerationRequest) -> list[str]:
    warnings = []
    if abs(info.duration - request.duration) > max(0.5, 0.1 * request.duration):
        warnings.append(f"The video is {info.duration:.1f} s long, not {request.duration} s.")
    if request.sound and not info.has_audio:
        warnings.append("Sound was requested but the video has no audio track.")
    return warnings


def _write_sidecar(
    video: Path,
    job: JobRecord,
    provider: Provider,
    info: media.VideoInfo,
    cost: float | None,
    currency: str | None,
    finished: float,
    *,
    estimated: bool,
) -> None:
    sidecar = {
        "job_id": job.id,
        "provider": job.provider,
        "provider_label": provider.label,
        "request_id": job.request_id,
        "parameters": job.request,
        "cost": cost,
        "currency": currency,
        "cost_is_estimate": estimated,
        "created_at": job.created_at,
        "submitted_at": job.submitted_at,
        "finished_at": finished,
        "video": info.as_dict(),
    }
    tmp = video.with_suffix(".json.part")
    tmp.write_text(json.dumps(sidecar, indent=2))
    os.replace(tmp, video.with_suffix(".json"))


def _load_salt(data_dir: Path) -> bytes:
    path = data_dir / ".key-salt"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        data_dir.mkdir(parents=True, exist_ok=True)
        salt = secrets.token_bytes(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process (CLI beside the app) just made it
            time.sleep(0.05)
            return path.read_bytes()
        with os.fdopen(fd, "wb") as out:
            out.write(salt)
        return salt
