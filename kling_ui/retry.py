"""How long to wait before asking again, and when to stop: one policy for every retry loop.

A RetryPolicy is a plain value (no clock, no sleeping): the loop that owns the waiting asks
it for the next delay and whether to give up, so the loops stay readable where they are
(a submit refused for a limit, failing status checks, a result download) and the schedule
is written once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# Beyond this many doublings every useful cap has long been reached; it also keeps
# factor ** attempt from overflowing after a day of failures.
_MAX_EXPONENT = 16


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: `base * factor ** attempt`, at most `cap` seconds.

    `attempts` limits how many tries there are in all, `deadline` for how many seconds
    they go on (None: no limit of that kind). A provider's Retry-After hint is a floor
    under the backoff, or with `hint_replaces` the delay itself (a refused submit goes
    again as soon as the provider allows, however long the backoff has grown).
    """

    base: float
    factor: float = 2.0
    cap: float = float("inf")
    attempts: int | None = None
    deadline: float | None = None
    hint_replaces: bool = False

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed try number `attempt` (counted from 0)."""
        backoff = min(self.cap, self.base * self.factor ** min(attempt, _MAX_EXPONENT))
        if retry_after is None:
            return backoff
        return retry_after if self.hint_replaces else max(backoff, retry_after)

    def gives_up(self, tries: int, elapsed: float = 0.0, *, limit: int | None = None) -> bool:
        """After `tries` failed tries over `elapsed` seconds, is that all? `limit` is the
        failing error's own limit on tries (a provider code asked about only so often)."""
        limits = [n for n in (self.attempts, limit) if n is not None]
        if limits and tries >= min(limits):
            return True
        return self.deadline is not None and elapsed > self.deadline


def jitter(seconds: float) -> float:
    # +-10 %: many jobs started together must not poll (or retry) in lock-step.
    return seconds * random.uniform(0.9, 1.1)
