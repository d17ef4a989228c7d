"""The long-lived parts every front end shares: settings, store, one HTTP client, the manager."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from . import __version__
from .clock import SYSTEM_CLOCK, Clock
from .config import Settings
from .janitor import clean_leftovers
from .jobs import JobManager
from .netsafety import download_client, tls_context
from .owners import Owners
from .store import JobStore
from .trash import Trash


def make_client(
    settings: Settings, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """One client for the app's life: pooled connections, a timeout on every request.
    `transport` replaces the network (tests: fake providers in-process)."""
    return httpx.AsyncClient(
        transport=transport,
        verify=tls_context(),
        timeout=httpx.Timeout(settings.request_timeout, connect=10.0),
        # An idle connection is dropped after 2 s, well before common server keep-alive
        # timeouts (uvicorn's is 5 s, httpx's own default 5 s): reusing one just as the
        # server closes it fails with ReadError, and on the paid submit that would mean an
        # "unknown" job. Seen under load in bench (100 jobs at once against a 5 s server).
        limits=httpx.Limits(
            max_connections=200, max_keepalive_connections=50, keepalive_expiry=2.0
        ),
        headers={"User-Agent": f"kling-ui/{__version__}"},
    )


@dataclass
class Services:
    settings: Settings
    store: JobStore
    client: httpx.AsyncClient
    jobs: JobManager
    owners: Owners
    downloads: httpx.AsyncClient
    trash: Trash

    async def aclose(self) -> None:
        await self.jobs.aclose()
        await self.client.aclose()
        await self.downloads.aclose()
        self.store.close()


def build_services(
    settings: Settings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> Services:
    """Everything long-lived, over the network (or `transport`) and on real time (or
    `clock`): tests pass fake providers in-process and a clock that skips idle waits."""
    settings = settings or Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    clean_leftovers(settings.data_dir)
    store = JobStore(settings.db_path)
    client = make_client(settings, transport)
    owners = Owners(
        settings.data_dir,
        multi_user=settings.is_multi_user,
        trusted_proxies=settings.trusted_proxies,
        on_spaces=settings.on_spaces,
    )
    downloads = download_client(
        timeout=httpx.Timeout(settings.request_timeout * 4, connect=10.0),
        user_agent=f"kling-ui/{__version__}",
        allow_private=settings.allow_private_downloads,
        transport=transport,
    )
    jobs = JobManager(settings, store, client, downloads=downloads, clock=clock)
    trash = Trash(jobs)
    trash.purge()  # what waited past its time while the app was off
    return Services(settings, store, client, jobs, owners, downloads, trash)


@asynccontextmanager
async def open_services(settings: Settings | None = None) -> AsyncIterator[Services]:
    services = build_services(settings)
    try:
        yield services
    finally:
        await services.aclose()
