"""The studio as users feel it: start-up, memory, many generations at once, overhead, polling."""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from gradio_client import Client, handle_file

from kling_ui import assets

from . import gradio_http
from .harness import App, Fake, Figure, delivery_timings, expected_polls, median

IMAGE = assets.path("sunset_lake.jpg")
JOB_SECONDS = 3.0
POLL = 1.0  # the default KLING_UI_POLL_INTERVAL (the shortest wait)


def _burst(url: str, n: int, sample_rss=None) -> tuple[float, list[tuple[float, str]], list[str]]:
    """n simultaneous generations through Gradio's HTTP API; (wall, results, errors said)."""
    stop = threading.Event()
    sampler = None
    if sample_rss is not None:
        sampler = threading.Thread(target=sample_rss, args=(stop,), daemon=True)
        sampler.start()

    async def burst() -> list:
        # keepalive_expiry under the server's 5 s keep-alive: see services.make_client.
        limits = httpx.Limits(
            max_connections=4 * n + 10, max_keepalive_connections=2 * n, keepalive_expiry=2.0
        )
        async with httpx.AsyncClient(timeout=300, limits=limits) as client:
            return await asyncio.gather(
                *(gradio_http.generate(client, url, IMAGE) for _ in range(n)),
                return_exceptions=True,
            )

    start = time.monotonic()
    outcomes = asyncio.run(burst())
    wall = time.monotonic() - start
    stop.set()
    if sampler is not None:
        sampler.join()
    results = [o for o in outcomes if not isinstance(o, BaseException)]
    errors = [f"{type(o).__name__}: {o}"[:200] for o in outcomes if isinstance(o, BaseException)]
    return wall, results, errors


def _paid_beside_previews(url: str, previews: int) -> float:
    """Start `previews` offline renders, then time one paid generation among them."""

    async def scenario() -> float:
        limits = httpx.Limits(max_connections=4 * previews + 10)
        async with httpx.AsyncClient(timeout=300, limits=limits) as client:
            renders = [
                asyncio.create_task(gradio_http.generate(client, url, IMAGE, provider="preview"))
                for _ in range(previews)
            ]
            await asyncio.sleep(1.0)  # the renders are under way
            start = time.monotonic()
            await gradio_http.generate(client, url, IMAGE)
            wall = time.monotonic() - start
            await asyncio.gather(*renders, return_exceptions=True)
            return wall

    return asyncio.run(scenario())


