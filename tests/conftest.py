"""Shared fixtures: real images on disk, settings in a temp dir, fake providers in-process."""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import io
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from unittest import mock

import httpx
import numpy as np
import pytest
from PIL import Image

from kling_ui.config import Settings
from kling_ui.jobs import JobManager
from kling_ui.store import JobStore
from kling_ui.testing import FakeRunComfy, FakeRunningHub, clean_environment, serve_on_loopback
from kling_ui.testing.clock import VirtualClock

# Each test process gets its own Gradio cache, set before any test module imports Gradio
# (some of its modules read the variable once): the suite's uploads and published links never
# pile up in the machine's shared /tmp/gradio, and the app's janitor and the tests that look
# through the cache see only what this run made. Apps started by a test inherit it.
_GRADIO_CACHE = tempfile.mkdtemp(prefix="kling-ui-tests-gradio-")
os.environ["GRADIO_TEMP_DIR"] = _GRADIO_CACHE
atexit.register(shutil.rmtree, _GRADIO_CACHE, ignore_errors=True)
# Nothing phones home from a test: gradio_client reports each Client it makes to Hugging Face
# (with our loopback URL in it), and a Blocks built without analytics_enabled=False reports too.
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

ROOT = Path(__file__).resolve().parent.parent
RC_KEY = "rc-secret-key-0001"
RH_KEY = "rh-secret-key-0001"
RC_BASE = "https://model-api.runcomfy.test"
RH_BASE = "https://www.runninghub.test"


def picture(size: tuple[int, int] = (800, 600), seed: int = 0) -> Image.Image:
    """A smooth, photo-like test image (compresses like a photo, not like a flat colour)."""
    return _picture(size, seed).copy()


@functools.lru_cache(maxsize=32)
def _picture(size: tuple[int, int], seed: int) -> Image.Image:
    w, h = size
    rng = np.random.default_rng(seed)
    x = np.arange(w, dtype=np.float32)[None, :]
    y = np.arange(h, dtype=np.float32)[:, None]
    arr = np.empty((h, w, 3), dtype=np.int16)
    arr[..., 0] = 128 + 100 * np.sin(x / (w / 6) + seed)
    arr[..., 1] = 128 + 100 * np.cos(y / (h / 5) - seed)
    arr[..., 2] = 128 + 60 * np.sin((x + y) / (w / 9))
    arr += rng.integers(-10, 11, (h, w, 3), dtype=np.int16)  # grain, so JPEG sizes are real
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8))


@pytest.fixture
def make_image(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(10_000))

    def make(
        size: tuple[int, int] = (800, 600),
        *,
        fmt: str = "JPEG",
        mode: str = "RGB",
        name: str | None = None,
        orientation: int | None = None,
        seed: int = 0,
    ) -> Path:
        image = picture(size, seed)
        if mode == "RGBA":
            image = image.convert("RGBA")
            alpha = Image.new("L", size, 0)
            alpha.paste(255, (size[0] // 4, size[1] // 4, 3 * size[0] // 4, 3 * size[1] // 4))
            image.putalpha(alpha)
        elif mode != "RGB":
            image = image.convert(mode)
        ext = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "BMP": "bmp", "GIF": "gif"}[fmt]
        path = tmp_path / (name or f"frame{next(counter)}.{ext}")
        kwargs = {}
        if orientation is not None:
            exif = Image.Exif()
            exif[0x0112] = orientation
            kwargs["exif"] = exif
        image.save(path, fmt, **kwargs)
        return path

    return make


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=0)  # stored, not deflated: test inputs, made fast
    return buffer.getvalue()


def pytest_configure(config: pytest.Config) -> None:
    # Full garbage collections at a tenth of the default rate, from before the test modules
    # are imported. Importing them (Gradio, the app) builds 250k objects, and at the default
    # rate five full collections walked that growing heap: 1.3-1.6 s per process. Later each
    # app a test serves stays alive, ~33k objects held by FastAPI's module-level lru caches
    # of its endpoints (one app per process in production), so a full collection walks
    # 100-300k objects: 1-3 s per worker over a run. Young garbage is collected as usual.
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 100)


