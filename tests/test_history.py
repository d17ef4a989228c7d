"""The History grid: first-frame pictures made once, redrawn only when something changed."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from kling_ui.request import parse_request
from kling_ui.service import Caller
from kling_ui.store import JobRecord
from kling_ui.ui.history import grid_values


async def test_the_grid_is_redrawn_only_when_a_job_changes(manager, studio, make_image):
    request = parse_request({"image": str(make_image()), "prompt": "lake", "duration": 3})
    job = await manager.wait((await manager.submit(request, provider="preview")).id)
    # A job with no picture to show (its frame was a URL and it has no video).
    manager.store.insert(
        JobRecord(
            id="nopicture001",
            owner=job.owner,
            provider="runcomfy",
            request={"image": "https://example.test/a.jpg", "prompt": "p", "duration": 5},
            state="failed",
        )
    )
    caller = Caller(job.owner)
    pictures, drawn = grid_values(studio, caller)
    assert drawn == [f"{job.id}:succeeded"] and len(pictures) == 1
    assert Path(job.video_path).with_suffix(".thumb.jpg").exists()  # made once, kept
    again, same = grid_values(studio, caller, drawn)
    assert same == drawn and again == gr.skip()  # nothing to redraw
