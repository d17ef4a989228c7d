"""The offline animatic: real renders, probed and looked at frame by frame."""

from __future__ import annotations

import asyncio
import itertools
import threading

import av
import numpy as np
import pytest
from PIL import Image

from kling_ui import media
from kling_ui.animatic import (
    RenderCanceled,
    RenderSpec,
    _Frame,
    _picture,
    output_size,
    render_animatic,
    yuv420_planes,
)
from kling_ui.camera import FPS, Shot, camera, choose_move, plan_shots
from kling_ui.images import prepare_image
from kling_ui.providers.base import Canceled, Inputs, Queued, Succeeded
from kling_ui.providers.preview import PreviewProvider
from kling_ui.request import parse_request

from .conftest import picture


def frames_of(path, size=(64, 36)) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.stack(
            [
                np.asarray(f.to_image().resize(size, Image.Resampling.BILINEAR), dtype=np.float32)
                for f in container.decode(video=0)
            ]
        )


def difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(np.abs(a - b)))


def small(image: Image.Image, size=(64, 36)) -> np.ndarray:
    return np.asarray(image.convert("RGB").resize(size, Image.Resampling.BILINEAR), np.float32)


def render(tmp_path, name="clip.mp4", **fields):
    spec = RenderSpec(
        **{
            "start": picture((1280, 720)),
            "prompt": "slow push in",
            "duration": 3,
            "short_side": 240,
            **fields,
        }
    )
    return render_animatic(spec, tmp_path / name)


def test_a_720p_clip_has_the_exact_duration_size_and_codec(tmp_path):
    path = render(tmp_path, duration=3, short_side=720)
    info = media.probe(path)
    assert (info.width, info.height) == (1280, 720)
    assert abs(info.duration - 3) <= 1 / FPS and info.frames == 3 * FPS
    assert (info.video_codec, info.pix_fmt) == ("h264", "yuv420p")
    assert not info.has_audio
    with open(path, "rb") as f:  # faststart: the index (moov) comes before the media (mdat)
        head = f.read(4096)
    assert head.find(b"moov") != -1 and (
        head.find(b"mdat") == -1 or head.find(b"moov") < head.find(b"mdat")
    )


def test_sound_adds_an_audio_track_of_the_same_length(tmp_path):
    info = media.probe(render(tmp_path, sound=True, duration=4))
    assert info.has_audio and info.audio_codec == "aac"
    with av.open(str(tmp_path / "clip.mp4")) as container:
        audio = container.streams.audio[0]
        seconds = float(audio.duration * audio.time_base)
        samples = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
    assert seconds == pytest.approx(4, abs=0.1)
    assert 0.005 < float(np.sqrt(np.mean(samples**2))) < 0.5  # audible, not clipping


@pytest.mark.parametrize(
    ("size", "expected"),
    [((1600, 900), (426, 240)), ((720, 1080), (240, 360)), ((800, 800), (240, 240))],
)
def test_output_keeps_the_start_frame_aspect(tmp_path, size, expected):
    info = media.probe(render(tmp_path, start=picture(size)))
    assert (info.width, info.height) == expected


def test_the_first_frame_is_the_start_frame(tmp_path):
    start = picture((1280, 720), seed=9)
    frames = frames_of(render(tmp_path, start=start))
    other = small(picture((1280, 720), seed=4))
    assert difference(frames[0], small(start)) < 12
    assert difference(frames[0], other) > 3 * difference(frames[0], small(start))


def test_the_camera_moves_smoothly(tmp_path):
    frames = frames_of(render(tmp_path, duration=3))
    steps = [difference(a, b) for a, b in itertools.pairwise(frames)]
    assert max(steps) > 0.05  # it moves
    assert max(steps) < 8 * (np.median(steps) + 0.5)  # and never jumps


def test_an_end_frame_is_reached(tmp_path):
    start, end = picture((1280, 720), seed=1), picture((1280, 720), seed=7)
    frames = frames_of(render(tmp_path, start=start, end=end, duration=4))
    assert difference(frames[0], small(start)) < 12
    assert difference(frames[-1], small(end)) < 12
    assert difference(frames[-1], small(start)) > 2 * difference(frames[-1], small(end))


