"""A public deployment: refusals reach the page, visitors are isolated, logs are redacted."""

from __future__ import annotations

import io
import logging
import os
import re
import time
from pathlib import Path

import pytest
from gradio.utils import get_upload_folder
from gradio_client import Client

from kling_ui import assets, media
from kling_ui.config import Settings
from kling_ui.janitor import clean_upload_folder
from kling_ui.logs import RedactingFilter, setup_logging
from kling_ui.server import create_app
from kling_ui.testing import serve_on_loopback
from kling_ui.testing.clock import VirtualClock

from .conftest import RC_BASE, RC_KEY, fakes_on, form_payload, serve_studio
from .pagedriver import HTTP, Page, until_ended

ASSET = str(assets.path("sunset_lake.jpg"))
ERRORS, STATUS, DETAILS, VIDEO = 0, 3, 4, 5  # outputs of the page's generate event
PROBLEMS = 11  # then the problems said by their fields


def said(shown: list) -> str:
    parts = (str(shown[i] or "") for i in (ERRORS, *range(PROBLEMS, len(shown))))
    return "\n".join(part for part in parts if part)


@pytest.fixture(scope="module")
def public(tmp_path_factory):
    clock = VirtualClock()
    rc, rh = fakes_on(clock)
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path_factory.mktemp("public") / "data",
        runcomfy_api_key=RC_KEY,
        runcomfy_base_url=RC_BASE,
        multi_user=True,
        mcp=False,
        byok_only=True,
        rate_limit="3/hour",
        preview_short_side=360,  # renders 4x faster than the default 720
        trusted_proxies="127.0.0.1",  # the tests stand in for a proxy that names visitors
        max_upload_mb=1,
    )
    with serve_studio(settings, clock, rc, rh) as url:
        yield {"url": url, "rc": rc, "settings": settings}


def visitor(url: str, address: str = "203.0.113.5", token: str | None = None) -> Page:
    """A browser behind the proxy the deployment trusts, which names its address."""
    return Page(url, token, headers={"X-Forwarded-For": address})


def generate(page: Page, *, provider="preview", key="", duration=3, prompt="Slow push in"):
    payload = form_payload(
        files=page.upload,
        start=ASSET,
        prompt=prompt,
        duration=duration,
        provider=provider,
        keys={"runcomfy": key},
    )
    return until_ended(page, page.fire("generate", "click", [page.token, *payload]).shown())


def job_of(shown: list) -> str:
    # Ids are machine facts: they live in Details, not on the job card.
    return re.search(r"\*\*Job id:\*\* `([0-9a-f]{12})`", shown[DETAILS]).group(1)


def history(page: Page) -> list[list[str]]:
    table, *_ = page.fire(None, "tick", [page.token, None, None, None, "", "all", "all"]).shown()
    return table["data"]


def test_byok_only_is_explained_on_the_page_and_nothing_is_sent(public):
    page = visitor(public["url"], "203.0.113.1")
    out = generate(page, provider="runcomfy")
    assert "Please fix this before generating (nothing was sent)" in said(out)
    assert "This studio doesn't pay for generations" in said(out)
    assert public["rc"].calls == [] and history(page) == []


def test_the_rate_limit_is_explained_on_the_page(public):
    busy = visitor(public["url"], "203.0.113.2")
    for take in range(3):
        assert "Done" in generate(busy, prompt=f"take {take}")[STATUS]
    out = generate(busy, prompt="take 4")
    assert "You've started 3 generations in the last hour, the limit here" in said(out)
    assert len(history(busy)) == 3
    # A fresh browser id from the same address is still the same visitor.
    again = visitor(public["url"], "203.0.113.2")
    assert again.token != busy.token
    assert "the limit here" in said(generate(again, prompt="take 5"))
    # Nor through the Story tab: its shots count against the same address.
    made = again.fire("story-preview", "click", story_payload(again)).shown()
    follow = again.then_of("story-preview", "click")  # the run, followed after the click
    story = again.fire_index(follow["id"], [again.token, made[2]]).shown()
    assert "the limit here" in story[0] and "Shot 1" in story[0]
    assert len(history(again)) == 0
    calm = visitor(public["url"], "203.0.113.3")
    assert "Done" in generate(calm)[STATUS]  # others unaffected


