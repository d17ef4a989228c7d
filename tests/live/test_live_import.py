"""Live checks of import and of RunningHub's two sites (opt-in, free: nothing is submitted).

    KLING_UI_LIVE=1 RUNCOMFY_API_KEY=... RUNNINGHUB_API_KEY=... \\
        KLING_UI_LIVE_RUNCOMFY_REQUEST_ID=... KLING_UI_LIVE_RUNNINGHUB_REQUEST_ID=... \\
        python -m pytest tests/live/test_live_import.py -m live

- An id that doesn't exist is refused as "not found" (what the provider really answers for
  it is recorded: the code our fakes use is from the docs, not from a live answer).
- With KLING_UI_LIVE_<PROVIDER>_REQUEST_ID (a job of that key, made on the provider's site or
  by `test_live_contract.py`, still within its link's life), the job is imported and its video
  saved with no submit.
- RunningHub: the key is asked about on both sites (two free accountStatus calls); the
  answers are recorded, which settles whether keys are bound to their site and what the
  other site answers.

Recordings go to tests/live/recordings/probes/ (not compared with the fakes' shapes: some
are refusals).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest

from kling_ui import media
from kling_ui.doctor import check_provider
from kling_ui.imports import NotOnProvider, import_job
from kling_ui.jobs import JobManager
from kling_ui.providers.factory import create_provider
from kling_ui.store import JobStore

from .test_live_contract import HOSTED, KEYS, SOURCE, live_settings, recorder

pytestmark = pytest.mark.live

PROBES = Path(__file__).parent / "recordings" / "probes"
NO_SUCH_ID = {"runcomfy": "kling-ui-no-such-request", "runninghub": "1000000000000000001"}


def known_id(name: str) -> str:
    value = os.environ.get(f"KLING_UI_LIVE_{name.upper()}_REQUEST_ID", "").strip()
    if not value:
        pytest.skip(f"set KLING_UI_LIVE_{name.upper()}_REQUEST_ID to a job of this key")
    return value


@pytest.mark.parametrize("name", HOSTED)
async def test_an_id_that_does_not_exist_is_refused_and_nothing_is_stored(name, tmp_path):
    settings = live_settings(name, tmp_path)
    transport = recorder(name)
    async with httpx.AsyncClient(transport=transport, timeout=60) as client:
        jobs = JobManager(settings, JobStore(settings.db_path), client)
        try:
            with pytest.raises(NotOnProvider):
                await import_job(jobs, name, NO_SUCH_ID[name], owner="local")
            assert jobs.store.list() == []
        finally:
            await jobs.aclose()
            jobs.store.close()
            transport.save(PROBES, "import-unknown", SOURCE)
    assert all(e["label"] != "submit" for e in transport.exchanges)
    assert KEYS[name] not in json.dumps(transport.exchanges)


@pytest.mark.parametrize("name", HOSTED)
async def test_a_job_of_this_key_is_imported_and_saved_without_a_submit(name, tmp_path):
    settings = live_settings(name, tmp_path)
    request_id = known_id(name)
    transport = recorder(name)
    async with httpx.AsyncClient(transport=transport, timeout=60) as client:
        jobs = JobManager(settings, JobStore(settings.db_path), client)
        try:
            imported = await import_job(jobs, name, request_id, owner="local")
            job = await jobs.wait(imported.job.id)
        finally:
            await jobs.aclose()
            jobs.store.close()
            transport.save(PROBES, "import-known", SOURCE)
    assert job.state == "succeeded", job.error_message
    assert media.probe(Path(job.video_path)).duration > 0
    assert all(e["label"] != "submit" for e in transport.exchanges)
    assert KEYS[name] not in json.dumps(transport.exchanges)


async def test_a_runninghub_key_on_both_sites(tmp_path):
    settings = live_settings("runninghub", tmp_path)
    transport = recorder("runninghub")
    answers = {}
    async with httpx.AsyncClient(transport=transport, timeout=60) as client:
        report = await check_provider("runninghub", settings, client)
        for site in settings.sites("runninghub"):
            provider = create_provider(
                "runninghub",
                settings=settings,
                client=client,
                api_key=KEYS["runninghub"],
                region=site,
            )
            try:
                await provider.account()
                answers[site] = "accepted"
            except Exception as exc:  # recorded as it came: this is what is unverified
                answers[site] = f"{type(exc).__name__}: {getattr(exc, 'user_message', exc)}"
    transport.save(PROBES, "both-sites", SOURCE)
    print(f"RunningHub key on each site: {answers}; doctor said: {report.message}")
    taken = [site for site, said in answers.items() if said == "accepted"]
    assert taken, f"neither site took the key: {answers}"
    # Doctor agrees with the sites: ready where it is set, else it names the one that took it.
    assert report.ready or report.site in taken, report.message
    assert KEYS["runninghub"] not in json.dumps(transport.exchanges) + report.message
