"""RunningHub's two sites: a key refused by one is tried (free account call) on the other,
and doctor / Check key name the site it belongs to and how to use it. Each site is a fake
of its own on a host of its own, knowing only its own accounts' keys."""

from __future__ import annotations

import json

import httpx
import pytest

from kling_ui.config import Settings, load_settings
from kling_ui.doctor import check_provider
from kling_ui.errors import ConfigError
from kling_ui.jobs import JobManager
from kling_ui.owners import Owners
from kling_ui.service import OPERATOR, Caller, Studio
from kling_ui.services import Services
from kling_ui.store import JobStore
from kling_ui.testing import FakeRunningHub, serve_on_loopback
from kling_ui.trash import Trash

from .conftest import RH_BASE, RH_KEY, ROOT, HostRouter, cli_env, cli_here, until

RH_CN = "https://www.runninghub-cn.test"
CN_KEY = "rh-china-key-0002"


@pytest.fixture
def sites(clock):
    """The international site knows RH_KEY, the China site CN_KEY."""
    return {
        "global": FakeRunningHub(api_key=RH_KEY, clock=clock),
        "cn": FakeRunningHub(api_key=CN_KEY, clock=clock),
    }


@pytest.fixture
async def http(sites):
    router = HostRouter({httpx.URL(RH_BASE).host: sites["global"].app})
    router.transports[httpx.URL(RH_CN).host] = httpx.ASGITransport(app=sites["cn"].app)
    async with httpx.AsyncClient(transport=router, timeout=5.0) as client:
        yield client


def two_sites(settings: Settings, **changes) -> Settings:
    urls = {"runninghub": {"global": RH_BASE, "cn": RH_CN}}
    return settings.model_copy(update={"site_urls": urls, **changes})


@pytest.mark.parametrize(
    ("here", "key", "belongs"), [("global", CN_KEY, "cn"), ("cn", RH_KEY, "global")]
)
@pytest.mark.parametrize(
    "refusal",
    [
        {"code": 802, "msg": "API key unauthorized"},
        {"code": 9999, "msg": "APIKEY_USER_NOT_FOUND"},  # an answer this app doesn't know
    ],
)
async def test_a_key_of_the_other_site_is_named_with_the_setting_to_use(
    settings, http, sites, here, key, belongs, refusal
):
    sites[here].key_refusal = refusal
    base = RH_BASE if here == "global" else RH_CN
    settings = two_sites(settings).with_provider("runninghub", api_key=key, base_url=base)
    report = await check_provider("runninghub", settings, http)

    assert not report.ready and report.site == belongs
    assert f"RUNNINGHUB_REGION={belongs}" in report.message
    site_name = {"cn": "runninghub.cn", "global": "runninghub.ai"}[belongs]
    assert site_name in report.message and key not in report.message
    assert [c["route"] for c in sites[here].calls] == ["account"]
    assert [c["route"] for c in sites[belongs].calls] == ["account"]
    assert sites["global"].submits == sites["cn"].submits == 0


async def test_a_key_neither_site_knows_is_refused_as_before(settings, http, sites):
    settings = two_sites(settings).with_provider("runninghub", api_key="nobodys-key")
    report = await check_provider("runninghub", settings, http)
    assert not report.ready and report.site is None
    assert "RunningHub refused the key" in report.message
    assert len(sites["cn"].calls) == 1  # asked once, for free


async def test_a_proxy_base_url_is_not_probed_around(settings, http, sites):
    # A base URL of the operator's own is no region: nothing is sent to other hosts.
    settings = settings.with_provider("runninghub", api_key=CN_KEY)  # RH_BASE, no sites
    report = await check_provider("runninghub", settings, http)
    assert report.site is None and sites["cn"].calls == []


