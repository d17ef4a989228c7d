"""JobManager: what is about many jobs: admission, the live runs, watchers, resume, cancel.

One job's own life (submit once, wait, save, check) is a JobRun (run.py). Every job is a
server-side asyncio task: closing a browser tab or a CLI's Ctrl-C does not stop it, and its
state is in the store, so a restart can carry it on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import httpx

from . import __version__, models, pricing
from .admission import Admission
from .clock import SYSTEM_CLOCK, Clock
from .config import Settings
from .errors import ErrorCode, KlingUIError
from .frames import prepare_inputs
from .gate import ImageWork
from .keyprints import KeyPrints
from .keys import PayingKey, key_choices
from .netsafety import Resolver, download_client, system_resolver
from .providers.base import CancelOutcome, Inputs, Provider
from .providers.factory import create_provider
from .request import GenerationRequest, parse_request
from .resume import Follow, Rerender, SettleUnsent, WaitForKey, plan_resume
from .run import JobRun, apply_move
from .slots import Slots
from .state import JobState
from .store import UNFINISHED_STATES, JobRecord, JobStore

log = logging.getLogger(__name__)


class JobManager:
    """Owns every running job of this process; many watchers share one polling loop per job."""

    def __init__(
        self,
        settings: Settings,
        store: JobStore,
        client: httpx.AsyncClient,
        *,
        resolver: Resolver = system_resolver,
        downloads: httpx.AsyncClient | None = None,
        images: ImageWork | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.settings = settings
        self.clock = clock  # what runs and their providers' pauses are timed by
        # Frames are decoded here a few at a time (the page's checks and crops share it).
        self.images = images or ImageWork(settings.image_workers)
        self.resolver = resolver
        self.store = store
        self.client = client
        # Result videos come through here (any public https host, checked at connect time).
        self.downloads = downloads or client
        self._image_client: httpx.AsyncClient | None = None  # made on first use
        self._live: dict[str, JobRun] = {}
        # Runs whose ending could not be written to the store (see JobRun.unrecorded).
        self._ended: dict[str, JobRecord] = {}
        self._changed: dict[str, asyncio.Event] = {}
        self._keyprints = KeyPrints(settings.data_dir)
        # How many jobs each account runs at once, learned from its refusals (slots.py).
        self.slots = Slots(clock)
        self.admission = Admission(
            settings, store, self._keyprints, self.provider, self.prepare_inputs
        )

    # --- submitting -------------------------------------------------------------------------

    def provider(
        self,
        name: str,
        api_key: str | None = None,
        model: str = models.DEFAULT_MODEL,
        region: str | None = None,
    ) -> Provider:
        provider = create_provider(
            name,
            settings=self.settings,
            client=self.client,
            api_key=api_key,
            downloads=self.downloads,
            model=model,
            region=region,
        )
        provider.clock = self.clock
        return provider

    def fingerprint(self, provider: str, key: str | None) -> str | None:
        """A salted fingerprint that recognises a key again without storing it."""
        return self._keyprints.of(provider, key)

    @property
    def image_client(self) -> httpx.AsyncClient:
        """Visitors' image URLs are fetched here: public addresses only, checked where the
        connection is made with the resolver that checked the URL, so a name can't answer
        public to the check and private to the connection (DNS rebinding)."""
        if self._image_client is None:
            self._image_client = download_client(
                timeout=httpx.Timeout(self.settings.request_timeout),
                user_agent=f"kling-ui/{__version__}",
                resolver=self.resolver,
            )
        return self._image_client

    async def prepare_inputs(self, request: GenerationRequest, provider: Provider) -> Inputs:
        return await prepare_inputs(
            request,
            provider,
            client=self.image_client,
            resolver=self.resolver,
            run=self.images.run,
        )

    async def submit(
        self,
        request: GenerationRequest,
        *,
        provider: str,
        owner: str = "local",
        api_key: str | None = None,
        visitor: bool = False,
        caller: str | None = None,
        dedupe: bool = True,
        region: str | None = None,
    ) -> JobRecord:
        """Validate everything, store the job, and start it. Returns at once with the job.
        See admission.py for what is checked, and when a request shares a job. `region`:
        the provider's site for an offered key of another site (None: the server's)."""
        job, chosen, inputs = await self.admission.admit(
            request,
            provider=provider,
            owner=owner,
            api_key=api_key,
            visitor=visitor,
            caller=caller,
            dedupe=dedupe,
            region=region,
        )
        if chosen is not None:
            self.start(job, chosen, inputs)
        return job

    def start(self, job: JobRecord, provider: Provider, inputs: Inputs | None) -> JobRun:
        run = JobRun(
            job,
            provider,
            settings=self.settings,
            store=self.store,
            on_change=self._notify,
            inputs=inputs,
            clock=self.clock,
            slots=self.slots,
        )
        run.task = asyncio.create_task(run.run(), name=f"job-{job.id}")
        self._live[job.id] = run
        self._ended.pop(job.id, None)

        def finished(_: asyncio.Task[None]) -> None:
            self._live.pop(job.id, None)
            if run.unrecorded:  # watchers must still hear how it ended
                self._ended[job.id] = run.job
            self._notify(job.id)

        run.task.add_done_callback(finished)
        return run

    # --- watching, cancelling, resuming ----------------------------------------------------

    async def watch(self, job_id: str, *, poll_store: float = 1.0) -> AsyncIterator[JobRecord]:
        """Yield the job each time it changes, ending with its final (or held) state.

        Watchers never talk to the provider: they wake on this manager's updates (and re-read
        the store every `poll_store` seconds, which also sees jobs run by another process).
        """
        while True:
            changed = self._changed.setdefault(job_id, asyncio.Event())
            job = self._current(job_id)
            yield job
            if not job.is_active and job_id not in self._live:
                return
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for returns normally when it
            # is cancelled just as the event fires, and a stopped story would go on and pay
            # for its next shot.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(poll_store):
                    await changed.wait()

    async def wait(self, job_id: str) -> JobRecord:
        async for _ in self.watch(job_id):
            pass
        return self._current(job_id)

    async def cancel(self, job_id: str, *, api_key: str | None = None) -> str:
        """Ask to stop a job; returns a plain sentence saying what actually happened."""
        job = self.get(job_id)
        if job.is_final:
            return f"Job {job_id} has already finished ({job.state})."
        run = self._live.get(job_id)
        if job.request_id is None:
            if run is not None:
                run.cancel_requested = True
                run.check_now()  # a run waiting in our queue for a slot hears it at once
            else:
                self.move(job_id, JobState.CANCELED, finished_at=self.clock.now())
            return "Canceled before anything was sent: nothing was charged."
        provider = (
            run.provider
            if run is not None
            else self.provider(job.provider, api_key, job.model, job.site)
        )
        label = provider.label
        try:
            outcome = await provider.cancel(job.request_id)
        except KlingUIError as exc:
            message = f"Couldn't cancel: {exc.user_message} The job goes on and will be saved."
            self.move(job_id, notice=message)
            return message
        if outcome is CancelOutcome.CANCELED:
            if run is not None and run.task is not None:
                run.task.cancel()
            self.move(
                job_id,
                JobState.CANCELED,
                finished_at=self.clock.now(),
                error_message=f"Canceled on {label}.",
                notice=None,
            )
            return f"Canceled on {label}."
        message = cancel_words(outcome, label)
        self.move(job_id, notice=message)
        return message

    def check_now(self, job_id: str) -> bool:
        """Ask the provider about a running job at once; False when nothing follows it here."""
        run = self._live.get(job_id)
        if run is None:
            return False
        run.check_now()
        return True

    async def resume_pending(
        self,
        *,
        api_key: str | None = None,
        provider: str | None = None,
        owner: str | None = None,
    ) -> list[str]:
        """Carry on every unfinished job whose key is available (the server's, or `api_key`),
        optionally only `owner`'s: a visitor who types their key again gets theirs back."""
        resumed = []
        for job in self.store.list(owner=owner, states=UNFINISHED_STATES, limit=10_000):
            if self.is_live(job.id) or (provider and job.provider != provider):
                continue
            if await self.resume(job.id, api_key=api_key, quiet=True):
                resumed.append(job.id)
        return resumed

    async def resume(self, job_id: str, *, api_key: str | None = None, quiet: bool = False) -> bool:
        """Carry on one job as resume.plan_resume decides; returns whether it is running.
        Never re-sends a paid submit."""
        self.record_endings()  # a held ending first, so the plan reads the job as it is
        job = self.get(job_id)
        if self.is_live(job_id):
            return True
        keys = key_choices(job.provider, api_key, self.settings)
        plan = plan_resume(job, keys, lambda key: self.fingerprint(job.provider, key))
        match plan:
            case Follow(key):
                self._follow_again(job, key)
                return True
            case Rerender():
                return await self._rerender(job)
            case SettleUnsent(unknown):
                self._settle_unsent(job, unknown, api_key)
            case WaitForKey():
                self._wait_for_key(job, quiet)
        return False

    def _follow_again(self, job: JobRecord, key: PayingKey) -> None:
        provider = self.provider(job.provider, key.value, job.model, job.site)
        state = job.state if job.is_active else JobState.RUNNING
        job = self.move(job.id, state, error_code=None, error_message=None, finished_at=None)
        self.start(job, provider, None)
        log.info("job %s: resumed (%s)", job.id, job.request_id)

    def _wait_for_key(self, job: JobRecord, quiet: bool) -> None:
        if not quiet:
            log.info("job %s: waiting for its owner's key to resume", job.id)
        if job.is_active:
            label = pricing.provider_name(job.provider)
            self.move(
                job.id,
                JobState.WAITING_FOR_KEY,
                error_code=ErrorCode.KEY_NEEDED,
                error_message=f"Still on {label} (request id {job.request_id}), but this "
                "server doesn't keep the key it was started with: enter that key again "
                "to pick it up, or delete the job.",
            )

    def _settle_unsent(self, job: JobRecord, unknown: bool, api_key: str | None) -> None:
        """A job that never got a request id: unsent (free) or lost on the way (unknown)."""
        if not unknown:
            self.move(
                job.id,
                JobState.FAILED,
                error_code=ErrorCode.INTERRUPTED,
                error_message="Interrupted before it was sent: nothing was charged. "
                "Generate again.",
                finished_at=self.clock.now(),
            )
            return
        provider = self.provider(job.provider, api_key, job.model) if api_key else None
        hint = provider.dashboard_hint if provider else ""
        self.move(
            job.id,
            JobState.UNKNOWN,
            error_code=ErrorCode.SUBMIT_UNKNOWN,
            error_message="The app stopped while sending this job: it may "
            f"have been created and charged. {hint}".strip(),
            finished_at=self.clock.now(),
        )

    async def _rerender(self, job: JobRecord) -> bool:
        # The preview is free and deterministic: after a restart, render it again.
        provider = self.provider("preview", model=job.model)
        try:
            inputs = await self.prepare_inputs(parse_request(job.request), provider)
        except KlingUIError as exc:
            self.move(
                job.id,
                JobState.FAILED,
                error_code=ErrorCode.INTERRUPTED,
                error_message=f"The preview was interrupted and can't restart: {exc.user_message}",
                finished_at=self.clock.now(),
            )
            return False
        job = self.move(
            job.id,
            JobState.SUBMITTING,
            request_id=None,
            submitted_at=None,
            error_code=None,
            error_message=None,
            finished_at=None,
        )
        self.start(job, provider, inputs)
        return True

    def forget(self, job_id: str) -> bool:
        """Take a finished job out of the store (its files are the caller's: see trash.py)."""
        self._ended.pop(job_id, None)
        return self.store.delete(job_id)

    async def aclose(self) -> None:
        """Stop following jobs (they stay active in the store and resume on next start)."""
        tasks = [run.task for run in self._live.values() if run.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.images.close()
        if self._image_client is not None:
            await self._image_client.aclose()
            self._image_client = None

    # --- helpers ---------------------------------------------------------------------------

    def is_live(self, job_id: str) -> bool:
        """A run in this process follows the job right now."""
        return job_id in self._live

    def get(self, job_id: str) -> JobRecord:
        job = self.store.get(job_id)
        if job is None:
            raise KlingUIError(f"There is no job {job_id}.")
        return job

    def current(self, job_id: str) -> JobRecord | None:
        """The job as it is: a live run's own record (the truth while it runs, even if the
        store fails), else an ending the store could not take yet, else the stored job."""
        self.record_endings()
        run = self._live.get(job_id)
        if run is not None:
            return run.job
        return self._ended.get(job_id) or self.store.get(job_id)

    def _current(self, job_id: str) -> JobRecord:
        job = self.current(job_id)
        if job is None:
            raise KlingUIError(f"There is no job {job_id}.")
        return job

    def as_known(self, jobs: list[JobRecord]) -> list[JobRecord]:
        """Stored jobs with the endings the store could not take yet in their place."""
        return [self._ended.get(job.id, job) for job in jobs] if self._ended else jobs

    def record_endings(self) -> None:
        """Write the endings the store could not take when they happened (a full disk):
        once it can, the store says what the page has said all along."""
        for job_id, ended in list(self._ended.items()):
            try:
                stored = self.store.get(job_id) if job_id not in self._live else None
                if stored is not None:  # else deleted meanwhile, or running again
                    apply_move(
                        self.store,
                        stored,
                        ended.state,
                        request_id=ended.request_id,
                        error_code=ended.error_code,
                        error_message=ended.error_message,
                        finished_at=ended.finished_at,
                    )
                    log.info("job %s: its ending (%s) is recorded now", job_id, ended.state)
            except Exception:  # still can't read or write: the next look tries again
                log.debug("job %s: its ending is still not recorded", job_id)
                return
            self._ended.pop(job_id, None)

    def move(self, job_id: str, state: JobState | None = None, **changes) -> JobRecord:
        """Change a job from outside its run (cancel, resume, settle)."""
        run = self._live.get(job_id)
        if run is not None:
            return run.move(state, **changes)
        job = apply_move(self.store, self.get(job_id), state, **changes)
        self._notify(job_id)
        return job

    def _notify(self, job_id: str) -> None:
        event = self._changed.pop(job_id, None)
        if event is not None:
            event.set()


def cancel_words(outcome: CancelOutcome, label: str) -> str:
    """What a cancel that didn't stop the job at once means, for the person who asked."""
    if outcome is CancelOutcome.REQUESTED:
        return f"{label} accepted the cancel request; it stops the job shortly."
    if outcome is CancelOutcome.NOT_CANCELLABLE:
        return (
            f"{label} can't stop a job that has already started: it will finish and may be "
            "charged. The video will still be saved here."
        )
    return (
        f"{label} has no way to cancel a job: it will finish and may be charged. The video "
        "will still be saved here."
    )
