"""SQLite job history with numbered migrations; safe across threads and processes (WAL)."""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from . import ledger, workspace
from .models import DEFAULT_MODEL
from .records import JobKind, JobRecord
from .state import ACTIVE, HELD, JobState

__all__ = ["UNFINISHED_STATES", "JobKind", "JobRecord", "JobStore"]

log = logging.getLogger(__name__)

# The states a restart looks at: someone should carry these jobs on.
UNFINISHED_STATES = tuple(sorted(ACTIVE | HELD))


_JSON_FIELDS = {"request", "probe"}
_COLUMNS = [f.name for f in fields(JobRecord)]

# --- migrations: append only; each runs once, in order, inside a transaction ---------------

MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = []


def migration(fn: Callable[[sqlite3.Connection], None]) -> Callable[[sqlite3.Connection], None]:
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_initial(db: sqlite3.Connection) -> None:
    db.execute(
        """
        CREATE TABLE jobs (
            id TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            provider TEXT NOT NULL,
            request TEXT NOT NULL,
            state TEXT NOT NULL,
            request_id TEXT,
            queue_position INTEGER,
            cost_estimate REAL,
            cost REAL,
            error_code TEXT,
            error_message TEXT,
            video_path TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            submitted_at REAL,
            finished_at REAL
        )
        """
    )
    db.execute("CREATE INDEX jobs_owner_created ON jobs (owner, created_at DESC)")


@migration
def m002_resume_and_details(db: sqlite3.Connection) -> None:
    # Resume needs to know which key a job belongs to (a salted fingerprint, never the key);
    # the studio shows progress, currency, probe results and notices.
    for column in (
        "progress REAL",
        "currency TEXT",
        "notice TEXT",
        "probe TEXT",
        "key_fingerprint TEXT",
    ):
        db.execute(f"ALTER TABLE jobs ADD COLUMN {column}")
    db.execute("CREATE INDEX jobs_state ON jobs (state)")


