"""Batches and stories: many clips from one file, shared by the CLI, the UI and the API.

A file's lines are read and checked in lines.py before anything is sent. A batch runs its
lines at most N at a time; a story runs them in order, each starting from the previous
clip's last frame (clean: see media.continuation_frame) unless it names its own image, and
is cut into one film. Re-running a file reuses every clip already made with the same
settings and frame: nothing is paid for twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import media, pricing, stitching
from .errors import ConfigError, InputError, KlingUIError
from .identity import request_identity
from .jobfiles import last_frame_of
from .jobs import JobManager
from .lines import Line
from .names import slug
from .said import said, shorten
from .spending import SpendingRefused
from .state import JobState
from .store import JobKind, JobRecord

log = logging.getLogger(__name__)

RESULTS = "results.jsonl"
CROSSFADE_SECONDS = 0.5  # the Story tab's cross-fade, when ticked


@dataclass
class Outcome:
    line: int
    status: str
    path: str | None = None
    cost: float | None = None
    currency: str | None = None
    job_id: str | None = None
    error: str | None = None
    key: str | None = None
    reused: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "extra"}
        return {**data, **self.extra}


def line_key(line: Line, image: str | None = None) -> str:
    """Same settings, same frames, same provider: the same clip (reused, never re-paid)."""
    fields = {**line.fields, "image": image or line.fields["image"]}
    return request_identity(line.provider, fields)[:24]


def previous_results(out_dir: Path) -> dict[str, dict[str, Any]]:
    """Clips already made into `out_dir`, by key, whose video is still there."""
    found: dict[str, dict[str, Any]] = {}
    path = Path(out_dir) / RESULTS
    if not path.exists():
        return found
    for raw in path.read_text().splitlines():
        try:
            row = json.loads(raw)
        except json.JSONDecodeError:
            continue
        if row.get("status") == "succeeded" and row.get("path") and Path(row["path"]).exists():
            found[row["key"]] = row
    return found


async def make_clip(
    jobs: JobManager,
    line: Line,
    out_dir: Path,
    *,
    image: str | None,
    done: dict[str, dict],
    submit: dict[str, Any] | None = None,
) -> Outcome:
    """One clip: reused when made before with the same key, else generated and copied out."""
    key = await asyncio.to_thread(line_key, line, image)
    if key in done:
        row = done[key]
        return Outcome(
            line.number,
            "succeeded",
            row["path"],
            row.get("cost"),
            row.get("currency"),
            row.get("job_id"),
            key=key,
            reused=True,
        )
    try:
        job = _pending_job(jobs, out_dir, key)
        if job is None:
            job = await jobs.submit(
                line.request(image), provider=line.provider, dedupe=False, **(submit or {})
            )
            # Before waiting: a run stopped now (closed tab, killed process, restart) finds
            # this job next time and waits for it instead of paying again.
            _remember_pending(out_dir, key, job.id)
        if job.is_held:
            return Outcome(line.number, str(job.state), job_id=job.id, error=job.error_message)
        job = await jobs.wait(job.id)
    except (InputError, ConfigError, SpendingRefused) as exc:
        # Refused before anything was sent (a rule, a missing key, a spending limit): the
        # clips made before it stay recorded in results.jsonl.
        return Outcome(line.number, "refused", error=exc.user_message, key=key)
    if job.state != JobState.SUCCEEDED or not job.video_path:
        message = job.error_message or str(job.state)
        return Outcome(line.number, str(job.state), job_id=job.id, error=message, key=key)
    words = slug(line.fields.get("prompt"), words=4, budget=40) or "clip"
    target = Path(out_dir) / f"{line.number:03d}-{words}-{job.id}.mp4"
    await asyncio.to_thread(shutil.copy2, job.video_path, target)
    clean = last_frame_of(job.video_path)
    if clean.exists():  # keep the unmarked last frame with the copy too
        await asyncio.to_thread(shutil.copy2, clean, last_frame_of(target))
    return Outcome(line.number, "succeeded", str(target), job.cost, job.currency, job.id, key=key)


PENDING = "pending.jsonl"


def _remember_pending(out_dir: Path, key: str, job_id: str) -> None:
    with (Path(out_dir) / PENDING).open("a", encoding="utf-8") as file:
        file.write(json.dumps({"key": key, "job_id": job_id}) + "\n")


def _pending_job(jobs: JobManager, out_dir: Path, key: str):
    """The job an earlier run submitted for this clip, if it may still give a video."""
    path = Path(out_dir) / PENDING
    if not path.exists():
        return None
    found = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(raw)
        except json.JSONDecodeError:
            continue
        if row.get("key") == key:
            found = row.get("job_id")  # the newest wins
    job = jobs.store.get(found) if found else None
    if job is None or not (job.is_active or job.is_held or job.state == JobState.SUCCEEDED):
        return None
    return job


async def run_batch(
    jobs: JobManager,
    lines: list[Line],
    out_dir: Path,
    *,
    parallel: int,
    on_done: Callable[[Outcome], None] | None = None,
    submit: dict[str, Any] | None = None,
) -> list[Outcome]:
    """Every line, at most `parallel` at a time; results.jsonl written as they finish.
    `submit` goes to JobManager.submit for every line (owner, visitor, caller)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    done = previous_results(out_dir)
    gate = asyncio.Semaphore(max(1, parallel))

    async def one(line: Line) -> Outcome:
        async with gate:
            outcome = await make_clip(jobs, line, out_dir, image=None, done=done, submit=submit)
        if on_done is not None:
            on_done(outcome)
        return outcome

    outcomes = await asyncio.gather(*(one(line) for line in lines))
    _write_results(out_dir, outcomes)
    return list(outcomes)


