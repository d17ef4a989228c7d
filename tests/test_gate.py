"""The gate in front of the page's events: a signed token and a budget before any work."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from kling_ui.config import Settings
from kling_ui.gate import Gate, TooBusy
from kling_ui.owners import Owners
from kling_ui.server import create_app
from kling_ui.service import OPERATOR, Studio
from kling_ui.services import Services
from kling_ui.testing import serve_on_loopback
from kling_ui.testing.memory import MB, PeakRSS
from kling_ui.testing.pictures import blank_png

from .pagedriver import Page, page_config


@pytest.fixture(scope="module")
def huge_png(tmp_path_factory) -> Path:
    """59 MP, just under the 60 MP limit: a page that may decode it, does (~180 MB)."""
    path = tmp_path_factory.mktemp("huge") / "big.png"
    path.write_bytes(blank_png(7680, 7680))
    return path


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    data = tmp_path_factory.mktemp("gate") / "data"
    settings = Settings(
        _env_file=None,
        data_dir=data,
        multi_user=True,
        mcp=False,
        preview_short_side=360,
        trusted_proxies="127.0.0.1",
    )
    with serve_on_loopback(create_app(settings)) as url:
        yield {"url": url, "settings": settings}


def every_event_with(page: Page, frame: dict, token: str | None) -> list:
    """Every page event, fired at once by its index, with `frame` in each image input and
    `token` as the owner; the public API (keyless by design: it has no page) is left out."""
    config = page_config(page.url)
    kinds = {c["id"]: c["type"] for c in config["components"]}
    events = []
    for dep in config["dependencies"]:
        if not dep.get("backend_fn") or dep.get("api_visibility") == "public":
            continue
        data = []
        for component in dep["inputs"]:
            kind = kinds.get(component)
            data.append(frame if kind == "image" else token if kind == "browserstate" else None)
        events.append(page.fire_index(dep["id"], data, trigger=dep["targets"][0][0]))
    return events


@pytest.mark.parametrize("token", [None, "b-0123456789abcdef01234567.AAAAAAAAAAAAAAAAAAAAAAAA"])
def test_no_page_event_decodes_a_huge_frame_for_a_caller_without_a_token(
    served, huge_png: Path, token
):
    """Done when (issue 26): every page event called without a valid owner token with a
    59 MP PNG grows the server's memory by less than 300 MB in all, and nothing is decoded
    or cropped. Before the gate the frame checks and the crop decoded it: ~0.7 GB each."""
    page = Page(served["url"], token="", headers={"X-Forwarded-For": "203.0.113.40"})
    frame = page.upload(huge_png)
    with PeakRSS() as memory:
        events = every_event_with(page, frame, token)
        for event in events:
            event.result(timeout=30)
    assert memory.grown < 300 * MB, f"grew {memory.grown / MB:.0f} MB"
    crops = served["settings"].inputs_dir / "crops"
    assert not crops.exists() or not any(crops.rglob("*.png"))


def address(host: str) -> SimpleNamespace:
    """What the gate reads of an HTTP request: the peer's address."""
    return SimpleNamespace(client=SimpleNamespace(host=host), headers={})


@pytest.fixture
def public_studio(settings: Settings, manager, client):
    """The service as a public deployment sees it: owners from signed tokens."""
    settings = settings.model_copy(update={"image_limit": "3/minute"})
    owners = Owners(settings.data_dir, multi_user=True)
    return Studio(Services(settings, manager.store, client, manager, owners, client, None))


async def test_frame_checks_and_crops_have_their_own_small_budget(public_studio, make_image):
    studio, frame = public_studio, str(make_image((1280, 720)))
    caller = studio.page_caller(studio.page_token(None), address("203.0.113.50"))
    for _ in range(3):
        assert await studio.frame_report(caller, frame, None, 0) == ""
    with pytest.raises(TooBusy):
        await studio.crop(caller, frame, 1.0, "image")
    # A fresh token from the same address is the same visitor: no fresh budget.
    again = studio.page_caller(studio.page_token(None), address("203.0.113.50"))
    with pytest.raises(TooBusy):
        await studio.frame_report(again, frame, None, 0)
    assert not (studio.settings.inputs_dir / "crops").exists()
    # Another visitor, and events that decode nothing, go on.
    other = studio.page_caller(studio.page_token(None), address("203.0.113.51"))
    assert await studio.frame_report(other, frame, None, 0) == ""
    assert studio.page_caller(studio.page_token(None), address("203.0.113.50")) is not None


def test_every_event_spends_from_one_budget_per_address_and_owner():
    clock = [0.0]
    settings = Settings(_env_file=None, event_limit="2/minute")
    gate = Gate(settings, clock=lambda: clock[0])
    first = SimpleNamespace(owner="b-1", address="a1", operator=False)
    gate.admit(first)
    gate.admit(SimpleNamespace(owner="b-2", address="a1", operator=False))  # new token
    with pytest.raises(TooBusy):
        gate.admit(SimpleNamespace(owner="b-3", address="a1", operator=False))
    gate.admit(SimpleNamespace(owner="b-4", address="a2", operator=False))
    clock[0] = 30.0  # one event back per 30 s
    gate.admit(first)
    with pytest.raises(TooBusy):
        gate.admit(first)
    for _ in range(10):  # the operator's CLI is never counted
        gate.admit(SimpleNamespace(owner="local", address=None, operator=True))


async def test_frames_are_decoded_a_few_at_a_time_whoever_asks(settings, client, make_image):
    """With one image thread busy, a frame check waits its turn instead of decoding beside it."""
    from kling_ui.jobs import JobManager
    from kling_ui.store import JobStore

    settings = settings.model_copy(update={"image_workers": 1})
    store = JobStore(settings.db_path)
    manager = JobManager(settings, store, client)
    studio = Studio(
        Services(
            settings,
            store,
            client,
            manager,
            Owners(settings.data_dir, multi_user=False),
            client,
            None,
        )
    )
    release = threading.Event()
    busy = asyncio.ensure_future(studio.images.run(release.wait, 10))
    check = asyncio.ensure_future(studio.frame_report(OPERATOR, str(make_image()), None, 0))
    await asyncio.sleep(0.3)
    assert not check.done()  # waiting for the one thread
    release.set()
    assert await asyncio.wait_for(check, 5) == "" and await busy
    await manager.aclose()
    store.close()
