"""Small real MP4s for the fake providers to serve (encoded once per shape, then cached)."""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..media import AUDIO_RATE, VideoWriter

FPS = 12  # low rate keeps the fake fast; the probe only checks duration, codec and audio


@lru_cache(maxsize=64)
def sample_video_bytes(duration: int, sound: bool, size: tuple[int, int] = (160, 90)) -> bytes:
    """A `duration`-second H.264 clip (a moving colour ramp), with AAC when `sound`."""
    width, height = size
    x = np.linspace(0, 255, width, dtype=np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clip.mp4"
        with VideoWriter(
            path, width=width, height=height, fps=FPS, audio=sound, preset="ultrafast"
        ) as writer:
            for i in range(duration * FPS):
                shift = (i * 255 / (duration * FPS)) % 255
                row = ((x + shift) % 255).astype(np.uint8)
                frame = np.empty((height, width, 3), dtype=np.uint8)
                frame[..., 0] = row
                frame[..., 1] = 255 - row
                frame[..., 2] = int(shift)
                writer.write_frame(frame)
            if sound:
                t = np.arange(duration * AUDIO_RATE, dtype=np.float32) / AUDIO_RATE
                writer.write_audio(0.2 * np.sin(2 * np.pi * 220 * t))
        return path.read_bytes()
