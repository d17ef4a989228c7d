"""Import: a job started elsewhere (submitted straight to a fake over HTTP, not by this app)
is followed by its request id and its video saved, with no submit of ours; through the
service, the CLI, and for a visitor only with their own key."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from kling_ui import media, models
from kling_ui.errors import InputError
from kling_ui.imports import NotOnProvider
from kling_ui.service import OPERATOR, Caller
from kling_ui.state import JobState
from kling_ui.testing import FakeRunComfy, FakeRunningHub, Fault, serve_on_loopback
from kling_ui.testing.clock import VirtualClock

from .conftest import RC_BASE, RC_KEY, RH_BASE, RH_KEY, cli_env, cli_here, until

START = "https://pictures.example.test/start.jpg"


async def submit_directly(http: httpx.AsyncClient, provider: str, base: str, key: str) -> str:
    """A job made as another program would make it: the wire's own body, sent by hand."""
    offer = models.offer(provider, models.DEFAULT_MODEL)
    auth = {"Authorization": f"Bearer {key}"}
    if provider == "runcomfy":
        body = {"image": START, "prompt": "From elsewhere", "duration": 4, "sound": False}
        answer = await http.post(f"{base}/v1/models/{offer.endpoint}", json=body, headers=auth)
        return answer.json()["request_id"]
    body = {
        "firstImageUrl": START,
        "prompt": "From elsewhere",
        "duration": 4,
        "sound": False,
        "multiShot": False,
    }
    answer = await http.post(f"{base}/openapi/v2/{offer.endpoint}", json=body, headers=auth)
    return answer.json()["taskId"]


def fake_of(provider: str, fake_rc: FakeRunComfy, fake_rh: FakeRunningHub):
    return {"runcomfy": (fake_rc, RC_BASE, RC_KEY), "runninghub": (fake_rh, RH_BASE, RH_KEY)}[
        provider
    ]


@pytest.mark.parametrize("provider", ["runcomfy", "runninghub"])
async def test_an_imported_job_saves_its_video_without_a_submit(
    studio, manager, client, fake_rc, fake_rh, provider
):
    fake, base, key = fake_of(provider, fake_rc, fake_rh)
    request_id = await submit_directly(client, provider, base, key)
    assert fake.submits == 1

    imported = await studio.import_job(OPERATOR, provider, request_id)
    assert imported.how == "new"
    job = await until(manager, imported.job.id, lambda j: j.is_final)

    assert job.state == JobState.SUCCEEDED, job.error_message
    assert job.request_id == request_id and job.provider == provider
    assert job.request["duration"] == 4 and job.request["imported"]  # learnt from the video
    info = media.probe(job.video_path)
    assert abs(info.duration - 4) < 0.2
    assert fake.submits == 1  # followed, never sent again
    assert [j.id for j in studio.jobs(OPERATOR)] == [job.id]


@pytest.mark.parametrize("provider", ["runcomfy", "runninghub"])
async def test_an_id_the_provider_does_not_know_stores_nothing(studio, fake_rc, fake_rh, provider):
    fake = fake_of(provider, fake_rc, fake_rh)[0]
    with pytest.raises(NotOnProvider) as refused:
        await studio.import_job(OPERATOR, provider, "1234567890")
    label = {"runcomfy": "RunComfy", "runninghub": "RunningHub"}[provider]
    assert "1234567890" in refused.value.user_message and label in refused.value.user_message
    assert studio.jobs(OPERATOR) == []
    assert fake.submits == 0


@pytest.mark.parametrize(
    ("provider", "bad"),
    [("runcomfy", "../../balance"), ("runninghub", "12ab"), ("runcomfy", ""), ("preview", "1")],
)
async def test_an_id_of_the_wrong_shape_is_refused_before_any_request(
    studio, fake_rc, fake_rh, provider, bad
):
    with pytest.raises(InputError):
        await studio.import_job(OPERATOR, provider, bad)
    assert fake_rc.calls == [] and fake_rh.calls == []
    assert studio.jobs(OPERATOR) == []


