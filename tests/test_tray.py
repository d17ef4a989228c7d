"""The job tray's service rules: several jobs in flight up to a limit (page and API share it),
Retry and "make it on Kling" from a stored request, and a Cancel offered only where it works."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from gradio.utils import get_upload_folder

from kling_ui.errors import KlingUIError
from kling_ui.service import OPERATOR, Caller
from kling_ui.spending import InFlightRefused
from kling_ui.state import JobState
from kling_ui.ui.tray import cards_html

from .conftest import until


def visitor(owner: str = "b-tray", address: str = "addr-tray") -> Caller:
    return Caller(owner, address=address)


async def fields(make_image, prompt: str = "A slow push in over the lake") -> dict:
    """A visitor's fields: the frame as an upload (visitors may hand in nothing else)."""
    frame = make_image()
    upload = Path(get_upload_folder()) / "test-tray" / frame.name
    upload.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(frame, upload)
    return {"image": str(upload), "prompt": prompt, "duration": 3}


async def test_a_visitor_may_have_four_jobs_in_flight_and_is_told_at_the_fifth(
    studio, make_image, fake_rc, clock
):
    caller = visitor()
    with clock.frozen():  # all four stay in flight while the fifth is asked for
        jobs = [
            await studio.generate(
                caller, await fields(make_image, f"shot {n}"), provider="runcomfy"
            )
            for n in range(4)
        ]
        with pytest.raises(InFlightRefused) as refused:
            await studio.generate(caller, await fields(make_image, "shot 5"), provider="runcomfy")
        assert "4 jobs in flight" in refused.value.user_message
        # The same address with a fresh browser id is the same visitor.
        with pytest.raises(InFlightRefused):
            await studio.generate(
                visitor(owner="b-fresh"), await fields(make_image, "x"), provider="preview"
            )
        # Another visitor is not held by this one's jobs; the operator's CLI never is.
        other = await studio.generate(
            visitor("b-other", "addr-other"), await fields(make_image), provider="runcomfy"
        )
        assert other.owner == "b-other"
    assert len({job.id for job in jobs}) == 4
    for job in jobs:
        await until(studio.services.jobs, job.id, lambda j: j.is_final)
    again = await studio.generate(caller, await fields(make_image, "shot 5"), provider="runcomfy")
    assert again.id not in {job.id for job in jobs}


async def test_the_limit_is_a_setting(studio, make_image, clock):
    studio.settings.max_in_flight = 1
    with clock.frozen():
        await studio.generate(visitor(), await fields(make_image), provider="preview")
        with pytest.raises(InFlightRefused, match="You have a job in flight, and one at a time"):
            await studio.generate(visitor(), await fields(make_image, "two"), provider="preview")


async def test_retry_sends_the_failed_jobs_exact_request_once(studio, make_image, fake_rc):
    caller = visitor()
    fake_rc.fail_next_job()
    first = await studio.generate(caller, await fields(make_image), provider="runcomfy")
    failed = await until(studio.services.jobs, first.id, lambda j: j.is_final)
    assert failed.state == JobState.FAILED
    submits = fake_rc.submits
    again = await studio.retry(caller, failed.id)
    done = await until(studio.services.jobs, again.id, lambda j: j.is_final)
    assert done.state == JobState.SUCCEEDED and again.id != failed.id
    assert fake_rc.submits == submits + 1
    bodies = [c["json"] for c in fake_rc.calls_to("submit")]
    assert bodies[-1] == bodies[-2]  # the very same settings, frames included
    assert done.request == failed.request | {"image": done.request["image"]}


async def test_a_preview_is_made_on_kling_with_its_exact_settings(studio, make_image, fake_rc):
    caller = visitor()
    preview = await studio.generate(
        caller, await fields(make_image, "The ladder"), provider="preview"
    )
    preview = await until(studio.services.jobs, preview.id, lambda j: j.is_final)
    real = await studio.remake(caller, preview.id, "runcomfy", "kling-video-o3-std")
    real = await until(studio.services.jobs, real.id, lambda j: j.is_final)
    assert real.provider == "runcomfy" and real.model == "kling-video-o3-std"
    assert fake_rc.submits == 1
    keep = ("prompt", "duration", "sound", "shot_type", "multi_prompt", "end_image")
    assert {k: real.request[k] for k in keep} == {k: preview.request[k] for k in keep}


