"""The launched studio driven as its page drives it (and its API through gradio_client),
with fake providers on loopback."""

from __future__ import annotations

import logging
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from gradio_client import Client, handle_file

from kling_ui import assets, media
from kling_ui.config import Settings
from kling_ui.store import MIGRATIONS, JobStore
from kling_ui.testing.clock import VirtualClock
from kling_ui.ui.form import PROBLEM_SLOTS

from .conftest import (
    RC_BASE,
    RC_KEY,
    RH_BASE,
    RH_KEY,
    eventually,
    fakes_on,
    form_payload,
    serve_studio,
)
from .pagedriver import HTTP, tray_tick, until_ended
from .pagedriver import Page as PageDriver

ASSET = str(assets.path("sunset_lake.jpg"))
CANARY = "canary-key-7f3a9c1e55d2"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The app on loopback with both fakes in-process on its clock, shared by this module."""
    clock = VirtualClock()
    rc, rh = fakes_on(clock)
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path_factory.mktemp("app") / "data",
        runcomfy_api_key=RC_KEY,
        runcomfy_base_url=RC_BASE,
        runninghub_base_url=RH_BASE,  # no server key: RunningHub needs the visitor's
        multi_user=True,
        mcp=False,
        preview_short_side=360,  # 720 (the default) renders 4x slower; see test_preview
    )
    with serve_studio(settings, clock, rc, rh) as url:
        yield {"url": url, "rc": rc, "rh": rh, "settings": settings, "clock": clock}


class Page(PageDriver):
    """One browser tab: its server-signed owner token and the studio's page events."""

    def form(
        self,
        *,
        image=ASSET,
        end_image=None,
        runcomfy_key="",
        runninghub_key="",
        segments=(),
        **fields,
    ) -> list:
        keys = {"runcomfy": runcomfy_key, "runninghub": runninghub_key}
        payload = form_payload(
            files=self.upload,
            start=image,
            end=end_image,
            keys=keys,
            segments=segments,
            **fields,
        )
        return [self.token, *payload]

    def generate(self, **fields):
        event = self.fire("generate", "click", self.form(**fields))
        event.page = self  # final() follows the job through the tray's timer
        return event

    def history(self) -> list[list[str]]:
        table, *_ = self.fire(
            None, "tick", [self.token, None, None, None, "", "all", "all"]
        ).shown()
        return table["data"]

    def cancel(self, job_id: str) -> str:
        return self.fire("cancel", "click", [self.token, job_id, "", ""]).shown()[0]

    def tray_tick(self) -> list:
        return tray_tick(self)


# outputs of the page's generate event (the job id is a State: the page never sees it)
ERRORS, JOB, CONTINUE_NOTE, STATUS, DETAILS, VIDEO = range(6)
SPEND = 9  # "Spent today", after the card's buttons
TICK_PANEL = 3  # where the tray's tick shows the panel: after the tray's own outputs


def said(shown: list) -> str:
    """Every problem the page shows after Generate: each by its field (the boxes after the
    card's outputs), the rest in the errors box."""
    boxes = len(set(PROBLEM_SLOTS.values()))  # Generate's last outputs, one per part
    parts = (str(shown[i] or "") for i in (ERRORS, *range(len(shown) - boxes, len(shown))))
    return "\n".join(part for part in parts if part)


def job_id_of(shown: list) -> str:
    # Ids are machine facts: they live in Details, never on the job card.
    assert not re.search(r"`[0-9a-f]{12}`", shown[STATUS]), shown[STATUS]
    return re.search(r"\*\*Job id:\*\* `([0-9a-f]{12})`", shown[DETAILS]).group(1)


def final(job, timeout=60) -> list:
    """What the page shows at the end: Generate's outputs, then the tray's ticks applied
    in turn until the job has ended, as the browser shows them."""
    shown = job.shown(timeout)
    assert job.error is None, job.error
    page = getattr(job, "page", None)
    return until_ended(page, shown, timeout) if page is not None else shown