def pytest_collection_finish(session: pytest.Session) -> None:
    # Gradio, the app and every test module are imported by now: a few hundred thousand
    # objects that live as long as the process. Frozen, the garbage collector stops walking
    # them again on every full collection (test_public + test_jobs: 26 -> 23 s of CPU).
    gc.freeze()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    # pytest's cleanup runs five full collections to surface errors raised in __del__. Here,
    # after the fixtures' teardown, collecting until nothing more is found (a finalizer can
    # leave new garbage) does that while pytest still listens; frozen after it, the five
    # take ~0.1 s instead of 1.5-2 s per worker at the end of the run.
    for _ in range(5):
        if not gc.collect():
            break
    gc.freeze()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Live tests spend real money: they run only when asked with KLING_UI_LIVE=1."""
    if os.environ.get("KLING_UI_LIVE") == "1":
        return
    skip = pytest.mark.skip(reason="talks to a real provider: set KLING_UI_LIVE=1 and a key")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _no_ambient_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's real keys must never reach a test (nor a fake server).
    for name in set(os.environ) - set(clean_environment()):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        # The app's own pace between status checks (1 s, up to 30 s): on the test clock
        # (`clock`) those waits are skipped, not shortened.
        request_timeout=5.0,
        runcomfy_api_key=RC_KEY,
        runninghub_api_key=RH_KEY,
        runcomfy_base_url=RC_BASE,
        runninghub_base_url=RH_BASE,
        preview_short_side=360,  # the 720p output is checked in test_preview and test_app
    )


# Result videos live on other hosts than the APIs, as with the real providers.
RC_FILES = "https://cdn.runcomfy.test"
RH_FILES = "https://rh-images-1252422369.cos.ap-beijing.myqcloud.test"


@pytest.fixture
def clock() -> VirtualClock:
    """The fakes' and the jobs' time: it jumps over every wait while nothing else runs, so
    a job queued and running for seconds at a fake finishes in milliseconds."""
    return VirtualClock()


def fakes_on(clock: VirtualClock) -> tuple[FakeRunComfy, FakeRunningHub]:
    """Both fake providers on `clock`: 2 s queued, 5 s running, results on their own hosts."""
    rc = FakeRunComfy(api_key=RC_KEY, queue_seconds=2, run_seconds=5, clock=clock)
    rh = FakeRunningHub(api_key=RH_KEY, queue_seconds=2, run_seconds=5, clock=clock)
    rc.result_base, rh.result_base = RC_FILES, RH_FILES
    return rc, rh


@pytest.fixture
def fake_rc(clock: VirtualClock) -> FakeRunComfy:
    return fakes_on(clock)[0]


@pytest.fixture
def fake_rh(clock: VirtualClock) -> FakeRunningHub:
    return fakes_on(clock)[1]


class HostRouter(httpx.AsyncBaseTransport):
    """Send each host to its own in-process app, as DNS would send it to its own server."""

    def __init__(self, apps: dict[str, object]) -> None:
        self.transports = {host: httpx.ASGITransport(app=app) for host, app in apps.items()}

    @classmethod
    def to_fakes(cls, fake_rc: FakeRunComfy, fake_rh: FakeRunningHub) -> HostRouter:
        """The providers' API hosts and result hosts (RC_BASE, RC_FILES, ...) to the fakes."""
        return cls(
            {
                httpx.URL(RC_BASE).host: fake_rc.app,
                httpx.URL(RC_FILES).host: fake_rc.app,
                httpx.URL(RH_BASE).host: fake_rh.app,
                httpx.URL(RH_FILES).host: fake_rh.app,
            }
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = self.transports.get(request.url.host)
        if transport is None:
            raise httpx.ConnectError(f"no route to {request.url.host}", request=request)
        return await transport.handle_async_request(request)


@contextlib.contextmanager
def serve_studio(
    settings: Settings, clock: VirtualClock, fake_rc: FakeRunComfy, fake_rh: FakeRunningHub
) -> Iterator[str]:
    """The studio on loopback (the page's event streams need a real server), its providers
    in-process at RC_BASE and RH_BASE, and its jobs on `clock` with the fakes."""
    from kling_ui.server import create_app

    app = create_app(settings, transport=HostRouter.to_fakes(fake_rc, fake_rh), clock=clock)
    with serve_on_loopback(app) as url:
        yield url


def eventually(check: Callable[[], object], timeout: float = 20.0) -> object:
    """`check()` once it is true. For work done by another thread (the served app): it is
    looked at every 10 ms, the one real-time wait the app's tests need."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.01)
    return result


@pytest.fixture
async def client(
    fake_rc: FakeRunComfy, fake_rh: FakeRunningHub
) -> AsyncIterator[httpx.AsyncClient]:
    transport = HostRouter.to_fakes(fake_rc, fake_rh)
    async with httpx.AsyncClient(transport=transport, timeout=5.0) as http:
        yield http


@pytest.fixture
async def manager(
    settings: Settings, client: httpx.AsyncClient, clock: VirtualClock
) -> AsyncIterator[JobManager]:
    store = JobStore(settings.db_path)
    jobs = JobManager(settings, store, client, clock=clock)
    yield jobs
    await jobs.aclose()
    store.close()


@pytest.fixture
def studio(settings: Settings, manager: JobManager, client: httpx.AsyncClient):
    """The service layer over `manager` (a private run: one owner, "local")."""
    from kling_ui.owners import Owners
    from kling_ui.service import Studio
    from kling_ui.services import Services
    from kling_ui.trash import Trash

    owners = Owners(settings.data_dir, multi_user=False)
    services = Services(settings, manager.store, client, manager, owners, client, Trash(manager))
    return Studio(services)


async def until(manager: JobManager, job_id: str, done: Callable[[object], object]):
    """The job as soon as `done(job)` holds: woken by its changes, never by polling."""
    async for job in manager.watch(job_id):
        if done(job):
            return job
    raise AssertionError(f"job {job_id} ended before that: {manager.get(job_id)}")


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for running the CLI in a subprocess: no ambient keys, our package on path."""
    env = clean_environment()
    env.update(
        PYTHONPATH=str(ROOT),
        KLING_UI_DATA_DIR=str(data_dir),
        KLING_UI_POLL_INTERVAL="0.05",
        KLING_UI_POLL_INTERVAL_MAX="0.15",  # the fakes finish in under a second
        KLING_UI_PREVIEW_SHORT_SIDE="360",  # 4x faster than the default 720 (test_preview)
        KLING_UI_ALLOW_PRIVATE_DOWNLOADS="1",  # the fakes' video links are on loopback
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


PYTHON = sys.executable


def cli_here(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """`python -m kling_ui *args` run in this process: the same main(), exit code, stdout
    and stderr (warnings logged as the CLI logs them), with `env` as the whole environment,
    but without a second of interpreter start. Tests of the process itself (a kill, the
    entry point, a terminal) still start a real one."""
    from kling_ui.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    handler = logging.StreamHandler(err)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.WARNING)
    root = logging.getLogger()
    here = os.getcwd()
    root.addHandler(handler)
    try:
        with (
            mock.patch.dict(os.environ, env, clear=True),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            os.chdir(cwd)
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's own refusals
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        os.chdir(here)
        root.removeHandler(handler)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


async def wire_inputs(make_image, **fields):
    """A validated request with its frames prepared, as `Provider.prepare` receives it."""
    from kling_ui.images import prepare_image
    from kling_ui.providers.base import Inputs
    from kling_ui.request import parse_request

    request = parse_request({"image": str(make_image()), "prompt": "Slow push in.", **fields})
    end = await prepare_image(request.end_image, field="end_image") if request.end_image else None
    return Inputs(request, await prepare_image(request.image), end)


async def poll_to_end(provider, request_id: str, limit: int = 100):
    """Ask for the status every second, by the provider's clock, until it is final."""
    from kling_ui.providers.base import Queued, Running

    for _ in range(limit):
        status = await provider.status(request_id)
        if not isinstance(status, (Queued, Running)):
            return status
        await provider.wait(request_id, 1.0)
    raise AssertionError(f"{request_id} never finished")


def form_payload(*, files=None, **values) -> list:
    """The studio's generate inputs, built by name (kling_ui.ui.form.form_input_names).

    `segments` is a list of (prompt, seconds); `keys` maps provider names to typed keys;
    other names are the form's own (start, end, prompt, duration, ...). File paths go
    through `files` (a page's upload; by default gradio_client's handle_file).
    """
    from gradio_client import handle_file

    files = files or (lambda path: handle_file(str(path)))
    from kling_ui.ui.form import form_input_names, key_input_name
    from kling_ui.ui.segments import MAX_ROWS

    segments = list(values.pop("segments", ()))
    keys = values.pop("keys", {})
    named = {
        "start": None,
        "end": None,
        "prompt": "Slow push in.",
        "duration": 3,
        "sound": False,
        "shot_type": "customize",
        "provider": "preview",
        "segment_count": len(segments),
    }
    for i in range(MAX_ROWS):
        text, seconds = segments[i] if i < len(segments) else ("", 3)
        named[f"segment_{i + 1}_prompt"], named[f"segment_{i + 1}_seconds"] = text, seconds
    for provider, key in keys.items():
        named[key_input_name(provider)] = key
    unknown = set(values) - set(form_input_names())
    assert not unknown, f"not form inputs: {sorted(unknown)}"
    named.update(values)
    for field in ("start", "end"):
        if named[field] is not None and not isinstance(named[field], dict):
            named[field] = files(named[field])
    return [named.get(name, "") for name in form_input_names()]
