"""Each owner's workspace on the server: the Studio's draft and the Story tab's saved stories.

    drafts    one row per owner: the form as last edited (never a key: only the fields
              named in DRAFT_FIELDS are kept), restored on a reload or in another tab
    stories   saved projects: name, shots (prompt, seconds, sound, timed prompts, own
              frame), start frame, provider, cross-fade

Frames are kept once per owner by content (sha256) under `workspace/<owner digest>/`, and
drafts and stories refer to them by path: a restored draft shows them again without an
upload, and deleting a job (which owns its own copies) never touches them. A frame nothing
refers to any more is removed once it is old enough that no save in flight still needs it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError

if TYPE_CHECKING:
    from .store import JobStore

SCHEMA = (
    """
    CREATE TABLE drafts (
        owner TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        updated_at REAL NOT NULL
    )
    """,
    """
    CREATE TABLE stories (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        name TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    )
    """,
    "CREATE INDEX stories_owner_updated ON stories (owner, updated_at DESC)",
)

# What a draft may hold: the form's fields, never a key (nothing else is stored).
DRAFT_FIELDS = (
    "image",
    "end_image",
    "prompt",
    "duration",
    "sound",
    "shot_type",
    "provider",
    "model",
    "crop",
    "segments",
)
STORY_FIELDS = ("name", "provider", "crossfade", "start", "shots", "ran_on")  # ran_on: last run
SHOT_FIELDS = ("prompt", "seconds", "sound", "frame", "segments")
FRAME_KEYS = ("image", "end_image", "start")

MAX_BODY_BYTES = 64 * 1000  # a draft or a story, as stored (JSON)
MAX_STORIES = 50
MAX_NAME = 80
SPARE_SECONDS = 600  # an unreferenced frame younger than this may belong to a save under way


class TooLarge(InputError):
    """A draft or story over a limit; the message names the field and the limit."""


def create(db: sqlite3.Connection) -> None:
    for statement in SCHEMA:
        db.execute(statement)


def owner_folder(root: Path, owner: str) -> Path:
    """Where `owner`'s frames are kept: each owner apart, under a digest of its id."""
    return Path(root) / hashlib.sha256(owner.encode()).hexdigest()[:16]


# --- frames --------------------------------------------------------------------------------


def keep_frame(folder: Path, source: str, *, max_bytes: int) -> str:
    """`source` (a local file) kept in `folder` under its content hash; the kept path.
    A frame already kept (same bytes) is not copied again."""
    path = Path(source)
    if path.parent.resolve() == folder.resolve():
        return str(path.resolve())
    size = path.stat().st_size
    if size > max_bytes:
        raise TooLarge({"frame": f"Frame: {size:,} bytes is over the {max_bytes:,} byte limit."})
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    target = folder / f"{digest}{path.suffix.lower()[:8]}"
    if not target.exists():
        folder.mkdir(parents=True, exist_ok=True)
        part = folder / f".{digest}.{uuid.uuid4().hex[:8]}.part"
        shutil.copyfile(path, part)
        part.replace(target)  # whole or not at all: a reader never sees half a frame
    return str(target)


def frame_paths(body: dict[str, Any]) -> set[str]:
    """Every frame a draft or story body refers to."""
    found = {body.get(k) for k in FRAME_KEYS}
    found |= {shot.get("frame") for shot in body.get("shots") or []}
    return {str(p) for p in found if p}


def sweep(folder: Path, keep: set[str], now: float | None = None) -> list[Path]:
    """Remove frames in `folder` nothing refers to (and old enough); the removed paths."""
    now = time.time() if now is None else now
    removed = []
    kept = {str(Path(p).resolve()) for p in keep}
    for path in folder.glob("*") if folder.is_dir() else []:
        if str(path.resolve()) in kept or path.name.startswith("."):
            continue
        try:
            if now - path.stat().st_mtime > SPARE_SECONDS:
                path.unlink()
                removed.append(path)
        except FileNotFoundError:
            continue
    return removed


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*") if p.is_file()) if folder.is_dir() else 0


# --- bodies --------------------------------------------------------------------------------


def clean_draft(fields: dict[str, Any]) -> dict[str, Any]:
    """Only the draft's own fields (a key, or anything else, is dropped), within limits."""
    body = {name: fields.get(name) for name in DRAFT_FIELDS if fields.get(name) is not None}
    return _within_limit(body, "Draft")


