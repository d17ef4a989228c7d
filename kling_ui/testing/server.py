"""Run an ASGI app on loopback in a background thread (fake providers, the app under test)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn


@contextmanager
def serve_on_loopback(app, *, port: int = 0, timeout: float = 10.0) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 (a free port by default); yield its base URL; stop on exit."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        access_log=False,
        # Streams still open at exit (a page's event stream, a fault's deliberately late
        # answer) must not hold the test up: nothing a test still waits for is in flight.
        timeout_graceful_shutdown=0.25,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="loopback-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the loopback server did not start")
        time.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout)
