"""One gate before the server spends anything on a visitor: a budget per caller, and a few
threads for heavy image work.

    Gate.admit(caller)              every page event and API call that reads a file, decodes
                                    an image, touches a job or calls a provider (the service
                                    calls it: Studio.page_caller / api_caller)
    Gate.admit_heavy(caller)        frame checks and crops as well: their own small budget
    ImageWork.run(fn, ...)          decoding, checking and cropping frames: at most
                                    `image_workers` at once, whoever asks

A caller without a signed page token never reaches the gate: Studio.page_caller returns None
and the door refuses before anything is read. Budgets are token buckets kept in memory, per
caller address (a keyed digest) and per owner: a fresh token does not buy a fresh budget.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from .config import Settings
from .errors import KlingUIError
from .said import said

T = TypeVar("T")
MAX_BUCKETS = 10_000  # past this, buckets that have refilled are forgotten (memory stays flat)


class Asking(Protocol):
    """What the gate reads of a service.Caller."""

    owner: str
    address: str | None
    operator: bool


class TooBusy(KlingUIError):
    """A caller over its budget: nothing was done."""

    def __init__(self) -> None:
        super().__init__(said("busy"))


class Budget:
    """Token buckets by key: up to `count` at once, refilled at `count` per `seconds`."""

    def __init__(
        self, count: int, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.capacity = float(count)
        self.rate = count / seconds
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when)

    def take(self, keys: list[str]) -> bool:
        """One token from each key's bucket, or none (and False) when any is empty."""
        now = self.clock()
        levels = {key: self._level(key, now) for key in keys}
        if any(level < 1.0 for level in levels.values()):
            return False
        if len(self._buckets) >= MAX_BUCKETS:
            self._forget_full(now)
        for key, level in levels.items():
            self._buckets[key] = (level - 1.0, now)
        return True

    def _level(self, key: str, now: float) -> float:
        tokens, when = self._buckets.get(key, (self.capacity, now))
        return min(self.capacity, tokens + (now - when) * self.rate)

    def _forget_full(self, now: float) -> None:
        for key in [k for k in self._buckets if self._level(k, now) >= self.capacity]:
            del self._buckets[key]


class Gate:
    """The per-caller budgets: one for events, a small one for heavy image work."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.events = Budget(*settings.event_budget, clock=clock)
        self.heavy = Budget(*settings.image_budget, clock=clock)

    def admit(self, caller: Asking) -> None:
        """Spend one of the caller's events; TooBusy when it has none left.
        The operator (the CLI) is not counted."""
        self._take(self.events, caller)

    def admit_heavy(self, caller: Asking) -> None:
        """Spend one of the caller's heavy events (a frame check, a crop) as well."""
        self._take(self.heavy, caller)

    @staticmethod
    def _take(budget: Budget, caller: Asking) -> None:
        if caller.operator:
            return
        keys = [f"owner:{caller.owner}"]
        if caller.address:
            keys.append(f"address:{caller.address}")
        if not budget.take(keys):
            raise TooBusy()


class ImageWork:
    """A few threads for decoding and cropping frames: N callers at once can't make the
    server hold N decoded 60 MP frames (each ~180 MB, several times that while converted);
    the rest wait their turn."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="kling-ui-images")

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
