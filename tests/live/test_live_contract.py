"""Live contract tests: the real providers, with real keys, for real money (opt-in).

    KLING_UI_LIVE=1 RUNCOMFY_API_KEY=... RUNNINGHUB_API_KEY=... python -m pytest -m live

Each provider gets one key check (free) and at most one 3-second job without sound (at list
prices about $0.34 on RunComfy, about ¥2.07 on RunningHub). Every exchange is recorded, with
keys, signed URL query strings and data URIs removed, under tests/live/recordings/
<provider>-<name>.json; tests/test_recordings.py then checks offline that the fakes answer
with the same fields and types. A provider whose key is not set is skipped.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import httpx
import pytest

from kling_ui import assets, media
from kling_ui.config import Settings
from kling_ui.doctor import check_provider
from kling_ui.jobs import JobManager
from kling_ui.providers.registry import PROVIDERS
from kling_ui.request import parse_request
from kling_ui.store import JobStore
from kling_ui.testing.recording import RecordingTransport

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
RECORDINGS = Path(__file__).parent / "recordings"
LIVE = os.environ.get("KLING_UI_LIVE") == "1"
# Read when this module is imported, before any fixture runs.
KEYS = {name: os.environ.get(cls.key_env or "", "").strip() for name, cls in PROVIDERS.items()}
BASES = {
    name: os.environ.get(cls.base_url_env or "", "").strip() for name, cls in PROVIDERS.items()
}
HOSTED = ["runcomfy", "runninghub"]
SOURCE = "Captured by tests/live/test_live_contract.py against the real service (redacted)."


def live_settings(name: str, tmp_path: Path) -> Settings:
    if not LIVE:
        pytest.skip("live tests run only with KLING_UI_LIVE=1 (they spend money)")
    if not KEYS[name]:
        pytest.skip(f"{PROVIDERS[name].key_env} is not set")
    values = {f"{name}_api_key": KEYS[name]}
    if BASES[name]:
        values[f"{name}_base_url"] = BASES[name]
    return Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        poll_interval=5.0,
        poll_interval_max=15.0,
        job_deadline=1800.0,
        request_timeout=60.0,
        **values,
    )


def recorder(name: str) -> RecordingTransport:
    return RecordingTransport(httpx.AsyncHTTPTransport(), provider=name, secrets=[KEYS[name]])


@pytest.mark.parametrize("name", HOSTED)
async def test_the_key_check_is_free_and_reads_the_balance(name, tmp_path):
    settings = live_settings(name, tmp_path)
    transport = recorder(name)
    async with httpx.AsyncClient(transport=transport, timeout=60) as client:
        report = await check_provider(name, settings, client)
    transport.save(RECORDINGS, "key-check", SOURCE)
    assert report.key_accepted, report.message
    assert report.balance is not None and report.currency, report.message
    assert all(e["label"] in ("balance", "accountStatus") for e in transport.exchanges)
    assert KEYS[name] not in json.dumps(transport.exchanges)


@pytest.mark.parametrize("name", HOSTED)
async def test_one_three_second_job_end_to_end(name, tmp_path):
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
                }
            )
            job = await manager.submit(request, provider=name)
            job = await asyncio.wait_for(manager.wait(job.id), settings.job_deadline + 120)
            await manager.aclose()
            manager.store.close()
    finally:
        transport.save(RECORDINGS, "one-job", SOURCE)
    assert job is not None and job.state == "succeeded", job and job.error_message
    info = media.probe(Path(job.video_path))
    assert abs(info.duration - 3) < 0.5 and info.video_codec
    sidecar = json.loads(Path(job.video_path).with_suffix(".json").read_text())
    assert sidecar["cost_is_estimate"] is False, "the provider reported no cost"
    assert job.cost and job.cost > 0 and job.currency
    submits = [e for e in transport.exchanges if e["label"] == "submit"]
    assert len(submits) == 1  # one paid request, never more
    assert KEYS[name] not in json.dumps(transport.exchanges)
