"""The History grid of cards: first-frame pictures made once, redrawn only when something
changed, filtered by status, provider and the prompt's words, every word escaped."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from kling_ui.request import parse_request
from kling_ui.service import Caller
from kling_ui.store import JobRecord
from kling_ui.ui.history import cards_values


async def test_the_cards_are_redrawn_only_when_a_job_changes(manager, studio, make_image):
    request = parse_request({"image": str(make_image()), "prompt": "lake", "duration": 3})
    job = await manager.wait((await manager.submit(request, provider="preview")).id)
    # A job with no picture to show (its frame was a URL and it has no video).
    manager.store.insert(
        JobRecord(
            id="nopicture001",
            owner=job.owner,
            provider="runcomfy",
            request={"image": "https://example.test/a.jpg", "prompt": "<script>p", "duration": 5},
            state="failed",
        )
    )
    caller = Caller(job.owner)
    cards, drawn = cards_values(studio, caller)
    assert cards.count('class="tray-card') == 2 and cards.count("<img") == 1
    assert "&lt;script&gt;p" in cards and "<script>" not in cards
    assert "Download the video (MP4)" in cards  # says what it downloads
    assert Path(job.video_path).with_suffix(".thumb.jpg").exists()  # made once, kept
    again, same = cards_values(studio, caller, drawn=drawn)
    assert same == drawn and again == gr.skip()  # nothing to redraw
    failed, _ = cards_values(studio, caller, ("", "failed", "all"))
    assert 'data-job="nopicture001"' in failed and job.id not in failed
    by_provider, _ = cards_values(studio, caller, ("", "all", "preview"))
    assert job.id in by_provider and "nopicture001" not in by_provider
    found, _ = cards_values(studio, caller, ("LAKE", "all", "all"))
    assert job.id in found and "nopicture001" not in found
    none, _ = cards_values(studio, caller, ("no such words", "all", "all"))
    assert "No job matches" in none
    stranger, _ = cards_values(studio, Caller("someone-else"))
    assert job.id not in stranger
