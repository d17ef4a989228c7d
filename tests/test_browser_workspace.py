"""The workspace in a real Chromium: a draft survives a reload (and opens in another tab of the
same browser); a saved story survives a reload mid-run and reuses its paid shots."""

from __future__ import annotations

import re

import pytest

from kling_ui import assets

from . import test_browser
from .conftest import ROOT
from .test_browser import (
    choose_provider,
    expect,
    finish,
    open_segments,
    open_studio,
    set_duration,
    shot,
    upload,
)

# The browser journeys' own fixtures: one server and one Chromium for this module.
browser, page, stack = test_browser.browser, test_browser.page, test_browser.stack

pytestmark = pytest.mark.browser
DOCS = ROOT / "docs"


def wait_for_saved_draft(page) -> None:
    expect(page.locator("#draft-note")).to_contain_text("Draft saved", timeout=10_000)


def restored(page) -> None:
    """Once the draft is back after a load (then saved again, as the restored form changed)."""
    back = re.compile("Your draft is back|Draft saved")
    expect(page.locator("#draft-note")).to_contain_text(back, timeout=20_000)


class DraftSaves:
    """The page's draft saves: those sent (queue joins of the save event) and, from the
    page's own count, those done; `after(edit)` returns once the edit's save has landed."""

    def __init__(self, page) -> None:
        self.page, self.event, self.sent = page, save_event(page), 0
        page.on("request", lambda r: self.count(r))

    def is_save(self, request) -> bool:
        body = request.post_data_json if "/queue/join" in request.url else None
        return (body or {}).get("fn_index") == self.event

    def count(self, request) -> None:
        self.sent += self.is_save(request)

    def after(self, edit) -> None:
        with self.page.expect_request(self.is_save, timeout=10_000):
            edit()
        self.page.wait_for_function(
            "n => Number(document.body.dataset.draftSaves || 0) >= n", arg=self.sent
        )

    def reload(self) -> None:
        self.page.reload()
        self.sent = 0  # a new page: its own count (its first save is ≥ 0.8 s away)


def save_event(page) -> int:
    """The index of the page's draft-save event (a server event on the prompt's change)."""
    config = page.request.get(page.url.split("?")[0].rstrip("/") + "/config").json()
    ids = {c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "prompt"}
    return next(
        d["id"]
        for d in config["dependencies"]
        if d.get("backend_fn") and any(t[0] in ids and t[1] == "change" for t in d["targets"])
    )


def test_the_form_comes_back_after_a_reload_and_in_another_tab(page, stack):
    saves = DraftSaves(page)
    saves.after(lambda: upload(page, "start-frame", assets.path("sunset_lake.jpg")))
    # Typing is saved once it pauses, not once a key: 25 keys, one save.
    before = saves.sent
    prompt = page.locator("#prompt textarea")
    saves.after(lambda: prompt.press_sequentially("The lake, kept as a draft", delay=30))
    assert saves.sent == before + 1
    choose_provider(page, "RunComfy")
    set_duration(page, 6)
    open_segments(page)
    page.locator("#segment-add").click()
    page.locator("#segment-add").click()
    page.locator("#segment-1-prompt textarea").fill("a wide shot of the lake")
    saves.after(lambda: page.locator("#segment-2-prompt textarea").fill("the boat comes closer"))
    wait_for_saved_draft(page)

    saves.reload()
    restored(page)
    expect(page.locator("#prompt textarea")).to_have_value("The lake, kept as a draft")
    expect(page.locator("#start-frame img")).to_be_visible()
    expect(page.locator("#provider input[value=runcomfy]")).to_be_checked()
    expect(page.locator("#cost")).not_to_contain_text("free")
    # 6 s, then segments of 6 s and 3 s: the clip is as long as its segments.
    expect(page.locator("#duration input[type=number]")).to_have_value("9")
    expect(page.locator("#segment-1-prompt textarea")).to_have_value("a wide shot of the lake")
    expect(page.locator("#segment-2-prompt textarea")).to_have_value("the boat comes closer")
    shot(page, "draft-restored")

    # Another tab of the same browser (the same owner), once any save the restore's
    # drawing set off has landed: the draft is whole, its frame too.
    page.wait_for_timeout(1500)
    other = page.context.new_page()
    open_studio(other, stack["url"])
    expect(other.locator("#prompt textarea")).to_have_value("The lake, kept as a draft")
    expect(other.locator("#start-frame img")).to_be_visible()
    expect(other.locator("#segment-2-prompt textarea")).to_have_value("the boat comes closer")
    other.close()

    # New empties the form, and a reload keeps it empty.
    saves.after(lambda: page.locator("#draft-new").click())  # the empty form, saved in turn
    expect(page.locator("#prompt textarea")).to_have_value("")
    expect(page.locator("#start-frame img")).to_be_hidden()
    page.reload()
    restored(page)
    expect(page.locator("#prompt textarea")).to_have_value("")
    expect(page.locator("#start-frame img")).to_be_hidden()
    expect(page.locator("#cost")).to_contain_text(re.compile("free", re.I))


