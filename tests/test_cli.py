"""The CLI as a person runs it: fake providers on loopback, real files. What a person sees
from a real process (saving, resuming after a kill) runs one; refusals run `main()` here."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from kling_ui import assets, media
from kling_ui.store import JobStore
from kling_ui.testing import FakeRunComfy, FakeRunningHub, serve_on_loopback
from kling_ui.testing.clock import VirtualClock

from .conftest import PYTHON, RC_KEY, RH_KEY, ROOT, cli_env, cli_here, eventually


def cli(*args: str, env: dict, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "-m", "kling_ui", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def fake_servers():
    """Both fakes on loopback for the module (the CLI is its own client, on real time). Their
    clock is the test clock, which nothing sleeps on here: real time that a test can step."""
    clock = VirtualClock()
    rc = FakeRunComfy(api_key=RC_KEY, queue_seconds=0.05, run_seconds=0.1, clock=clock)
    rh = FakeRunningHub(api_key=RH_KEY, queue_seconds=0.05, run_seconds=0.1, clock=clock)
    with serve_on_loopback(rc.app) as rc_url, serve_on_loopback(rh.app) as rh_url:
        yield {"runcomfy": (rc, rc_url), "runninghub": (rh, rh_url), "clock": clock}


@pytest.fixture
def fakes(fake_servers):
    """The module's fakes; each test counts their calls from where it starts."""
    return fake_servers


def provider_env(tmp_path, fakes):
    return cli_env(
        tmp_path / "data",
        RUNCOMFY_API_KEY=RC_KEY,
        RUNCOMFY_BASE_URL=fakes["runcomfy"][1],
        RUNNINGHUB_API_KEY=RH_KEY,
        RUNNINGHUB_BASE_URL=fakes["runninghub"][1],
    )


@pytest.mark.parametrize("provider", ["runcomfy", "runninghub"])
def test_generate_saves_a_playable_mp4_and_prints_its_path(tmp_path, make_image, fakes, provider):
    out = tmp_path / "exports" / "clip.mp4"
    out.parent.mkdir()
    fake = fakes[provider][0]
    before = fake.submits
    result = cli_here(
        "generate",
        "--provider",
        provider,
        "--image",
        str(make_image()),
        "--prompt",
        "A slow push in",
        "--duration",
        "6",
        "--sound",
        "--segment",
        "3:wide shot",
        "--segment",
        "3:close up",
        "--out",
        str(out),
        env=provider_env(tmp_path, fakes),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(out)
    info = media.probe(out)
    assert info.video_codec == "h264" and info.has_audio and abs(info.duration - 6) < 0.2
    assert fake.submits == before + 1
    assert "request id:" in result.stderr and "succeeded" in result.stderr
    assert RC_KEY not in result.stderr + result.stdout and RH_KEY not in result.stderr


def test_generate_on_the_offline_preview_needs_no_key(tmp_path):
    image = assets.path("sunset_lake.jpg")
    result = cli(
        "generate",
        "--provider",
        "preview",
        "--image",
        str(image),
        "--prompt",
        "slow push in",
        "--duration",
        "3",
        env=cli_env(tmp_path / "data"),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip().splitlines()[-1])
    info = media.probe(path)
    assert (info.width, info.height) == (640, 360) and abs(info.duration - 3) < 0.05


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--duration", "20"], "error: Duration must be between 3 and 15 seconds (got 20)."),
        (["--prompt", ""], "error: Prompt is empty"),
        (
            ["--segment", "3:a", "--segment", "3:b"],
            "error: Segments add up to 6 s but the clip is 5 s",
        ),
        (["--image", "missing.jpg"], "error: Start frame: no file at missing.jpg."),
        (["--image", "SMALL"], "error: Start frame is 200x200; each side must be at least 300"),
    ],
)
def test_bad_input_exits_non_zero_with_one_line_and_sends_nothing(
    tmp_path, make_image, fakes, args, message
):
    small = make_image((200, 200))
    base = ["generate", "--provider", "runcomfy", "--image", str(make_image()), "--prompt", "p"]
    args = [str(small) if a == "SMALL" else a for a in args]
    calls = len(fakes["runcomfy"][0].calls)
    result = cli_here(*base, *args, env=provider_env(tmp_path, fakes), cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), result.stderr
    assert result.stdout == ""
    # Nothing submitted: at most the free balance read, which comes before decoding frames.
    new = fakes["runcomfy"][0].calls[calls:]
    assert {(call["method"], call["path"]) for call in new} <= {("GET", "/prod/v2/balance")}