def studio_on(settings: Settings, http: httpx.AsyncClient, clock) -> Studio:
    """The service over both sites, its jobs on the test clock."""
    jobs = JobManager(settings, JobStore(settings.db_path), http, clock=clock)
    owners = Owners(settings.data_dir, multi_user=True)
    return Studio(Services(settings, jobs.store, http, jobs, owners, http, Trash(jobs)))


async def close(studio: Studio) -> None:
    await studio.services.jobs.aclose()
    studio.services.store.close()


async def test_a_visitors_check_key_names_the_choice_beside_the_key(settings, http, sites, clock):
    studio = studio_on(two_sites(settings), http, clock)
    visitor = Caller("v", address="a")
    said = await studio.check_key(visitor, "runninghub", CN_KEY)
    assert said.startswith("⚠") and "China site (runninghub.cn)" in said
    assert "beside your key" in said and "RUNNINGHUB_REGION" not in said  # not the server's
    chosen = await studio.check_key(visitor, "runninghub", CN_KEY, region="cn")
    assert chosen.startswith("✓") and "¥35.20" in chosen
    assert await studio.check_key(OPERATOR, "runcomfy", None)  # other providers unchanged
    await close(studio)


async def test_a_job_on_the_keys_own_site_runs_and_resumes_there(
    settings, http, sites, clock, make_image
):
    settings = two_sites(settings)
    studio = studio_on(settings, http, clock)
    own = Caller("v", address="a", visitor=False)  # a local frame: not a page's visitor
    fields = {"image": str(make_image()), "prompt": "Slow push in.", "duration": 3}
    job = await studio.generate(own, fields, provider="runninghub", api_key=CN_KEY, region="cn")
    assert job.site == "cn"
    await until(studio.services.jobs, job.id, lambda j: j.request_id is not None)
    await close(studio)  # a restart while the China site runs it

    studio = studio_on(settings, http, clock)
    assert await studio.resume(own, job.id, api_key=CN_KEY)
    done = await until(studio.services.jobs, job.id, lambda j: j.is_final)
    assert done.state == "succeeded" and done.site == "cn"
    assert sites["cn"].submits == 1 and sites["global"].submits == 0
    # The server's key always runs at the server's site, whatever the page's choice.
    assert studio._own_site("runninghub", None, "cn") is None
    await close(studio)


def test_a_region_setting_picks_the_site_and_a_wrong_one_is_refused():
    settings = Settings(_env_file=None, RUNNINGHUB_REGION="cn")
    assert settings.base_url("runninghub") == "https://www.runninghub.cn"
    assert settings.region("runninghub") == "cn"
    assert Settings(_env_file=None).base_url("runninghub") == "https://www.runninghub.ai"
    with pytest.raises(ConfigError, match="RUNNINGHUB_REGION"):
        load_settings(_env_file=None, RUNNINGHUB_REGION="eu")


def test_doctor_names_the_site_a_key_belongs_to(tmp_path, clock):
    world = FakeRunningHub(api_key=RH_KEY, clock=clock)
    china = FakeRunningHub(api_key=CN_KEY, clock=clock)
    with serve_on_loopback(world.app) as world_url, serve_on_loopback(china.app) as cn_url:
        env = cli_env(
            tmp_path / "data",
            RUNNINGHUB_API_KEY=CN_KEY,
            KLING_UI_INTERNAL_SITE_URLS=json.dumps(
                {"runninghub": {"global": world_url, "cn": cn_url}}
            ),
        )
        run = cli_here("doctor", env=env, cwd=ROOT)
        assert run.returncode != 0
        assert "belongs to the China site (runninghub.cn)" in run.stdout
        assert "set RUNNINGHUB_REGION=cn" in run.stdout and CN_KEY not in run.stdout
        env["RUNNINGHUB_REGION"] = "cn"
        fixed = cli_here("doctor", env=env, cwd=ROOT)
        assert fixed.returncode == 0, fixed.stdout + fixed.stderr
        assert "RunningHub: ready" in fixed.stdout
    assert world.submits == china.submits == 0
