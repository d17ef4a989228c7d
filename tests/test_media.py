"""Probe, frames and stitching on real encoded files."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from kling_ui import media
from kling_ui.errors import MediaError
from kling_ui.stitching import stitch


def write_clip(path, seconds, colour, size=(160, 96), audio=False):
    with media.VideoWriter(path, width=size[0], height=size[1], fps=24, audio=audio) as writer:
        for _ in range(seconds * 24):
            writer.write_frame(Image.new("RGB", size, colour))
        if audio:
            writer.write_audio(np.zeros(seconds * media.AUDIO_RATE, np.float32))
    return path


def test_probe_reads_what_was_written(tmp_path):
    info = media.probe(write_clip(tmp_path / "a.mp4", 2, (200, 0, 0), audio=True))
    assert (info.width, info.height, info.fps, info.frames) == (160, 96, 24.0, 48)
    assert (info.video_codec, info.pix_fmt, info.audio_codec) == ("h264", "yuv420p", "aac")
    assert info.duration == pytest.approx(2.0) and info.has_audio


def test_probe_refuses_what_is_not_a_video(tmp_path):
    (tmp_path / "x.mp4").write_bytes(b"not a video at all")
    with pytest.raises(MediaError, match="not a playable video"):
        media.probe(tmp_path / "x.mp4")
    Image.new("RGB", (64, 64)).save(tmp_path / "still.png")
    with pytest.raises(MediaError, match="still image, not a video"):
        media.probe(tmp_path / "still.png")


def test_first_and_last_frames(tmp_path):
    path = tmp_path / "ramp.mp4"
    with media.VideoWriter(path, width=64, height=64) as writer:
        for i in range(24):
            writer.write_frame(Image.new("RGB", (64, 64), (i * 10, 0, 0)))
    assert media.extract_frame(path).getpixel((32, 32))[0] < 10
    assert media.extract_frame(path, last=True).getpixel((32, 32))[0] > 220


def test_a_failed_write_leaves_no_file(tmp_path):
    with (
        pytest.raises(RuntimeError),
        media.VideoWriter(tmp_path / "x.mp4", width=64, height=64) as writer,
    ):
        writer.write_frame(Image.new("RGB", (64, 64)))
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_stitch_copies_matching_clips_without_reencoding(tmp_path):
    a = write_clip(tmp_path / "a.mp4", 2, (255, 0, 0), audio=True)
    b = write_clip(tmp_path / "b.mp4", 3, (0, 0, 255), audio=True)
    out = stitch([a, b], tmp_path / "ab.mp4")
    info = media.probe(out)
    assert info.duration == pytest.approx(5.0, abs=0.05) and info.has_audio
    assert info.frames == 120
    # copied packets: the output is about the inputs' size, not a fresh encode's
    assert info.size_bytes < (a.stat().st_size + b.stat().st_size) * 1.1
    assert media.extract_frame(out).getpixel((5, 5))[0] > 200
    assert media.extract_frame(out, last=True).getpixel((5, 5))[2] > 200


def test_stitch_reencodes_clips_that_differ(tmp_path):
    a = write_clip(tmp_path / "a.mp4", 1, (255, 0, 0), size=(160, 96), audio=True)
    b = write_clip(tmp_path / "b.mp4", 2, (0, 255, 0), size=(320, 192))
    info = media.probe(stitch([a, b], tmp_path / "ab.mp4"))
    assert (info.width, info.height) == (160, 96)
    assert info.duration == pytest.approx(3.0, abs=0.05) and info.has_audio
