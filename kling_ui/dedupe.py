"""Identical requests from one owner within a few seconds share one job: a double click on
Generate, or a script that fires the same call twice, must not pay twice."""

from __future__ import annotations

import asyncio
import time

from .identity import request_identity
from .records import JobRecord
from .request import GenerationRequest

WINDOW = 10.0  # seconds during which an identical request returns the first job


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
    """The request's identity (identity.py) within one owner and one key."""
    fields = request.public_dict()
    return await asyncio.to_thread(request_identity, provider, fields, scope=(owner, key_print))