def story_payload(page: Page) -> list:
    """The Story tab's inputs: one 3 s shot on the preview (see ui/story_tab.py)."""
    from kling_ui.shots import MAX_SHOTS

    start = page.upload(ASSET)
    shots = [1, "wide", *[""] * (MAX_SHOTS - 1), *[3] * MAX_SHOTS, *[False] * MAX_SHOTS]
    shots += [None] * MAX_SHOTS + [""] * MAX_SHOTS  # own frames, timed prompts
    # owner, story id, provider, cross-fade, confirm, start frame, shots, story name, keys
    return [page.token, None, "preview", False, False, start, *shots, "", "", ""]


def test_visitors_see_only_their_own_jobs_and_videos(public):
    url, settings = public["url"], public["settings"]
    a = visitor(url, "203.0.113.4")
    out = generate(a)
    [row] = history(a)
    job_id = row[-1]
    b = visitor(url, "203.0.113.4")
    assert job_id not in [r[-1] for r in history(b)]
    cancel = b.fire("cancel", "click", [b.token, job_id, "", ""]).shown()
    assert cancel[0] == "Nothing to cancel."

    # The stored video is not servable by path; the page got a link of its own.
    [stored] = [p for p in settings.videos_dir.glob(f"*{job_id}.mp4")]
    refused = HTTP.get(f"{url}/gradio_api/file={stored.resolve()}")
    assert refused.status_code == 403
    for secret in (settings.db_path, settings.data_dir / ".key-salt"):
        assert HTTP.get(f"{url}/gradio_api/file={secret.resolve()}").status_code == 403
    published = Path(out[VIDEO]["path"])
    assert published.name == stored.name and str(stored.parent) not in str(published)
    # Nor the studio's traffic: a mounted Gradio app serves every event's name, count and
    # timings at /monitoring/summary unless its monitoring is turned off.
    assert HTTP.get(f"{url}/monitoring/summary").status_code == 403


