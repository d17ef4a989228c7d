"""Spending safety for a public deployment: bring-your-own-key, a daily cap, a rate limit.

Each refusal is a plain sentence, raised before anything is stored or sent. The operator's
own CLI is not a visitor and is never limited here.
"""

from __future__ import annotations

import sqlite3
import time

from . import ledger, pricing
from .config import Settings
from .errors import KlingUIError
from .said import Said, said


class SpendingRefused(KlingUIError):
    """A visitor's generation is refused by the deployment's spending rules."""


class InFlightRefused(SpendingRefused):
    """A visitor already has as many jobs in flight as the deployment allows."""

    def __init__(self, limit: int) -> None:
        # One is said as one ("a job"), never "1 jobs".
        key = "spend.in_flight_one" if limit == 1 else "spend.in_flight"
        super().__init__(said(key, limit=limit))
        self.limit = limit


class SpendingGuard:
    """Checks a visitor's request against the deployment's rules. Stateless: the spend
    ledger (ledger.py) is the record, so limits hold across restarts, across processes on
    one data folder, and whatever is deleted."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def check(
        self,
        db: sqlite3.Connection,
        *,
        provider: str,
        owner: str,
        caller: str | None = None,
        server_key_fingerprint: str | None,
        uses_server_key: bool,
        estimate: pricing.Estimate,
        now: float | None = None,
    ) -> None:
        """SpendingRefused, in plain words, when a rule says no. Reads the ledger through
        `db`: inside the admitting transaction, what it read stays true until the insert."""
        now = time.time() if now is None else now
        paid = provider != "preview"
        if paid and uses_server_key and self.settings.byok_only:
            raise SpendingRefused(said("spend.byok_only", provider=pricing.provider_name(provider)))
        self._check_in_flight(db, owner, caller)
        if self.settings.rate is not None:
            self._check_rate(db, owner, caller, now)
        if paid and uses_server_key and self.settings.daily_cap_usd is not None:
            self._check_cap(db, server_key_fingerprint, estimate, now)

    def _check_rate(
        self, db: sqlite3.Connection, owner: str, caller: str | None, now: float
    ) -> None:
        # Counted by network address when known: a fresh browser id must not reset it.
        count, period = self.settings.rate or (0, 0.0)
        recent = ledger.admitted_at(db, now - period, caller=caller, owner=owner, limit=count + 1)
        if len(recent) >= count:
            wait = recent[-count] + period - now
            raise SpendingRefused(
                said(
                    "spend.rate",
                    count=len(recent),
                    period=_period_name(period),
                    wait=_wait_text(wait),
                )
            )

    def _check_in_flight(self, db: sqlite3.Connection, owner: str, caller: str | None) -> None:
        # Counted by owner and by network address: a fresh browser id is no new allowance.
        limit = self.settings.max_in_flight
        if ledger.in_flight(db, owner=owner, caller=caller) >= limit:
            raise InFlightRefused(limit)

    def _check_cap(
        self,
        db: sqlite3.Connection,
        fingerprint: str | None,
        estimate: pricing.Estimate,
        now: float,
    ) -> None:
        cap = self.settings.daily_cap_usd or 0.0
        spent = ledger.spent_usd(db, ledger.start_of_utc_day(now), fingerprint)
        wanted = pricing.to_usd(estimate.amount, estimate.currency)
        if spent + wanted > cap:
            raise SpendingRefused(
                said("spend.cap", cap=f"{cap:.2f}", spent=f"{spent:.2f}", wanted=f"{wanted:.2f}")
            )


def _period_name(seconds: float) -> Said:
    name = {60.0: "minute", 3600.0: "hour", 86400.0: "day"}.get(seconds)
    return said(f"period.{name}") if name else said("period.seconds", seconds=f"{seconds:.0f}")


def _wait_text(seconds: float) -> Said:
    minutes = max(1, round(seconds / 60))
    if minutes < 120:
        return said("wait.minutes", minutes=minutes)
    return said("wait.hours", hours=round(minutes / 60))