def _client_burst(url: str, n: int) -> tuple[float, int]:
    """The same through gradio_client (its own polling threads share this machine's CPU)."""

    def one(client: Client, take: int) -> None:
        client.predict(
            handle_file(str(IMAGE)),
            f"Slow push in, take {take}",  # separate jobs: identical calls would share one
            None,
            3,
            False,
            "customize",
            [],
            "runcomfy",
            api_name="/generate",
        )

    clients = [Client(url, verbose=False) for _ in range(max(1, n // 10))]
    errors = 0
    start = time.monotonic()
    with ThreadPoolExecutor(n) as pool:
        for future in [pool.submit(one, clients[i % len(clients)], i) for i in range(n)]:
            try:
                future.result(timeout=300)
            except Exception:
                errors += 1
    return time.monotonic() - start, errors


def run(quick: bool = False) -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp:
        # Start-up: process start to the first successful HTTP response.
        startups = []
        for i in range(2 if quick else 3):
            app = App(Path(tmp) / f"startup-{i}", None)
            startups.append(app.startup_seconds)
            app.stop()
        figures.append(
            Figure(
                "start-up to serving (median)",
                median(startups),
                "s",
                5.0,
                detail=f"runs: {[round(s, 2) for s in startups]}",
            )
        )

        fake = Fake(run=JOB_SECONDS)
        data = Path(tmp) / "data"
        app = App(data, fake)
        try:
            time.sleep(2.0)
            idle = app.rss_mb()
            figures.append(Figure("idle memory of the app (RSS)", idle, "MB", 300.0))

            # Each figure is a median over runs: one job's wall depends on where the +-10 %
            # poll jitter puts the poll that finds it finished.
            runs = 1 if quick else 3
            singles = [_burst(app.url, 1) for _ in range(runs)]
            single_wall = median([wall for wall, _, _ in singles])
            single = [result for _, results, _ in singles for result in results]
            figures.append(
                Figure(
                    "one generation, 3 s fake job (wall, median)",
                    single_wall,
                    "s",
                    None,
                    detail=f"runs: {[round(w, 2) for w, _, _ in singles]}",
                )
            )
            peak = {"rss": idle}

            def sample(stop: threading.Event) -> None:
                while not stop.is_set():
                    peak["rss"] = max(peak["rss"], app.rss_mb())
                    time.sleep(0.2)

            received = list(single)
            sizes = (10, 50) if quick else (10, 50, 100)
            for n in sizes:
                bursts = [
                    _burst(app.url, n, sample if n == sizes[-1] else None) for _ in range(runs)
                ]
                walls = [wall for wall, _, _ in bursts]
                errors = [e for _, _, said in bursts for e in said]
                received += [r for _, results, _ in bursts for r in results]
                figures.append(
                    Figure(
                        f"{n} simultaneous generations: wall / one job's (median)",
                        median(walls) / single_wall,
                        "x",
                        1.3 if n <= 50 else None,
                        detail=f"walls {[round(w, 2) for w in walls]} s, one job "
                        f"{single_wall:.2f} s",
                    )
                )
                figures.append(
                    Figure(
                        f"{n} simultaneous generations: errors (all runs)",
                        len(errors),
                        "",
                        0,
                        # A rare one has been seen in some runs: say what it was.
                        detail=f"first: {errors[0]}" if errors else "",
                    )
                )
            for n in (10, 50):
                wall, errors = _client_burst(app.url, n)
                figures.append(
                    Figure(
                        f"{n} at once via gradio_client: wall / one job's",
                        wall / single_wall,
                        "x",
                        None,
                        detail=f"wall {wall:.2f} s, errors {errors}; context: the client "
                        "library's polling threads compete for the same 2 cores",
                    )
                )
            busiest = sizes[-1]
            figures.append(
                Figure(
                    f"memory per running job (peak growth at {busiest} jobs)",
                    (peak["rss"] - idle) / busiest,
                    "MB",
                    2.0,
                    detail=f"idle {idle:.0f} MB, peak {peak['rss']:.0f} MB",
                )
            )

            # A paid job while free previews render: they must not slow it down. (After the
            # memory figures: the renders' image buffers would count as the jobs' memory.)
            with_previews = [_paid_beside_previews(app.url, 12) for _ in range(runs)]
            figures.append(
                Figure(
                    "a paid job while 12 previews render: wall / alone (median)",
                    median(with_previews) / single_wall,
                    "x",
                    1.2,
                    detail=f"walls {[round(w, 2) for w in with_previews]} s, alone "
                    f"{single_wall:.2f} s",
                )
            )
            after_detect, after_done, polls = delivery_timings(fake.log(), data, received)
            figures.append(
                Figure(
                    "overhead after the provider reports done (median)",
                    median(after_detect),
                    "s",
                    0.5,
                    detail="download + probe + return to the client",
                )
            )
            figures.append(
                Figure(
                    "provider done -> client holds video (median)",
                    median(after_done),
                    "s",
                    None,
                    detail=f"includes waiting for the next poll (first {POLL} s)",
                )
            )
            expected = expected_polls(JOB_SECONDS)
            figures.append(
                Figure(
                    "status requests per job (max)",
                    max(polls),
                    "",
                    expected,
                    detail=f"median {median(polls)}, schedule allows {expected}",
                )
            )
        finally:
            app.stop()
            fake.stop()
    return figures
