"""Run an ASGI app on loopback in a background thread (fake providers, the app under test)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn


class _PromptServer(uvicorn.Server):
    """uvicorn's server, stopped the moment it is asked.

    uvicorn looks at `should_exit` every 0.1 s; a test suite starts and stops some sixty
    servers, so that tick alone was seconds of waiting. Here the main loop sleeps until
    `stop()` wakes it (the per-second date header is not refreshed: these servers live for
    one test or one module).
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self._loop, self._stopping = asyncio.get_running_loop(), asyncio.Event()
        if not self.should_exit:
            await self._stopping.wait()

    async def shutdown(self, sockets=None) -> None:
        # uvicorn's own waits a fixed 0.1 s, then checks every 0.1 s; this checks every 5 ms
        # and gives open streams the same grace (timeout_graceful_shutdown) before cancelling.
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        deadline = time.monotonic() + (self.config.timeout_graceful_shutdown or 0.0)
        while self.server_state.connections and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        for task in self.server_state.tasks:
            task.cancel(msg="the loopback server is stopping")
        for server in self.servers:
            await server.wait_closed()
        await self.lifespan.shutdown()

    def stop(self) -> None:
        self.should_exit = True
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)


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
    server = _PromptServer(config)
    thread = threading.Thread(target=server.run, name="loopback-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the loopback server did not start")
        time.sleep(0.005)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{bound}"
    finally:
        server.stop()
        thread.join(timeout)
