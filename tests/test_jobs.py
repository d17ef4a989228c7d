"""JobManager against the fake providers: nothing paid for is lost, nothing is sent twice."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from kling_ui import media
from kling_ui.errors import ConfigError, InputError
from kling_ui.jobs import JobManager
from kling_ui.request import parse_request
from kling_ui.service import OPERATOR, Studio
from kling_ui.services import Services
from kling_ui.store import JobStore
from kling_ui.testing import Fault
from kling_ui.ui.present import status_markdown

from .conftest import RC_KEY, RH_KEY, until

PROVIDERS = ["runcomfy", "runninghub"]


def fake_for(name, fake_rc, fake_rh):
    return fake_rc if name == "runcomfy" else fake_rh


def status_route(name):
    return "status" if name == "runcomfy" else "query"


async def generate(manager, make_image, provider="runcomfy", **fields):
    request = parse_request({"image": str(make_image()), "prompt": "Slow push in.", **fields})
    job = await manager.submit(request, provider=provider)
    return await asyncio.wait_for(manager.wait(job.id), timeout=30)


def assert_saved(job, duration=5, sound=False):
    assert job.state == "succeeded", job.error_message
    path = Path(job.video_path)
    info = media.probe(path)
    assert abs(info.duration - duration) < 0.2 and info.has_audio is sound
    assert job.probe["duration"] == pytest.approx(info.duration)
    sidecar = json.loads(path.with_suffix(".json").read_text())
    assert sidecar["request_id"] == job.request_id and sidecar["job_id"] == job.id
    assert sidecar["parameters"]["duration"] == duration
    return sidecar


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_job_is_submitted_once_and_its_video_saved(
    manager, make_image, fake_rc, fake_rh, provider
):
    job = await generate(manager, make_image, provider, duration=4, sound=True)
    sidecar = assert_saved(job, duration=4, sound=True)
    fake = fake_for(provider, fake_rc, fake_rh)
    assert fake.submits == 1 and list(fake.jobs) == [job.request_id]
    assert job.cost is not None and job.cost > 0 and sidecar["cost_is_estimate"] is False
    assert job.finished_at >= job.submitted_at >= job.created_at
    for value in (RC_KEY, RH_KEY):
        assert value not in json.dumps(sidecar)
        assert value not in manager.store.path.read_bytes().decode("latin-1")


async def test_the_store_says_submitting_before_the_submit_arrives(manager, make_image, fake_rc):
    seen = []
    original = fake_rc._do_submit

    async def spy(request, call, offer):
        seen.extend(j.state for j in manager.store.list())
        return await original(request, call, offer)

    fake_rc._do_submit = spy
    await generate(manager, make_image)
    assert seen == ["submitting"]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    "fault",
    [
        Fault.server_error(503),
        Fault.rate_limited(0.1),
        Fault.malformed(),
        Fault.slow(0.3),
    ],
    ids=["5xx", "429-retry-after", "malformed", "slow"],
)
async def test_polling_survives_every_transient_fault(
    manager, make_image, fake_rc, fake_rh, provider, fault
):
    fake = fake_for(provider, fake_rc, fake_rh)
    fake.inject(status_route(provider), fault, times=3)
    job = await generate(manager, make_image, provider)
    assert_saved(job)
    assert fake.submits == 1


@pytest.mark.parametrize(
    ("provider", "body"),
    [
        ("runcomfy", {"error_code": "503001", "error_message": "busy"}),
        ("runninghub", {"errorCode": "1003", "errorMessage": "rate limit"}),
    ],
)
async def test_polling_survives_http_200_with_a_transient_error_code(
    manager, make_image, fake_rc, fake_rh, provider, body
):
    fake = fake_for(provider, fake_rc, fake_rh)
    fake.inject(status_route(provider), Fault(status=200, body=body), times=2)
    assert_saved(await generate(manager, make_image, provider))
    assert fake.submits == 1


async def test_download_faults_are_retried(manager, make_image, fake_rc):
    fake_rc.inject("download", Fault.server_error(502), times=2)
    assert_saved(await generate(manager, make_image))
    assert len(fake_rc.calls_to("download")) == 3


async def test_an_expired_result_link_is_held_not_failed_and_can_be_retried(
    manager, make_image, fake_rc
):
    fake_rc.expire_results = True
    job = await generate(manager, make_image)
    # Paid for upstream: never "failed", held until a retry gets the video.
    assert job.state == "not_saved" and job.error_code == "expired"
    assert job.request_id in job.error_message and "expired" in job.error_message
    fake_rc.expire_results = False
    assert await manager.resume(job.id)
    assert_saved(await manager.wait(job.id))
    assert fake_rc.submits == 1


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    "fault",
    [Fault.server_error(500), Fault(status=200, raw=b"{oops", process=True)],
    ids=["5xx", "malformed-after-create"],
)
async def test_an_unknown_submit_outcome_is_never_resent(
    manager, make_image, fake_rc, fake_rh, provider, fault
):
    fake = fake_for(provider, fake_rc, fake_rh)
    fake.inject("submit", fault)
    job = await generate(manager, make_image, provider)
    assert job.state == "unknown" and job.error_code == "submit_unknown"
    assert "will not be sent again" in job.error_message
    assert "dashboard" in job.error_message or "task list" in job.error_message
    assert fake.submits == 1
    assert await manager.resume(job.id) is False
    assert fake.submits == 1


@pytest.mark.parametrize(
    ("provider", "fault", "code"),
    [
        (
            "runcomfy",
            Fault(status=401, body={"error_code": "400004", "error_message": "bad"}),
            "400004",
        ),
        (
            "runcomfy",
            Fault(status=402, body={"error_code": "400002", "error_message": "$"}),
            "400002",
        ),
        (
            "runninghub",
            Fault(status=200, body={"errorCode": "812", "errorMessage": "funds"}),
            "812",
        ),
        (
            "runninghub",
            Fault(status=200, body={"errorCode": "1505", "errorMessage": "person"}),
            "refused_start_frame",  # a content refusal is stored by the input it names
        ),
    ],
)
async def test_a_definite_rejection_fails_once(
    manager, make_image, fake_rc, fake_rh, provider, fault, code
):
    fake = fake_for(provider, fake_rc, fake_rh)
    fake.inject("submit", fault)
    job = await generate(manager, make_image, provider)
    assert job.state == "failed" and job.error_code == code
    assert fake.submits == 1 and fake.jobs == {}


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_concurrency_limit_waits_and_resubmits(
    manager, make_image, fake_rc, fake_rh, provider
):
    fake = fake_for(provider, fake_rc, fake_rh)
    if provider == "runcomfy":
        fault = Fault(status=429, body={"error": "limit"}, headers={"Retry-After": "0.1"})
    else:
        fault = Fault(
            status=200,
            headers={"Retry-After": "0.1"},
            body={"errorCode": "1520", "errorMessage": "concurrency"},
        )
    fake.inject("submit", fault)
    job = await generate(manager, make_image, provider)
    assert_saved(job)
    assert fake.submits == 2 and len(fake.jobs) == 1  # the refused one created nothing


async def test_the_deadline_ends_a_job_that_never_finishes(
    settings, client, clock, make_image, fake_rc
):
    from kling_ui.jobs import JobManager
    from kling_ui.store import JobStore

    fake_rc.run_seconds = 3 * 3600
    settings = settings.model_copy(update={"job_deadline": 600})
    manager = JobManager(settings, JobStore(settings.db_path), client, clock=clock)
    job = await generate(manager, make_image)
    assert job.state == "failed" and job.error_code == "timeout"
    assert job.request_id in job.error_message and "Check again" in job.error_message
    await manager.aclose()


async def test_a_failed_generation_is_recorded(manager, make_image, fake_rh):
    fake_rh.fail_next_job("Real-person content is not allowed")
    job = await generate(manager, make_image, "runninghub")
    assert (job.state, job.error_code) == ("failed", "refused_start_frame")
    assert "Real-person content is not allowed" in job.error_message
    assert "content check refused the start frame" in job.error_message
    assert "[code 1505]" in job.error_message and "may have been charged" in job.error_message


async def test_bad_input_stores_nothing_and_sends_nothing(manager, make_image, fake_rc):
    request = parse_request({"image": str(make_image((200, 200))), "prompt": "p"})
    with pytest.raises(InputError, match="at least 300 px"):
        await manager.submit(request, provider="runcomfy")
    # Nothing stored or submitted; the account's balance (a free read) comes before the
    # frames are decoded, so a visitor refused for it costs this server no decode.
    assert manager.store.list() == [] and fake_rc.submits == 0
    assert [call["path"] for call in fake_rc.calls] == ["/prod/v2/balance"]


async def test_a_missing_key_names_the_setting_for_the_operator_only(settings, client):
    from kling_ui.jobs import JobManager
    from kling_ui.store import JobStore

    bare = settings.with_provider("runcomfy", api_key=None)
    manager = JobManager(bare, JobStore(bare.db_path), client)
    request = parse_request({"image": "x.jpg", "prompt": "p"})
    with pytest.raises(ConfigError) as caught:
        await manager.submit(request, provider="runcomfy")
    assert "RUNCOMFY_API_KEY" in caught.value.operator_message  # the CLI says it
    assert "RUNCOMFY_API_KEY" not in caught.value.user_message  # the page never does


async def test_cancel_a_queued_runcomfy_job(manager, clock, make_image, fake_rc):
    fake_rc.queue_seconds = 30
    request = parse_request({"image": str(make_image()), "prompt": "p"})
    with clock.frozen():  # queued while the cancel is sent
        job = await manager.submit(request, provider="runcomfy")
        await until(manager, job.id, lambda j: j.request_id)
        message = await manager.cancel(job.id)
    assert message == "Canceled on RunComfy."
    job = await asyncio.wait_for(manager.wait(job.id), 5)
    assert job.state == "canceled"
    assert len(fake_rc.calls_to("cancel")) == 1 and fake_rc.jobs[job.request_id].canceled


async def test_cancel_a_running_runcomfy_job_says_it_goes_on_and_keeps_the_video(
    manager, clock, make_image, fake_rc
):
    fake_rc.queue_seconds, fake_rc.run_seconds = 0, 60
    request = parse_request({"image": str(make_image()), "prompt": "p"})
    with clock.frozen():  # running while the cancel is sent
        job = await manager.submit(request, provider="runcomfy")
        await until(manager, job.id, lambda j: j.state == "running")
        message = await manager.cancel(job.id)
    assert "can't stop a job that has already started" in message and "may be charged" in message
    assert_saved(await asyncio.wait_for(manager.wait(job.id), 10))


async def test_cancel_on_runninghub_is_explained_and_the_video_kept(
    manager, clock, make_image, fake_rh
):
    request = parse_request({"image": str(make_image()), "prompt": "p"})
    with clock.frozen():  # unfinished while the cancel is sent
        job = await manager.submit(request, provider="runninghub")
        await until(manager, job.id, lambda j: j.request_id)
        message = await manager.cancel(job.id)
    assert message.startswith("RunningHub has no way to cancel a job")
    assert_saved(await asyncio.wait_for(manager.wait(job.id), 10))
    assert fake_rh.submits == 1


async def test_many_watchers_share_one_polling_loop(manager, make_image, fake_rc):
    fake_rc.queue_seconds, fake_rc.run_seconds = 0.2, 0.6
    request = parse_request({"image": str(make_image()), "prompt": "p"})
    solo = await manager.submit(request, provider="runcomfy")
    await manager.wait(solo.id)
    solo_polls = len(fake_rc.calls_to("status"))

    crowd = await manager.submit(request, provider="runcomfy")

    async def watch():
        async for _ in manager.watch(crowd.id):
            pass

    await asyncio.gather(*(watch() for _ in range(8)))
    crowd_polls = len(fake_rc.calls_to("status")) - solo_polls
    assert crowd_polls <= solo_polls + 2  # jitter may add one; eight watchers add nothing


async def test_a_hundred_concurrent_jobs_all_finish_consistently(manager, make_image, fake_rc):
    fake_rc.queue_seconds, fake_rc.run_seconds = 0.1, 0.3
    request = parse_request({"image": str(make_image()), "prompt": "p", "duration": 3})
    # Distinct takes of one request: the double-submit guard is off, as a batch would set it.
    jobs = await asyncio.gather(
        *(manager.submit(request, provider="runcomfy", dedupe=False) for _ in range(100))
    )
    finished = await asyncio.wait_for(
        asyncio.gather(*(manager.wait(j.id) for j in jobs)), timeout=60
    )
    assert all(j.state == "succeeded" for j in finished)
    assert fake_rc.submits == 100 and len(fake_rc.jobs) == 100
    assert len({j.request_id for j in finished}) == 100
    stored = manager.store.list(limit=1000)
    assert len(stored) == 100 and {j.state for j in stored} == {"succeeded"}
    videos = list(manager.settings.videos_dir.glob("*.mp4"))
    assert len(videos) == 100 and not list(manager.settings.videos_dir.glob(".*"))


async def test_a_double_submit_of_the_same_request_pays_once(manager, make_image, fake_rc):
    request = parse_request({"image": str(make_image()), "prompt": "p", "duration": 3})
    again = parse_request({"image": str(make_image()), "prompt": "p", "duration": 3})  # re-upload
    first, second = await asyncio.gather(
        manager.submit(request, provider="runcomfy", owner="b-one"),
        manager.submit(again, provider="runcomfy", owner="b-one"),
    )
    assert first.id == second.id
    await manager.wait(first.id)
    assert fake_rc.submits == 1
    # Another owner, or other settings, are other jobs.
    other = await manager.submit(request, provider="runcomfy", owner="b-two")
    longer = await manager.submit(
        request.model_copy(update={"duration": 4}), provider="runcomfy", owner="b-one"
    )
    assert len({first.id, other.id, longer.id}) == 3
    await asyncio.gather(manager.wait(other.id), manager.wait(longer.id))
    assert fake_rc.submits == 3


async def test_a_refused_request_does_not_block_its_corrected_twin(manager, make_image):
    from kling_ui.spending import SpendingRefused

    manager.settings.byok_only = True
    request = parse_request({"image": str(make_image()), "prompt": "p", "duration": 3})
    twins = await asyncio.gather(
        manager.submit(request, provider="runcomfy", owner="b-x", visitor=True),
        manager.submit(request, provider="runcomfy", owner="b-x", visitor=True),
        return_exceptions=True,
    )
    assert all(isinstance(t, SpendingRefused) for t in twins)
    manager.settings.byok_only = False
    job = await manager.submit(request, provider="runcomfy", owner="b-x", visitor=True)
    assert (await manager.wait(job.id)).state == "succeeded"


async def test_a_visitors_own_key_job_waits_for_that_key_after_a_restart(
    settings, client, clock, make_image, fake_rh
):
    from kling_ui.jobs import JobManager

    fake_rh.api_key, fake_rh.run_seconds = "visitor-own-key-1", 60
    request = parse_request({"image": str(make_image()), "prompt": "p", "duration": 3})
    store = JobStore(settings.db_path)
    before = JobManager(settings, store, client, clock=clock)
    with clock.frozen():  # unfinished when the app stops
        job = await before.submit(
            request, provider="runninghub", owner="b-v", api_key="visitor-own-key-1"
        )
        await until(before, job.id, lambda j: j.request_id)
        await before.aclose()  # the app stops; the key was never stored

    after = JobManager(settings, store, client, clock=clock)
    assert await after.resume_pending() == []
    held = store.get(job.id)
    assert held.state == "waiting_for_key" and "enter that key again" in held.error_message
    assert await after.resume_pending(api_key="someone-elses-key", owner="b-v") == []
    assert await after.resume_pending(api_key="visitor-own-key-1", owner="b-other") == []
    assert await after.resume_pending(api_key="visitor-own-key-1", owner="b-v") == [job.id]
    assert_saved(await after.wait(job.id), duration=3)
    assert fake_rh.submits == 1
    await after.aclose()
    store.close()


async def test_a_job_waiting_for_its_key_can_be_deleted(manager, make_image):
    from kling_ui.store import JobRecord
    from kling_ui.trash import Trash

    manager.store.insert(
        JobRecord(
            id="waiting00001",
            owner="b-v",
            provider="runninghub",
            request={},
            state="waiting_for_key",
            request_id="rh-1",
        )
    )
    Trash(manager).delete("waiting00001")
    assert manager.store.get("waiting00001") is None


async def test_a_video_that_cannot_be_written_is_kept_for_a_retry(manager, make_image, fake_rc):
    videos = manager.settings.videos_dir
    videos.parent.mkdir(parents=True, exist_ok=True)
    videos.write_text("a file where the videos folder should be")  # writing there fails
    job = await generate(manager, make_image, duration=3)
    assert job.state == "not_saved" and job.error_code == "disk"
    assert manager.store.get(job.id).state == "not_saved"  # the store and the page agree
    assert_held_for_a_full_disk(job, "RunComfy")
    videos.unlink()
    assert await manager.resume(job.id)
    assert_saved(await manager.wait(job.id), duration=3)
    assert fake_rc.submits == 1


async def test_a_store_that_breaks_mid_job_still_ends_the_job_for_its_watchers(
    manager, clock, make_image, fake_rc
):
    import sqlite3

    request = parse_request({"image": str(make_image()), "prompt": "p", "duration": 3})
    with clock.frozen():  # unfinished when the store breaks
        job = await manager.submit(request, provider="runcomfy")
        await until(manager, job.id, lambda j: j.request_id)
        with sqlite3.connect(manager.settings.db_path) as db:  # the store is damaged under us
            db.execute("DROP TABLE jobs")
    ended = await asyncio.wait_for(manager.wait(job.id), timeout=10)
    # It can't be written, but the provider has it: held, never "failed".
    assert ended.state == "not_saved" and ended.error_code == "disk"
    assert "no such table" in ended.error_message and "Check again later" in ended.error_message


def assert_held_for_a_full_disk(job, label: str) -> None:
    """The job card's words: not saved yet, kept and paid for upstream, what to do."""
    shown = status_markdown(job)
    assert shown.startswith("⚠ **Finished, not saved yet**"), shown
    assert "The video could not be saved here yet" in shown
    assert f"The job is kept: it is paid for on {label}" in shown
    assert "Check again later to save it" in shown
    assert "Failed" not in shown and "Something went wrong" not in shown


