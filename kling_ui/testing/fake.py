"""What both fake providers share: jobs that progress over time, faults on demand, a call log.

The fakes are first-class code (tests, benchmarks and demos run against them), so they behave
like the real services: they check the bearer key, validate bodies, move a job queued ->
running -> done over a configurable time, serve a real MP4, and fail in the ways the real ones
do when asked to.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import models
from ..clock import SYSTEM_CLOCK, Clock
from .clips import sample_video_bytes


@dataclass
class Fault:
    """One injected misbehaviour for the next call to a route.

    `status`/`body`/`raw`/`headers` replace the answer; `delay` sleeps before answering. With
    `process=True` the real handler runs first (a job is created) and only the answer is
    replaced or delayed: the "request arrived but the reply was lost" case.
    """

    status: int = 500
    body: Any = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    process: bool = False

    @classmethod
    def server_error(cls, status: int = 503) -> Fault:
        return cls(status=status, raw=b"<html>upstream unavailable</html>")

    @classmethod
    def rate_limited(cls, retry_after: float = 1.0) -> Fault:
        return cls(
            status=429,
            body={"error": "too many requests"},
            headers={"Retry-After": str(retry_after)},
        )

    @classmethod
    def malformed(cls) -> Fault:
        return cls(status=200, raw=b'{"status": "in_progr')

    @classmethod
    def slow(cls, seconds: float, *, process: bool = True) -> Fault:
        return cls(status=0, delay=seconds, process=process)


@dataclass
class FakeJob:
    id: str
    body: dict[str, Any]
    created: float
    queue_seconds: float
    run_seconds: float
    duration: int
    sound: bool
    fail_message: str | None = None
    # Finishes as "completed"/SUCCESS but carries this failure and no video ("" = no words).
    hollow_message: str | None = None
    canceled: bool = False
    endpoint: str = ""  # the catalogue model's endpoint it was submitted to
    rate: float = 0.0  # what a second of it costs (the model's price, sound included)

    def state(self, now: float) -> str:
        if self.canceled:
            return "canceled"
        elapsed = now - self.created
        if elapsed < self.queue_seconds:
            return "queued"
        if elapsed < self.queue_seconds + self.run_seconds:
            return "running"
        return "failed" if self.fail_message else "done"

    def done_at(self) -> float:
        return self.created + self.queue_seconds + self.run_seconds


class FakeProvider:
    """Shared state and behaviour; subclasses add the wire protocol's routes."""

    def __init__(
        self,
        *,
        api_key: str = "test-key",
        queue_seconds: float = 0.2,
        run_seconds: float = 0.5,
        max_concurrent: int | None = None,
        video_size: tuple[int, int] = (160, 90),
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.api_key = api_key
        # Jobs progress, and faults answer late, on this clock: a test's VirtualClock runs a
        # job's life in milliseconds, the real one (servers on loopback) in real time.
        self.clock = clock
        self.queue_seconds = queue_seconds
        self.run_seconds = run_seconds
        self.max_concurrent = max_concurrent
        self.video_size = video_size
        self.expire_results = False
        self.result_base: str | None = None  # e.g. "https://rh-images-1.cos.ap-beijing.test"
        self.jobs: dict[str, FakeJob] = {}
        self.calls: list[dict[str, Any]] = []
        self._faults: dict[str, deque[Fault]] = {}
        self._fail_next: deque[str] = deque()
        self._hollow_next: deque[str] = deque()
        # Faults for fetches of a finished job's result only (the status route, the query).
        self._finished_faults: deque[Fault] = deque()
        # Content refusals of the next submits: (input's wire field, the checker's words).
        self._refuse_next: deque[tuple[str, str]] = deque()
        self.limit_code = "1520"  # RunningHub's answer over max_concurrent: 1520, 421, 415
        self._ids = itertools.count(1)
        self._lock = threading.Lock()  # the fake may be read from a test thread
        self.app = Starlette(routes=[*self.routes(), Route("/_fake/log", self._log)])

    # --- to override ------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        raise NotImplementedError

    async def _do_submit(
        self, request: Request, call: dict[str, Any], offer: models.Offer
    ) -> Response:
        raise NotImplementedError

    def offers(self, provider: str) -> dict[str, models.Offer]:
        """The catalogue's models on `provider`, by endpoint: one submit route each."""
        return {
            entry.offers[provider].endpoint: entry.offers[provider]
            for entry in models.CATALOGUE.values()
            if provider in entry.offers
        }

    def submit_route(self, path: str, offer: models.Offer) -> Route:
        """POST `path` runs `_do_submit(request, call, offer)` (looked up at each call, so a
        test may wrap it), recorded as a "submit" call."""

        async def submit(request: Request) -> Response:
            async def handle(request: Request, call: dict[str, Any]) -> Response:
                return await self._do_submit(request, call, offer)

            return await self.answer("submit", request, handle)

        return Route(path, submit, methods=["POST"])

    def new_id(self) -> str:
        return f"req_{next(self._ids):06d}"

    # --- test controls ----------------------------------------------------------------------

    def inject(self, route: str, fault: Fault, times: int = 1) -> None:
        """Make the next `times` calls to `route` misbehave as `fault` says."""
        self._faults.setdefault(route, deque()).extend([fault] * times)

    def fail_next_job(self, message: str = "Generation failed: content filter") -> None:
        self._fail_next.append(message)

    def hollow_next_job(self, message: str = "") -> None:
        """The next job ends "completed" (SUCCESS) without a video, carrying `message`."""
        self._hollow_next.append(message)

    def refuse_next_submit(self, field: str, message: str) -> None:
        """The next submit is refused by the content check, naming wire field `field`."""
        self._refuse_next.append((field, message))

    def take_refusal(self) -> tuple[str, str] | None:
        return self._refuse_next.popleft() if self._refuse_next else None

    def fail_finished_fetches(self, fault: Fault, times: int = 1) -> None:
        """The next `times` fetches of a finished job's result answer `fault`."""
        self._finished_faults.extend([fault] * times)

    def take_finished_fault(self) -> Fault | None:
        return self._finished_faults.popleft() if self._finished_faults else None

    @staticmethod
    def fault_response(fault: Fault) -> Response:
        if fault.raw is not None:
            return Response(
                fault.raw,
                status_code=fault.status,
                headers=fault.headers,
                media_type="application/json",
            )
        return JSONResponse(fault.body, status_code=fault.status, headers=fault.headers)

    def calls_to(self, route: str) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["route"] == route]

    @property
    def submits(self) -> int:
        return len(self.calls_to("submit"))

    async def _log(self, request: Request) -> Response:
        """What the fake saw, for benchmarks and tests running it in another process."""
        calls = [{k: c[k] for k in ("route", "path", "time")} for c in self.calls]
        jobs = {
            j.id: {"created": j.created, "done_at": j.done_at(), "duration": j.duration}
            for j in self.jobs.values()
        }
        return JSONResponse({"now": self.clock.now(), "calls": calls, "jobs": jobs})

    # --- shared behaviour -------------------------------------------------------------------

    def authorised(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.api_key}"

    async def record(self, route: str, request: Request) -> dict[str, Any]:
        body: Any = None
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            raw = await request.body()
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
        call = {
            "route": route,
            "method": request.method,
            "path": request.url.path,
            "query": dict(request.query_params),
            "headers": dict(request.headers),
            "json": body,
            "time": self.clock.now(),
        }
        self.calls.append(call)
        return call

    def take_fault(self, route: str) -> Fault | None:
        queue = self._faults.get(route)
        return queue.popleft() if queue else None

    async def answer(self, route: str, request: Request, handler) -> Response:
        """Record the call, apply any injected fault, otherwise run `handler`."""
        call = await self.record(route, request)
        fault = self.take_fault(route)
        if fault is None:
            return await handler(request, call)
        if fault.process:
            response = await handler(request, call)
            await self.clock.sleep(fault.delay)
            if fault.status == 0:
                return response
        else:
            await self.clock.sleep(fault.delay)
            if fault.status == 0:
                return await handler(request, call)
        return self.fault_response(fault)

    def active_jobs(self) -> int:
        now = self.clock.now()
        return sum(1 for j in self.jobs.values() if j.state(now) in ("queued", "running"))

    def create_job(
        self,
        body: dict[str, Any],
        duration: int,
        sound: bool,
        offer: models.Offer | None = None,
    ) -> FakeJob:
        silent, with_sound = offer.price_per_second if offer else (0.0, 0.0)
        with self._lock:
            job = FakeJob(
                id=self.new_id(),
                body=body,
                created=self.clock.now(),
                queue_seconds=self.queue_seconds,
                run_seconds=self.run_seconds,
                duration=duration,
                sound=sound,
                fail_message=self._fail_next.popleft() if self._fail_next else None,
                hollow_message=self._hollow_next.popleft() if self._hollow_next else None,
                endpoint=offer.endpoint if offer else "",
                rate=with_sound if sound else silent,
            )
            self.jobs[job.id] = job
        return job

    def queue_position(self, job: FakeJob) -> int:
        now = self.clock.now()
        return sum(
            1
            for other in self.jobs.values()
            if other.created < job.created and other.state(now) == "queued"
        )

    def video_url(self, request: Request, job: FakeJob) -> str:
        """Where the finished video is: on another host than the API, as with the real
        providers (RunningHub serves from Tencent COS buckets). In-process, `result_base`
        names that host (route it to this app); on loopback the API answers on 127.0.0.1
        and the video is on localhost."""
        base = self.result_base or str(request.base_url).rstrip("/")
        if self.result_base is None and request.url.hostname == "127.0.0.1":
            base = base.replace("//127.0.0.1", "//localhost", 1)
        return f"{base.rstrip('/')}/files/{job.id}.mp4"

    async def serve_video(self, request: Request) -> Response:
        await self.record("download", request)
        fault = self.take_fault("download")
        if fault is not None:
            await self.clock.sleep(fault.delay)
            return Response(fault.raw or b"", status_code=fault.status or 500)
        job = self.jobs.get(request.path_params["job_id"])
        if self.expire_results:
            # What an expired signed CDN link looks like.
            return Response(
                b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
                status_code=403,
                media_type="application/xml",
            )
        if job is None or job.state(self.clock.now()) != "done":
            return Response(b"Not Found", status_code=404)
        data = sample_video_bytes(job.duration, job.sound, self.video_size)
        return Response(data, media_type="video/mp4")


def check_segments(segments: Any, duration: int, *, with_index: bool) -> str | None:
    """The segment rules both providers enforce; a message when broken."""
    if not isinstance(segments, list) or len(segments) > 20:
        return "multi_prompt must be a list of at most 20 items"
    total = 0
    for number, item in enumerate(segments, start=1):
        if not isinstance(item, dict):
            return "each segment must be an object"
        allowed = {"prompt", "duration", "index"} if with_index else {"prompt", "duration"}
        if set(item) - allowed:
            return f"unknown segment fields {sorted(set(item) - allowed)}"
        if with_index and item.get("index") != number:
            return "segment index must count up from 1"
        if not isinstance(item.get("prompt"), str) or not item["prompt"]:
            return "segment prompt must be a non-empty string"
        seconds = item.get("duration")
        if not is_int(seconds) or not 3 <= seconds <= 15:
            return "segment duration must be an integer 3-15"
        total += seconds
    if segments and total != duration:
        return "sum of segment durations must equal duration"
    return None


def is_int(value: Any) -> bool:
    # JSON true is a bool, and bool is an int in Python: a real API would reject it.
    return isinstance(value, int) and not isinstance(value, bool)