def test_the_page_says_what_this_visitor_spent_today_and_keeps_their_own_limit(stack):
    page = Page(stack["url"])
    out = final(page.generate(provider="runcomfy", duration=4))
    assert said(out) == "" and "Done" in out[STATUS], said(out)
    assert out[SPEND] == "Spent today: $0.45."  # 4 s at $0.112/s, from the ledger
    paid = stack["rc"].submits
    refused = final(page.generate(provider="runcomfy", duration=4, own_limit=0.8))
    assert "Your own daily limit ($0.80) would be passed: $0.45 spent today" in said(refused)
    assert stack["rc"].submits == paid  # refused before anything was sent
    assert final(Page(stack["url"]).generate())[SPEND] == ""  # another visitor: nothing


def test_a_full_generation_on_the_offline_preview(stack, tmp_path):
    page = Page(stack["url"])
    out = final(page.generate(duration=3, sound=True))
    assert said(out) == ""
    assert "Done" in out[STATUS] and "Offline preview" in out[STATUS]
    info = media.probe(page.download(out[VIDEO], tmp_path))
    assert abs(info.duration - 3) < 0.05 and info.has_audio and info.height == 360
    assert "- **Cost:** free (offline preview)" in out[DETAILS]


@pytest.mark.parametrize("provider", ["runcomfy", "runninghub"])
def test_a_full_generation_on_each_fake_provider(stack, provider, tmp_path):
    fake = stack["rc" if provider == "runcomfy" else "rh"]
    before = fake.submits
    page = Page(stack["url"])
    out = final(
        page.generate(provider=provider, duration=4, runninghub_key=RH_KEY, segments=[("wide", 4)])
    )
    assert said(out) == "", said(out)
    assert "Done" in out[STATUS] and job_id_of(out) in out[DETAILS]
    assert media.probe(page.download(out[VIDEO], tmp_path)).duration == pytest.approx(4, abs=0.1)
    assert fake.submits == before + 1
    assert "Request id" in out[DETAILS]


def test_the_page_generates_with_the_chosen_model(stack):
    fake = stack["rh"]
    before = len(fake.calls_to("submit"))
    page = Page(stack["url"])
    out = final(
        page.generate(
            provider="runninghub", model="kling-video-o3-std", duration=3, runninghub_key=RH_KEY
        )
    )
    assert said(out) == "", said(out)
    assert "Done" in out[STATUS] and "RunningHub, Kling O3 Standard" in out[STATUS]
    assert "- **Model:** Kling O3 Standard" in out[DETAILS]
    [call] = fake.calls_to("submit")[before:]
    assert call["path"] == "/openapi/v2/kling-video-o3-std/image-to-video"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"image": None}, "Start frame is required"),
        ({"prompt": "   "}, "Prompt is empty"),
        ({"prompt": "x" * 2501}, "Prompt is 2,501 characters; the limit is 2,500."),
        (
            # The clip is as long as its segments, up to the longest clip there is.
            {"duration": 5, "segments": [("a", 6), ("b", 6), ("c", 6)]},
            "Segments add up to 18 s but the clip is 15 s",
        ),
        ({"duration": 6, "segments": [("", 3), ("b", 3)]}, "Segment 1 prompt is empty"),
        (
            {"duration": 6, "end_image": ASSET, "segments": [("a", 3), ("b", 3)]},
            "An end frame can't be combined with segments",
        ),
        ({"image": "TEXT_NAMED_PNG"}, "isn't an image we can read"),
        ({"provider": "runninghub"}, "RunningHub needs an API key"),
    ],
)
def test_every_validation_message_reaches_the_page_and_nothing_is_sent(
    stack, fields, message, tmp_path
):
    if fields.get("image") == "TEXT_NAMED_PNG":
        fields = {**fields, "image": str(tmp_path / "notes.png")}
        Path(fields["image"]).write_text("not pixels")
    calls = len(stack["rc"].calls) + len(stack["rh"].calls)
    page = Page(stack["url"])
    jobs_before = len(page.history())
    out = final(page.generate(**fields))
    assert "Please fix this before generating (nothing was sent)" in said(out)
    assert message in said(out)
    assert "_API_KEY" not in said(out)  # words for people: no setting names in the page
    assert len(stack["rc"].calls) + len(stack["rh"].calls) == calls
    assert len(page.history()) == jobs_before


