"""How long a job should take, learned from this installation's own finished jobs, and when
to ask the provider again: seldom while it can't be done, often around when it should be.

A fixed poller trades lateness for requests: every 5 s finds a video 2.5 s late on average
and asks T/5 times. Knowing roughly when the job ends, we ask about every second in the
window where it most likely ends, halve the distance while approaching it, and back off
again if it runs late. bench/bench_polling.py measures both against fixed pollers.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from .state import JobState
from .store import JobStore

RECENT = 20  # finished jobs that inform an estimate
DEFAULT_SPREAD = 0.25  # relative: a job may end 25 % earlier or later than expected

# The first guess for a provider, before this installation has finished jobs of a kind (its
# own median then takes over): seconds from submit to done = base + per clip second (+ sound).
# Neither provider documents a typical time (docs/providers.md, "How long a clip takes"):
# RunningHub's own query example reports taskCostTime "187" s (clip length not stated), and
# a 10 s RunComfy clip took 94 s in our own run (issue #28), where the old one-for-all guess
# (90 s + 10 s per second) said "about 3 min". Unverified figures: change them as jobs show.
TYPICAL: dict[str, tuple[float, float, float]] = {
    "runcomfy": (50.0, 4.5, 10.0),  # a 10 s clip: 95 s; observed once, 94 s
    "runninghub": (90.0, 10.0, 15.0),  # a 10 s clip: 190 s; its example: 187 s
}
FALLBACK = (90.0, 10.0, 15.0)  # another provider: minutes, as Kling O3 takes (1-5 min seen)


@dataclass(frozen=True)
class Expectation:
    seconds: float  # from submit to the provider's "done"
    spread: float  # relative standard deviation of the recent ones (0.1 = +-10 %)
    samples: int


def default_seconds(provider: str, duration: int, sound: bool) -> float:
    if provider == "preview":  # renders here, in about a third of real time
        return 0.4 * duration + 1.0
    base, per_second, with_sound = TYPICAL.get(provider, FALLBACK)
    return base + per_second * duration + (with_sound if sound else 0.0)


_LEARNED: dict[tuple[str, str, int, bool], tuple[float, Expectation]] = {}
LEARNED_FRESH = 30.0  # seconds: a hundred jobs starting at once read the store once


def expect(store: JobStore, provider: str, duration: int, sound: bool) -> Expectation:
    """The median of this kind's recent run times (same provider, duration and sound)."""
    key = (str(store.path), provider, duration, sound)
    cached = _LEARNED.get(key)
    if cached is not None and time.monotonic() - cached[0] < LEARNED_FRESH:
        return cached[1]
    expectation = _learn(store, provider, duration, sound)
    _LEARNED[key] = (time.monotonic(), expectation)
    return expectation


def _learn(store: JobStore, provider: str, duration: int, sound: bool) -> Expectation:
    times = []
    for job in store.list(states=[JobState.SUCCEEDED], limit=500):
        if len(times) >= RECENT:
            break
        if job.provider != provider or not job.submitted_at or not job.finished_at:
            continue
        request = job.request or {}
        if request.get("duration") == duration and bool(request.get("sound")) == sound:
            times.append(job.finished_at - job.submitted_at)
    return summarize(times, default_seconds(provider, duration, sound))


def summarize(times: list[float], default: float) -> Expectation:
    """Median and relative spread of `times`; `default` until there are a few."""
    if len(times) < 2:
        return Expectation(default, DEFAULT_SPREAD, len(times))
    middle = statistics.median(times)
    spread = statistics.pstdev(times) / middle if middle > 0 else DEFAULT_SPREAD
    # Never trust a small sample to be that regular.
    return Expectation(middle, max(spread, 0.05 if len(times) >= 5 else 0.15), len(times))


@dataclass(frozen=True)
class PollPlan:
    """The schedule's knobs; `shortest` is the interval inside the likely window."""

    shortest: float = 1.0
    longest: float = 30.0  # at most this long between checks while far from the end
    late_longest: float = 15.0  # at most this long once the job runs late


def next_delay(
    elapsed: float, expected: float, spread: float, previous: float, plan: PollPlan
) -> float:
    """Seconds until the next status check, `elapsed` seconds after submit."""
    window = max(plan.shortest * 2, spread * expected)  # about one spread either side
    start, end = expected - window, expected + window
    # Inside the window, about 28 checks at most: a wide window (an unpredictable kind of job)
    # is checked less often rather than costing more requests than a fixed poller.
    inner = min(2.0, max(plan.shortest, window / 14))
    if elapsed < start:
        # Approach: halve the distance to the window, never passing its start; and never
        # wait longer than half the time so far, so a job that ends far earlier than
        # expected (a new installation's guess) is still found soon.
        return min(plan.longest, inner + elapsed / 2, max(inner, (start - elapsed) / 2))
    if elapsed <= end:
        return inner
    # Late: back off gently, so a long tail costs few requests.
    return min(plan.late_longest, max(inner, previous * 1.3))
