"""Socket behaviour on real loopback sockets: timeouts and refused connections."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from kling_ui.jobs import JobManager
from kling_ui.request import parse_request
from kling_ui.store import JobStore
from kling_ui.testing import FakeRunComfy, Fault, serve_on_loopback

from .conftest import RC_KEY


@pytest.fixture
def loopback_rc():
    fake = FakeRunComfy(api_key=RC_KEY, queue_seconds=0.1, run_seconds=0.2)
    with serve_on_loopback(fake.app) as url:
        yield fake, url


async def run(settings, url, make_image, timeout=0.5):
    # Real time, as the sockets' timeouts are: the app checks every 0.05-0.15 s here.
    settings = settings.with_provider("runcomfy", base_url=url).model_copy(
        update={"poll_interval": 0.05, "poll_interval_max": 0.15}
    )
    async with httpx.AsyncClient(timeout=timeout) as client:
        manager = JobManager(settings, JobStore(settings.db_path), client)
        request = parse_request({"image": str(make_image()), "prompt": "p"})
        job = await manager.submit(request, provider="runcomfy")
        job = await asyncio.wait_for(manager.wait(job.id), 30)
        await manager.aclose()
        return job


async def test_a_submit_whose_answer_times_out_is_unknown_and_not_resent(
    settings, make_image, loopback_rc
):
    fake, url = loopback_rc
    fake.inject("submit", Fault.slow(1.5, process=True))  # the job is created, the reply late
    job = await run(settings, url, make_image, timeout=0.5)
    assert job.state == "unknown" and "did not answer in time" in job.error_message
    assert fake.submits == 1 and len(fake.jobs) == 1


async def test_status_timeouts_are_retried_until_the_video_is_saved(
    settings, make_image, loopback_rc
):
    fake, url = loopback_rc
    fake.inject("status", Fault.slow(1.0, process=False), times=2)
    job = await run(settings, url, make_image, timeout=0.5)
    assert job.state == "succeeded" and fake.submits == 1


async def test_a_refused_connection_fails_saying_nothing_was_sent(settings, make_image):
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    job = await run(settings, f"http://127.0.0.1:{port}", make_image)
    assert job.state == "failed" and job.error_code == "connect"
    assert "Nothing was sent or charged" in job.error_message
