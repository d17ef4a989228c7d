"""The offline animatic preview behind the Provider protocol: free, keyless, local."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from ..errors import NotFoundError
from ..jobfiles import last_frame_of
from .base import (
    Canceled,
    CancelOutcome,
    Failed,
    Inputs,
    JobStatus,
    Provider,
    Queued,
    Running,
    Succeeded,
)

log = logging.getLogger(__name__)


@dataclass
class _Render:
    task: asyncio.Future[Path] | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    progress: float = 0.0
    started: bool = False


class RenderPool:
    """Renders run here, a few at a time, never in the default thread pool: a paid job's
    waiting, download and probe must not queue behind free previews."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="preview-render")
        self._waiting: list[_Render] = []
        self._lock = threading.Lock()

    def run(self, render: _Render, fn: Callable[[], Path]) -> asyncio.Future[Path]:
        with self._lock:
            self._waiting.append(render)

        def start() -> Path:
            with self._lock:
                self._waiting.remove(render)
            render.started = True
            return fn()

        return asyncio.get_running_loop().run_in_executor(self._executor, start)

    def position(self, render: _Render) -> int:
        """How many renders wait ahead of this one (0 = next)."""
        with self._lock:
            return self._waiting.index(render) if render in self._waiting else 0


_POOLS: dict[int, RenderPool] = {}


def render_pool(workers: int) -> RenderPool:
    """One pool per process (per worker count): every preview job shares it."""
    workers = max(1, workers)
    if workers not in _POOLS:
        _POOLS[workers] = RenderPool(workers)
    return _POOLS[workers]


class PreviewProvider(Provider):
    name = "preview"
    label = "Offline preview (free)"
    needs_key = False
    any_model = True  # an animatic of any model's request, for free
    link_lifetime = "until the app restarts"
    cancels_in = frozenset({"queued", "running"})  # a render here stops at once

    def __init__(
        self,
        *,
        work_dir: Path,
        captions: bool = True,
        short_side: int = 720,
        workers: int = 1,
    ) -> None:
        self.work_dir = Path(work_dir)
        self.pool = render_pool(workers)
        self.captions = captions
        self.short_side = short_side
        self._renders: dict[str, _Render] = {}

    async def prepare(self, inputs: Inputs) -> dict[str, Any]:
        return {"inputs": inputs}

    async def submit(self, payload: dict[str, Any]) -> str:
        # Imported here: the renderer pulls in numpy and drawing code that a CLI run on a
        # hosted provider never needs (it would add ~0.1 s to every start-up).
        from ..animatic import RenderSpec, render_animatic

        inputs: Inputs = payload["inputs"]
        req = inputs.request
        spec = RenderSpec(
            start=inputs.image.to_pil(),
            end=inputs.end_image.to_pil() if inputs.end_image else None,
            prompt=req.prompt,
            duration=req.duration,
            segments=tuple((s.prompt, s.duration) for s in req.multi_prompt),
            shot_type=req.shot_type,
            sound=req.sound,
            captions=self.captions,
            short_side=self.short_side,
        )
        request_id = f"preview-{uuid.uuid4().hex[:12]}"
        render = _Render()
        self._renders[request_id] = render
        out = self.work_dir / f"{request_id}.mp4"

        def report(fraction: float) -> None:
            render.progress = fraction

        # CPU-bound: the render pool's threads keep the event loop (and paid jobs) responsive.
        render.task = self.pool.run(
            render,
            lambda: render_animatic(spec, out, progress=report, cancel=render.cancel),
        )
        return request_id

    def _render(self, request_id: str) -> _Render:
        render = self._renders.get(request_id)
        if render is None:
            # Renders live in memory: after a restart the job is simply rendered again.
            raise NotFoundError(
                "This preview is no longer rendering (the app restarted).", status_code=404
            )
        return render

    async def status(self, request_id: str) -> JobStatus:
        render = self._render(request_id)
        task = render.task
        if task is None or not render.started:
            return Queued(self.pool.position(render))
        if not task.done():
            return Running(render.progress)
        from ..animatic import RenderCanceled  # loaded by submit() already

        if task.cancelled() or isinstance(task.exception(), RenderCanceled):
            return Canceled("The preview render was stopped.")
        error = task.exception()
        if error is not None:
            # The error may name server paths: the log gets it, the visitor its kind.
            log.error("preview %s: render failed", request_id, exc_info=error)
            return Failed(
                f"The preview render failed ({type(error).__name__}); details are in the "
                "server log."
            )
        return Succeeded(task.result().resolve().as_uri(), cost=0.0)

    async def cancel(self, request_id: str) -> CancelOutcome:
        render = self._render(request_id)
        render.cancel.set()
        return CancelOutcome.CANCELED

    async def download(self, url: str, dest: Path) -> None:
        source = Path(unquote(urlparse(url).path))
        dest.parent.mkdir(parents=True, exist_ok=True)
        clean = last_frame_of(source)  # the unmarked last frame (animatic.py)
        if clean.exists():
            await asyncio.to_thread(os.replace, clean, last_frame_of(dest))
        await asyncio.to_thread(os.replace, source, dest)
        self._renders.pop(source.stem, None)  # the file is named after its request id

    async def wait(
        self, request_id: str, timeout: float, wake: asyncio.Event | None = None
    ) -> None:
        # Return the moment the render ends instead of sleeping a whole poll interval.
        task = self._renders[request_id].task if request_id in self._renders else None
        if task is None:
            await self.clock.sleep(timeout, wake)
            return
        if task.done():
            return
        # A render is real work on this machine: it is waited for in real time, never on
        # the clock (a test's clock that jumps over idle waits would poll it in a loop).
        waits: set[asyncio.Future] = {task}
        woken = asyncio.ensure_future(wake.wait()) if wake is not None else None
        if woken is not None:
            waits.add(woken)
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:  # also when this wait is cancelled: no task left waiting on `wake`
            if woken is not None:
                woken.cancel()
