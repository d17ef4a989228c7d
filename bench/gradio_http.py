"""A thin async client for Gradio's documented HTTP API, to load the app without loading
ourselves: gradio_client runs two 20 Hz polling threads per call, so fifty calls in one
process spend most of a 2-core machine on the client. Same wire, same endpoint.

  POST /gradio_api/upload            multipart files -> ["server path", ...]
  POST /gradio_api/call/<api_name>   {"data": [...]} -> {"event_id": "..."}
  GET  /gradio_api/call/<api_name>/<event_id>   SSE: "event: complete" / "event: error"
"""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import httpx

_TAKES = itertools.count(1)


async def upload(client: httpx.AsyncClient, base: str, path: Path) -> str:
    with open(path, "rb") as f:
        response = await client.post(
            f"{base}/gradio_api/upload", files={"files": (path.name, f.read(), "image/jpeg")}
        )
    response.raise_for_status()
    return response.json()[0]


async def call(client: httpx.AsyncClient, base: str, api_name: str, data: list) -> list:
    """Run an endpoint to completion; return its output data (raises on an error event)."""
    response = await client.post(f"{base}/gradio_api/call/{api_name}", json={"data": data})
    response.raise_for_status()
    event_id = response.json()["event_id"]
    event = None
    async with client.stream("GET", f"{base}/gradio_api/call/{api_name}/{event_id}") as stream:
        async for line in stream.aiter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                payload = json.loads(line.split(":", 1)[1].strip() or "null")
                if event == "error":
                    raise RuntimeError(f"{api_name} failed: {payload}")
                return payload
    raise RuntimeError(f"{api_name}: the stream ended without a result")


async def generate(
    client: httpx.AsyncClient, base: str, image: Path, *, provider: str = "runcomfy"
) -> tuple[float, str]:
    """One /generate call through the HTTP API; returns (when the video was held, its name).

    Each call's prompt is its own: identical requests from one caller within seconds share
    a job by design (the double-submit guard), and these are meant to be separate jobs.
    """
    server_path = await upload(client, base, image)
    file = {"path": server_path, "meta": {"_type": "gradio.FileData"}}
    prompt = f"Slow push in, take {next(_TAKES)}"
    [video] = await call(
        client,
        base,
        "generate",
        [file, prompt, None, 3, False, "customize", [], provider],
    )
    url = video["url"] if isinstance(video, dict) else video
    response = await client.get(url)  # the client holds the video once it is downloaded
    response.raise_for_status()
    # Wall-clock time: the fake provider's log (job ends, status calls) is on time.time() too.
    return time.time(), (video.get("path") if isinstance(video, dict) else url)
