"""Calls to the public `/generate` made before it had a `model` parameter keep working.

Gradio's positional HTTP API (`/gradio_api/call/generate`, `run`, `api`) refuses a call with
fewer values than the endpoint has inputs, even when the missing input has a default (its
own clients and MCP fill defaults in; a plain HTTP caller does not). Such a call, one value
short, is given the default model: the request it meant, unchanged.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..models import DEFAULT_MODEL

_POSITIONAL_CALL = re.compile(r"^/gradio_api/(?:call|run|api)/generate/?$")
MAX_BODY = 64 * 1024 * 1024  # larger bodies pass as they are (Gradio refuses them anyway)


class DefaultModelForOldCalls:
    """ASGI middleware: append the default model to a `/generate` call that lacks it."""

    def __init__(self, app: Any, *, parameters: int) -> None:
        self.app = app
        self.parameters = parameters  # the endpoint's inputs, `model` last

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if not (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and _POSITIONAL_CALL.match(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more and len(body) <= MAX_BODY:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        body = self._completed(body) if not more else body
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": more}

        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
        if not more:
            headers.append((b"content-length", str(len(body)).encode()))
        await self.app({**scope, "headers": headers}, replay, send)

    def _completed(self, body: bytes) -> bytes:
        try:
            payload = json.loads(body)
        except ValueError:
            return body
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, list) or len(data) != self.parameters - 1:
            return body
        return json.dumps({**payload, "data": [*data, DEFAULT_MODEL]}).encode()
