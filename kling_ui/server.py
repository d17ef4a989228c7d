"""The web studio: settings -> services -> UI -> an ASGI app, and `main` to serve it.

`python app.py` (Hugging Face Spaces, Docker), `python -m kling_ui serve` and the `kling-ui
serve` command all end in `main` here.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import gradio as gr
import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from gradio.routes import App as GradioApp
from gradio.utils import get_upload_folder

from . import doorbell
from .clock import SYSTEM_CLOCK, Clock
from .config import Settings, load_settings
from .headers import SecurityHeaders
from .janitor import run_janitor
from .keys import configured_providers
from .logs import setup_logging
from .service import Studio
from .services import build_services
from .ui.api import PARAMETERS
from .ui.api_compat import DefaultModelForOldCalls
from .ui.page import CSS
from .ui.sessions import use_lean_sessions
from .ui.studio import build_studio
from .ui.words import I18N

log = logging.getLogger("kling_ui.app")


def create_app(
    settings: Settings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> FastAPI:
    """The studio as an ASGI app; unfinished jobs resume when it starts. `transport` and
    `clock` replace the network and real time for providers and jobs (see build_services)."""
    settings = settings or load_settings()
    # After every event (each click, each history timer tick) Gradio rebuilds the summary
    # behind its monitoring dashboard: a pandas table of up to 10,000 past events, 10-30 ms
    # of CPU each time. The dashboard is off here (mount_studio), so it is never read: asked
    # to rebuild only every 2**62 events, the queue never does. (Read when the Blocks is made.)
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", str(2**62))
    services = build_services(settings, transport=transport, clock=clock)
    demo = build_studio(Studio(services))
    use_many_events_at_once(demo, settings.max_events)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        resumed = await services.jobs.resume_pending()
        if resumed:
            log.info("resumed %d unfinished job(s)", len(resumed))
        janitor = asyncio.create_task(
            run_janitor(
                Path(get_upload_folder()),
                every=3600.0,
                max_age=settings.cache_max_age_hours * 3600.0,
                protect_under=[settings.data_dir],
                crops=settings.crops_dir,
            )
        )
        yield
        janitor.cancel()
        await services.aclose()

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    # nosniff, a referrer policy, a CSP a Space may frame; no /openapi.json (headers.py)
    app.add_middleware(SecurityHeaders)
    refuse_named_calls_to_private_events(app, demo)
    app.add_middleware(DefaultModelForOldCalls, parameters=len(PARAMETERS))
    # Gradio checks that a file in an event's payload was uploaded (or made by the app)
    # only once it believes it has launched; a mounted app never does, so any server path
    # would be copied into the cache (even /dev/zero). Say it has: the check then runs.
    demo.has_launched = True

    @app.post(f"{doorbell.PATH}/{{job_id}}/{{signature}}")
    async def ring(job_id: str, signature: str) -> JSONResponse:
        # A provider's callback only wakes the job's status check; see doorbell.py.
        if not doorbell.verify(settings, job_id, signature):
            return JSONResponse({"detail": "unknown"}, status_code=404)
        services.jobs.check_now(job_id)
        return JSONResponse({"ok": True})

    mount_studio(app, demo, settings)
    return app


def use_many_events_at_once(demo: gr.Blocks, most: int) -> None:
    """Let Gradio's queue run up to `most` events at once, each event kind unlimited.

    Its queue runs at most `max_threads` events at once (40 by default), whatever each event's
    concurrency_limit says; launch(max_threads=...) raises it, and a mounted app has to do
    what launch does. Generations are coroutines waiting on a provider: hundreds are cheap.
    (demo.queue(...) would say the same but builds Gradio's whole FastAPI app once more,
    a quarter of a second that mount_gradio_app then throws away.)
    """
    demo.max_threads = most
    demo._queue.max_thread_count = most  # as Blocks.launch(max_threads=...) sets it
    demo._queue.default_concurrency_limit = None


def mount_studio(app: FastAPI, demo: gr.Blocks, settings: Settings) -> None:
    """The page, its API and MCP at the root of `app`."""
    gr.mount_gradio_app(
        app,
        demo,
        path="",
        server_name=settings.server_name,
        server_port=settings.server_port,
        run_history=False,  # keys typed into the page must not be kept in a run log
        footer_links=["api"],
        # No allowed_paths: the data dir is never served; see ui/publish.py.
        max_file_size=int(settings.max_upload_mb * 1024 * 1024),
        mcp_server=settings.mcp_enabled,
        # Mounted, Gradio serves /monitoring/summary (every event's name, count, failure rate
        # and timings) to anyone unless this is False: a public studio's traffic is its own.
        enable_monitoring=False,
        css=CSS,
        i18n=I18N,  # English or Simplified Chinese, from the browser's language
        theme=gr.themes.Soft(),
        ssr_mode=False,
    )
    # Every API call is a Gradio session; see ui/sessions.py for what that used to cost.
    use_lean_sessions(mounted_gradio_app(app))


def mounted_gradio_app(app: FastAPI) -> GradioApp:
    """The Gradio app that gr.mount_gradio_app mounted on `app`."""
    return next(
        route.app for route in app.routes if isinstance(getattr(route, "app", None), GradioApp)
    )


# Gradio routes that run an event by its name. They don't check the event's api_visibility,
# so a page-only event would answer there; only the public API may. (/run/predict is how the
# page itself runs its unqueued events, by index: those check the page's owner token.)
_NAMED_CALL = re.compile(r"^/gradio_api/(?:call/v2|call|run|api)/(?P<name>[^/]+)/?$")


def refuse_named_calls_to_private_events(app: FastAPI, demo: gr.Blocks) -> None:
    public = {fn.api_name for fn in demo.fns.values() if fn.api_visibility == "public"}
    public.add("predict")

    @app.middleware("http")
    async def only_public_names(request: Request, call_next):
        match = _NAMED_CALL.match(request.url.path)
        if request.method == "POST" and match and match["name"] not in public:
            return JSONResponse(
                {"detail": "This endpoint is not part of the public API."}, status_code=404
            )
        return await call_next(request)


def main() -> None:
    settings = load_settings()
    setup_logging(settings)
    app = create_app(settings)
    host, port = settings.server_name, settings.server_port
    print(
        f"kling-ui studio on http://{host}:{port}  (providers: "
        f"{', '.join(configured_providers(settings))})",
        flush=True,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")