def test_uploads_over_the_limit_are_refused(public, tmp_path):
    big = tmp_path / "big.png"
    big.write_bytes(os.urandom(2 * 1024 * 1024))
    response = HTTP.post(
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
    for path in (history_video, old_link, stale, old_link_dir):
        os.utime(path, (day_ago, day_ago))
    removed = clean_upload_folder(cache, max_age=86400, protect_under=[data])
    assert removed == 2  # the stale upload and the old published link
    assert history_video.read_bytes() == b"paid video"
    assert fresh.exists() and not stale.exists() and not old_link.exists()
    assert not old_link_dir.exists()  # emptied folders go too


def test_page_events_cannot_be_called_by_name(public):
    url = public["url"]
    for route in ("call", "run", "api", "call/v2"):
        for name in ("generate_1", "cancel", "tick", "delete", "restore", "keep_or_issue"):
            answer = HTTP.post(f"{url}/gradio_api/{route}/{name}", json={"data": []})
            assert answer.status_code == 404, (route, name, answer.text)
    client = Client(url, verbose=False)
    with pytest.raises(ValueError, match="Cannot find a function"):
        client.predict(api_name="/cancel")
    assert list(client.view_api(return_format="dict", print_info=False)["named_endpoints"]) == [
        "/generate"
    ]


def test_a_forged_owner_gets_nothing_by_fn_index(public):
    """Anyone can post to the queue by fn_index; only a token this server signed owns jobs."""
    url, store = public["url"], None
    owner_page = visitor(url, "203.0.113.6")
    out = generate(owner_page)
    [row] = history(owner_page)
    job_id = row[-1]
    from kling_ui.store import JobRecord, JobStore

    store = JobStore(public["settings"].db_path)
    store.insert(  # an operator's CLI job: never visible to web visitors
        JobRecord(id="cli000000001", owner="local", provider="preview", request={"p": 1})
    )
    owner_id = store.get(job_id).owner
    try:
        attacker = visitor(url, "203.0.113.7")
        forged = [None, "local", owner_id, owner_id + ".AAAA", "api-0123456789abcdef", "b-x.y"]
        for token in forged:
            listed = attacker.fire(None, "tick", [token, None, None, None, "", "all", "all"])
            assert listed.shown()[0]["data"] == [], token
            for button in ("cancel", "history-confirm", "history-restore", "history-open"):
                event = attacker.fire(button, "click", [token, job_id, "", ""][: _arity(button)])
                event.result()
                assert event.error and "reload" in event.error, (button, token, event.error)
            story = attacker.fire("story-preview", "click", [token, *story_payload(attacker)[1:]])
            story.result()
            assert story.error and "reload" in story.error, (token, story.error)
        assert store.get(job_id).state == "succeeded" and store.get("cli000000001")
        assert out[STATUS] and "Done" in out[STATUS]
    finally:
        store.close()


def _arity(button: str) -> int:
    return 4 if button == "cancel" else 2


def test_a_double_click_on_generate_pays_once(public):
    page, rc = visitor(public["url"], "203.0.113.8"), public["rc"]
    before = rc.submits
    payload = form_payload(
        files=page.upload,
        start=ASSET,
        prompt="Twice",
        duration=3,
        provider="runcomfy",
        keys={"runcomfy": RC_KEY},  # the visitor's own: this studio pays for nothing
    )
    first = page.fire("generate", "click", [page.token, *payload])
    second = page.fire("generate", "click", [page.token, *payload])
    a, b = first.shown(), second.shown()
    assert job_of(a) == job_of(b)  # both clicks are shown the one job
    assert "Done" in until_ended(page, b)[STATUS]
    assert rc.submits == before + 1  # one paid request to the provider, not two
    assert len(history(page)) == 1


def test_a_private_run_shows_one_person_every_job_the_clis_too(tmp_path):
    from kling_ui.store import JobRecord, JobStore

    settings = Settings(_env_file=None, data_dir=tmp_path / "data", multi_user=False, mcp=False)
    store = JobStore(settings.db_path)
    store.insert(JobRecord(id="cli000000002", owner="local", provider="preview", request={}))
    with serve_on_loopback(create_app(settings)) as url:
        page = Page(url)
        assert page.token == "local"
        assert [r[-1] for r in history(page)] == ["cli000000002"]
    store.close()


class _Peer:
    def __init__(self, host: str, forwarded: str | None = None) -> None:
        self.client = type("Client", (), {"host": host})()
        self.headers = {"X-Forwarded-For": forwarded} if forwarded else {}


def test_forwarded_addresses_are_believed_only_from_named_proxies(tmp_path):
    from kling_ui.owners import Owners

    owners = Owners(tmp_path, multi_user=True, trusted_proxies="10.0.0.1, 192.168.0.0/24")
    assert owners.client_address(_Peer("10.0.0.1", "198.51.100.7")) == "198.51.100.7"
    # A chain: the right-most address that is not a trusted proxy is the caller.
    chain = "6.6.6.6, 198.51.100.7, 192.168.0.9"
    assert owners.client_address(_Peer("10.0.0.1", chain)) == "198.51.100.7"
    # From anyone else the header is the caller's own claim: ignored.
    assert owners.client_address(_Peer("127.0.0.1", "198.51.100.7")) == "127.0.0.1"
    assert owners.client_address(_Peer("203.0.113.1", "10.0.0.1")) == "203.0.113.1"
    spaces = Owners(tmp_path, multi_user=True, on_spaces=True)
    assert spaces.client_address(_Peer("10.20.0.3", "93.184.216.34")) == "93.184.216.34"
    assert spaces.client_address(_Peer("8.8.8.8", "93.184.216.34")) == "8.8.8.8"
    # The same address is the same caller for rate limits, under any browser id.
    assert owners.caller(_Peer("10.0.0.1", "198.51.100.7")) == owners.caller(
        _Peer("10.0.0.1", "1.2.3.4, 198.51.100.7")
    )


def test_owner_tokens_are_signed_and_not_transferable(tmp_path):
    from kling_ui.owners import Owners

    owners = Owners(tmp_path / "a", multi_user=True)
    token = owners.issue()
    assert owners.verify(token) == token.rpartition(".")[0]
    assert owners.keep_or_issue(token) == token
    other_server = Owners(tmp_path / "b", multi_user=True)
    assert other_server.verify(token) is None
    # A changed signature (always a change: a fixed "xx" was the real ending 1 run in 4096).
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert owners.verify(forged) is None
    assert owners.keep_or_issue("local") != "local"


def test_history_clicks_reuse_one_link_and_delete_revokes_it(public, tmp_path):
    url = public["url"]
    page = visitor(url, "203.0.113.9")
    out = generate(page, prompt="Link me")
    [row] = history(page)
    job_id = row[-1]
    link = out[VIDEO]
    assert HTTP.get(link["url"]).status_code == 200
    # Handing the video out again (history clicks) gives the same link, not a new copy.
    from kling_ui.links import publish

    stored = public["settings"].videos_dir.glob(f"*{job_id}.mp4")
    [video] = list(stored)
    links = {publish(video) for _ in range(3)}
    assert links == {link["path"]}
    # Delete: the link stops serving at once, though the file was a hard link.
    page.select_row("history-table", row).result()
    deleted = page.fire("history-confirm", "click", [page.token, job_id])
    deleted.result()
    assert deleted.error is None, deleted.error
    assert HTTP.get(link["url"]).status_code in (403, 404)
    assert not Path(link["path"]).exists() and not video.exists()
    assert history(page) == []
    # Another visitor can't bring it back; its owner can, video and all.
    other = visitor(url, "203.0.113.10")
    stolen = other.fire("history-restore", "click", [other.token, job_id])
    stolen.result()
    assert stolen.error and "can no longer be restored" in stolen.error
    restored = page.fire("history-restore", "click", [page.token, job_id])
    restored.result()
    assert restored.error is None, restored.error
    assert [r[-1] for r in history(page)] == [job_id] and video.exists()
    assert media.probe(video).duration > 0


def test_the_janitor_keeps_a_link_handed_out_in_the_last_hour_of_an_old_video(
    tmp_path, monkeypatch
):
    from kling_ui import links

    cache = tmp_path / "gradio"
    old_video = tmp_path / "data" / "videos" / "kling-old.mp4"
    old_video.parent.mkdir(parents=True)
    old_video.write_bytes(b"paid long ago")
    day_ago = time.time() - 3 * 86400
    os.utime(old_video, (day_ago, day_ago))
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(cache))
    link = Path(links.publish(old_video))
    assert link.is_relative_to(cache)
    assert clean_upload_folder(cache, max_age=86400) == 0 and link.exists()
    hour_and_a_bit_ago = time.time() - 2 * 86400
    os.utime(link.parent, (hour_and_a_bit_ago, hour_and_a_bit_ago))
    assert clean_upload_folder(cache, max_age=86400) == 1 and not link.exists()
    assert old_video.exists()


