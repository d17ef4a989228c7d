"""Waiting well: learned finish times, polls around them, trouble shown, "check now"."""

from __future__ import annotations

import asyncio
import time

import pytest

from kling_ui import assets
from kling_ui.eta import PollPlan, expect, next_delay, summarize
from kling_ui.providers.factory import create_provider
from kling_ui.request import parse_request
from kling_ui.store import JobRecord
from kling_ui.testing import Fault


def finished_job(i: int, seconds: float, *, duration=5, sound=False, provider="runcomfy"):
    now = time.time() - 1000 + i
    return JobRecord(
        id=f"done{i:08d}",
        owner="local",
        provider=provider,
        request={"duration": duration, "sound": sound},
        state="succeeded",
        submitted_at=now,
        finished_at=now + seconds,
    )


def test_the_expected_time_is_learned_per_kind_of_job(manager):
    store = manager.store
    assert expect(store, "runcomfy", 7, False).samples == 0  # a default before any history
    for i, seconds in enumerate([100, 110, 120, 130, 140]):
        store.insert(finished_job(i, seconds))
    store.insert(finished_job(9, 400, duration=10))  # another kind: not counted
    learned = expect(store, "runcomfy", 5, False)
    assert learned.seconds == 120 and learned.samples == 5
    assert 0.1 < learned.spread < 0.2
    assert expect(store, "runninghub", 5, False).samples == 0


def test_polls_gather_around_the_expected_end_and_back_off_after():
    plan = PollPlan(shortest=1.0, longest=30.0, late_longest=15.0)
    delays, t, previous = [], 0.0, 1.0
    while t < 260:
        previous = next_delay(t, 180.0, 0.08, previous, plan)
        delays.append((t, previous))
        t += previous
    near = [d for at, d in delays if abs(at - 180) < 10]
    far = [d for at, d in delays if 20 < at < 120]
    late = [d for at, d in delays if at > 230]
    assert near and max(near) <= 1.5
    assert far and min(far) > 5
    assert late and late[-1] > near[0]
    # A job ending when expected costs fewer checks than a fixed 5 s poller's.
    assert len([at for at, _ in delays if at <= 180]) < 180 / 5


def test_a_small_sample_is_not_trusted_to_be_regular():
    assert summarize([100.0, 100.0], 200.0).spread >= 0.15
    assert summarize([100.0], 200.0).seconds == 200.0


async def test_a_silent_provider_shows_trouble_until_it_answers(manager, make_image, fake_rc):
    fake_rc.inject("status", Fault.server_error(503), times=5)
    request = parse_request({"image": str(make_image()), "prompt": "p", "duration": 3})
    job = await manager.submit(request, provider="runcomfy")
    seen_trouble = False
    async for update in manager.watch(job.id):
        seen_trouble = seen_trouble or update.trouble_since is not None
    final = manager.store.get(job.id)
    assert seen_trouble and final.trouble_since is None
    assert final.state == "succeeded" and fake_rc.submits == 1


async def test_check_now_asks_at_once(settings, client, clock, make_image, fake_rc):
    from kling_ui.jobs import JobManager
    from kling_ui.store import JobStore

    from .conftest import until

    slow = settings.model_copy(update={"poll_interval": 20.0, "poll_interval_max": 30.0})
    store = JobStore(slow.db_path)
    jobs = JobManager(slow, store, client, clock=clock)
    fake_rc.queue_seconds, fake_rc.run_seconds = 0.0, 5.0
    request = parse_request({"image": str(make_image()), "prompt": "p", "duration": 3})
    with clock.frozen():  # time moves only by hand: nothing but check_now can wake the run
        job = await jobs.submit(request, provider="runcomfy")
        await until(jobs, job.id, lambda j: j.state == "running")
        clock.advance(5)  # done upstream; the next scheduled check is 20 s away
        assert store.get(job.id).expected_at is not None
        assert jobs.check_now(job.id)
        done = await asyncio.wait_for(jobs.wait(job.id), timeout=10)
    assert done.state == "succeeded" and len(fake_rc.calls_to("status")) == 2
    assert not jobs.check_now(job.id)  # nothing follows it any more
    await jobs.aclose()
    store.close()


def test_a_runninghub_callback_rings_the_doorbell_and_the_job_is_found_at_once(tmp_path):
    from kling_ui.config import Settings
    from kling_ui.server import create_app
    from kling_ui.testing import FakeRunningHub, serve_on_loopback

    from .conftest import RH_KEY
    from .pagedriver import HTTP, Page, until_ended

    # Real time, over real sockets: the provider's callback reaches the app on loopback.
    rh = FakeRunningHub(api_key=RH_KEY, queue_seconds=0.0, run_seconds=0.2)
    with serve_on_loopback(rh.app) as rh_url:
        settings = Settings(
            _env_file=None,
            data_dir=tmp_path / "data",
            runninghub_api_key=RH_KEY,
            runninghub_base_url=rh_url,
            poll_interval=20.0,  # without the doorbell the first check after the start
            poll_interval_max=30.0,  # would come many seconds after the job is done
            mcp=False,
            allow_private_downloads=True,  # the fakes' video links are on loopback
        )
        with serve_on_loopback(create_app(settings)) as url:
            settings.public_url = url
            page = Page(url)
            started = time.monotonic()
            payload = _payload(page, assets.path("sunset_lake.jpg"))
            shown = page.fire("generate", "click", [page.token, *payload]).shown(timeout=30)
            shown = until_ended(page, shown, timeout=30)
            assert "Done" in shown[3], shown[3]
            assert time.monotonic() - started < 8
            [call] = rh.calls_to("submit")
            assert call["json"]["webhookUrl"].startswith(f"{url}/kling-ui/doorbell/")
            forged = call["json"]["webhookUrl"].rsplit("/", 1)[0] + "/" + "0" * 32
            assert HTTP.post(forged).status_code == 404


def _payload(page, image):
    from .conftest import form_payload

    return form_payload(files=page.upload, start=image, provider="runninghub", duration=3)


async def test_a_stopped_pause_between_checks_stops_even_as_it_is_woken(settings, client):
    # Cancelled (the app shutting down) just as a callback wakes it, the pause must still
    # stop: Python 3.11's asyncio.wait_for would return normally and poll on.
    for name in ("runcomfy", "preview"):
        provider = create_provider(name, settings=settings, client=client)
        wake = asyncio.Event()
        pause = asyncio.create_task(provider.wait("some-request", 5.0, wake))
        await asyncio.sleep(0)  # one turn of the loop: the pause starts waiting
        wake.set()
        pause.cancel()
        with pytest.raises(asyncio.CancelledError):
            await pause


def test_the_first_guess_is_each_providers_own_typical_time():
    """Before any job of a kind finished here, the time left comes from the provider's own
    figure (eta.TYPICAL): a 10 s RunComfy clip that took 94 s was once announced as "about
    3 min" by a one-for-all guess (issue #28)."""
    from kling_ui.eta import default_seconds
    from kling_ui.ui.present import time_left_text

    first = default_seconds("runcomfy", 10, False)
    assert 80 <= first <= 110 and time_left_text(first) == "about 2 min left"
    assert default_seconds("runninghub", 10, False) != first  # each its own figure
    assert default_seconds("preview", 10, False) < 10
