"""A clock for tests: real time plus jumps over every wait that nothing else is busy during.

`VirtualClock()` reads as time.time() plus an offset. Whenever the event loop has nothing
left to run and someone sleeps on the clock, the offset grows to the earliest sleeper's
deadline and it wakes at once: a job queued 30 s and running 2 minutes at a fake provider,
polled every few seconds, finishes in milliseconds, through every status a real one shows
(trio's `MockClock(rate=1, autojump_threshold=0)`, for asyncio and for our code only).

Why not fake the loop's own time (the `looptime` plugin)? Jobs and fakes stamp records with
wall-clock time (created_at, submitted_at, a fake job's start), which the loop's time does not
move, and every asyncio timer would jump too: HTTP timeouts, Gradio's queue, a watcher's
re-read of the store. Here only waits on the clock jump, and the clock never reads earlier
than time.time(), so a record stamped by other code (the store's updated_at, a job's
created_at) is never "in the future" of the clock.

`frozen()` turns the jumps off: time then passes as it really does (sleepers still wake on
their real deadline), so a test can hold a job queued while it acts, or show that only a
"check now" woke a run.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import threading
import time
from collections.abc import Iterator


class VirtualClock:
    """Real time that jumps to the next sleeper's deadline when the event loop is idle."""

    IDLE_ROUNDS = 2  # loop iterations with nothing else to run before time jumps

    def __init__(self, *, autojump: bool = True) -> None:
        self.offset = 0.0  # seconds jumped so far
        self.autojump = autojump
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []  # a heap
        self._seq = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._armed = False
        self._idle = 0
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.time() + self.offset

    async def sleep(self, seconds: float, wake: asyncio.Event | None = None) -> None:
        if seconds <= 0 or (wake is not None and wake.is_set()):
            await asyncio.sleep(0)
            return
        loop = asyncio.get_running_loop()
        self._loop = loop
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            heapq.heappush(self._sleepers, (self.now() + seconds, next(self._seq), future))
        # Real time goes on too: without jumps (frozen) the sleeper wakes when it is due.
        timer = loop.call_later(seconds, self._wake_due)
        self._arm()
        waits: set[asyncio.Future] = {future}
        woken = asyncio.ensure_future(wake.wait()) if wake is not None else None
        if woken is not None:
            waits.add(woken)
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:  # also when cancelled: nothing left waiting on `wake` or on time
            timer.cancel()
            future.cancel()
            if woken is not None:
                woken.cancel()

    def advance(self, seconds: float) -> None:
        """Step time forward by hand (from any thread); due sleepers wake."""
        with self._lock:
            self.offset += seconds
        self._call(self._wake_due)

    @contextlib.contextmanager
    def frozen(self) -> Iterator[None]:
        """No jumps inside: time passes only as it really does (or by `advance`)."""
        self.autojump = False
        try:
            yield
        finally:
            self.autojump = True
            self._call(self._arm)

    # --- the jumps (on the sleepers' loop) --------------------------------------------------

    def _call(self, fn) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            fn()
        else:
            loop.call_soon_threadsafe(fn)

    def _arm(self) -> None:
        if self.autojump and not self._armed and self._loop is not None:
            self._armed = True
            self._idle = 0
            self._loop.call_soon(self._check)

    def _check(self) -> None:
        """Runs once per loop iteration while anyone sleeps; jumps when nothing else runs.

        asyncio keeps the callbacks it is about to run in `loop._ready`: empty when this
        one's turn comes means no task, I/O event or due timer is waiting (I/O is polled
        before each iteration). Two such turns in a row and the loop is idle."""
        self._armed = False
        if not self.autojump or self._loop is None:
            return
        self._wake_due()
        if not self._sleepers:
            return
        if getattr(self._loop, "_ready", None):
            self._idle = 0
        else:
            self._idle += 1
        if self._idle >= self.IDLE_ROUNDS:
            with self._lock:
                self.offset += max(0.0, self._sleepers[0][0] - self.now())
            self._wake_due()
            self._idle = 0
        self._armed = True
        self._loop.call_soon(self._check)

    def _wake_due(self) -> None:
        now = self.now()
        with self._lock:
            due = []
            while self._sleepers and (self._sleepers[0][0] <= now or self._sleepers[0][2].done()):
                due.append(heapq.heappop(self._sleepers)[2])
        for future in due:
            if not future.done():
                future.set_result(None)