@pytest.mark.parametrize("path", ["/etc/passwd", "/proc/self/environ", "/dev/zero", "relative.png"])
def test_server_files_cannot_be_used_as_frames(public, path):
    page = visitor(public["url"], "203.0.113.10")
    forged = {"path": path, "meta": {"_type": "gradio.FileData"}}
    payload = form_payload(files=lambda _: forged, start="x", prompt="Steal")
    cache = Path(get_upload_folder())
    before = {p.name for p in cache.rglob("*")} if cache.exists() else set()
    started = time.monotonic()
    event = page.fire("generate", "click", [page.token, *payload])
    event.result(timeout=20)
    assert time.monotonic() - started < 10  # /dev/zero is never read
    assert event.error and "not uploaded by a user" in event.error
    assert "root:" not in repr(event.states) and "PATH=" not in repr(event.states)
    assert history(page) == []
    leaked = {p.name for p in cache.rglob("*")} - before
    assert not any(name in ("passwd", "environ", "zero") for name in leaked)


def test_a_data_dir_path_that_is_not_a_frame_is_refused_with_the_field(tmp_path):
    from kling_ui.errors import InputError
    from kling_ui.uploads import allowed_source

    data = tmp_path / "data"
    (data / "inputs").mkdir(parents=True)
    kept = data / "inputs" / "job-start.jpg"
    kept.write_bytes(b"x")
    assert allowed_source({"path": str(kept)}, field="image", data_dir=data) == str(kept)
    link = data / "inputs" / "sneaky.jpg"
    link.symlink_to("/etc/passwd")  # a link inside an allowed folder still points out
    for value in (str(link), "/etc/passwd", "../data/x.jpg", "/tmp/../etc/passwd"):
        with pytest.raises(InputError, match="End frame: upload the image here"):
            allowed_source(value, field="end_image", data_dir=data)
    assert allowed_source("https://example.com/a.jpg", field="image", data_dir=data)