def test_a_tiny_image_is_refused_with_its_size(stack, make_image):
    out = final(Page(stack["url"]).generate(image=str(make_image((200, 150)))))
    assert "Start frame is 200x150; each side must be at least 300 px." in said(out)


def test_cancel_a_queued_job(stack):
    page, rc = Page(stack["url"]), stack["rc"]
    rc.queue_seconds = 60
    try:
        with stack["clock"].frozen():  # queued while the cancel is sent
            job = page.generate(provider="runcomfy")
            eventually(lambda: any(r for r in page.history() if "Queued" in r[1]))
            job_id = page.history()[0][-1]
            message = page.cancel(job_id)
    finally:
        rc.queue_seconds = 2
    assert "Canceled on RunComfy." in message
    out = final(job)
    assert "Canceled" in out[STATUS]


def test_history_survives_a_reload_and_stays_private(stack):
    first = Page(stack["url"])
    out = final(first.generate(prompt="Remember me"))
    reloaded = Page(stack["url"], first.token)  # a new connection, same browser
    rows = reloaded.history()
    assert rows[0][-1] == job_id_of(out) and "Remember me" in rows[0][4] and "Done" in rows[0][1]
    stranger = Page(stack["url"])
    assert job_id_of(out) not in [r[-1] for r in stranger.history()]
    assert stranger.cancel(job_id_of(out)) == "Nothing to cancel."


def test_two_clients_at_once_both_get_their_videos(stack):
    # How long they take together is a benchmark figure (bench: simultaneous generations).
    pages = [Page(stack["url"]) for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda p: final(p.generate(provider="runcomfy")), pages))
    assert all("Done" in r[STATUS] for r in results)
    assert job_id_of(results[0]) != job_id_of(results[1])


def test_the_public_api_generates_and_validates(stack):
    client = Client(stack["url"], verbose=False)
    video = client.predict(
        handle_file(ASSET),
        "slow push in",
        None,
        3,
        False,
        "customize",
        [{"prompt": "wide", "duration": 3}],
        "preview",
        api_name="/generate",
    )
    assert media.probe(video).duration == pytest.approx(3, abs=0.05)
    with pytest.raises(Exception, match="duration must be a whole number of seconds from 3 to 15"):
        client.predict(
            handle_file(ASSET),
            "p",
            None,
            30,
            False,
            "customize",
            [],
            "preview",
            api_name="/generate",
        )
    api = client.view_api(return_format="dict", print_info=False)
    assert list(api["named_endpoints"]) == ["/generate"]  # the studio's own events stay private


def test_a_canary_key_appears_nowhere(stack, caplog):
    rh = stack["rh"]
    rh.api_key = CANARY  # the fake accepts the visitor's key
    page = Page(stack["url"])
    responses: list[str] = []
    try:
        with caplog.at_level(logging.DEBUG):
            out = final(page.generate(provider="runninghub", runninghub_key=CANARY))
            responses.append(repr(out))
            responses.append(repr(page.history()))
            bad = final(page.generate(provider="runninghub", runninghub_key=CANARY + "x"))
            responses.append(repr(bad))
    finally:
        rh.api_key = RH_KEY
    assert "Done" in out[STATUS]
    assert "refused the key" in said(bad) and "not charged" in said(bad)  # no job made
    config = HTTP.get(f"{stack['url']}/config").text
    info = HTTP.get(f"{stack['url']}/gradio_api/info").text
    settings = stack["settings"]
    db = b"".join(p.read_bytes() for p in settings.data_dir.glob("jobs.sqlite3*"))
    sidecars = "".join(p.read_text() for p in settings.videos_dir.glob("*.json"))
    logs = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    for where, text in [
        ("responses", "".join(responses)),
        ("/config", config),
        ("/info", info),
        ("store", db.decode("latin-1")),
        ("sidecars", sidecars),
        ("logs", logs),
    ]:
        assert CANARY not in text, f"the key leaked into {where}"
    assert any(
        c["headers"].get("authorization") == f"Bearer {CANARY}" for c in rh.calls_to("submit")
    )  # it was really used