@migration
def m003_caller(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE jobs ADD COLUMN caller TEXT")
    db.execute("CREATE INDEX jobs_caller_created ON jobs (caller, created_at DESC)")


@migration
def m004_eta_and_trouble(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE jobs ADD COLUMN expected_at REAL")
    db.execute("ALTER TABLE jobs ADD COLUMN trouble_since REAL")


@migration
def m005_kind(db: sqlite3.Connection) -> None:
    # Films were stored as jobs of a pretend provider "story"; they are a kind of their own.
    db.execute("ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'clip'")
    db.execute("UPDATE jobs SET kind = 'film' WHERE provider = 'story'")


@migration
def m006_spend_ledger(db: sqlite3.Connection) -> None:
    # Spending rules counted rows of the jobs table, which Delete removes; the ledger keeps
    # every admission for good. Jobs already stored are entered, so an upgrade doesn't
    # reset today's spend.
    ledger.create(db)
    for row in db.execute("SELECT * FROM jobs ORDER BY created_at").fetchall():
        job = _from_row(row)
        ledger.record(db, job)
        if job.is_final:
            ledger.settle(db, job, at=job.finished_at or job.updated_at)


@migration
def m007_model(db: sqlite3.Connection) -> None:
    # Every job before the model catalogue ran Kling O3 Pro.
    db.execute(f"ALTER TABLE jobs ADD COLUMN model TEXT NOT NULL DEFAULT '{DEFAULT_MODEL}'")


@migration
def m008_site(db: sqlite3.Connection) -> None:
    # Jobs before sites ran at the server's configured one.
    db.execute("ALTER TABLE jobs ADD COLUMN site TEXT")


@migration
def m009_workspace(db: sqlite3.Connection) -> None:
    # Each owner's draft and saved stories (workspace.py), beside the jobs.
    workspace.create(db)


class JobStore:
    """Short transactions on one connection per thread; WAL lets a CLI and the app share it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.moved_aside: Path | None = None  # where a damaged store went, if one did
        try:
            self.migrate()
        except sqlite3.DatabaseError:
            # Not a database any more (disk trouble, a stray write): keep it for whoever
            # wants to rescue it, and start a fresh history rather than a dead app.
            self.close()
            self.moved_aside = _move_aside(self.path)
            log.error(
                "The job history at %s is damaged; it was moved aside to %s and a new one "
                "was started.",
                self.path,
                self.moved_aside,
            )
            self.migrate()

    def _connect(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA busy_timeout=10000")
            self._local.db = db
        return db

    def migrate(self) -> int:
        db = self._connect()
        db.execute("BEGIN IMMEDIATE")  # one migrator at a time, even across processes
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
                step(db)
                db.execute(f"PRAGMA user_version = {number}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return len(MIGRATIONS)

    @property
    def version(self) -> int:
        return self._connect().execute("PRAGMA user_version").fetchone()[0]

    def immediate(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE): what is read inside it
        stays true until it commits, in this process and in any other on the same file.
        Inside one already, it joins it."""
        return self._transaction("BEGIN IMMEDIATE")

    def snapshot(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """A read transaction: its reads agree with each other, and (WAL) it blocks no
        writer, in this process or another. For checks that decide nothing for good."""
        return self._transaction("BEGIN")

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        db = self._connect()
        if db.in_transaction:
            yield db
            return
        db.execute(begin)
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def insert(self, job: JobRecord) -> None:
        """Put a job (back) in: a restore from the trash. New jobs come in through admit."""
        row = _to_row(job)
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self._connect().execute(
            f"INSERT INTO jobs ({columns}) VALUES ({marks})", tuple(row.values())
        )

    def admit(self, job: JobRecord, check: Callable[[sqlite3.Connection], None]) -> None:
        """Store a new job and its ledger entry, if `check` (the spending rules, reading the
        ledger) passes: check, insert and entry are one transaction."""
        with self.immediate() as db:
            check(db)
            self.insert(job)
            ledger.record(db, job)

    def update(self, job_id: str, **changes: Any) -> JobRecord:
        """Change some fields of a job atomically and return the job as now stored."""
        unknown = set(changes) - set(_COLUMNS)
        if unknown:
            raise ValueError(f"unknown job fields: {sorted(unknown)}")
        changes["updated_at"] = time.time()
        row = _to_row_partial(changes)
        assignments = ", ".join(f"{name} = ?" for name in row)
        ends = "state" in changes and JobState(changes["state"]).is_final
        # An ending and what it cost are written together, or not at all.
        with self.immediate() if ends else contextlib.nullcontext(self._connect()) as db:
            cursor = db.execute(
                f"UPDATE jobs SET {assignments} WHERE id = ?", (*row.values(), job_id)
            )
            if cursor.rowcount != 1:
                raise KeyError(job_id)
            job = self.get(job_id)
            assert job is not None
            if ends:
                ledger.settle(db, job)
        return job

    def spent_usd(self, since: float, key_fingerprint: str | None) -> float:
        return ledger.spent_usd(self._connect(), since, key_fingerprint)

    def owner_spend(self, owner: str, since: float) -> dict[str, float]:
        return ledger.owner_spend(self._connect(), owner, since)

    def spend_report(self, *, since: float = 0.0) -> list[ledger.DaySpend]:
        return ledger.report(self._connect(), since=since)

    def get(self, job_id: str) -> JobRecord | None:
        row = self._connect().execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _from_row(row) if row else None

    def list(
        self,
        *,
        owner: str | None = None,
        caller: str | None = None,
        states: Iterable[str] | None = None,
        since: float | None = None,
        limit: int = 200,
    ) -> list[JobRecord]:
        """Jobs newest first, optionally for one owner, in some states, created since a time."""
        clauses, params = [], []
        if since is not None:
            clauses.append("created_at >= ?")
            params.append(since)
        if owner is not None:
            clauses.append("owner = ?")
            params.append(owner)
        if caller is not None:
            clauses.append("caller = ?")
            params.append(caller)
        if states is not None:
            states = list(states)
            clauses.append(f"state IN ({', '.join('?' for _ in states)})")
            params.extend(states)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._connect().execute(
            f"SELECT * FROM jobs {where} ORDER BY created_at DESC LIMIT ?", (*params, limit)
        )
        return [_from_row(r) for r in rows]

    def find_request(self, provider: str, request_id: str, owner: str) -> JobRecord | None:
        """`owner`'s newest job that `provider` knows as `request_id`, if there is one."""
        row = (
            self._connect()
            .execute(
                "SELECT * FROM jobs WHERE provider = ? AND request_id = ? AND owner = ? "
                "ORDER BY created_at DESC LIMIT 1",
                (provider, request_id, owner),
            )
            .fetchone()
        )
        return _from_row(row) if row else None

    def delete(self, job_id: str) -> bool:
        return self._connect().execute("DELETE FROM jobs WHERE id = ?", (job_id,)).rowcount == 1

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


def _move_aside(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            part.replace(Path(f"{backup}{suffix}"))
    return backup


def _to_row(job: JobRecord) -> dict[str, Any]:
    return _to_row_partial(asdict(job))


def _to_row_partial(values: dict[str, Any]) -> dict[str, Any]:
    row = {
        k: (json.dumps(v) if k in _JSON_FIELDS and v is not None else v) for k, v in values.items()
    }
    if "state" in row:
        row["state"] = str(JobState(row["state"]))  # the plain text, not the enum object
    if "kind" in row:
        row["kind"] = str(JobKind(row["kind"]))
    return row


def _from_row(row: sqlite3.Row) -> JobRecord:
    # Iterating a Row yields values, not names: keys() is needed here.
    data = {k: row[k] for k in row.keys() if k in _COLUMNS}  # noqa: SIM118
    for name in _JSON_FIELDS:
        if data.get(name) is not None:
            data[name] = json.loads(data[name])
    return JobRecord(**data)
