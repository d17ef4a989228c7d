"""Shared pieces for the benchmarks: figures with targets, and processes to measure."""

from __future__ import annotations

import json
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import psutil

from kling_ui.testing import clean_environment

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BENCH_KEY = "bench-key"


@dataclass
class Figure:
    """One measured figure beside its target."""

    name: str
    value: float
    unit: str
    target: float | None  # None: reported for context, no target
    lower_is_better: bool = True
    detail: str = ""

    @property
    def holds(self) -> bool | None:
        if self.target is None:
            return None
        return self.value <= self.target if self.lower_is_better else self.value >= self.target

    def row(self) -> str:
        target = (
            "—"
            if self.target is None
            else f"{'≤' if self.lower_is_better else '≥'} {self.target:g} {self.unit}"
        )
        verdict = {True: "holds", False: "MISSES", None: ""}[self.holds]
        return f"{self.name:<58} {self.value:>9.3f} {self.unit:<6} {target:<14} {verdict}"

    def as_dict(self) -> dict:
        return {**asdict(self), "holds": self.holds}


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 60.0, process: subprocess.Popen | None = None) -> float:
    """Seconds until `url` answers 200 (polling every 20 ms)."""
    start = time.monotonic()
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before serving")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return time.monotonic() - start
        except httpx.HTTPError:
            pass
        if time.monotonic() - start > timeout:
            raise TimeoutError(url)
        time.sleep(0.02)


class Fake:
    """A fake provider in its own process (so the load generator does not share its GIL)."""

    def __init__(self, provider: str = "runcomfy", *, queue: float = 0.0, run: float = 3.0):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "kling_ui.testing",
                provider,
                "--port",
                str(self.port),
                "--key",
                BENCH_KEY,
                "--queue-seconds",
                str(queue),
                "--run-seconds",
                str(run),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_http(f"{self.url}/_fake/log", process=self.process)

    def log(self) -> dict:
        return httpx.get(f"{self.url}/_fake/log", timeout=10).json()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


class App:
    """`python app.py` in its own process, configured against a fake provider."""

    def __init__(self, data_dir: Path, fake: Fake | None, *, log: Path | None = None, **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = clean_environment()
        environment.update(
            GRADIO_SERVER_PORT=str(self.port),
            KLING_UI_DATA_DIR=str(data_dir),
            KLING_UI_MCP="false",
            GRADIO_ANALYTICS_ENABLED="False",
            # The bench is hundreds of visitors behind one address: the gate's per-visitor
            # budget would count them as one (gate.py).
            KLING_UI_EVENT_LIMIT="1000000/minute",
            # ...and its jobs as one owner's: the limit on jobs in flight (4 by default) would
            # turn a burst of 500 into 496 polite refusals.
            KLING_UI_MAX_IN_FLIGHT="100000",
            **env,
        )
        if fake is not None:
            environment.update(
                RUNCOMFY_API_KEY=BENCH_KEY,
                RUNCOMFY_BASE_URL=fake.url,
                KLING_UI_ALLOW_PRIVATE_DOWNLOADS="1",  # the fake's links are on loopback
            )
        self.started = time.monotonic()
        output = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [PYTHON, "app.py"],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=output,
        )
        self.startup_seconds = wait_http(self.url + "/", process=self.process)

    def rss_mb(self) -> float:
        process = psutil.Process(self.process.pid)
        children = process.children(recursive=True)
        return sum(p.memory_info().rss for p in [process, *children]) / 1e6

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def delivery_timings(
    fake_log: dict, data_dir: Path, received: list[tuple[float, str]]
) -> tuple[list[float], list[float], list[int]]:
    """For each (moment the client held it, video path) received:
    seconds from the status answer that first reported the job done to that moment (the
    app's own overhead), seconds from the job finishing at the provider, and the number of
    status requests the job cost. Videos are matched to provider jobs through sidecars."""
    request_ids = {
        path.with_suffix(".mp4").name: json.loads(path.read_text())["request_id"]
        for path in (data_dir / "videos").glob("*.json")
    }
    after_detect, after_done, polls = [], [], []
    for held_at, video in received:
        request_id = request_ids[Path(video).name]
        done_at = fake_log["jobs"][request_id]["done_at"]
        status_calls = [
            c["time"]
            for c in fake_log["calls"]
            if c["route"] == "status" and f"/{request_id}/" in c["path"]
        ]
        polls.append(len(status_calls))
        after_detect.append(held_at - min(t for t in status_calls if t >= done_at))
        after_done.append(held_at - done_at)
    return after_detect, after_done, polls


def expected_polls(job_seconds: float) -> int:
    """Status requests the app's schedule (eta.next_delay) implies for a job this long, with
    jitter at its fastest (every wait 10 % short), plus the one that finds it finished: the
    most of a first job (a default guess of its length) and a learned one."""
    from kling_ui.eta import PollPlan, default_seconds, next_delay, summarize

    plan = PollPlan()
    guesses = [
        summarize([], default_seconds("runcomfy", 3, False)),
        summarize([job_seconds] * 5, job_seconds),
    ]
    most = 0
    for guess in guesses:
        t, previous, polls = 0.0, plan.shortest, 1
        while t < job_seconds:
            previous = next_delay(t, guess.seconds, guess.spread, previous, plan)
            t += previous * 0.9
            polls += 1
        most = max(most, polls)
    return most
