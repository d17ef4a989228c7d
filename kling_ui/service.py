"""The studio's one service layer: what every door (page, API, MCP, CLI) calls.

Each function takes the caller explicitly and enforces the rules itself: whose job it is,
which files a visitor may hand in, the spending rules (through admission), never paying
twice. Visitors pass the gate (gate.py) when they are named: page_caller and api_caller
spend one of their events, frame checks and crops a heavy one too. A door only translates
its own values to a call and the result back, so a rule written here holds at every door.

    Studio                      built on the long-lived Services (services.py)
    ├── generate / generate_and_wait   validate, admit, start (a job a visitor owns)
    ├── job / jobs / latest / watch    reading, only what the caller owns
    ├── cancel / check_again / resume  a running or held job (can_cancel: where it works)
    ├── retry / remake                 a job's stored request again, here or elsewhere
    ├── continue_frame                 a finished video's last frame as the next start
    ├── check_key                      a key's account, read for free
    ├── import_job                     follow a job by its request id (free, never a submit)
    ├── frame_report / crop            frame checks before Generate (heavy: own budget, pool)
    ├── delete / restore               the trash, links revoked first
    ├── start_story / run_batch / run_story_file
    └── draft / save_draft / new_draft, stories / open_story / save_story / delete_story
                                       each owner's workspace (workspace.py)
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import (
    cancelling,
    framing,
    imports,
    keycheck,
    ladder,
    ledger,
    links,
    media,
    pricing,
    workspace,
)
from .config import Settings
from .doctor import KeyReport, check_configured, check_provider
from .errors import InputError, KlingUIError
from .gate import Gate
from .imports import Imported, NotOnProvider
from .jobfiles import JobFiles
from .ledger import DaySpend
from .lines import Line
from .providers.registry import PROVIDERS
from .request import GenerationRequest, parse_request
from .said import said
from .services import Services, open_services
from .shots import Shot, story_lines
from .spending import SpendingRefused
from .state import JobState
from .store import JobKind, JobRecord
from .story import RESULTS, Outcome, StoryRun, run_batch, run_story
from .uploads import allowed_source

log = logging.getLogger(__name__)

__all__ = ["OPERATOR", "Caller", "Imported", "KeyCheck", "NotOnProvider", "Studio"]

FRAME_FIELDS = ("image", "end_image")


@dataclass(frozen=True)
class Caller:
    """Who is asking. `owner` owns the jobs it makes and sees only those (the operator sees
    all); `address` is a keyed digest of the network address (rate limits count by it);
    a `visitor` (page, API) may hand in only uploaded files and is held to the deployment's
    spending rules, which the operator's CLI is not."""

    owner: str
    address: str | None = None
    visitor: bool = True
    operator: bool = False


OPERATOR = Caller("local", visitor=False, operator=True)


class NotAvailable(KlingUIError):
    """The job does not exist, or belongs to someone else (the same words for both)."""

    def __init__(self) -> None:
        super().__init__("That job is not available.")


class JobEnded(KlingUIError):
    """generate_and_wait: the job ended without a video."""

    def __init__(self, job: JobRecord) -> None:
        super().__init__(f"Job {job.id} {job.state}: {job.error_message or 'no video'}")
        self.job = job


@asynccontextmanager
async def open_studio(settings: Settings | None = None) -> AsyncIterator[Studio]:
    """The service for one CLI run (or a test): the long-lived parts, closed at the end."""
    async with open_services(settings) as services:
        yield Studio(services)


