"""Recordings of real exchanges with a provider, and the check that the fakes answer alike.

A recording is a JSON file: {"provider", "name", "source", "exchanges": [{"label", "method",
"path", "status", "request", "response"}]}. `label` names the kind of answer, e.g. "submit",
"status:in_queue", "query:SUCCESS", "balance": the offline test (tests/test_recordings.py)
asks the fake for the same kind of answer and compares field names and JSON types.

Nothing secret is written: keys are removed by value and by field name (apikey, token,
Authorization, ...), signed URLs lose their query strings, data URIs their payload.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

_SECRET_FIELDS = re.compile(r"(?i)^(api_?key|apikey|token|access_?token|authorization|secret)$")
# Provider answers that report a status: their label carries it.
_STATUS_ROUTES = {"status", "result", "cancel", "query"}


def route_of(provider: str, path: str) -> str:
    """The fakes' route name for a real request path (as FakeProvider.calls records it)."""
    if provider == "runcomfy":
        if path.startswith("/v1/models/"):
            return "submit"
        for route in ("status", "result", "cancel"):
            if path.startswith("/v1/requests/") and path.endswith("/" + route):
                return route
        if path.endswith("/prod/v2/balance"):
            return "balance"
    if provider == "runninghub":
        if path.endswith("/media/upload/binary"):
            return "upload"
        if path.endswith("/openapi/v2/query"):
            return "query"
        if path.endswith("/uc/openapi/accountStatus"):
            return "accountStatus"
        if path.startswith("/openapi/v2/"):
            return "submit"
    return "other"


def label_of(route: str, response: Any) -> str:
    if route in _STATUS_ROUTES and isinstance(response, dict) and response.get("status"):
        return f"{route}:{response['status']}"
    return route


def redact(value: Any, secrets: Iterable[str] = ()) -> Any:
    """`value` with keys, signed URL query strings and data URI payloads removed."""
    secrets = [s for s in secrets if s]

    def clean(item: Any, field: str = "") -> Any:
        if _SECRET_FIELDS.match(field) and item not in (None, ""):
            return "<redacted>"
        if isinstance(item, dict):
            return {k: clean(v, str(k)) for k, v in item.items()}
        if isinstance(item, list):
            return [clean(v) for v in item]
        if isinstance(item, str):
            for secret in secrets:
                item = item.replace(secret, "<redacted>")
            if item.startswith("data:"):
                return f"{item.split(',', 1)[0]},<{len(item)} chars>"
            if item.startswith(("https://", "http://")) and "?" in item:
                return item.split("?", 1)[0] + "?<redacted>"
        return item

    return clean(value)


class RecordingTransport(httpx.AsyncBaseTransport):
    """Passes every request to `inner` and keeps a redacted copy of each exchange."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, *, provider: str, secrets: Iterable[str] = ()
    ) -> None:
        self.inner = inner
        self.provider = provider
        self.secrets = list(secrets)
        self.exchanges: list[dict[str, Any]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        await response.aread()
        sent: Any = None
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                sent = json.loads(request.content or b"null")
            except ValueError:
                sent = None
        elif request.headers.get("content-type", "").startswith("multipart/"):
            sent = "<multipart upload>"
        try:
            answer = response.json()
        except ValueError:
            answer = None
        route = route_of(self.provider, request.url.path)
        self.exchanges.append(
            {
                "label": label_of(route, answer),
                "method": request.method,
                "path": redact(request.url.path, self.secrets),
                "status": response.status_code,
                "request": redact(sent, self.secrets),
                "response": redact(answer, self.secrets),
            }
        )
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()

    def save(self, folder: Path, name: str, source: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.provider}-{name}.json"
        record = {
            "provider": self.provider,
            "name": name,
            "source": source,
            "exchanges": self.exchanges,
        }
        path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
        return path


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def shape_problems(recorded: Any, fake: Any, where: str = "$") -> list[str]:
    """Where the fake's answer lacks a field of the recorded one, or has another JSON type.

    A null on either side matches any type (the same field is null in some states); arrays
    compare their first items. Fields only the fake sends are allowed: a real answer may
    leave out what it has nothing to say about.
    """
    kinds = json_type(recorded), json_type(fake)
    if "null" in kinds:
        return []
    if kinds[0] != kinds[1]:
        return [f"{where}: the recording has {kinds[0]}, the fake {kinds[1]}"]
    if kinds[0] == "object":
        problems = []
        for key, value in recorded.items():
            if key not in fake:
                problems.append(f"{where}.{key}: missing in the fake's answer")
            else:
                problems.extend(shape_problems(value, fake[key], f"{where}.{key}"))
        return problems
    if kinds[0] == "array" and recorded and fake:
        return shape_problems(recorded[0], fake[0], f"{where}[0]")
    return []


def load_recordings(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    return [(p, json.loads(p.read_text())) for p in sorted(folder.glob("*.json"))]