def clean_story(fields: dict[str, Any]) -> dict[str, Any]:
    body = {name: fields.get(name) for name in STORY_FIELDS}
    name = str(body.get("name") or "").strip()
    if len(name) > MAX_NAME:
        raise TooLarge({"name": f"Story name: {len(name)} characters, the limit is {MAX_NAME}."})
    body["name"] = name
    body["shots"] = [{k: shot.get(k) for k in SHOT_FIELDS} for shot in body.get("shots") or []]
    return _within_limit(body, "Story")


def _within_limit(body: dict[str, Any], what: str) -> dict[str, Any]:
    size = len(json.dumps(body).encode())
    if size > MAX_BODY_BYTES:
        raise TooLarge(
            {"draft": f"{what}: {size:,} bytes is over the {MAX_BODY_BYTES:,} byte limit."}
        )
    return body


# --- the tables ----------------------------------------------------------------------------


class Workspace:
    """Drafts and stories in the job store's SQLite file, each row its owner's only."""

    def __init__(self, store: JobStore) -> None:
        self.store = store

    def draft(self, owner: str) -> dict[str, Any]:
        with self.store.snapshot() as db:
            found = db.execute("SELECT body FROM drafts WHERE owner = ?", (owner,)).fetchone()
        return json.loads(found[0]) if found else {}

    def save_draft(self, owner: str, body: dict[str, Any]) -> None:
        with self.store.immediate() as db:
            db.execute(
                "INSERT INTO drafts (owner, body, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(owner) DO UPDATE SET body = excluded.body, "
                "updated_at = excluded.updated_at",
                (owner, json.dumps(body), time.time()),
            )

    def clear_draft(self, owner: str) -> None:
        with self.store.immediate() as db:
            db.execute("DELETE FROM drafts WHERE owner = ?", (owner,))

    def stories(self, owner: str) -> list[dict[str, Any]]:
        """The owner's stories, newest change first, each its body with id and name."""
        with self.store.snapshot() as db:
            rows = db.execute(
                "SELECT id, name, body, updated_at FROM stories WHERE owner = ? "
                "ORDER BY updated_at DESC",
                (owner,),
            ).fetchall()
        return [{**json.loads(r[2]), "id": r[0], "name": r[1], "updated_at": r[3]} for r in rows]

    def story(self, owner: str, story_id: str | None) -> dict[str, Any] | None:
        with self.store.snapshot() as db:
            found = db.execute(
                "SELECT body, name FROM stories WHERE owner = ? AND id = ?", (owner, story_id)
            ).fetchone()
        return {**json.loads(found[0]), "id": story_id, "name": found[1]} if found else None

    def save_story(self, owner: str, story_id: str, body: dict[str, Any]) -> None:
        """Insert or replace `owner`'s story; TooLarge past MAX_STORIES (checked and
        written in one transaction). KeyError for an id another owner holds."""
        now = time.time()
        with self.store.immediate() as db:
            mine = db.execute("SELECT owner FROM stories WHERE id = ?", (story_id,)).fetchone()
            if mine is not None and mine[0] != owner:
                raise KeyError(story_id)  # never another owner's row
            count = db.execute("SELECT COUNT(*) FROM stories WHERE owner = ?", (owner,))
            if mine is None and count.fetchone()[0] >= MAX_STORIES:
                raise TooLarge(
                    {"stories": f"Stories: you have {MAX_STORIES}, the limit. Delete one first."}
                )
            db.execute(
                "INSERT INTO stories (id, owner, name, body, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                "name = excluded.name, body = excluded.body, updated_at = excluded.updated_at",
                (story_id, owner, body["name"], json.dumps(body), now, now),
            )

    def delete_story(self, owner: str, story_id: str | None) -> bool:
        with self.store.immediate() as db:
            cursor = db.execute("DELETE FROM stories WHERE owner = ? AND id = ?", (owner, story_id))
        return cursor.rowcount == 1

    def referenced(self, owner: str) -> set[str]:
        """Every frame the owner's draft and stories refer to."""
        found = frame_paths(self.draft(owner))
        for story in self.stories(owner):
            found |= frame_paths(story)
        return found