async def test_a_paid_step_already_taken_is_not_offered_again(studio, make_image, fake_rc):
    """Retry and "make it on Kling" leave a card once their job is under way or made: one more
    click would pay twice for one clip. A retry that came to nothing offers Retry again."""
    caller = visitor()

    fake_rc.fail_next_job()
    first = await studio.generate(caller, await fields(make_image), provider="runcomfy")
    failed = await until(studio.services.jobs, first.id, lambda j: j.is_final)
    assert "Retry · about" in tray_card(studio, caller, failed)
    fake_rc.fail_next_job()
    again = await studio.retry(caller, failed.id)
    await until(studio.services.jobs, again.id, lambda j: j.is_final)
    assert "Retry · about" in tray_card(studio, caller, failed)  # that one failed too
    third = await studio.retry(caller, failed.id)
    await until(studio.services.jobs, third.id, lambda j: j.is_final)
    shown = tray_card(studio, caller, failed)
    assert "Retry" not in shown and "Made again" in shown

    preview = await studio.generate(caller, await fields(make_image, "Up"), provider="preview")
    preview = await until(studio.services.jobs, preview.id, lambda j: j.is_final)
    assert "Make it on Kling" in tray_card(studio, caller, preview, "runcomfy")
    await studio.remake(caller, preview.id, "runcomfy", "kling-video-o3-std")
    shown = tray_card(studio, caller, preview, "runcomfy")
    assert "Make it on Kling" not in shown and "Made again" in shown


def tray_card(studio, caller, job, chosen=None) -> str:
    """`job`'s card as the tray draws it, beside the owner's other jobs."""
    drawn = cards_html(studio, studio.jobs(caller), "en", None, chosen)
    start = drawn.index(f'data-job="{job.id}"')
    end = drawn.find("</li>", start)
    return drawn[start:end]


async def test_nobody_retries_or_remakes_another_owners_job(studio, make_image, fake_rc):
    job = await studio.generate(visitor(), await fields(make_image), provider="preview")
    stranger = visitor("b-stranger", "addr-stranger")
    for attempt in (
        studio.retry(stranger, job.id),
        studio.remake(stranger, job.id, "runcomfy", "kling-video-o3-pro"),
    ):
        with pytest.raises(KlingUIError, match="not available"):
            await attempt
    assert fake_rc.submits == 0
    assert studio.jobs(stranger) == []


async def test_cancel_is_offered_only_where_it_can_work(studio, make_image, fake_rc, fake_rh):
    from kling_ui.records import JobRecord

    def job(provider: str, state: JobState, sent: bool = True) -> JobRecord:
        return JobRecord(
            id="x", owner="o", provider=provider, request={}, state=state,
            request_id="r1" if sent else None,
        )  # fmt: skip

    assert studio.can_cancel(job("runcomfy", JobState.QUEUED))
    assert not studio.can_cancel(job("runcomfy", JobState.RUNNING))  # "not_cancellable"
    assert not studio.can_cancel(job("runninghub", JobState.QUEUED))  # no cancel at all
    assert studio.can_cancel(job("runninghub", JobState.SUBMITTING, sent=False))
    assert studio.can_cancel(job("preview", JobState.RUNNING))
    assert not studio.can_cancel(job("runcomfy", JobState.SUCCEEDED))
    assert studio.usage_url(job("runcomfy", JobState.FAILED)).startswith("https://")
    assert studio.usage_url(job("preview", JobState.FAILED)) == ""
    assert OPERATOR.operator


def test_the_in_flight_limit_holds_for_the_page_and_the_api_alike(tmp_path, clock):
    """Two jobs in flight from one visitor: a third is refused in words on the page, and
    through the public API from the same address, before anything is sent."""
    from gradio_client import Client, handle_file

    from kling_ui import assets
    from kling_ui.config import Settings

    from .conftest import RC_BASE, RC_KEY, fakes_on, form_payload, serve_studio
    from .pagedriver import Page

    rc, rh = fakes_on(clock)
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        runcomfy_api_key=RC_KEY,
        runcomfy_base_url=RC_BASE,
        multi_user=True,
        mcp=False,
        max_in_flight=2,
    )
    frame = str(assets.path("sunset_lake.jpg"))
    with serve_studio(settings, clock, rc, rh) as url, clock.frozen():
        page = Page(url)

        def generate(prompt: str) -> list:
            payload = form_payload(files=page.upload, start=frame, prompt=prompt, duration=3,
                                   provider="runcomfy")  # fmt: skip
            return page.fire("generate", "click", [page.token, *payload]).shown()

        assert generate("one")[0] == "" and generate("two")[0] == ""
        refused = generate("three")
        assert "You have 2 jobs in flight, the most at once here" in refused[0]
        assert rc.submits == 2
        client = Client(url, verbose=False)
        args = (handle_file(frame), "four", None, 3, False, "customize", [], "runcomfy")
        with pytest.raises(Exception, match="2 jobs in flight"):
            client.predict(*args, api_name="/generate")
        assert rc.submits == 2
        # A card's actions check the owner: another browser can't retry or cancel them.
        first = re.search(r"\*\*Job id:\*\* `([0-9a-f]{12})`", generate("one")[4]).group(1)
        stranger = Page(url)
        for act in ("cancel", "retry", "remake-runcomfy-kling-video-o3-pro", "show"):
            event = stranger.fire(
                "tray", "select", [stranger.token, "runcomfy", None, "", ""],
                event_data={"index": 0, "value": f"{act}:{first}", "selected": True},
            )  # fmt: skip
            event.result()
            assert event.error and "not available" in event.error, (act, event.error)
        assert rc.submits == 2 and rc.calls_to("cancel") == []
