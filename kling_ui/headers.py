"""What every answer of the studio carries, and the routes a public studio doesn't answer.

The page may be shown in a frame only by itself and by Hugging Face (a Space shows the app
in an iframe on huggingface.co, served from *.hf.space), so `frame-ancestors` says that
and no X-Frame-Options is sent (DENY would blank the Space). The script and style rules
are what Gradio's page needs: its config arrives as an inline script, the event scripts
(`js=`) run through `new Function`, and components set inline styles; everything else
the page loads or connects to is this server (and the theme's web fonts).

Gradio mounts an OpenAPI description of the app at /openapi.json (and under /gradio_api);
nothing uses it (gradio_client reads /gradio_api/info), so it answers 404 like the docs.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

FRAME_ANCESTORS = ("'self'", "https://huggingface.co", "https://*.hf.space")

POLICY = {
    "default-src": "'self'",
    "script-src": "'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src": "'self' 'unsafe-inline' https://fonts.googleapis.com",
    "font-src": "'self' data: https://fonts.gstatic.com",
    "img-src": "'self' data: blob:",
    "media-src": "'self' data: blob:",
    "connect-src": "'self'",
    "worker-src": "'self' blob:",
    "frame-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": " ".join(FRAME_ANCESTORS),
}
CONTENT_SECURITY_POLICY = "; ".join(f"{name} {value}" for name, value in POLICY.items())

HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "content-security-policy": CONTENT_SECURITY_POLICY,
}
_ENCODED = [(k.encode(), v.encode()) for k, v in HEADERS.items()]
_REPLACED = {k.encode() for k in HEADERS} | {b"x-frame-options"}

HIDDEN_PATHS = frozenset(
    f"{prefix}{path}"
    for prefix in ("", "/gradio_api")
    for path in ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc")
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]


class SecurityHeaders:
    """ASGI middleware: the headers on every HTTP answer (streams included), and 404 for
    the API description and docs routes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _REPLACED]
                message = {**message, "headers": [*kept, *_ENCODED]}
            await send(message)

        path = scope["path"].rstrip("/") or "/"
        if path in HIDDEN_PATHS:
            await _not_found(send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


async def _not_found(send: Callable[[Message], Awaitable[None]]) -> None:
    body = json.dumps({"detail": "Not Found"}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 404, "headers": headers})
    await send({"type": "http.response.body", "body": body})