@pytest.fixture
def full_disk(tmp_path: Path):
    """A real, small file system (tmpfs) that the test fills to the last byte: writes fail
    there as on a full disk (ENOSPC for files, SQLITE_FULL for the store). Needs the right
    to mount (root in a container); skipped without it."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"can't mount a small file system here: {mounted.stderr.decode().strip()}")
    filler = disk / "filler"

    def fill() -> None:
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            while True:
                os.write(fd, bytes(1 << 16))
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        finally:
            os.close(fd)

    try:
        yield SimpleNamespace(path=disk, fill=fill, free=lambda: filler.unlink())
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


async def test_a_full_disk_holds_the_paid_job_and_the_store_says_so_once_it_can(
    settings, client, clock, make_image, fake_rc, full_disk
):
    """Found: with the disk full mid-job, the page said "Failed (OperationalError)" while
    the store still said queued. Now the job is held as not saved; the store records that
    as soon as it can be written; Check again saves the video, never paying twice."""
    settings = settings.model_copy(update={"data_dir": full_disk.path / "data"})
    store = JobStore(settings.db_path)
    manager = JobManager(settings, store, client, clock=clock)
    studio = Studio(Services(settings, store, client, manager, None, client, None))
    request = parse_request({"image": str(make_image()), "prompt": "p", "duration": 3})
    with clock.frozen():  # unfinished when the disk fills
        job = await manager.submit(request, provider="runcomfy")
        await until(manager, job.id, lambda j: j.request_id)
        full_disk.fill()
    ended = await asyncio.wait_for(manager.wait(job.id), timeout=20)
    assert ended.state == "not_saved" and ended.error_code == "disk"
    assert_held_for_a_full_disk(studio.job(OPERATOR, job.id), "RunComfy")
    assert [j.state for j in studio.jobs(OPERATOR)] == ["not_saved"]  # History agrees
    full_disk.free()
    assert studio.job(OPERATOR, job.id).state == "not_saved"
    assert store.get(job.id).state == "not_saved"  # recorded now that it can be
    await studio.check_again(OPERATOR, job.id)
    assert_saved(await asyncio.wait_for(manager.wait(job.id), timeout=20), duration=3)
    assert fake_rc.submits == 1
    await manager.aclose()
    store.close()


async def test_a_stopped_wait_stops_even_as_the_job_changes(manager, clock, make_image, fake_rc):
    # Python 3.11's asyncio.wait_for returns normally when it is cancelled just as what it
    # waits for happens. A story stopped at that moment went on and paid for its next shot.
    request = parse_request({"image": str(make_image()), "prompt": "p"})
    with clock.frozen():  # the job stays active throughout
        job = await manager.submit(request, provider="runcomfy")
        await until(manager, job.id, lambda j: j.request_id)
        waiter = asyncio.create_task(manager.wait(job.id))
        await asyncio.sleep(0)  # one turn of the loop: the waiter parks until the job changes
        manager.move(job.id, notice="news")  # the job changes...
        waiter.cancel()  # ...in the same moment the page that waits goes away
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert manager.get(job.id).is_active  # only the wait stopped: the job goes on