def fill_shot(page, n: int, words: str) -> None:
    page.locator(f"#shot-{n}-prompt textarea").fill(words)
    box = page.locator(f"#shot-{n}-seconds input[type=number]")
    box.fill("3")
    box.press("Enter")


def test_a_story_survives_a_reload_mid_run_and_reuses_its_paid_shots(page, stack):
    rc = stack["rc"]
    rc.run_seconds = 8  # held running while the page reloads; ended by `finish`
    try:
        page.get_by_role("tab", name="Story", exact=True).click()
        upload(page, "story-start", assets.path("sunset_lake.jpg"))
        page.locator("#story-add").click()
        expect(page.locator("#shot-3-prompt")).to_be_visible()  # (its answer redraws every shot)
        for n, words in enumerate(("wide: the lake", "closer: the boat", "the moon rises"), 1):
            fill_shot(page, n, words)
        page.locator("#story-name").get_by_role("textbox").fill("Lake at dusk")
        page.locator("#story-provider").get_by_text("RunComfy").click()
        page.locator("#story-confirm input").check()
        submits = rc.submits
        page.locator("#story-generate").click()
        finish(stack, submits + 1)
        expect(page.locator("#story-status")).to_contain_text("Shot 1: ✓ made", timeout=60_000)

        page.reload()  # mid-run: the story, its shots and its progress come back
        page.get_by_role("tab", name="Story", exact=True).click()
        expect(page.locator("#story-name").get_by_role("textbox")).to_have_value(
            "Lake at dusk", timeout=20_000
        )
        expect(page.locator("#shot-3-prompt textarea")).to_have_value("the moon rises")
        expect(page.locator("#story-start img")).to_be_visible()  # the frame, mid-run too
        expect(page.locator("#story-saved input")).to_have_value("Lake at dusk")  # and chosen
        expect(page.locator("#story-status")).to_contain_text(re.compile("Making shot [23] of 3"))
        expect(page.locator("#story-frames")).to_contain_text("Shot 1: paid")
        rc.run_seconds = 1.0  # shot 3 in a second; shot 2 ends now
        finish(stack, submits + 2)
        expect(page.locator("#story-status")).to_contain_text("Your film is ready", timeout=90_000)
        # (The fake's shots end on the same picture: the gallery shows one image once.)
        expect(page.locator("#story-frames")).to_contain_text("Shot 2: paid")
        assert rc.submits == submits + 3
        page.locator("#story-frames").scroll_into_view_if_needed()
        page.screenshot(path=str(DOCS / "story-restored.png"), full_page=True)

        # Again, after another reload: every shot is reused, none paid twice.
        page.reload()
        page.get_by_role("tab", name="Story", exact=True).click()
        expect(page.locator("#story-name").get_by_role("textbox")).to_have_value(
            "Lake at dusk", timeout=20_000
        )
        expect(page.locator("#story-start img")).to_be_visible()  # the frame is back too
        page.locator("#story-confirm input").check()
        page.locator("#story-generate").click()
        expect(page.locator("#story-status")).to_contain_text("Shot 3: ✓ reused", timeout=60_000)
        expect(page.locator("#story-status")).to_contain_text("Your film is ready")
        assert rc.submits == submits + 3
    finally:
        rc.run_seconds = 1.0
