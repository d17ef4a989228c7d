"""A public deployment: refusals reach the page, visitors are isolated, logs are redacted."""

from __future__ import annotations

import io
import logging
import os
import time
from pathlib import Path

import httpx
import pytest
from gradio_client import Client

from app import create_app
from kling_ui.config import Settings
from kling_ui.janitor import clean_upload_folder
from kling_ui.logs import RedactingFilter, setup_logging
from kling_ui.testing import FakeRunComfy, serve_on_loopback

from .conftest import RC_KEY, ROOT, form_payload

ASSET = str(ROOT / "assets" / "sunset_lake.jpg")
ERRORS, STATUS, VIDEO = 0, 2, 4  # /ui_generate outputs as a client sees them


@pytest.fixture(scope="module")
def public(tmp_path_factory):
    rc = FakeRunComfy(api_key=RC_KEY, queue_seconds=0.1, run_seconds=0.3)
    data = tmp_path_factory.mktemp("public") / "data"
    with serve_on_loopback(rc.app) as rc_url:
        settings = Settings(
            _env_file=None,
            data_dir=data,
            poll_interval=0.1,
            runcomfy_api_key=RC_KEY,
            runcomfy_base_url=rc_url,
            multi_user=True,
            mcp=False,
            byok_only=True,
            rate_limit="3/hour",
            max_upload_mb=1,
        )
        with serve_on_loopback(create_app(settings)) as url:
            yield {"url": url, "rc": rc, "settings": settings}


def generate(url: str, owner: str, *, provider="preview", key="", duration=3) -> list:
    client = Client(url, verbose=False)
    payload = form_payload(
        start=ASSET,
        prompt="Slow push in",
        duration=duration,
        provider=provider,
        keys={"runcomfy": key},
    )
    job = client.submit(owner, *payload, api_name="/ui_generate")
    job.result(timeout=60)
    shown: list = []
    for values in job.outputs():
        shown = shown or [None] * len(values)
        for i, value in enumerate(values):
            if not (isinstance(value, dict) and value.get("__type__") == "update"):
                shown[i] = value
    return shown


def history(url: str, owner: str) -> list[list[str]]:
    table, *_ = Client(url, verbose=False).predict(owner, None, api_name="/ui_history")
    return table["data"]


def test_byok_only_is_explained_on_the_page_and_nothing_is_sent(public):
    out = generate(public["url"], "visitor-byok", provider="runcomfy")
    assert "Please fix this before generating (nothing was sent)" in out[ERRORS]
    assert "This studio doesn't pay for generations" in out[ERRORS]
    assert public["rc"].calls == [] and history(public["url"], "visitor-byok") == []


def test_the_rate_limit_is_explained_on_the_page(public):
    for _ in range(3):
        assert "Done" in generate(public["url"], "visitor-busy")[STATUS]
    out = generate(public["url"], "visitor-busy")
    assert "You've started 3 generations in the last hour, the limit here" in out[ERRORS]
    assert len(history(public["url"], "visitor-busy")) == 3
    assert "Done" in generate(public["url"], "visitor-calm")[STATUS]  # others unaffected


def test_visitors_see_only_their_own_jobs_and_videos(public):
    url, settings = public["url"], public["settings"]
    out = generate(url, "visitor-a")
    [row] = history(url, "visitor-a")
    job_id = row[-1]
    assert job_id not in [r[-1] for r in history(url, "visitor-b")]
    b = Client(url, verbose=False)
    assert b.predict("visitor-b", job_id, "", "", api_name="/ui_cancel") == "Nothing to cancel."

    # The stored video is not servable by path; the page got a link of its own.
    [stored] = [p for p in settings.videos_dir.glob(f"*{job_id}.mp4")]
    refused = httpx.get(f"{url}/gradio_api/file={stored.resolve()}")
    assert refused.status_code == 403
    for secret in (settings.db_path, settings.data_dir / ".key-salt"):
        assert httpx.get(f"{url}/gradio_api/file={secret.resolve()}").status_code == 403
    published = Path(out[VIDEO])
    assert published.name == stored.name and str(stored.parent) not in str(published)


def test_uploads_over_the_limit_are_refused(public, tmp_path):
    big = tmp_path / "big.png"
    big.write_bytes(os.urandom(2 * 1024 * 1024))
    response = httpx.post(
        f"{public['url']}/gradio_api/upload",
        files={"files": ("big.png", big.read_bytes(), "image/png")},
    )
    assert response.status_code == 413


def test_log_lines_redact_keys(settings):
    canary = "canary-server-key-9c1e"
    settings = settings.with_provider("runcomfy", api_key=canary)
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        redactor = setup_logging(settings)
        stream = io.StringIO()
        root.handlers[0].stream = stream
        log = logging.getLogger("kling_ui.test")
        log.warning("sending with key %s", canary)
        log.warning("headers {'Authorization': 'Bearer %s'}", "visitor-typed-key-123456")
        log.warning("url https://x.test/?api_key=abcdef123456&x=1")
        try:
            raise RuntimeError(f"upstream echoed {canary}")
        except RuntimeError:
            log.exception("failed")
    finally:
        root.handlers[:], root.level = saved
    text = stream.getvalue()
    assert canary not in text and "visitor-typed-key-123456" not in text
    assert "abcdef123456" not in text
    assert text.count("***") >= 4 and "upstream echoed ***" in text
    assert isinstance(redactor, RedactingFilter)


def test_the_janitor_cleans_old_cache_files_but_never_history(tmp_path):
    cache = tmp_path / "gradio"
    data = cache / "inside-data-dir"  # a data dir someone put inside the cache folder
    history_video = data / "videos" / "kling-kept.mp4"
    history_video.parent.mkdir(parents=True)
    history_video.write_bytes(b"paid video")
    old_link_dir = cache / "kling-ui" / "token1"
    old_link_dir.mkdir(parents=True)
    old_link = old_link_dir / "kling-kept.mp4"
    os.link(history_video, old_link)
    fresh = cache / "abc" / "upload.png"
    fresh.parent.mkdir()
    fresh.write_bytes(b"new")
    stale = cache / "def" / "old-upload.png"
    stale.parent.mkdir()
    stale.write_bytes(b"old")
    day_ago = time.time() - 2 * 86400
    for path in (history_video, old_link, stale):
        os.utime(path, (day_ago, day_ago))
    removed = clean_upload_folder(cache, max_age=86400, protect_under=[data])
    assert removed == 2  # the stale upload and the old published link
    assert history_video.read_bytes() == b"paid video"
    assert fresh.exists() and not stale.exists() and not old_link.exists()
    assert not old_link_dir.exists()  # emptied folders go too
