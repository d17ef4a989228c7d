"""Live: Kling O3 Standard on each hosted provider, one 3-second silent clip (opt-in).

    KLING_UI_LIVE=1 RUNCOMFY_API_KEY=... RUNNINGHUB_API_KEY=... python -m pytest -m live

Confirms what the catalogue (kling_ui/models.py) could not verify from documents: that
RunComfy serves kling/kling-video-o3/standard/image-to-video with O3 Pro's fields and that
RunningHub's O3 Standard endpoint is kling-video-o3-std/image-to-video. At list prices about
$0.25 on RunComfy (an inferred price) and ¥1.56 on RunningHub. Recorded like the contract
tests, as <provider>-o3-std-job.json. Skipped without KLING_UI_LIVE=1 and the key.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from kling_ui import assets, media, models
from kling_ui.doctor import check_provider
from kling_ui.jobs import JobManager
from kling_ui.providers.registry import PROVIDERS
from kling_ui.request import parse_request
from kling_ui.store import JobStore

from .test_live_contract import HOSTED, KEYS, RECORDINGS, SOURCE, live_settings, recorder

pytestmark = pytest.mark.live
STANDARD = "kling-video-o3-std"


@pytest.mark.parametrize("name", HOSTED)
async def test_one_three_second_o3_standard_job(name, tmp_path):
    settings = live_settings(name, tmp_path)
    transport = recorder(name)
    job = None
    try:
        async with httpx.AsyncClient(transport=transport, timeout=60) as client:
            report = await check_provider(name, settings, client)
            if not report.ready:
                pytest.skip(f"{PROVIDERS[name].label} is not ready: {report.message}")
            manager = JobManager(settings, JobStore(settings.db_path), client)
            request = parse_request(
                {
                    "image": str(assets.path("sunset_lake.jpg")),
                    "prompt": "Slow push-in over a calm lake at sunset, gentle ripples.",
                    "duration": 3,
                    "sound": False,
                    "model": STANDARD,
                }
            )
            job = await manager.submit(request, provider=name)
            job = await asyncio.wait_for(manager.wait(job.id), settings.job_deadline + 120)
            await manager.aclose()
            manager.store.close()
    finally:
        transport.save(RECORDINGS, "o3-std-job", SOURCE)
    assert job is not None and job.state == "succeeded", job and job.error_message
    assert job.model == STANDARD
    info = media.probe(Path(job.video_path))
    assert abs(info.duration - 3) < 0.5 and info.video_codec
    submits = [e for e in transport.exchanges if e["label"] == "submit"]
    assert len(submits) == 1  # one paid request, never more
    assert submits[0]["path"].endswith(models.offer(name, STANDARD).endpoint)
    assert KEYS[name] not in json.dumps(transport.exchanges)
