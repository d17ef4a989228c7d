"""What a visitor can reach through the service: never the operator's account, never a
link to a deleted job's files, never a server path or an operator's command."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from gradio.utils import get_upload_folder

from kling_ui.errors import InputError
from kling_ui.jobs import JobManager
from kling_ui.owners import Owners
from kling_ui.service import OPERATOR, Caller, Studio
from kling_ui.services import Services
from kling_ui.store import JobStore
from kling_ui.testing import FakeRunComfy, serve_on_loopback
from kling_ui.trash import Trash

from .conftest import RC_KEY, RH_KEY, cli_env, cli_here, picture


def visitor(address: str = "addr-1", owner: str = "b-visitor") -> Caller:
    return Caller(owner, address=address)


async def test_check_key_with_an_empty_field_never_reads_the_servers_account(studio, fake_rh):
    """The server has a RunningHub key; a visitor's empty field must not show its account."""
    for empty in ("", "   ", None):
        said = await studio.check_key(visitor(), "runninghub", empty)
        assert "type" in said.lower() and "key" in said.lower(), said
        assert "¥" not in said and "balance" not in said and "running" not in said
    assert fake_rh.calls_to("account") == []  # nothing was sent to the provider
    own = await studio.check_key(visitor(), "runninghub", RH_KEY)
    assert "RunningHub: ready" in own and "¥35.20" in own
    # The operator (not a visitor) still reads the server key's account.
    assert "¥35.20" in await studio.check_key(OPERATOR, "runninghub", None)


async def test_key_checks_are_counted_per_network_address(studio, fake_rh):
    for n in range(10):  # a fresh owner each time: the count follows the address
        said = await studio.check_key(visitor(owner=f"b-{n}"), "runninghub", "wrong")
        assert "refused the key" in said
    refused = await studio.check_key(visitor(owner="b-new"), "runninghub", RH_KEY)
    assert refused.startswith("Too many key checks") and "¥" not in refused
    assert len(fake_rh.calls_to("account")) == 10  # the eleventh was never sent
    other = await studio.check_key(visitor(address="addr-2"), "runninghub", RH_KEY)
    assert "RunningHub: ready" in other
    # Empty fields send nothing, so they don't use up the budget either.
    assert "type" in (await studio.check_key(visitor(address="addr-3"), "runninghub", "")).lower()


# --- what a visitor is told carries no server path and no operator command ------------------

OPERATOR_WORDS = ("python -m kling_ui", "jobs resume")
ABSOLUTE_PATH = re.compile(r"(?<![\w:/.])/(?:[\w.-]+/)+[\w.-]*")


def assert_for_visitors(text: str | None, settings) -> None:
    assert text, text
    assert not any(words in text for words in OPERATOR_WORDS), text
    assert str(settings.data_dir) not in text and get_upload_folder() not in text, text
    assert not ABSOLUTE_PATH.search(text), text


def studio_over(settings, client, clock):
    """The service on `settings` (as the conftest's `studio`, with these settings)."""
    store = JobStore(settings.db_path)
    manager = JobManager(settings, store, client, clock=clock)
    owners = Owners(settings.data_dir, multi_user=True)
    services = Services(settings, store, client, manager, owners, client, Trash(manager))
    return Studio(services)


FIELDS = {"prompt": "A slow push in", "duration": 3}


async def generate_as_visitor(studio, frame, provider: str):
    caller = visitor()
    fields = {**FIELDS, "image": str(frame)}
    job = await studio.generate(caller, fields, provider=provider)
    return await asyncio.wait_for(studio.services.jobs.wait(job.id), 30)


async def test_a_timed_out_job_tells_the_visitor_to_check_again(
    settings, client, clock, fake_rc, tmp_path
):
    fake_rc.run_seconds = 60
    studio = studio_over(settings.model_copy(update={"job_deadline": 0.4}), client, clock)
    job = await generate_as_visitor(studio, upload_of(tmp_path), "runcomfy")
    assert (job.state, job.error_code) == ("failed", "timeout")
    assert_for_visitors(job.error_message, settings)
    assert job.request_id in job.error_message and "Check again" in job.error_message
    await studio.services.jobs.aclose()


async def test_a_video_that_cant_be_written_tells_no_path(settings, client, clock, tmp_path):
    settings.data_dir.mkdir(parents=True)
    settings.videos_dir.write_text("not a folder")  # the video can't be written under it
    studio = studio_over(settings, client, clock)
    job = await generate_as_visitor(studio, upload_of(tmp_path), "runcomfy")
    assert (job.state, job.error_code) == ("not_saved", "disk")
    assert_for_visitors(job.error_message, settings)
    assert "Check again" in job.error_message
    await studio.services.jobs.aclose()


async def test_a_failed_preview_render_tells_no_path(settings, client, clock, tmp_path):
    settings.data_dir.mkdir(parents=True)
    (settings.data_dir / "renders").write_text("not a folder")  # the render can't be written
    studio = studio_over(settings, client, clock)
    job = await generate_as_visitor(studio, upload_of(tmp_path), "preview")
    assert job.state == "failed", job
    assert_for_visitors(job.error_message, settings)
    await studio.services.jobs.aclose()


async def test_a_missing_frame_is_named_without_its_path(settings, client, clock):
    studio = studio_over(settings, client, clock)
    gone = settings.inputs_dir / "gone-start.png"  # inside the data dir: may be handed in
    with pytest.raises(InputError) as refused:
        await studio.generate(visitor(), {**FIELDS, "image": str(gone)}, provider="preview")
    assert_for_visitors(refused.value.user_message, settings)
    assert str(gone) in refused.value.operator_message  # the CLI still says where it looked
    await studio.services.jobs.aclose()


def upload_of(tmp_path: Path) -> Path:
    """A frame in Gradio's upload folder, as a visitor's upload is."""
    folder = Path(get_upload_folder()) / f"exposure-{tmp_path.name}"
    folder.mkdir(parents=True, exist_ok=True)
    frame = folder / "start.png"
    picture().save(frame)
    return frame


def test_the_cli_still_tells_the_operator_the_resume_command(tmp_path, make_image):
    rc = FakeRunComfy(api_key=RC_KEY, queue_seconds=0.0, run_seconds=60)
    with serve_on_loopback(rc.app) as rc_url:
        env = cli_env(
            tmp_path / "data",
            RUNCOMFY_API_KEY=RC_KEY,
            RUNCOMFY_BASE_URL=rc_url,
            KLING_UI_JOB_DEADLINE="0.5",
        )
        args = ["generate", "--provider", "runcomfy", "--image", str(make_image())]
        result = cli_here(*args, "--prompt", "p", "--duration", "3", env=env, cwd=tmp_path)
    assert result.returncode != 0
    [job_id] = re.findall(r"job ([0-9a-f]{12}) on runcomfy", result.stderr)
    assert f"python -m kling_ui jobs resume {job_id}" in result.stderr, result.stderr
