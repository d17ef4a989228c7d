"""Live: the account's concurrency limit, as the real providers answer it (opt-in, costs money).

    KLING_UI_LIVE=1 KLING_UI_LIVE_LIMITS=1 RUNNINGHUB_API_KEY=... python -m pytest -m live \
        tests/live/test_live_failures.py

Starts JOBS 3-second silent jobs of one key at once (about ¥2.07 each on RunningHub, $0.34
on RunComfy, at list prices) so that a plan allowing fewer answers "too many tasks". What it
confirms (docs/providers.md, "Failures"): the refusal's real shape (code and where it is
carried: 1520 in errorCode, or the legacy {code: 421, msg: TASK_QUEUE_MAXED}), that it is
read as "nothing created" (no task id, no charge), that the refused job waits in our queue
and is sent once a slot frees, and that every job is sent exactly once. Every exchange is
recorded (redacted) under tests/live/recordings/<provider>-limits.json.

Content refusals and "completed without a video" are not provoked live: a test would have to
send content made to be refused, or wait for a provider fault. Their shapes stay marked
unverified in docs/providers.md until a recording shows them.
"""

from __future__ import annotations

import asyncio
import os

import httpx
import pytest

from kling_ui import assets
from kling_ui.jobs import JobManager
from kling_ui.request import parse_request
from kling_ui.store import JobStore

from .test_live_contract import HOSTED, RECORDINGS, SOURCE, live_settings, recorder

pytestmark = pytest.mark.live

JOBS = 3
LIMIT_CODES = {"1520", "421", "415", "429"}


def _refusals(exchanges: list[dict]) -> list[dict]:
    """Submit answers that carried no task id: the refusals."""
    refused = []
    for exchange in exchanges:
        answer = exchange.get("response")
        if exchange["label"] != "submit" or not isinstance(answer, dict):
            continue
        if not (answer.get("taskId") or answer.get("task_id") or answer.get("request_id")):
            refused.append(exchange)
    return refused


def _code(exchange: dict) -> str:
    answer = exchange["response"]
    code = answer.get("errorCode") or answer.get("code") or answer.get("error_code")
    return str(code or exchange["status"])


@pytest.mark.parametrize("name", HOSTED)
async def test_too_many_tasks_waits_in_our_queue_and_sends_each_job_once(name, tmp_path):
    settings = live_settings(name, tmp_path)
    if os.environ.get("KLING_UI_LIVE_LIMITS") != "1":
        pytest.skip(f"runs {JOBS} paid jobs at once: set KLING_UI_LIVE_LIMITS=1")
    transport = recorder(name)
    try:
        async with httpx.AsyncClient(transport=transport, timeout=60) as client:
            manager = JobManager(settings, JobStore(settings.db_path), client)
            jobs = []
            for number in range(JOBS):
                request = parse_request(
                    {
                        "image": str(assets.path("sunset_lake.jpg")),
                        "prompt": f"Slow push-in over a calm lake at sunset, take {number + 1}.",
                        "duration": 3,
                        "sound": False,
                    }
                )
                jobs.append(await manager.submit(request, provider=name))
            wait = settings.job_deadline * JOBS + 120
            ends = [await asyncio.wait_for(manager.wait(j.id), wait) for j in jobs]
            await manager.aclose()
            manager.store.close()
    finally:
        transport.save(RECORDINGS, "limits", SOURCE)
    assert all(job.state == "succeeded" for job in ends), [j.error_message for j in ends]
    accepted = [e for e in transport.exchanges if e["label"] == "submit"]
    refused = _refusals(transport.exchanges)
    assert len(accepted) - len(refused) == JOBS  # each job created exactly once
    assert all(_code(e) in LIMIT_CODES for e in refused), [_code(e) for e in refused]
    # Learned, not hammered: one refusal per job at most while the others run.
    assert len(refused) <= JOBS