@pytest.mark.parametrize("size", [(1000, 1000), (1283, 721)])  # chroma 120x120, 215x121
def test_a_pull_out_keeps_the_colour_on_the_picture(size):
    # The video's Y, Cb and Cr planes are framed one by one. In a pull-out the half-size colour
    # planes must sit exactly under the shrunken picture, or colour slides a pixel against it
    # from frame to frame: each plane must match the same frame framed in RGB and converted.
    start = _Frame(picture(size, seed=2), output_size(*size, short_side=240))
    planar = start.planar()
    shot = Shot("pull back", 24, "pull_out")
    for i in range(0, 24, 3):
        (rgb,), _ = _picture(shot, i, start, None)
        planes, _ = _picture(shot, i, planar, None)
        for want, got in zip(yuv420_planes(rgb), planes, strict=True):
            assert np.abs(np.asarray(want, int) - np.asarray(got, int)).max() <= 12, i


def cut_positions(frames: np.ndarray) -> list[int]:
    steps = np.array([difference(a, b) for a, b in itertools.pairwise(frames)])
    threshold = max(10.0, 6 * float(np.median(steps)))
    return [i + 1 for i in np.flatnonzero(steps > threshold)]


def test_each_segment_boundary_is_one_cut(tmp_path):
    segments = (
        ("pan left across the hills", 3),
        ("zoom in on the tree", 4),
        ("pull back to reveal the valley", 3),
    )
    frames = frames_of(render(tmp_path, duration=10, segments=segments, captions=False))
    assert len(frames) == 10 * FPS
    assert cut_positions(frames) == [3 * FPS, 7 * FPS]


def test_intelligent_shot_type_makes_its_own_cuts(tmp_path):
    frames = frames_of(render(tmp_path, duration=6, shot_type="intelligent"))
    assert cut_positions(frames) == [3 * FPS]
    single = frames_of(render(tmp_path, "b.mp4", duration=6, shot_type="customize"))
    assert cut_positions(single) == []


def test_moves_are_chosen_from_the_prompt():
    assert choose_move("Slow cinematic push-in on her face") == "push_in"
    assert choose_move("The camera pulls back to reveal the city") == "pull_out"
    assert choose_move("Pan left along the shore") == "pan_left"
    assert choose_move("tilt up to the sky") == "tilt_up"
    assert choose_move("the drone orbits the tower") == "orbit"
    assert choose_move("she smiles") == "push_in"  # the gentle default
    shots = plan_shots("x", 9, [("pan right", 3), ("pan right", 3), ("she waits", 3)], "customize")
    assert [s.frames for s in shots] == [72, 72, 72]
    assert shots[0].move != shots[1].move  # consecutive shots always differ


def test_every_move_starts_on_the_full_frame():
    for move in ("push_in", "pull_out", "pan_left", "pan_right", "tilt_up", "tilt_down", "orbit"):
        assert camera(move, 0.0) == (1.0, 0.5, 0.5)
        zoom, cx, cy = camera(move, 1.0)
        assert (zoom, cx, cy) != (1.0, 0.5, 0.5)
    assert output_size(1000, 333) == (2162, 720)


def test_cancel_stops_the_render_and_leaves_no_file(tmp_path):
    stop = threading.Event()
    seen = []

    def progress(fraction):
        seen.append(fraction)
        stop.set()

    spec = RenderSpec(start=picture((640, 360)), prompt="p", duration=10, short_side=240)
    with pytest.raises(RenderCanceled):
        render_animatic(spec, tmp_path / "x.mp4", progress=progress, cancel=stop)
    assert seen and seen[-1] < 0.1
    assert list(tmp_path.iterdir()) == []


