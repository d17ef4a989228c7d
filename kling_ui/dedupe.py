"""Identical requests from one owner within a few seconds share one job: a double click on
Generate, or a script that fires the same call twice, must not pay twice."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from pathlib import Path

from .request import GenerationRequest
from .store import JobRecord

WINDOW = 10.0  # seconds during which an identical request returns the first job
MAX_HASHED_BYTES = 64 * 1024 * 1024


class RecentRequests:
    """Pending and just-admitted requests by key; each resolves to its job."""

    def __init__(self, window: float = WINDOW) -> None:
        self.window = window
        self._recent: dict[str, tuple[float, asyncio.Future[JobRecord]]] = {}

    def find(self, key: str) -> asyncio.Future[JobRecord] | None:
        now = time.monotonic()
        for old in [k for k, (at, _) in self._recent.items() if now - at > self.window]:
            del self._recent[old]
        entry = self._recent.get(key)
        return entry[1] if entry else None

    def add(self, key: str) -> asyncio.Future[JobRecord]:
        future: asyncio.Future[JobRecord] = asyncio.get_running_loop().create_future()
        self._recent[key] = (time.monotonic(), future)
        return future

    def fail(self, key: str, future: asyncio.Future[JobRecord], exc: BaseException) -> None:
        """The first request was refused: a twin waiting on it gets the same answer, and a
        corrected request can go through at once."""
        self._recent.pop(key, None)
        if isinstance(exc, asyncio.CancelledError):
            future.cancel()
        elif not future.done():
            future.set_exception(exc)
            future.exception()  # retrieved: nobody may be waiting


async def request_key(
    owner: str, provider: str, request: GenerationRequest, key_print: str | None
) -> str:
    """What makes two requests "the same": owner, provider, key (as a fingerprint), settings
    and the frames' bytes (two uploads of one file arrive under different paths)."""
    frames = await asyncio.to_thread(_frame_digests, [request.image, request.end_image])
    fields = request.public_dict()
    fields.pop("image", None)
    fields.pop("end_image", None)
    text = json.dumps([owner, provider, key_print, fields, frames], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _frame_digests(sources: list[str | None]) -> list[str | None]:
    digests: list[str | None] = []
    for source in sources:
        if not source or source.startswith(("https://", "http://", "data:")):
            digests.append(source[:4096] if source else None)
            continue
        path = Path(source)
        try:
            # Regular, bounded files only: a device or a huge file must never be read here.
            if path.is_file() and path.stat().st_size <= MAX_HASHED_BYTES:
                digests.append(hashlib.sha256(path.read_bytes()).hexdigest())
                continue
        except OSError:
            pass  # unreadable: validation says why, later
        digests.append(source)
    return digests