def test_the_upload_folder_is_gradios_own(monkeypatch, tmp_path):
    """uploads.py follows Gradio's rule without importing Gradio: the two never differ."""
    from gradio.utils import get_upload_folder as gradios

    from kling_ui.uploads import get_upload_folder

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "cache"))
    assert get_upload_folder() == gradios() == str(tmp_path / "cache")
    monkeypatch.delenv("GRADIO_TEMP_DIR")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)  # gettempdir() reads TMPDIR again
    assert get_upload_folder() == gradios() == str((tmp_path / "gradio").resolve())


def test_the_api_refuses_server_files_too(public):
    """A raw call (gradio_client would upload its own local file instead)."""
    url = public["url"]
    forged = {"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}
    data = [forged, "p", None, 3, False, "customize", [], "preview"]
    cache = Path(get_upload_folder())
    before = set(cache.rglob("passwd"))
    joined = HTTP.post(f"{url}/gradio_api/call/generate", json={"data": data})
    event_id = joined.json()["event_id"]
    answer = HTTP.get(f"{url}/gradio_api/call/generate/{event_id}", timeout=20).text
    assert "event: error" in answer and "root:" not in answer
    assert set(cache.rglob("passwd")) == before  # never copied into the cache


def test_delete_revokes_every_link_of_the_job(public):
    """Video, sidecar, clean last frame, thumbnail, start frame and the continue frame: each
    one published as the page does, each one gone (and 404) the moment the job is deleted."""
    from kling_ui.jobfiles import JobFiles
    from kling_ui.links import publish
    from kling_ui.store import JobStore

    url, settings = public["url"], public["settings"]
    page = visitor(url, "203.0.113.21")
    generate(page, prompt="Every link")
    [row] = history(page)  # shows the thumbnail, made on first sight
    job_id = row[-1]
    note = page.fire("continue", "click", [page.token, job_id]).shown()
    assert "last frame" in note[-1]
    store = JobStore(settings.db_path)
    files = JobFiles.of(store.get(job_id), settings.inputs_dir)
    store.close()
    sources = [files.video, files.sidecar, files.last_frame, files.thumbnail]
    sources += files.kept_inputs()  # the start frame and the continue frame
    assert files.continue_frame in sources and all(s.is_file() for s in sources), sources
    links = [Path(publish(source)) for source in sources]
    for link in links:
        assert HTTP.get(f"{url}/gradio_api/file={link}").status_code == 200, link
    page.select_row("history-table", row).result()
    deleted = page.fire("history-confirm", "click", [page.token, job_id])
    deleted.result()
    assert deleted.error is None, deleted.error
    for link in links:
        assert not link.exists(), link
        assert HTTP.get(f"{url}/gradio_api/file={link}").status_code in (403, 404), link


def test_every_answer_carries_the_security_headers_and_the_space_may_frame_it(public):
    url = public["url"]
    page = visitor(url, "203.0.113.31")
    out = generate(page, prompt="Headers")
    answers = {
        "page": HTTP.get(url),
        "config": HTTP.get(f"{url}/config"),
        "video": HTTP.get(out[VIDEO]["url"]),
        "missing": HTTP.get(f"{url}/no-such-page"),
    }
    for name, answer in answers.items():
        headers = answer.headers
        assert headers.get("x-content-type-options") == "nosniff", name
        assert headers.get("referrer-policy") == "strict-origin-when-cross-origin", name
        assert "x-frame-options" not in headers, name  # a Space shows it in an iframe
        policy = dict(
            part.strip().split(" ", 1)
            for part in headers.get("content-security-policy", "").split(";")
            if part.strip()
        )
        ancestors = policy.get("frame-ancestors", "").split()
        assert {"https://huggingface.co", "https://*.hf.space"} <= set(ancestors), name
        assert "*" not in ancestors and policy.get("object-src") == "'none'", name
    assert answers["page"].status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/openapi.json",
        "/gradio_api/openapi.json",
        "/docs",
        "/redoc",
        "/docs/oauth2-redirect",
        "/gradio_api/docs",
    ],
)
def test_no_api_schema_or_docs_pages_are_served(public, path):
    answer = HTTP.get(public["url"] + path)
    assert answer.status_code == 404, (path, answer.status_code)
    assert answer.headers.get("x-content-type-options") == "nosniff"