def test_the_store_file_is_a_valid_sqlite_db_after_all_this(stack):
    store = JobStore(stack["settings"].db_path)
    assert store.version == len(MIGRATIONS) and store.list(limit=1000)
    with sqlite3.connect(stack["settings"].db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.close()


def test_jobs_survive_the_tab_closing(stack):
    page, rc = Page(stack["url"]), stack["rc"]
    rc.run_seconds = 60
    try:
        with stack["clock"].frozen():  # unfinished when the tab closes
            job = page.generate(provider="runcomfy")
            eventually(page.history)
            job.close()  # closing the tab: the page stops listening to the event
            reopened = Page(stack["url"], page.token)
            assert "Done" not in reopened.history()[0][1]
        eventually(lambda: "Done" in reopened.history()[0][1])
    finally:
        rc.run_seconds = 5


def test_the_app_starts_and_resumes_jobs_left_running(tmp_path):
    """A job left 'running' by a previous process is finished by the next app start."""
    from kling_ui.store import JobRecord

    clock = VirtualClock()
    rc, rh = fakes_on(clock)
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        runcomfy_api_key=RC_KEY,
        runcomfy_base_url=RC_BASE,
        mcp=False,
    )
    # A previous process submitted and recorded the job, then died.
    request = {"image": "https://x.test/a.jpg", "prompt": "p", "duration": 3}
    request_id = rc.create_job(request, duration=3, sound=False).id
    store = JobStore(settings.db_path)
    store.insert(
        JobRecord(
            id="leftover0001",
            owner="local",
            provider="runcomfy",
            request={
                **request,
                "sound": False,
                "shot_type": "customize",
                "end_image": None,
                "multi_prompt": [],
            },
            state="running",
            request_id=request_id,
            submitted_at=clock.now(),
        )
    )
    with serve_studio(settings, clock, rc, rh):
        eventually(lambda: store.get("leftover0001").state == "succeeded")
    assert rc.submits == 0  # the app never sent it again
    assert Path(store.get("leftover0001").video_path).exists()
    store.close()


def test_check_key_and_check_again_from_the_page(stack):
    page = Page(stack["url"])
    report = page.fire(
        "check-key", "click", [page.token, "runninghub", "", "wrong-key", None]
    ).shown()
    assert "RunningHub refused the key" in report[0]
    report = page.fire("check-key", "click", [page.token, "runninghub", "", RH_KEY, None]).shown()
    assert "RunningHub: ready" in report[0] and "¥" in report[0]
    rc = stack["rc"]
    rc.expire_results = True  # the video link fails: paid, not saved
    try:
        out = final(page.generate(provider="runcomfy"))
        assert "Paid on RunComfy, not saved here yet" in out[STATUS]
    finally:
        rc.expire_results = False
    page.fire("check-again", "click", [page.token, None, "", ""]).shown()
    # It asks and returns; the tray's timer shows the video saved once it is.
    eventually(lambda: "Done" in (page.tray_tick()[TICK_PANEL] or ""))
    assert RH_KEY not in repr(report) and "wrong-key" not in repr(report)


def test_check_key_on_the_page_never_shows_the_servers_account(tmp_path):
    """A Space with the operator's RunningHub key: a visitor's empty field reads nothing,
    and key checks are counted by network address (a fresh page token starts no new count)."""
    clock = VirtualClock()
    rc, rh = fakes_on(clock)
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        runninghub_api_key=RH_KEY,
        runninghub_base_url=RH_BASE,
        multi_user=True,
        mcp=False,
    )
    with serve_studio(settings, clock, rc, rh) as url:
        page = Page(url)
        said = page.fire("check-key", "click", [page.token, "runninghub", "", "", None]).shown()
        assert "type" in said[0].lower() and "¥" not in said[0], said[0]
        assert rh.calls_to("account") == []
        for n in range(10):
            tab = Page(url)  # a new browser each time, from the same address
            said = tab.fire("check-key", "click", [tab.token, "runninghub", "", f"k{n}", None])
            assert "refused the key" in said.shown()[0]
        said = page.fire("check-key", "click", [page.token, "runninghub", "", RH_KEY, None]).shown()
        assert said[0].startswith("Too many key checks") and "¥" not in said[0]
        assert len(rh.calls_to("account")) == 10
