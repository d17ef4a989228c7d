"""Spending safety for a public deployment: bring-your-own-key, a daily cap, a rate limit.

Each refusal is a plain sentence, raised before anything is stored or sent. The operator's
own CLI is not a visitor and is never limited here.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from . import pricing
from .config import Settings
from .errors import KlingUIError
from .state import ACTIVE, HELD, JobState
from .store import JobStore

# States whose cost may be real: finished, still running, or unknown (possibly charged).
_SPENDING_STATES = (
    *ACTIVE,
    JobState.SUCCEEDED,
    JobState.UNKNOWN,
    *HELD,
)


class SpendingRefused(KlingUIError):
    """A visitor's generation is refused by the deployment's spending rules."""


def _start_of_utc_day(now: float) -> float:
    day = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day.timestamp()


class SpendingGuard:
    """Checks a visitor's request against the deployment's rules (stateless: the store is
    the record, so limits hold across restarts and across the app's workers)."""

    def __init__(self, settings: Settings, store: JobStore) -> None:
        self.settings = settings
        self.store = store

    def check(
        self,
        *,
        provider: str,
        owner: str,
        caller: str | None = None,
        server_key_fingerprint: str | None,
        uses_server_key: bool,
        estimate: pricing.Estimate,
        now: float | None = None,
    ) -> None:
        now = time.time() if now is None else now
        paid = provider != "preview"
        if paid and uses_server_key and self.settings.byok_only:
            raise SpendingRefused(
                "This studio doesn't pay for generations: paste your own "
                f"{pricing.provider_name(provider)} key under 'Your API keys', or use the "
                "free offline preview."
            )
        if self.settings.rate is not None:
            self._check_rate(owner, caller, now)
        if paid and uses_server_key and self.settings.daily_cap_usd is not None:
            self._check_cap(server_key_fingerprint, estimate, now)

    def _check_rate(self, owner: str, caller: str | None, now: float) -> None:
        # Counted by network address when known: a fresh browser id must not reset it.
        count, period = self.settings.rate or (0, 0.0)
        since = now - period
        who = {"caller": caller} if caller else {"owner": owner}
        recent = sorted(j.created_at for j in self.store.list(**who, since=since, limit=count + 1))
        if len(recent) >= count:
            wait = recent[-count] + period - now
            raise SpendingRefused(
                f"You've started {len(recent)} generations in the last "
                f"{_period_name(period)}, the limit here. Try again in {_wait_text(wait)}."
            )

    def _check_cap(self, fingerprint: str | None, estimate: pricing.Estimate, now: float) -> None:
        cap = self.settings.daily_cap_usd or 0.0
        spent = 0.0
        for job in self.store.list(
            since=_start_of_utc_day(now), states=_SPENDING_STATES, limit=100_000
        ):
            if fingerprint is None or job.key_fingerprint != fingerprint:
                continue
            amount = job.cost if job.cost is not None else job.cost_estimate or 0.0
            spent += pricing.to_usd(amount, job.currency)
        wanted = pricing.to_usd(estimate.amount, estimate.currency)
        if spent + wanted > cap:
            raise SpendingRefused(
                f"Today's spending limit for this studio (${cap:.2f}) is reached "
                f"(${spent:.2f} used; this clip would cost about ${wanted:.2f}). It resets at "
                "midnight UTC. Paste your own key, or use the free offline preview."
            )


def _period_name(seconds: float) -> str:
    return {60.0: "minute", 3600.0: "hour", 86400.0: "day"}.get(seconds, f"{seconds:.0f} s")


def _wait_text(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes} min" if minutes < 120 else f"{round(minutes / 60)} h"