async def test_the_provider_renders_off_the_event_loop_and_reports_progress(tmp_path, make_image):
    provider = PreviewProvider(work_dir=tmp_path / "renders", short_side=240)
    request = parse_request({"image": str(make_image((1280, 720))), "prompt": "p", "duration": 5})
    request_id = await provider.submit(
        await provider.prepare(Inputs(request, await prepare_image(request.image)))
    )
    ticks, progress = 0, []
    while not isinstance(status := await provider.status(request_id), Succeeded):
        progress.append(getattr(status, "progress", None))
        ticks += 1  # the loop keeps turning while the render runs in a thread
        await asyncio.sleep(0.01)  # real time: the render is real work in another thread
    assert ticks > 5 and any(p and 0 < p < 1 for p in progress)
    await provider.download(status.video_url, tmp_path / "out.mp4")
    assert media.probe(tmp_path / "out.mp4").duration == pytest.approx(5, abs=1 / FPS)


async def test_the_provider_cancels_a_render(tmp_path, make_image):
    provider = PreviewProvider(work_dir=tmp_path / "renders", short_side=240)
    request = parse_request({"image": str(make_image()), "prompt": "p", "duration": 15})
    request_id = await provider.submit(
        await provider.prepare(Inputs(request, await prepare_image(request.image)))
    )
    await asyncio.sleep(0.05)  # real time: the render (a thread) gets under way
    await provider.cancel(request_id)
    await provider.wait(request_id, 10)
    assert isinstance(await provider.status(request_id), Canceled)


async def test_a_render_is_waited_for_even_on_a_clock_that_skips_idle_waits(tmp_path, make_image):
    # A render is real work: the pause between checks ends when it does, not when the test
    # clock has jumped over the pause (which would poll a render in a loop).
    from kling_ui.testing.clock import VirtualClock

    provider = PreviewProvider(work_dir=tmp_path / "renders", short_side=240)
    provider.clock = VirtualClock()
    request = parse_request({"image": str(make_image()), "prompt": "p", "duration": 3})
    request_id = await provider.submit(
        await provider.prepare(Inputs(request, await prepare_image(request.image)))
    )
    await provider.wait(request_id, 600)
    assert isinstance(await provider.status(request_id), Succeeded)
    assert provider.clock.offset == 0


async def test_renders_take_turns_in_their_own_pool_and_say_where_they_wait(tmp_path, make_image):
    import threading

    provider = PreviewProvider(work_dir=tmp_path / "renders", short_side=240, workers=1)
    request = parse_request({"image": str(make_image()), "prompt": "p", "duration": 3})
    payload = await provider.prepare(Inputs(request, await prepare_image(request.image)))
    ids = [await provider.submit(payload) for _ in range(3)]
    seen: list[tuple[str, int | None]] = []
    default_pool_free = []
    done = False
    while not done:
        statuses = [await provider.status(i) for i in ids]
        done = all(isinstance(s, Succeeded) for s in statuses)
        seen += [
            (i, s.position) for i, s in zip(ids, statuses, strict=True) if isinstance(s, Queued)
        ]
        # The default thread pool (paid jobs' probes and file writes) stays free meanwhile.
        started = asyncio.get_running_loop().time()
        await asyncio.to_thread(lambda: None)
        default_pool_free.append(asyncio.get_running_loop().time() - started < 0.5)
        await asyncio.sleep(0.02)  # real time: the renders are real work in their pool
    assert (ids[2], 1) in seen and (ids[1], 0) in seen  # third waits behind the second
    assert all(default_pool_free)
    names = {t.name for t in threading.enumerate()}
    assert any(n.startswith("preview-render") for n in names)


async def test_the_studio_previews_at_720p_like_kling_unless_told_otherwise(tmp_path):
    # Other tests run the app at 360 px for speed; the default is what users get.
    import httpx

    from kling_ui.config import Settings
    from kling_ui.providers.factory import create_provider

    async with httpx.AsyncClient() as client:
        for env, expected in (({}, 720), ({"preview_short_side": 480}, 480)):
            settings = Settings(_env_file=None, data_dir=tmp_path, **env)
            provider = create_provider("preview", settings=settings, client=client)
            assert provider.short_side == expected
