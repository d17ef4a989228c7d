"""Stories and batches: clean continuation, chained shots cut into a film, batch files that
are checked whole before anything is sent and never pay twice for a line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageChops

from kling_ui import assets, media
from kling_ui.animatic import RenderSpec, _overlay, render_animatic
from kling_ui.errors import InputError
from kling_ui.lines import load_lines
from kling_ui.stitching import stitch
from kling_ui.story import run_story
from kling_ui.testing import FakeRunComfy, serve_on_loopback

from .conftest import PYTHON, RC_KEY, ROOT, cli_env, cli_here

ASSET = assets.path("sunset_lake.jpg")


def test_the_frame_handed_on_has_no_watermark(tmp_path):
    video = tmp_path / "clip.mp4"
    spec = RenderSpec(
        start=Image.open(ASSET).convert("RGB"),
        prompt="slow push in",
        duration=3,
        segments=(("wide", 3),),
        short_side=360,
    )
    render_animatic(spec, video)
    marked = media.extract_frame(video, last=True)  # the tag is burned into the video
    clean = media.continuation_frame(video)
    assert clean.size == marked.size
    tag = np.asarray(_overlay(clean.size, None).getchannel("A")) > 0
    diff = np.asarray(ImageChops.difference(clean, marked).convert("L"), dtype=np.float32)
    assert diff[tag].mean() > 30  # where the video shows the tag, the frame handed on doesn't
    assert diff[~tag].mean() < 6  # elsewhere they are the same picture


async def test_a_three_shot_preview_story_becomes_one_film(manager, tmp_path):
    story = tmp_path / "story.jsonl"
    story.write_text(
        "\n".join(
            [
                json.dumps({"image": str(ASSET), "prompt": "wide establishing", "duration": 3}),
                "# the next shots start where the last one ended",
                json.dumps({"prompt": "push in", "duration": 3, "sound": True}),
                json.dumps({"prompt": "pan left", "duration": 4}),
            ]
        )
    )
    lines = load_lines(story, story=True)
    assert [line.chained for line in lines] == [False, True, True]
    outcomes, film = await run_story(manager, lines, tmp_path / "out")
    assert all(o.status == "succeeded" for o in outcomes)
    info = media.probe(film)
    assert info.duration == pytest.approx(10, abs=0.1) and info.has_audio
    start = Image.open(tmp_path / "out" / f"{lines[1].number:03d}-start.png")
    first_clip_clean_end = media.continuation_frame(outcomes[0].path)
    assert ImageChops.difference(start, first_clip_clean_end).getbbox() is None
    # Again: every shot is reused, nothing new is made.
    jobs_before = len(manager.store.list())
    again, _ = await run_story(manager, lines, tmp_path / "out")
    assert all(o.reused for o in again) and len(manager.store.list()) == jobs_before


def test_stitching_clips_with_and_without_sound_keeps_one_audio_track(tmp_path):
    def clip(name: str, seconds: int, sound: bool):
        spec = RenderSpec(
            start=Image.open(ASSET).convert("RGB"),
            prompt="p",
            duration=seconds,
            sound=sound,
            short_side=240,
        )
        return render_animatic(spec, tmp_path / name)

    clips = [clip("a.mp4", 3, True), clip("b.mp4", 3, False), clip("c.mp4", 4, True)]
    film = stitch(clips, tmp_path / "film.mp4")
    info = media.probe(film)
    assert info.duration == pytest.approx(10, abs=0.1) and info.has_audio
    assert media.audio_duration(film) == pytest.approx(info.duration, abs=0.15)
    # The picture was copied, not re-encoded (a re-encode of these is ~0.7x their size).
    assert info.size_bytes == pytest.approx(sum(c.stat().st_size for c in clips), rel=0.1)
    faded = stitch(clips, tmp_path / "faded.mp4", crossfade=0.5)
    assert media.probe(faded).duration == pytest.approx(9.0, abs=0.15)  # two half-second fades


def _batch_file(tmp_path, lines: list[dict]) -> str:
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    return str(path)


def test_a_batch_with_a_bad_line_submits_nothing_and_names_the_line(tmp_path):
    path = _batch_file(
        tmp_path,
        [
            {"image": str(ASSET), "prompt": "fine", "duration": 3, "provider": "runcomfy"},
            {"image": str(ASSET), "prompt": "too long", "duration": 30, "provider": "runcomfy"},
            {"image": "missing.jpg", "prompt": "x", "provider": "runcomfy"},
            {"image": str(ASSET), "prompt": "x", "colour": "red"},
        ],
    )
    with pytest.raises(InputError) as caught:
        load_lines(tmp_path / "batch.jsonl")
    problems = list(caught.value.problems.values())
    assert problems[0].startswith("line 2:") and "15" in problems[0]
    assert problems[1].startswith("line 3:") and "missing.jpg" in problems[1]
    assert problems[2].startswith("line 4:") and "colour" in problems[2]
    fake = FakeRunComfy(api_key=RC_KEY)
    with serve_on_loopback(fake.app) as url:
        env = cli_env(tmp_path / "data", RUNCOMFY_API_KEY=RC_KEY, RUNCOMFY_BASE_URL=url)
        run = cli_here("batch", path, "--yes", env=env, cwd=ROOT)
    assert run.returncode == 2 and "line 2:" in run.stderr and "line 3:" in run.stderr
    assert fake.calls == []


def test_a_good_batch_runs_n_at_a_time_and_a_rerun_pays_nothing(tmp_path):
    # The CLI is its own client on real time: 0.1 s jobs at a fake on loopback.
    fake = FakeRunComfy(api_key=RC_KEY, queue_seconds=0.0, run_seconds=0.1)
    path = _batch_file(
        tmp_path,
        [
            {"image": str(ASSET), "prompt": f"take {i}", "duration": 3, "provider": "runcomfy"}
            for i in range(3)
        ],
    )
    with serve_on_loopback(fake.app) as url:
        env = cli_env(tmp_path / "data", RUNCOMFY_API_KEY=RC_KEY, RUNCOMFY_BASE_URL=url)
        command = ["batch", path, "--parallel", "2", "--yes"]
        first = cli_here(*command, env=env, cwd=ROOT)
        assert first.returncode == 0, first.stderr
        jobs = sorted(fake.jobs.values(), key=lambda j: j.created)
        assert len(jobs) == 3
        # Never more than two in flight: the third starts after one of the first two ended.
        assert jobs[2].created >= min(j.done_at() for j in jobs[:2]) - 0.02
        results = [json.loads(r) for r in (tmp_path / "batch-videos" / "results.jsonl").open()]
        assert [r["line"] for r in results] == [1, 2, 3]
        assert all(r["status"] == "succeeded" and r["cost"] for r in results)
        assert all(media.probe(r["path"]).duration == pytest.approx(3, abs=0.1) for r in results)
        again = cli_here(*command, env=env, cwd=ROOT)
        assert again.returncode == 0 and "reused" in again.stderr
        assert fake.submits == 3  # nothing paid twice


def test_a_batch_asks_before_spending_and_refuses_to_guess_without_a_terminal(tmp_path):
    path = _batch_file(
        tmp_path, [{"image": str(ASSET), "prompt": "p", "duration": 3, "provider": "runcomfy"}]
    )
    env = cli_env(tmp_path / "data", RUNCOMFY_API_KEY=RC_KEY)
    run = subprocess.run(
        [PYTHON, "-m", "kling_ui", "batch", path],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 2 and "about $0.34" in run.stderr and "--yes" in run.stderr


def test_the_stitch_command_prints_the_film(tmp_path):
    clips = []
    for name in ("a.mp4", "b.mp4"):
        spec = RenderSpec(
            start=Image.open(ASSET).convert("RGB"), prompt="p", duration=3, short_side=240
        )
        clips.append(str(render_animatic(spec, tmp_path / name)))
    out = tmp_path / "film.mp4"
    run = cli_here("stitch", *clips, "-o", str(out), env=cli_env(tmp_path / "data"), cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == str(out)
    assert media.probe(out).duration == pytest.approx(6, abs=0.1)


async def test_a_story_stopped_mid_shot_waits_for_that_shot_instead_of_paying_again(
    manager, tmp_path
):
    import asyncio

    story = tmp_path / "story.jsonl"
    story.write_text(
        "\n".join(
            [
                json.dumps({"image": str(ASSET), "prompt": "wide", "duration": 3}),
                json.dumps({"prompt": "closer", "duration": 3}),
            ]
        )
    )
    lines = load_lines(story, story=True)
    first = asyncio.create_task(run_story(manager, lines, tmp_path / "out"))
    while not manager.store.list():  # shot 1 is submitted...
        await asyncio.sleep(0.02)  # real time: its frames are prepared in a thread
    first.cancel()  # ...and the page that ran the story goes away
    with pytest.raises(asyncio.CancelledError):
        await first
    outcomes, film = await run_story(manager, lines, tmp_path / "out")
    assert [o.status for o in outcomes] == ["succeeded", "succeeded"] and film is not None
    # Two shots, two jobs: shot 1's job was waited for, not submitted again.
    assert len(manager.store.list()) == 2
    assert outcomes[0].job_id == manager.store.list()[-1].id


async def test_a_film_goes_into_history_with_its_own_copy_and_no_cost_counted_twice(
    manager, tmp_path
):
    from kling_ui.story import record_film
    from kling_ui.trash import Trash

    story = tmp_path / "story.jsonl"
    story.write_text(
        json.dumps({"image": str(ASSET), "prompt": "wide", "duration": 3})
        + "\n"
        + json.dumps({"prompt": "closer", "duration": 4})
    )
    lines = load_lines(story, story=True)
    outcomes, film = await run_story(manager, lines, tmp_path / "out")
    record = record_film(manager, film, lines, outcomes, owner="alice")
    stored = manager.store.get(record.id)
    assert stored.is_film and stored.provider == "preview"  # the kind says film, not a name
    assert stored.owner == "alice" and stored.cost is None
    assert stored.request["duration"] == 7 and "Story of 2 shots" in stored.request["prompt"]
    assert media.probe(stored.video_path).duration == pytest.approx(7, abs=0.1)
    Trash(manager).delete(record.id)  # deleting it in History keeps the story's own film
    assert film.exists() and not Path(stored.video_path).exists()


def test_a_clip_keeps_the_identity_earlier_releases_recorded():
    """results.jsonl of a story folder holds each clip's key: a key computed differently
    after an upgrade would make every clip made before look new, and be paid for again.
    (Computed with the release before identity.py, for the shipped example frame.)"""
    from kling_ui import assets
    from kling_ui.lines import Line
    from kling_ui.story import line_key

    fields = {
        "image": str(assets.path("sunset_lake.jpg")),
        "end_image": None,
        "prompt": "a",
        "duration": 5,
        "sound": False,
        "shot_type": "customize",
        "multi_prompt": [],
    }
    assert line_key(Line(1, fields, "preview", False)) == "bb1ff4bf6a8bcd4998beba6e"