class Studio:
    """The service. Holds no per-user state but the stories it is making."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = services.settings
        self.gate = Gate(self.settings)
        self.images = services.jobs.images  # the few threads that decode frames
        self._stories: dict[str, StoryRun] = {}
        self._key_checks = keycheck.RecentCounts()  # visitors' Check key, per address
        self.workspace = workspace.Workspace(services.store)
        self._trusted_keys = keycheck.TrustedKeys()  # visitors' keys a provider took lately

    # --- who is asking ------------------------------------------------------------------------

    def page_token(self, token: str | None) -> str:
        """The page's stored owner token if this server signed it, else a new one."""
        return self.services.owners.keep_or_issue(token)

    def page_caller(self, token: str | None, request: Any = None) -> Caller | None:
        """The caller behind a page event, from the token this server signed for the
        browser; None for a token it did not sign (such a call owns nothing, and the door
        does nothing for it). gate.TooBusy when the caller is over its budget."""
        owner = self.services.owners.of_page(token)
        if owner is None:
            return None
        address = self.services.owners.caller(request) if request is not None else None
        caller = Caller(owner, address)
        self.gate.admit(caller)
        return caller

    def api_caller(self, request: Any) -> Caller:
        """An API or MCP caller: it has no page token, so its address names its owner.
        gate.TooBusy when it is over its budget."""
        owners = self.services.owners
        caller = Caller(owners.of_api(request), owners.caller(request))
        self.gate.admit(caller)
        return caller

    # --- reading ---------------------------------------------------------------------------

    def job(self, caller: Caller, job_id: str | None) -> JobRecord | None:
        """The job, only if `caller` may see it: a visitor never sees another's jobs."""
        if not job_id:
            return None
        job = self.services.jobs.current(job_id)  # with an ending the store can't take yet
        if job is None or not (caller.operator or job.owner == caller.owner):
            return None
        return job

    def require(self, caller: Caller, job_id: str | None) -> JobRecord:
        job = self.job(caller, job_id)
        if job is None:
            raise NotAvailable()
        return job

    def jobs(self, caller: Caller, *, limit: int = 200) -> list[JobRecord]:
        """Newest first: the caller's own (the operator's: everyone's)."""
        owner = None if caller.operator else caller.owner
        return self.services.jobs.as_known(self.services.store.list(owner=owner, limit=limit))

    def latest_clip(self, caller: Caller) -> JobRecord | None:
        """The caller's newest job if it is a clip (what the Studio shows after a reload)."""
        latest = self.jobs(caller, limit=1)
        return latest[0] if latest and latest[0].kind is JobKind.CLIP else None

    async def watch(self, caller: Caller, job_id: str) -> AsyncIterator[JobRecord]:
        """The job each time it changes, until it ends (see JobManager.watch)."""
        self.require(caller, job_id)
        async for job in self.services.jobs.watch(job_id):
            yield job

    def files(self, job: JobRecord) -> JobFiles:
        return JobFiles.of(job, self.settings.inputs_dir)

    def thumbnail(self, job: JobRecord) -> Path | None:
        """The job's picture: its video's first frame (made once, kept beside the video),
        before a video its start frame."""
        thumb = self.files(job).thumbnail
        if thumb is not None and job.video_path and Path(job.video_path).is_file():
            if not thumb.exists():
                try:
                    media.save_thumbnail(job.video_path, thumb)
                except KlingUIError:
                    return None
            return thumb
        start = job.request.get("image")
        return Path(start) if isinstance(start, str) and Path(start).is_file() else None

    # --- frames ----------------------------------------------------------------------------

    def visitor_frame(self, value: Any, field: str) -> str | None:
        """`value`'s source if a visitor may hand it in (an upload), else None."""
        try:
            return allowed_source(value, field=field, data_dir=self.settings.data_dir)
        except InputError:
            return None

    async def frame_report(
        self, caller: Caller, start: str | None, end: str | None, segments: int
    ) -> str:
        """Problems and notes about the chosen frames, said before Generate. Decoding is
        heavy: the caller's heavy budget, then the image threads (a few at a time)."""
        if start or end:
            self.gate.admit_heavy(caller)
        return await self.images.run(framing.frame_report, start, end, segments)

    async def crop(self, caller: Caller, source: str, aspect: float, field: str) -> str:
        """A centre crop of an uploaded frame to `aspect`, kept once per source and shape
        among the caller's own crops: past its quota (count and bytes) the least recently
        used go first. InputError for a frame over the size limit (judged from its header)."""
        self.gate.admit_heavy(caller)
        folder = framing.owner_folder(self.settings.crops_dir, caller.owner)
        made = await self.images.run(framing.crop_to, source, aspect, folder, field=field)
        quota = {"count": self.settings.crop_quota, "max_bytes": self.settings.crop_quota_bytes}
        for old in framing.over_quota(folder, newest=Path(made), **quota):
            links.revoke(old)  # first: a hard link would keep its bytes on disk
            old.unlink(missing_ok=True)
        return made

    # --- generating -------------------------------------------------------------------------

    def frames_allowed(self, caller: Caller, fields: dict[str, Any]) -> dict[str, Any]:
        """The fields, with each frame a source `caller` may use (visitors: uploads only)."""
        fields = dict(fields)
        if caller.visitor:
            for name in FRAME_FIELDS:
                fields[name] = allowed_source(
                    fields.get(name), field=name, data_dir=self.settings.data_dir
                )
        return fields

    async def generate(
        self,
        caller: Caller,
        fields: dict[str, Any],
        *,
        provider: str,
        api_key: str | None = None,
        own_limit_usd: float | None = None,
        region: str | None = None,
    ) -> JobRecord:
        """Check everything, store the job and start it; returns at once with the job.
        InputError / ConfigError / SpendingRefused before anything is stored or sent.
        `own_limit_usd` is the caller's own daily limit (the page keeps it in the browser);
        `region` the provider's site of the caller's own key (the server's key always runs
        at the server's site)."""
        if api_key:  # a key typed again picks up this caller's jobs that wait for it
            await self.services.jobs.resume_pending(
                api_key=api_key, provider=provider, owner=caller.owner
            )
        request = parse_request(self.frames_allowed(caller, fields))
        if own_limit_usd is not None:
            self._check_own_limit(caller, provider, request, own_limit_usd)
        site = self._own_site(provider, api_key, region)
        if caller.visitor and api_key:
            await self._check_visitor_key(caller, provider, api_key, site)
        return await self.services.jobs.submit(
            request,
            provider=provider,
            owner=caller.owner,
            api_key=api_key,
            visitor=caller.visitor,
            caller=caller.address,
            region=site,
        )

    def _own_site(self, provider: str, api_key: str | None, region: str | None) -> str | None:
        """`region` when it is another of the provider's sites and a key of the caller's own
        goes there; None (the server's site) otherwise."""
        own = (api_key or "").strip()
        if not own or region is None or region == self.settings.region(provider):
            return None
        return region if region in self.settings.sites(provider) else None

    async def _check_visitor_key(
        self, caller: Caller, provider: str, api_key: str, site: str | None
    ) -> None:
        """A visitor's own key, asked of the provider (free) before a job is made: a refused
        key is said by the key field and never becomes a failed job. A key taken lately is
        trusted; a provider out of reach lets the job go on (the provider has the last word).
        Counted with Check key, per address: a page can't probe keys through Generate."""
        cls, where = PROVIDERS.get(provider), f"{provider}@{site}"  # trusted per site
        if cls is None or not cls.needs_key or self._trusted_keys.trusted(where, api_key):
            return
        if not self._key_checks.take(caller.address or caller.owner):
            raise InputError({"provider": f"{keycheck.TOO_MANY} Nothing was sent."})
        report = await check_provider(
            provider,
            self.settings,
            self.services.client,
            api_key=api_key,
            server_key=False,
            region=site,
        )
        if report.key_accepted:
            self._trusted_keys.trust(where, api_key)
        elif report.reachable:
            raise InputError({"provider": f"{report.message} Nothing was sent: not charged."})

    def spent_today(self, caller: Caller, now: float | None = None) -> dict[str, float]:
        """What the caller's jobs cost since midnight UTC, by currency (from the ledger:
        deleted jobs count too)."""
        since = ledger.start_of_utc_day(time.time() if now is None else now)
        return self.services.store.owner_spend(caller.owner, since)

    def _check_own_limit(
        self, caller: Caller, provider: str, request: GenerationRequest, limit: float
    ) -> None:
        # A limit the person set for themselves: checked before the job is admitted, not
        # in the admitting transaction (the deployment's own cap is, in admission.py).
        spent = sum(pricing.to_usd(a, c) for c, a in self.spent_today(caller).items())
        estimate = pricing.estimate(provider, request.duration, request.sound, request.model)
        wanted = pricing.to_usd(estimate.amount, estimate.currency)
        if wanted > 0 and spent + wanted > limit:
            raise SpendingRefused(
                said(
                    "spend.own_limit",
                    limit=f"{limit:.2f}",
                    spent=f"{spent:.2f}",
                    wanted=f"{wanted:.2f}",
                )
            )

    async def generate_and_wait(
        self, caller: Caller, fields: dict[str, Any], *, provider: str
    ) -> JobRecord:
        """generate, then the finished job; JobEnded when it ends without a video."""
        job = await self.generate(caller, fields, provider=provider)
        job = await self.services.jobs.wait(job.id)
        if job.state != JobState.SUCCEEDED or not job.video_path:
            raise JobEnded(job)
        return job

    # --- a job under way ---------------------------------------------------------------------

    async def cancel(self, caller: Caller, job_id: str | None, api_key: str | None = None) -> str:
        """Ask to stop the job; a plain sentence saying what actually happened."""
        job = self.job(caller, job_id)
        if job is None:
            return "Nothing to cancel."
        return await self.services.jobs.cancel(job.id, api_key=api_key)

    def can_cancel(self, job: JobRecord) -> bool:
        """Whether Cancel can stop this job now (see cancelling.py)."""
        return cancelling.can_cancel(job)

    def next_step(self, job: JobRecord, chosen: str | None = None) -> tuple[str, str] | None:
        """(provider, model) one rung up the ladder from a finished clip (ladder.py)."""
        return ladder.next_step(job, chosen)

    def made_again(
        self, job: JobRecord, jobs: Iterable[JobRecord], provider: str, model: str
    ) -> bool:
        """Whether a later job among `jobs` already sent `job`'s clip to `provider` and
        `model` (ladder.py): a paid step is offered once."""
        return ladder.made_again(job, jobs, provider, model)

    def usage_url(self, job: JobRecord) -> str:
        """Where the job's provider shows what an account was charged ("" for the preview)."""
        cls = PROVIDERS.get(job.provider)
        return "" if cls is None or not cls.needs_key else cls.usage_url or cls.key_url

    async def retry(
        self,
        caller: Caller,
        job_id: str | None,
        api_key: str | None = None,
        own_limit_usd: float | None = None,
    ) -> JobRecord:
        """The job's exact request once more, on its provider and model (a new job)."""
        job = self.require(caller, job_id)
        return await self.remake(caller, job.id, job.provider, job.model, api_key, own_limit_usd)

    async def remake(
        self,
        caller: Caller,
        job_id: str | None,
        provider: str,
        model: str,
        api_key: str | None = None,
        own_limit_usd: float | None = None,
    ) -> JobRecord:
        """The job's stored request (its frames are kept here with it) as a new job on
        `provider` and `model`: the same validation, admission and spending rules as
        generate, so a preview becomes the real clip in one step."""
        job = self.require(caller, job_id)
        if job.is_film:
            raise KlingUIError("A story film is made again from the Story tab.")
        fields = {**job.request, "model": model}
        for name in FRAME_FIELDS:
            frame = fields.get(name)
            kept = isinstance(frame, str) and not frame.startswith("https://")
            if kept and not Path(frame).is_file():
                raise InputError({name: "This job's frames are no longer kept here."})
        return await self.generate(
            caller, fields, provider=provider, api_key=api_key, own_limit_usd=own_limit_usd
        )

    async def check_again(
        self, caller: Caller, job_id: str | None, api_key: str | None = None
    ) -> JobRecord | None:
        """Ask the provider at once; a job nothing follows here is picked up again."""
        job = self.job(caller, job_id)
        if job is None:
            return None
        if not self.services.jobs.check_now(job.id):
            await self.services.jobs.resume(job.id, api_key=api_key)
        return job

    async def resume(self, caller: Caller, job_id: str, api_key: str | None = None) -> bool:
        """Carry one job on (never re-sending a paid submit); whether it runs now."""
        job = self.require(caller, job_id)
        return await self.services.jobs.resume(job.id, api_key=api_key)

    async def resume_all(self, caller: Caller, api_key: str | None = None) -> list[str]:
        owner = None if caller.operator else caller.owner
        return await self.services.jobs.resume_pending(api_key=api_key, owner=owner)

    async def continue_frame(self, caller: Caller, job_id: str | None) -> Path:
        """The finished video's clean last frame, saved as the next clip's start frame."""
        job = self.job(caller, job_id)
        if job is None or not job.video_path:
            raise KlingUIError("There is no finished video to continue from.")
        target = self.files(job).continue_frame
        frame = await asyncio.to_thread(media.continuation_frame, job.video_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(frame.save, target)
        return target

    async def check_key(
        self, caller: Caller, provider: str, api_key: str | None, region: str | None = None
    ) -> str:
        """What the provider says about a key, in words (free: no job is sent), at
        `region`'s site when the provider has several (a visitor's choice beside the key).

        A visitor's check reads only the key typed in (never the server's: the operator's
        balance is not theirs to see) and is counted per network address (keycheck.py)."""
        cls = PROVIDERS.get(provider)
        if cls is None or not cls.needs_key:
            return "The offline preview needs no key."
        typed = (api_key or "").strip() or None
        if caller.visitor:
            if typed is None:
                return keycheck.type_a_key(cls.label)
            if not self._key_checks.take(caller.address or caller.owner):
                return keycheck.TOO_MANY
        report = await check_provider(
            provider,
            self.settings,
            self.services.client,
            api_key=typed,
            server_key=not caller.visitor,
            region=region if region in self.settings.sites(provider) else None,
        )
        message = ("✓ " if report.ready else "⚠ ") + report.message
        if typed and report.key_accepted:
            picked = await self.services.jobs.resume_pending(
                api_key=typed, provider=provider, owner=caller.owner
            )
            if picked:
                message += f" Picked up {len(picked)} job(s) that waited for this key."
        return KeyCheck.of(message, report.site)

    async def import_job(
        self,
        caller: Caller,
        provider: str,
        request_id: str,
        api_key: str | None = None,
        region: str | None = None,
    ) -> Imported:
        """Follow a job started elsewhere (or left unknown here) by its request id and save
        its video; nothing is submitted, so an import is free. InputError for an id of the
        wrong shape (before any request); imports.NotOnProvider when the provider doesn't
        know it. As with check_key, a visitor imports only with the key typed in (never
        the server's: its jobs are not theirs) and is counted per network address."""
        request_id = imports.check_id(provider, request_id)
        typed = (api_key or "").strip() or None
        if caller.visitor:
            if typed is None:
                raise InputError({"api_key": keycheck.type_a_key(PROVIDERS[provider].label)})
            if not self._key_checks.take(caller.address or caller.owner):
                raise InputError({"api_key": keycheck.TOO_MANY})
        return await imports.import_job(
            self.services.jobs,
            provider,
            request_id,
            owner=caller.owner,
            api_key=typed,
            region=region,
            caller=caller.address,
        )

    async def check_server_keys(self, caller: Caller) -> list[KeyReport]:
        """Every server key's account (the operator's doctor; free)."""
        if not caller.operator:
            raise KlingUIError("Only the operator can check the server's keys.")
        return await check_configured(self.settings, self.services.client)

    def spend(self, caller: Caller, *, since: float = 0.0) -> list[DaySpend]:
        """The spend ledger per UTC day, provider and currency (the operator's record)."""
        if not caller.operator:
            raise KlingUIError("Only the operator can read the spend ledger.")
        return self.services.store.spend_report(since=since)

    # --- delete and restore --------------------------------------------------------------------

    def delete(self, caller: Caller, job_id: str | None) -> JobRecord:
        """Move a finished job to the trash (restorable for a while); links revoked first."""
        job = self.require(caller, job_id)
        if job.is_active:
            raise KlingUIError("This job can't be deleted now: it is still running.")
        # Links first, every one: a hard link would keep serving a file after it moved
        # (the video, its sidecars and thumbnail, the kept frames, the continue frame).
        kept = [*self.files(job).existing(), *(job.request.get(f) for f in FRAME_FIELDS)]
        # A frame kept in a workspace belongs to its drafts and stories, not to the job.
        for path in (p for p in kept if not self._in_workspace(p)):
            links.revoke(path)
        return self.services.trash.delete(job.id)

    def restore(self, caller: Caller, job_id: str | None) -> JobRecord:
        job = self.services.trash.restore(job_id, owner=caller.owner) if job_id else None
        if job is None:
            raise KlingUIError("That job can no longer be restored.")
        return job

    # --- stories and batches ---------------------------------------------------------------------

    def story(self, story_id: str | None, provider: str) -> StoryRun | None:
        return self._stories.get(f"{story_id}-{provider}")

    async def start_story(
        self,
        caller: Caller,
        story: StoryOrder,
    ) -> tuple[str, StoryRun]:
        """Start making a story on the server (or return the run already making it).
        InputError names each bad shot before anything is sent."""
        story_id = story.story_id or uuid.uuid4().hex
        key = f"{story_id}-{story.provider}"
        run = self._stories.get(key)
        if run is not None and run.running:
            return story_id, run
        folder = self.settings.data_dir / "stories" / key
        lines = await asyncio.to_thread(self._story_lines, caller, story, folder)
        run = StoryRun(shots=len(lines))
        self._stories[key] = run
        submit = {
            "owner": caller.owner,
            "api_key": story.api_key,
            "visitor": caller.visitor,
            # Rate limits count by network address, as for Generate: a fresh browser id
            # must not start a new count through the Story tab.
            "caller": caller.address,
        }
        run.task = asyncio.create_task(
            run.make(self.services.jobs, lines, folder, crossfade=story.crossfade, submit=submit)
        )
        return story_id, run

    def _story_lines(self, caller: Caller, story: StoryOrder, folder: Path) -> list[Line]:
        start = self.frames_allowed(caller, {"image": story.start})["image"]
        shots = [
            shot._replace(frame=self._shot_frame(caller, shot, i))
            for i, shot in enumerate(story.shots)
        ]
        return story_lines(shots, start, story.provider, folder)

    def _shot_frame(self, caller: Caller, shot: Shot, index: int) -> str | None:
        if not caller.visitor or shot.frame is None:
            return shot.frame
        return allowed_source(
            shot.frame, field=f"shot {index + 1} start frame", data_dir=self.settings.data_dir
        )

    async def run_batch(
        self,
        caller: Caller,
        lines: list[Line],
        out: Path,
        *,
        parallel: int,
        on_done: Callable[[Outcome], None] | None = None,
    ) -> list[Outcome]:
        return await run_batch(
            self.services.jobs,
            lines,
            out,
            parallel=parallel,
            on_done=on_done,
            submit=_submit(caller),
        )

    async def run_story_file(
        self,
        caller: Caller,
        lines: list[Line],
        out: Path,
        *,
        crossfade: float,
        on_done: Callable[[Outcome], None] | None = None,
    ) -> tuple[list[Outcome], Path | None]:
        return await run_story(
            self.services.jobs,
            lines,
            out,
            crossfade=crossfade,
            on_done=on_done,
            submit=_submit(caller),
        )

    # --- the workspace: each owner's draft and saved stories ------------------------------------

    def _frames_folder(self, caller: Caller) -> Path:
        return workspace.owner_folder(self.settings.data_dir / "workspace", caller.owner)

    def _in_workspace(self, path: str | None) -> bool:
        root = (self.settings.data_dir / "workspace").resolve()
        return bool(path) and Path(str(path)).resolve().is_relative_to(root)

    def _keep_frame(self, caller: Caller, value: Any, field: str) -> str | None:
        """A frame the caller may use (an upload, or one of its own kept frames), kept in
        its workspace folder; an https URL stands for itself."""
        source = self.frames_allowed(caller, {"image": value})["image"] if value else None
        folder = self._frames_folder(caller)
        theirs = source and self._in_workspace(source) and Path(source).parent != folder.resolve()
        if not source or (caller.visitor and theirs):
            return None  # another owner's kept frame is never theirs to reuse
        if source.startswith(("https://", "data:")):
            return source if source.startswith("https://") else None
        if not Path(source).is_file():
            # A link the page was handed has been cleaned away: its name is the kept frame's.
            kept = folder / Path(source).name
            if kept.is_file():
                return str(kept)
            raise InputError({field: f"{field}: that file is gone from the server; upload again."})
        max_bytes = int(self.settings.max_upload_mb * 1000 * 1000)
        try:
            return workspace.keep_frame(folder, source, max_bytes=max_bytes)
        except workspace.TooLarge as exc:
            raise workspace.TooLarge({field: f"{field}: {exc.user_message}"}) from exc

    def _settle_frames(self, caller: Caller, adding: dict[str, Any] | None = None) -> None:
        """Remove the caller's frames nothing refers to; with `adding` (a body about to be
        stored), first hold what would be kept to the caller's frame budget."""
        keep = self.workspace.referenced(caller.owner)
        if adding is not None:
            keep |= workspace.frame_paths(adding)
            used = sum(Path(p).stat().st_size for p in keep if Path(p).is_file())
            limit = self.settings.crop_quota_bytes
            if used > limit:
                raise workspace.TooLarge(
                    {
                        "frames": f"Kept frames: {used:,} bytes would pass your limit of "
                        f"{limit:,} bytes. Delete a story to make room."
                    }
                )
        for old in workspace.sweep(self._frames_folder(caller), keep):
            links.revoke(old)

    def draft(self, caller: Caller) -> dict[str, Any]:
        """The caller's draft (the Studio's form as last saved), {} for none."""
        return self.workspace.draft(caller.owner)

    async def save_draft(self, caller: Caller, fields: dict[str, Any]) -> dict[str, Any]:
        """Keep the form's fields (never a key) as the caller's draft; the draft as stored.
        InputError (TooLarge) names a field over its limit; nothing is kept then."""
        return await asyncio.to_thread(self._save_draft, caller, fields)

    def _save_draft(self, caller: Caller, fields: dict[str, Any]) -> dict[str, Any]:
        fields = dict(fields)
        for name in FRAME_FIELDS:
            fields[name] = self._keep_frame(caller, fields.get(name), name)
        body = workspace.clean_draft(fields)
        self._settle_frames(caller, adding=body)
        self.workspace.save_draft(caller.owner, body)
        return body

    def new_draft(self, caller: Caller) -> None:
        """Start an empty draft (the frames go once nothing else refers to them)."""
        self.workspace.clear_draft(caller.owner)
        self._settle_frames(caller)

    def stories(self, caller: Caller) -> list[dict[str, Any]]:
        """The caller's saved stories, newest change first."""
        return self.workspace.stories(caller.owner)

    def open_story(self, caller: Caller, story_id: str | None) -> dict[str, Any] | None:
        return self.workspace.story(caller.owner, story_id) if story_id else None

    async def save_story(
        self, caller: Caller, story_id: str | None, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """Keep a story (new when `story_id` is None or not the caller's); the story as
        stored, with its id. InputError (TooLarge) names a field over its limit."""
        return await asyncio.to_thread(self._save_story, caller, story_id, fields)

    def _save_story(
        self, caller: Caller, story_id: str | None, fields: dict[str, Any]
    ) -> dict[str, Any]:
        fields = dict(fields)
        fields["start"] = self._keep_frame(caller, fields.get("start"), "start frame")
        fields["shots"] = [
            {**shot, "frame": self._keep_frame(caller, shot.get("frame"), f"shot {i + 1} frame")}
            for i, shot in enumerate(fields.get("shots") or [])
        ]
        body = workspace.clean_story(fields)
        if self.open_story(caller, story_id) is None:
            story_id = uuid.uuid4().hex  # a new story, or an id that isn't the caller's
        body["name"] = body["name"] or f"Story {time.strftime('%Y-%m-%d %H:%M')}"
        self._settle_frames(caller, adding=body)
        self.workspace.save_story(caller.owner, str(story_id), body)
        return {**body, "id": story_id}

    def rename_story(self, caller: Caller, story_id: str | None, name: str) -> dict | None:
        story = self.open_story(caller, story_id)
        if story is None:
            return None
        body = workspace.clean_story({**story, "name": name or story["name"]})
        self.workspace.save_story(caller.owner, str(story_id), body)
        return {**body, "id": story_id}

    def story_view(self, caller: Caller, story_id: str | None) -> StoryView | None:
        """A saved story with its run (the one under way, else the last one's results) and
        the frame each shot starts from; None when it isn't the caller's."""
        story = self.open_story(caller, story_id)
        if story is None:
            return None
        provider = story.get("ran_on") or story.get("provider") or "preview"
        folder = self._story_folder(str(story_id), provider)
        shots = story.get("shots") or []
        run = self.story(story_id, provider) or _past_run(folder, len(shots))
        frames = [
            story.get("start") if i == 0 else shot.get("frame") or _chained_frame(folder, i + 1)
            for i, shot in enumerate(shots)
        ]
        return StoryView(story, run, provider, frames)

    def _story_folder(self, story_id: str, provider: str) -> Path:
        return self.settings.data_dir / "stories" / f"{story_id}-{provider}"

    def delete_story(self, caller: Caller, story_id: str | None) -> bool:
        """Forget a saved story (its made shots stay in History and its folder)."""
        gone = self.workspace.delete_story(caller.owner, story_id)
        if gone:
            self._settle_frames(caller)
        return gone


@dataclass(frozen=True)
class StoryView:
    """A saved story as the Story tab shows it (Studio.story_view)."""

    story: dict[str, Any]
    run: StoryRun | None
    provider: str  # the provider it last ran on
    frames: list[str | None]  # the frame each shot starts from; None: not made yet


def _chained_frame(folder: Path, number: int) -> str | None:
    # Written by story.run_story before shot `number` is sent: the last frame before it.
    path = folder / f"{number:03d}-start.png"
    return str(path) if path.is_file() else None


def _past_run(folder: Path, shots: int) -> StoryRun | None:
    """The last run's results (results.jsonl) as a finished run; None before any."""
    path = folder / RESULTS
    if not path.is_file():
        return None
    names = set(Outcome.__dataclass_fields__) - {"extra"}
    outcomes = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(raw)
            outcomes.append(Outcome(**{k: v for k, v in row.items() if k in names}))
        except (json.JSONDecodeError, TypeError):
            continue
    film = folder / "film.mp4"
    done = len(outcomes) == shots and all(o.status == "succeeded" for o in outcomes)
    return StoryRun(shots=shots, outcomes=outcomes, film=film if done and film.is_file() else None)


class KeyCheck(str):
    """Check key's words, and `site`: the site (region) that took a key the one asked
    refused, so a page can say which to choose in its reader's language."""

    site: str | None = None

    @classmethod
    def of(cls, words: str, site: str | None) -> KeyCheck:
        said = cls(words)
        said.site = site
        return said


@dataclass(frozen=True)
class StoryOrder:
    """A story as the Story tab sends it: shots, the start frame, where and how to make it."""

    story_id: str | None
    provider: str
    shots: list[Shot]
    start: str | None
    crossfade: bool = False
    api_key: str | None = None


def _submit(caller: Caller) -> dict[str, Any]:
    return {"owner": caller.owner, "visitor": caller.visitor, "caller": caller.address}