async def test_a_job_left_unknown_takes_its_id_instead_of_a_twin(
    studio, manager, client, fake_rc, make_image
):
    # The submit reached RunComfy but its answer was lost: the job is UNKNOWN here.
    fake_rc.inject("submit", Fault.server_error(502))
    lost = await studio.generate(
        OPERATOR, {"image": str(make_image()), "prompt": "Lost", "duration": 4}, provider="runcomfy"
    )
    lost = await until(manager, lost.id, lambda j: j.is_final)
    assert lost.state == JobState.UNKNOWN and lost.request_id is None
    # The owner finds it on the dashboard (here: made there by hand) and brings its id.
    request_id = await submit_directly(client, "runcomfy", RC_BASE, RC_KEY)
    submits = fake_rc.submits

    imported = await studio.import_job(OPERATOR, "runcomfy", request_id)
    assert imported.how == "attached" and imported.job.id == lost.id
    job = await until(manager, lost.id, lambda j: j.is_final)
    assert job.state == JobState.SUCCEEDED and job.request_id == request_id
    assert job.request["prompt"] == "Lost"  # the unknown job's own record, not a new one
    assert [j.id for j in studio.jobs(OPERATOR)] == [lost.id]
    assert fake_rc.submits == submits

    again = await studio.import_job(OPERATOR, "runcomfy", request_id)
    assert again.how == "known" and again.job.id == lost.id
    assert len(studio.jobs(OPERATOR)) == 1 and fake_rc.submits == submits


async def test_a_visitor_imports_with_their_own_key_only(studio, manager, client, fake_rc, fake_rh):
    request_id = await submit_directly(client, "runninghub", RH_BASE, RH_KEY)
    visitor = Caller("visitor-1", address="addr-1")
    calls = len(fake_rh.calls)
    with pytest.raises(InputError) as refused:  # the server's key is never theirs to use
        await studio.import_job(visitor, "runninghub", request_id)
    assert "key" in str(refused.value.problems)
    assert len(fake_rh.calls) == calls and studio.jobs(visitor) == []

    imported = await studio.import_job(visitor, "runninghub", request_id, api_key=RH_KEY)
    job = await until(manager, imported.job.id, lambda j: j.is_final)
    assert job.state == JobState.SUCCEEDED and job.owner == "visitor-1"
    assert studio.jobs(Caller("visitor-2", address="addr-2")) == []
    assert studio.job(Caller("visitor-2"), job.id) is None
    assert fake_rh.submits == 1


def test_the_cli_imports_a_job_by_its_id(tmp_path: Path):
    clock = VirtualClock()
    rc = FakeRunComfy(api_key=RC_KEY, queue_seconds=0.05, run_seconds=0.1, clock=clock)
    with serve_on_loopback(rc.app) as url:
        with httpx.Client() as http:
            offer = models.offer("runcomfy", models.DEFAULT_MODEL)
            body = {"image": START, "prompt": "From elsewhere", "duration": 3, "sound": False}
            answer = http.post(
                f"{url}/v1/models/{offer.endpoint}",
                json=body,
                headers={"Authorization": f"Bearer {RC_KEY}"},
            )
        request_id = answer.json()["request_id"]
        env = cli_env(tmp_path / "data", RUNCOMFY_API_KEY=RC_KEY, RUNCOMFY_BASE_URL=url)

        result = cli_here("jobs", "import", "runcomfy", request_id, env=env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        video = Path(result.stdout.strip().splitlines()[-1])
        assert abs(media.probe(video).duration - 3) < 0.2
        assert "imported as job" in result.stderr and rc.submits == 1

        unknown = cli_here("jobs", "import", "runcomfy", "nosuchid", env=env, cwd=tmp_path)
        assert unknown.returncode != 0
        assert "nosuchid" in unknown.stderr and "RunComfy" in unknown.stderr
        calls = len(rc.calls)
        bad = cli_here("jobs", "import", "runcomfy", "a/b", env=env, cwd=tmp_path)
        assert bad.returncode == 2 and "request id" in bad.stderr and len(rc.calls) == calls
        assert RC_KEY not in result.stderr + unknown.stderr + bad.stderr