def test_a_missing_key_is_one_line_naming_the_variable(tmp_path, make_image):
    result = cli_here(
        "generate",
        "--provider",
        "runninghub",
        "--image",
        str(make_image()),
        "--prompt",
        "p",
        env=cli_env(tmp_path / "data"),
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == ("error: RunningHub needs an API key: set RUNNINGHUB_API_KEY.")


def test_a_bad_setting_is_one_line(tmp_path, make_image):
    env = cli_env(tmp_path / "data")
    env["KLING_UI_POLL_INTERVAL"] = "soon"
    result = cli_here(
        "generate", "--image", str(make_image()), "--prompt", "p", env=env, cwd=tmp_path
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: Bad setting: KLING_UI_POLL_INTERVAL")


def test_a_killed_process_resumes_without_a_second_submit(tmp_path, make_image, fakes):
    fake, _url = fakes["runcomfy"]
    fake.queue_seconds, fake.run_seconds = 0, 3600  # still running when killed
    before, checked = fake.submits, len(fake.calls_to("status"))
    env = provider_env(tmp_path, fakes)
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "kling_ui",
            "generate",
            "--provider",
            "runcomfy",
            "--image",
            str(make_image()),
            "--prompt",
            "p",
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Another process does the work: its first status check is awaited in real time.
        # (The fakes serve the whole module: count only this process's status checks, or a
        # kill between its submit and its record of the request id would race the test.)
        eventually(
            lambda: fake.submits > before and len(fake.calls_to("status")) > checked, timeout=30
        )
        assert process.poll() is None
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        fake.queue_seconds, fake.run_seconds = 0.05, 0.1

    store = JobStore(tmp_path / "data" / "jobs.sqlite3")
    [job] = store.list()
    assert job.state in ("queued", "running") and job.request_id in fake.jobs
    store.close()
    fakes["clock"].advance(3600)  # the hour at the provider passes: the job is done there

    result = cli_here("jobs", "resume", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "resuming 1 job(s)" in result.stderr
    path = Path(result.stdout.strip().splitlines()[-1])
    assert media.probe(path).duration == pytest.approx(5, abs=0.2)
    assert fake.submits == before + 1

    listing = cli_here("jobs", "list", env=env, cwd=tmp_path)
    assert job.id in listing.stdout and "succeeded" in listing.stdout
    shown = cli_here("jobs", "show", job.id, env=env, cwd=tmp_path)
    assert f"request_id: {job.request_id}" in shown.stdout and RC_KEY not in shown.stdout


def test_out_is_checked_before_anything_is_paid_and_a_folder_gets_the_file(
    tmp_path, make_image, fakes
):
    missing = tmp_path / "no-such-folder" / "clip.mp4"
    calls = len(fakes["runcomfy"][0].calls)
    refused = cli_here(
        "generate",
        "--provider",
        "runcomfy",
        "--image",
        str(make_image()),
        "--prompt",
        "p",
        "--out",
        str(missing),
        env=provider_env(tmp_path, fakes),
        cwd=tmp_path,
    )
    assert refused.returncode == 2 and "--out" in refused.stderr
    assert len(fakes["runcomfy"][0].calls) == calls
    folder = tmp_path / "exports"
    folder.mkdir()
    done = cli_here(
        "generate",
        "--provider",
        "runcomfy",
        "--image",
        str(make_image()),
        "--prompt",
        "p",
        "--duration",
        "3",
        "--out",
        str(folder),
        env=provider_env(tmp_path, fakes),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    printed = Path(done.stdout.strip().splitlines()[-1])
    assert printed.parent == folder and printed.suffix == ".mp4" and printed.is_file()


def test_the_cli_and_the_service_run_without_importing_gradio():
    """Gradio costs a CLI run about 2 s to import and 0.5 s at exit; only the page needs it."""
    probe = "import sys, kling_ui.__main__, kling_ui.service; print('gradio' in sys.modules)"
    done = subprocess.run(
        [PYTHON, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