async def run_story(
    jobs: JobManager,
    lines: list[Line],
    out_dir: Path,
    *,
    crossfade: float = 0.0,
    on_done: Callable[[Outcome], None] | None = None,
    submit: dict[str, Any] | None = None,
) -> tuple[list[Outcome], Path | None]:
    """The shots in order, each chained from the last one's clean last frame; then the film
    (None when a shot failed: the others are kept, and a re-run makes only what's missing).
    `submit` goes to JobManager.submit for every shot (owner, api_key, visitor, caller)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    done = previous_results(out_dir)
    outcomes: list[Outcome] = []
    previous: Outcome | None = None
    for line in lines:
        image = None
        if line.chained:
            if previous is None or previous.status != "succeeded":
                outcomes.append(Outcome(line.number, "skipped", error=said("story.skipped")))
                continue
            frame = await asyncio.to_thread(media.continuation_frame, previous.path)
            image = str(out_dir / f"{line.number:03d}-start.png")
            await asyncio.to_thread(frame.save, image)
        previous = await make_clip(jobs, line, out_dir, image=image, done=done, submit=submit)
        outcomes.append(previous)
        _write_results(out_dir, outcomes)  # each shot kept as it is made
        if on_done is not None:
            on_done(previous)
    _write_results(out_dir, outcomes)
    if not all(o.status == "succeeded" for o in outcomes):
        return outcomes, None
    film = out_dir / "film.mp4"
    clips = [Path(o.path) for o in outcomes if o.path]
    await asyncio.to_thread(stitching.stitch, clips, film, crossfade=crossfade)
    return outcomes, film


def _film_prompt(count: int, costs: dict[str, float], prompts: str) -> str:
    """What the film shows as its prompt: how many shots, what they cost, what they show
    (English, kept in the store; the page says it again in the visitor's language)."""
    shots = said(f"count.shots.{'one' if count == 1 else 'other'}", n=count)
    money = ", ".join(pricing.format_money(v, c) for c, v in costs.items())
    if money:
        return said("story.film_prompt_paid", shots=shots, money=money, prompts=prompts)
    return said("story.film_prompt", shots=shots, prompts=prompts)


def record_film(
    jobs: JobManager, film: Path, lines: list[Line], outcomes: list[Outcome], *, owner: str
) -> JobRecord:
    """The film as a finished entry in History, with its own copy of the video (deleting it
    there leaves the story's folder alone). It carries no cost: its shots carry theirs, and
    spending limits must not count them twice."""
    job_id = f"story-{uuid.uuid4().hex[:12]}"
    target = jobs.settings.videos_dir / f"{job_id}.mp4"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(film, target)
    info = media.probe(target)
    costs: dict[str, float] = {}
    for o in outcomes:
        if o.cost:
            costs[o.currency or "USD"] = costs.get(o.currency or "USD", 0.0) + o.cost
    prompts = " / ".join(shorten(str(line.fields.get("prompt") or ""), 40) for line in lines)
    now = time.time()
    record = JobRecord(
        id=job_id,
        owner=owner,
        provider=lines[0].provider,
        kind=JobKind.FILM,
        request={
            "prompt": _film_prompt(len(lines), costs, prompts),
            "duration": round(info.duration),
            "sound": info.has_audio,
            "image": lines[0].fields.get("image"),
            "shots": [o.job_id for o in outcomes],
        },
        state=JobState.SUCCEEDED,
        video_path=str(target),
        probe=info.as_dict(),
        submitted_at=now,
        finished_at=now,
    )
    jobs.store.insert(record)
    return record


def _write_results(out_dir: Path, outcomes: list[Outcome]) -> None:
    rows = "".join(json.dumps(o.as_dict()) + "\n" for o in sorted(outcomes, key=lambda o: o.line))
    tmp = out_dir / f".{RESULTS}.part"
    tmp.write_text(rows)
    tmp.replace(out_dir / RESULTS)


@dataclass
class StoryRun:
    """One story being made on the server; pages only look at it."""

    shots: int
    outcomes: list[Outcome] = field(default_factory=list)
    film: Path | None = None
    error: str | None = None
    task: asyncio.Task | None = None

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    async def make(
        self,
        jobs: JobManager,
        lines: list[Line],
        folder: Path,
        *,
        crossfade: bool,
        submit: dict[str, Any],
    ) -> None:
        """Make the story (story.run_story), then put its film in History. Run it as the
        server task `self.task`: pages only look at it."""
        try:
            _, self.film = await run_story(
                jobs,
                lines,
                folder,
                crossfade=CROSSFADE_SECONDS if crossfade else 0.0,
                on_done=self.outcomes.append,
                submit=submit,
            )
            if self.film is not None:
                await asyncio.to_thread(
                    record_film, jobs, self.film, lines, self.outcomes, owner=submit["owner"]
                )
        except KlingUIError as exc:
            self.error = exc.user_message
        except Exception:
            log.exception("story: unexpected error in %s", folder.name)
            self.error = said("story.broken", folder=folder.name)
