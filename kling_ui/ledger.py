"""The spend ledger: one append-only row per admitted job, beside the jobs in the same SQLite
file, so that deleting a job (the trash, a purge, the CLI) never gives its money back.

    ledger        one row per admitted job: when, who (owner and the caller's address
                  digest), provider, model, key fingerprint, estimate and currency
    settlements   what a job turned out to cost once it ended: the provider's price, or 0
                  when it failed or was canceled; the newest row of a job wins (a failed
                  job may be resumed and finish)

The daily cap and the rate limit read these, inside the same `BEGIN IMMEDIATE` transaction
that admits a job (admission.py), so two processes on one data folder cannot both slip under
a limit. SQLite triggers refuse UPDATE and DELETE on both tables: nothing rewrites history.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from . import pricing
from .records import JobRecord
from .state import JobState

SCHEMA = (
    """
    CREATE TABLE ledger (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        job_id TEXT NOT NULL,
        owner TEXT NOT NULL,
        caller TEXT,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        key_fingerprint TEXT,
        estimate REAL NOT NULL,
        currency TEXT NOT NULL
    )
    """,
    "CREATE INDEX ledger_at ON ledger (at)",
    "CREATE INDEX ledger_caller_at ON ledger (caller, at)",
    "CREATE INDEX ledger_owner_at ON ledger (owner, at)",
    """
    CREATE TABLE settlements (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        job_id TEXT NOT NULL,
        state TEXT NOT NULL,
        amount REAL NOT NULL,
        currency TEXT NOT NULL
    )
    """,
    "CREATE INDEX settlements_job ON settlements (job_id, seq)",
    *(
        f"CREATE TRIGGER {table}_append_only_{verb} BEFORE {verb.upper()} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'the spend ledger is append-only'); END"
        for table in ("ledger", "settlements")
        for verb in ("update", "delete")
    ),
)

# What a job costs once it ends; a state missing here leaves the estimate standing (unknown:
# it may have been charged; held: finished and charged, not saved yet).
_FREE_ENDINGS = (JobState.FAILED, JobState.CANCELED)


def create(db: sqlite3.Connection) -> None:
    for statement in SCHEMA:
        db.execute(statement)


def record(db: sqlite3.Connection, job: JobRecord) -> None:
    """The admission of `job` (call it in the transaction that inserts the job)."""
    db.execute(
        "INSERT INTO ledger (at, job_id, owner, caller, provider, model, key_fingerprint, "
        "estimate, currency) VALUES (?,?,?,?,?,?,?,?,?)",
        (
            job.created_at,
            job.id,
            job.owner,
            job.caller,
            job.provider,
            job.model,
            job.key_fingerprint,
            job.cost_estimate or 0.0,
            job.currency or "USD",
        ),
    )


def settle(db: sqlite3.Connection, job: JobRecord, at: float | None = None) -> None:
    """What `job`, just ended, cost: its price, or nothing when it failed or was canceled."""
    if job.state == JobState.SUCCEEDED:
        amount = job.cost if job.cost is not None else job.cost_estimate or 0.0
    elif job.state in _FREE_ENDINGS:
        amount = 0.0
    else:
        return
    db.execute(
        "INSERT INTO settlements (at, job_id, state, amount, currency) VALUES (?,?,?,?,?)",
        (time.time() if at is None else at, job.id, str(job.state), amount, job.currency or "USD"),
    )


# The amount each admitted job counts for: its newest settlement, else its estimate.
_COUNTED = """
    SELECT l.at, l.job_id, l.owner, l.provider, l.currency, l.estimate,
           (SELECT s.amount FROM settlements s WHERE s.job_id = l.job_id
            ORDER BY s.seq DESC LIMIT 1) AS settled,
           (SELECT s.currency FROM settlements s WHERE s.job_id = l.job_id
            ORDER BY s.seq DESC LIMIT 1) AS settled_currency
    FROM ledger l
"""


def spent_usd(db: sqlite3.Connection, since: float, key_fingerprint: str | None) -> float:
    """Dollars spent since `since` on the key with this fingerprint (estimates until known)."""
    if key_fingerprint is None:
        return 0.0
    rows = db.execute(
        _COUNTED + " WHERE l.at >= ? AND l.key_fingerprint = ?", (since, key_fingerprint)
    )
    return sum(pricing.to_usd(*_amount(row)) for row in rows)


def admitted_at(
    db: sqlite3.Connection, since: float, *, caller: str | None, owner: str, limit: int
) -> list[float]:
    """When the newest `limit` jobs of this caller (by address when known) were admitted."""
    column, who = ("caller", caller) if caller else ("owner", owner)
    rows = db.execute(
        f"SELECT at FROM ledger WHERE {column} = ? AND at >= ? ORDER BY at DESC LIMIT ?",
        (who, since, limit),
    )
    return sorted(row["at"] for row in rows)


def in_flight(db: sqlite3.Connection, *, owner: str, caller: str | None) -> int:
    """How many jobs of this owner (or from this address, when known) are under way."""
    active = sorted(str(state) for state in JobState if state.is_active)
    marks = ", ".join("?" for _ in active)
    who, params = (
        ("owner = ?", [owner]) if not caller else ("(owner = ? OR caller = ?)", [owner, caller])
    )
    row = db.execute(
        f"SELECT COUNT(*) FROM jobs WHERE {who} AND state IN ({marks})", (*params, *active)
    ).fetchone()
    return int(row[0])


def owner_spend(db: sqlite3.Connection, owner: str, since: float) -> dict[str, float]:
    """What one owner's jobs admitted since `since` cost (or are estimated to), by currency;
    free jobs and jobs that cost nothing are left out."""
    spent: dict[str, float] = {}
    for row in db.execute(_COUNTED + " WHERE l.owner = ? AND l.at >= ?", (owner, since)):
        amount, currency = _amount(row)
        if amount > 0:
            spent[currency] = spent.get(currency, 0.0) + amount
    return spent


@dataclass(frozen=True)
class DaySpend:
    day: str  # YYYY-MM-DD, UTC
    provider: str
    currency: str
    jobs: int
    amount: float  # settled prices, and estimates where no price is known yet
    estimated: float  # the part of `amount` that is still an estimate


def report(db: sqlite3.Connection, *, since: float = 0.0) -> list[DaySpend]:
    """Spend per UTC day, provider and currency, newest day first."""
    totals: dict[tuple[str, str, str], list[float]] = {}
    for row in db.execute(_COUNTED + " WHERE l.at >= ? ORDER BY l.at", (since,)):
        day = datetime.fromtimestamp(row["at"], UTC).strftime("%Y-%m-%d")
        amount, currency = _amount(row)
        slot = totals.setdefault((day, row["provider"], currency), [0, 0.0, 0.0])
        slot[0] += 1
        slot[1] += amount
        slot[2] += amount if row["settled"] is None else 0.0
    rows = [DaySpend(d, p, c, int(n), a, e) for (d, p, c), (n, a, e) in totals.items()]
    return sorted(rows, key=lambda r: (r.day, r.provider, r.currency), reverse=True)


def _amount(row: sqlite3.Row) -> tuple[float, str]:
    if row["settled"] is None:
        return row["estimate"], row["currency"]
    return row["settled"], row["settled_currency"]


def start_of_utc_day(now: float) -> float:
    day = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day.timestamp()
