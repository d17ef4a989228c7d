"""In a real browser: a visitor's RunningHub key of the China site, its site chosen beside the
key, and a job made elsewhere added in History by its id, its video saved."""

from __future__ import annotations

import httpx
import pytest

from kling_ui import models
from kling_ui.config import Settings
from kling_ui.server import create_app
from kling_ui.testing import FakeRunningHub, serve_on_loopback

from .test_browser import CHROMIUM, LAUNCH_ARGS, expect, open_studio, shot, sync_api

pytestmark = pytest.mark.browser

CN_KEY = "rh-china-key-0002"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    world = FakeRunningHub(api_key="rh-world-key-0001", queue_seconds=0.2, run_seconds=0.5)
    china = FakeRunningHub(api_key=CN_KEY, queue_seconds=0.2, run_seconds=0.5)
    with serve_on_loopback(world.app) as world_url, serve_on_loopback(china.app) as cn_url:
        settings = Settings(
            _env_file=None,
            data_dir=tmp_path_factory.mktemp("browser-import") / "data",
            poll_interval=0.2,
            poll_interval_max=0.5,
            site_urls={"runninghub": {"global": world_url, "cn": cn_url}},
            multi_user=True,
            mcp=False,
            allow_private_downloads=True,  # the fakes' video links are on loopback
        )
        with serve_on_loopback(create_app(settings)) as url:
            yield {"url": url, "china": china, "cn_url": cn_url}


def made_elsewhere(base: str) -> str:
    """A task sent straight to the China site, as its own web page would."""
    offer = models.offer("runninghub", models.DEFAULT_MODEL)
    body = {
        "firstImageUrl": "https://pictures.example.test/start.jpg",
        "prompt": "From elsewhere",
        "duration": 3,
        "sound": False,
        "multiShot": False,
    }
    answer = httpx.post(
        f"{base}/openapi/v2/{offer.endpoint}",
        json=body,
        headers={"Authorization": f"Bearer {CN_KEY}"},
    )
    return answer.json()["taskId"]


def test_a_china_site_key_checks_and_adds_a_job_by_its_id(stack):
    task_id = made_elsewhere(stack["cn_url"])
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(20_000)
        open_studio(page, stack["url"])

        page.wait_for_selector("body[data-keys-restored]", state="attached")
        page.locator("#keys").get_by_text("Your API keys").click()
        page.locator("#runninghub-key input").fill(CN_KEY)
        page.locator("#runninghub-key input").press("Tab")
        page.locator("#provider").get_by_text("RunningHub", exact=False).click()
        page.locator("#check-key").click()
        expect(page.locator("#key-report")).to_contain_text("China site (runninghub.cn)")
        page.locator("#runninghub-region").get_by_text("China (runninghub.cn)").click()
        page.locator("#check-key").click()
        expect(page.locator("#key-report")).to_contain_text("RunningHub: ready")

        page.get_by_role("tab", name="History").click()
        page.locator("#import-job").get_by_text("Add a job by its id").click()
        page.locator("#import-provider input").click()
        page.get_by_role("option", name="RunningHub").click()
        page.locator("#import-request-id textarea, #import-request-id input").first.fill(task_id)
        page.locator("#import-add").click()
        expect(page.locator("#import-note")).to_contain_text("Added as job")
        expect(page.locator("#history-cards .tray-card", has_text="Done")).to_have_count(
            1, timeout=30_000
        )
        shot(page, "history-import")
        browser.close()
    assert stack["china"].submits == 1  # only the one made elsewhere
    assert CN_KEY not in page_text_never_has_key(stack)


def page_text_never_has_key(stack) -> str:
    """The page's source as any visitor gets it: never a key."""
    return httpx.get(stack["url"]).text
