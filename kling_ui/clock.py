"""The clock a job's life is timed by: wall-clock time and a sleep that a "check now" cuts short.

Jobs, the providers' pauses between checks and the fake providers take a `Clock` instead of
calling time.time() and asyncio.sleep themselves, so tests can run a job's minutes at the
provider in milliseconds (kling_ui.testing.clock.VirtualClock). Everything else keeps real
time: a render, a download and an HTTP timeout take what they take.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch (what the job store records)."""
        ...

    async def sleep(self, seconds: float, wake: asyncio.Event | None = None) -> None:
        """Pause `seconds`, returning early when `wake` is set. A cancel is never swallowed."""
        ...


class SystemClock:
    """Real time: time.time() and the event loop's own timers."""

    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float, wake: asyncio.Event | None = None) -> None:
        if wake is None:
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            # asyncio.timeout, not wait_for: it never swallows a cancel (see JobManager.watch).
            async with asyncio.timeout(seconds):
                await wake.wait()


SYSTEM_CLOCK = SystemClock()
