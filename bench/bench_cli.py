"""The same client-side figures for the CLI: wall time, concurrency, overhead, polling."""

from __future__ import annotations

import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kling_ui import assets
from kling_ui.testing import clean_environment

from .bench_app import JOB_SECONDS
from .harness import BENCH_KEY, PYTHON, ROOT, Fake, Figure, delivery_timings, expected_polls, median

IMAGE = str(assets.path("sunset_lake.jpg"))


def _cli(fake: Fake, data: Path) -> tuple[float, float, str]:
    env = clean_environment()
    env.update(
        RUNCOMFY_API_KEY=BENCH_KEY,
        RUNCOMFY_BASE_URL=fake.url,
        KLING_UI_DATA_DIR=str(data),
        KLING_UI_ALLOW_PRIVATE_DOWNLOADS="1",
    )
    # Wall-clock time, not monotonic: it is compared with the fake's log, which the fakes
    # stamp with the epoch clock (kling_ui.clock).
    start = time.time()
    done = subprocess.run(
        [
            PYTHON,
            "-m",
            "kling_ui",
            "generate",
            "--provider",
            "runcomfy",
            "--image",
            IMAGE,
            "--prompt",
            "Slow push in",
            "--duration",
            "3",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    ended = time.time()
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip())
    return start, ended, done.stdout.strip().splitlines()[-1]


def run(quick: bool = False) -> list[Figure]:
    figures: list[Figure] = []
    fake = Fake(run=JOB_SECONDS)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data"
            walls = []
            runs = []
            for _ in range(2 if quick else 3):
                start, ended, video = _cli(fake, data)
                walls.append(ended - start)
                runs.append((ended, video))
            one = median(walls)
            figures.append(
                Figure(
                    "CLI: one generation, 3 s fake job (wall, median)",
                    one,
                    "s",
                    None,
                    detail="includes Python start-up and imports",
                )
            )

            n = 5 if quick else 10
            start = time.monotonic()
            with ThreadPoolExecutor(n) as pool:
                batch = list(pool.map(lambda _: _cli(fake, data), range(n)))
            wall = time.monotonic() - start
            runs += [(ended, video) for _, ended, video in batch]
            figures.append(
                Figure(
                    f"CLI: {n} processes at once: wall / one run's",
                    wall / one,
                    "x",
                    None,
                    detail=f"wall {wall:.2f} s, one {one:.2f} s; no target: ten Python "
                    "start-ups (about 0.45 s of CPU each) share 2 cores",
                )
            )

            after_detect, _, polls = delivery_timings(fake.log(), data, runs)
            figures.append(
                Figure(
                    "CLI: overhead after the provider reports done (median)",
                    median(after_detect),
                    "s",
                    0.5,
                    detail="download + probe + print + process exit",
                )
            )
            expected = expected_polls(JOB_SECONDS)
            figures.append(
                Figure(
                    "CLI: status requests per job (max)",
                    max(polls),
                    "",
                    expected,
                    detail=f"schedule allows {expected}",
                )
            )
    finally:
        fake.stop()
    return figures
