"""Local CPU work: the offline preview's render time, normalising a 10 MB start frame, and the
memory of many visitors' frame checks of a 59 MP frame at once."""

from __future__ import annotations

import asyncio
import io
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from kling_ui import assets
from kling_ui.animatic import RenderSpec, render_animatic
from kling_ui.config import Settings
from kling_ui.images import MAX_BYTES, normalise_image
from kling_ui.service import Caller, open_studio
from kling_ui.testing.memory import MB, PeakRSS
from kling_ui.testing.pictures import blank_png

from .harness import Figure, median


def _ten_megabyte_jpeg() -> bytes:
    """A photo-like JPEG just under 10 MB (about 24 megapixels)."""
    rng = np.random.default_rng(5)
    base = Image.open(assets.path("sunset_lake.jpg")).resize((6000, 4000))
    grain = Image.fromarray(rng.integers(0, 255, (4000, 6000, 3), dtype=np.uint8))
    grain = grain.filter(ImageFilter.GaussianBlur(0.6))
    photo = Image.blend(base, grain, 0.35)
    for quality in (95, 92, 90, 88, 85, 80):
        buffer = io.BytesIO()
        photo.save(buffer, "JPEG", quality=quality)
        if buffer.tell() <= MAX_BYTES:
            return buffer.getvalue()
    return buffer.getvalue()


def run(quick: bool = False) -> list[Figure]:
    figures: list[Figure] = []
    start = Image.open(assets.path("sunset_lake.jpg")).convert("RGB")
    runs = 2 if quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        for seconds, target in ((5, 2.0), (15, 6.0)):
            times = []
            for i in range(runs):
                spec = RenderSpec(start=start, prompt="slow push in", duration=seconds)
                began = time.perf_counter()
                render_animatic(spec, Path(tmp) / f"r{seconds}-{i}.mp4")
                times.append(time.perf_counter() - began)
            figures.append(
                Figure(
                    f"offline preview render, {seconds} s clip at 720p (median)",
                    median(times),
                    "s",
                    target,
                    detail=f"runs: {[round(t, 2) for t in times]}",
                )
            )
        segments = (("pan left", 5), ("zoom in", 5), ("pull back", 5))
        spec = RenderSpec(start=start, prompt="x", duration=15, segments=segments, sound=True)
        began = time.perf_counter()
        render_animatic(spec, Path(tmp) / "segments.mp4")
        figures.append(
            Figure(
                "offline preview render, 15 s, 3 segments + sound",
                time.perf_counter() - began,
                "s",
                6.0,
            )
        )

    raw = _ten_megabyte_jpeg()
    times = []
    for _ in range(5):
        began = time.perf_counter()
        normalise_image(raw)
        times.append(time.perf_counter() - began)
    figures.append(
        Figure(
            f"normalise a {len(raw) / 1e6:.1f} MB start frame (median)",
            median(times),
            "s",
            0.3,
            detail="24 MP JPEG, checked and kept",
        )
    )
    times = []
    for _ in range(3):
        began = time.perf_counter()
        normalise_image(raw, max_bytes=6 * 1024 * 1024)
        times.append(time.perf_counter() - began)
    figures.append(
        Figure("  ... re-encoded to fit RunComfy's 6 MiB data-URI limit", median(times), "s", None)
    )
    grown, seconds, workers = asyncio.run(_frame_checks_at_once(6))
    figures.append(
        Figure(
            "6 visitors' frame checks of one 59 MP PNG at once: peak",
            grown / MB,
            "MB",
            600.0,
            detail=f"{seconds:.2f} s in all; {workers} image threads (each decode ~180 MB)",
        )
    )
    return figures


async def _frame_checks_at_once(count: int) -> tuple[int, float, int]:
    """Peak memory growth (bytes), seconds and image threads: `count` signed visitors check
    the same 59 MP frame at once through the service, whose image threads (gate.ImageWork)
    decode a few at a time; before them, every caller decoded at once."""
    with tempfile.TemporaryDirectory() as tmp:
        frame = Path(tmp) / "big.png"
        frame.write_bytes(blank_png(7680, 7680))
        settings = Settings(_env_file=None, data_dir=Path(tmp) / "data", mcp=False)
        async with open_studio(settings) as studio:
            callers = [Caller("local", f"visitor-{i}") for i in range(count)]
            began = time.perf_counter()
            with PeakRSS() as memory:
                await asyncio.gather(
                    *(studio.frame_report(c, str(frame), None, 0) for c in callers)
                )
            return memory.grown, time.perf_counter() - began, studio.images.workers
