"""History's "Add a job by its id" and the key's site, as the page uses them: its own queue
protocol (tests/pagedriver.py), a visitor's own key, owners kept apart."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from kling_ui.config import Settings
from kling_ui.server import create_app
from kling_ui.store import JobStore
from kling_ui.testing import FakeRunningHub, serve_on_loopback
from kling_ui.testing.clock import VirtualClock

from .conftest import RC_BASE, RC_KEY, RH_BASE, RH_KEY, HostRouter, eventually, fakes_on
from .pagedriver import Page
from .test_import import submit_directly

RH_CN = "https://www.runninghub-cn.test"
CN_KEY = "rh-china-key-0002"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The app with RunComfy's server key; RunningHub only with visitors' keys, on two
    sites (the international one at RH_BASE, the China one at RH_CN), each its own fake."""
    clock = VirtualClock()
    rc, rh = fakes_on(clock)
    cn = FakeRunningHub(api_key=CN_KEY, clock=clock)
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path_factory.mktemp("import") / "data",
        runcomfy_api_key=RC_KEY,
        runcomfy_base_url=RC_BASE,
        site_urls={"runninghub": {"global": RH_BASE, "cn": RH_CN}},
        multi_user=True,
        mcp=False,
    )
    router = HostRouter.to_fakes(rc, rh)
    router.transports[httpx.URL(RH_CN).host] = httpx.ASGITransport(app=cn.app)
    app = create_app(settings, transport=router, clock=clock)
    with serve_on_loopback(app) as url:
        yield {"url": url, "rh": rh, "cn": cn, "settings": settings, "router": router}


def add(page: Page, request_id: str, rh_key: str = "", site: str = "global") -> list:
    """Add a job by its id; inputs: owner, provider, id, the typed keys, the RunningHub site."""
    data = [page.token, "runninghub", request_id, "", rh_key, site]
    return page.fire("import-add", "click", data).shown()


def test_a_visitor_adds_a_job_by_its_id_and_only_they_see_it(stack):
    rh = stack["rh"]
    http = httpx.AsyncClient(transport=stack["router"])
    task_id = asyncio.run(submit_directly(http, "runninghub", RH_BASE, RH_KEY))
    submits, calls = rh.submits, len(rh.calls)
    mine, theirs = Page(stack["url"]), Page(stack["url"])

    # No key typed: nothing is sent, and the server's key is never used for it.
    said = add(mine, task_id)
    assert "Type your RunningHub key" in said[0] and len(rh.calls) == calls

    said = add(mine, task_id, RH_KEY)
    assert "Added as job" in said[0] and "nothing was submitted" in said[0]
    job_id = said[0].split("job ")[1].split(":")[0]
    assert [row[-1] for row in said[1]["data"]] == [job_id]

    store = JobStore(stack["settings"].db_path)
    done = eventually(lambda: (j := store.get(job_id)) and j.state == "succeeded" and j)
    assert done.request_id == task_id and rh.submits == submits
    assert RH_KEY not in said[0]

    # Another owner's History does not have it.
    other = add(theirs, task_id)
    assert other[1]["data"] == []
    assert "Added" not in other[0]
    store.close()


def test_a_wrong_or_unknown_id_is_said_in_the_visitors_language(stack):
    rh = stack["rh"]
    page = Page(stack["url"], headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    calls = len(rh.calls)
    said = add(page, "not-a-task", RH_KEY)
    assert "不是 RunningHub 的请求 ID" in said[0] and len(rh.calls) == calls
    said = add(page, "999999999", RH_KEY)
    assert "999999999" in said[0] and "未添加" in said[0]


def test_check_key_names_the_site_a_key_belongs_to(stack):
    page = Page(stack["url"])
    data = [page.token, "runninghub", "", CN_KEY, "global"]
    said = page.fire("check-key", "click", data).shown()[0]
    assert "China site (runninghub.cn)" in said and "choose that site" in said
    assert CN_KEY not in said
    data[-1] = "cn"
    said = page.fire("check-key", "click", data).shown()[0]
    assert said.startswith("✓") and "RunningHub: ready" in said
    assert stack["cn"].submits == 0


def test_a_visitor_generates_on_their_keys_own_site(stack, tmp_path):
    from kling_ui import assets

    from .conftest import form_payload

    page = Page(stack["url"])
    keys = {"runcomfy": "", "runninghub": CN_KEY}
    payload = form_payload(
        files=page.upload,
        start=assets.path("sunset_lake.jpg"),
        keys=keys,
        provider="runninghub",
        runninghub_region="cn",
    )
    submits = stack["cn"].submits
    shown = page.fire("generate", "click", [page.token, *payload]).shown()
    assert not shown[0], shown[0]  # no form errors
    store = JobStore(stack["settings"].db_path)
    job = eventually(lambda: next((j for j in store.list() if j.site == "cn"), None))
    done = eventually(lambda: (j := store.get(job.id)) and j.is_final and j)
    assert done.state == "succeeded" and done.request_id
    assert stack["cn"].submits == submits + 1
    store.close()


def test_the_key_site_choice_defaults_to_the_servers_site(stack):
    from tests.pagedriver import page_config

    config = page_config(stack["url"])
    radios = [
        c["props"] for c in config["components"] if c["props"].get("elem_id") == "runninghub-region"
    ]
    assert len(radios) == 1 and radios[0]["value"] == "global"
    assert [value for _, value in radios[0]["choices"]] == ["global", "cn"]
