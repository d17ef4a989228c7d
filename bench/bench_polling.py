"""Polling on a simulated clock: how late a finished video is found, and at what cost.

Job times follow a realistic spread (60-300 s by duration and sound, each kind varying by
about 10 % around its own median, as generation queues do). The schedule learns each kind's
median from earlier jobs (eta.summarize), exactly as the app does from its job store, and is
compared with fixed pollers on the same jobs. Nothing sleeps: the clock is simulated, so the
figures are exact and repeatable.
"""

from __future__ import annotations

import random
import statistics

from kling_ui.eta import PollPlan, next_delay, summarize

from .harness import Figure

KIND_SPREAD = 0.10  # relative spread of one kind's run times
HISTORY = 20  # earlier jobs of each kind the schedule learns from
JITTER = 0.1  # the app's +-10 % on every wait


def _base_seconds(duration: int, sound: bool) -> float:
    return 60.0 + 16.0 * duration + (15.0 if sound else 0.0)  # 108-315 s, 3 s clips ~100 s


def _poll(finish: float, delay) -> tuple[float, int]:
    """(lateness, status requests) for a job that finishes `finish` s after submit."""
    t, previous, requests = 0.0, 1.0, 0
    rng = random.Random(int(finish * 1000))
    while True:
        requests += 1  # a check at time t
        if t >= finish:
            return t - finish, requests
        previous = delay(t, previous)
        t += previous * rng.uniform(1 - JITTER, 1 + JITTER)


def simulate(jobs: int = 3000, spread: float = KIND_SPREAD, seed: int = 7) -> dict:
    rng = random.Random(seed)
    plan = PollPlan()  # the defaults: 1 s shortest, 30 s longest, 15 s when running late
    kinds = [(d, s) for d in range(3, 16) for s in (False, True)]
    learned = {}
    for duration, sound in kinds:
        base = _base_seconds(duration, sound)
        past = [base * rng.lognormvariate(0, spread) for _ in range(HISTORY)]
        learned[(duration, sound)] = summarize(past, base)
    results: dict[str, list[tuple[float, int]]] = {"ours": [], "fixed 5 s": [], "fixed 15 s": []}
    for _ in range(jobs):
        kind = rng.choice(kinds)
        finish = _base_seconds(*kind) * rng.lognormvariate(0, spread)
        expected = learned[kind]
        results["ours"].append(
            _poll(finish, lambda t, p, e=expected: next_delay(t, e.seconds, e.spread, p, plan))
        )
        results["fixed 5 s"].append(_poll(finish, lambda t, p: 5.0))
        results["fixed 15 s"].append(_poll(finish, lambda t, p: 15.0))
    return {
        name: (
            statistics.median(late for late, _ in rows),
            statistics.mean(n for _, n in rows),
        )
        for name, rows in results.items()
    }


def run(quick: bool = False) -> list[Figure]:
    figures = []
    jobs = 1000 if quick else 3000
    main = simulate(jobs)
    budget = main["fixed 5 s"][1]
    for name, (late, requests) in main.items():
        ours = name == "ours"
        figures.append(
            Figure(
                f"polling, {name}: median lateness after the provider finishes",
                late,
                "s",
                1.0 if ours else None,
                detail=f"{jobs} simulated jobs of 108-315 s, each kind +-{KIND_SPREAD:.0%}",
            )
        )
        figures.append(
            Figure(
                f"polling, {name}: status requests per job (mean)",
                requests,
                "",
                round(budget, 1) if ours else None,
            )
        )
    for spread in (0.05, 0.2):
        late, requests = simulate(jobs, spread)["ours"]
        figures.append(
            Figure(
                f"polling, ours with kinds varying +-{spread:.0%}: median lateness",
                late,
                "s",
                None,
                detail=f"{requests:.1f} requests per job (context: how the schedule degrades)",
            )
        )
    return figures
