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


def test_the_form_comes_back_after_a_reload_and_in_another_tab(page, stack):
    upload(page, "start-frame", assets.path("sunset_lake.jpg"))
    page.locator("#prompt textarea").fill("The lake, kept as a draft")
    choose_provider(page, "RunComfy")
    set_duration(page, 6)
    open_segments(page)
    page.locator("#segment-add").click()
    page.locator("#segment-add").click()
    page.locator("#segment-1-prompt textarea").fill("a wide shot of the lake")
    page.locator("#segment-2-prompt textarea").fill("the boat comes closer")
    page.locator("#segment-2-prompt textarea").blur()
    wait_for_saved_draft(page)

    page.reload()
    expect(page.locator("#draft-note")).to_contain_text("Your draft is back")
    expect(page.locator("#prompt textarea")).to_have_value("The lake, kept as a draft")
    expect(page.locator("#start-frame img")).to_be_visible()
    expect(page.locator("#provider input[value=runcomfy]")).to_be_checked()
    expect(page.locator("#cost")).not_to_contain_text("free")
    expect(page.locator("#duration input[type=number]")).to_have_value("6")
    expect(page.locator("#segment-1-prompt textarea")).to_have_value("a wide shot of the lake")
    expect(page.locator("#segment-2-prompt textarea")).to_have_value("the boat comes closer")
    shot(page, "draft-restored")

    other = page.context.new_page()  # another tab of the same browser: the same owner
    open_studio(other, stack["url"])
    expect(other.locator("#prompt textarea")).to_have_value("The lake, kept as a draft")
    other.close()

    # New empties the form, and a reload keeps it empty.
    page.locator("#draft-new").click()
    expect(page.locator("#prompt textarea")).to_have_value("")
    expect(page.locator("#start-frame img")).to_be_hidden()
    wait_for_saved_draft(page)  # the empty form, saved in turn
    page.reload()
    expect(page.locator("#draft-note")).to_contain_text("Your draft is back")
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
    rc.run_seconds = 8  # slow enough to reload while the story is being made
    try:
        page.get_by_role("tab", name="Story", exact=True).click()
        upload(page, "story-start", assets.path("sunset_lake.jpg"))
        page.locator("#story-add").click()
        for n, words in enumerate(("wide: the lake", "closer: the boat", "the moon rises"), 1):
            fill_shot(page, n, words)
        page.locator("#story-name").get_by_role("textbox").fill("Lake at dusk")
        page.locator("#story-provider").get_by_text("RunComfy").click()
        page.locator("#story-confirm input").check()
        submits = rc.submits
        page.locator("#story-generate").click()
        expect(page.locator("#story-status")).to_contain_text("Shot 1: ✓ made", timeout=60_000)

        page.reload()  # mid-run: the story, its shots and its progress come back
        page.get_by_role("tab", name="Story", exact=True).click()
        expect(page.locator("#story-name").get_by_role("textbox")).to_have_value("Lake at dusk")
        expect(page.locator("#shot-3-prompt textarea")).to_have_value("the moon rises")
        expect(page.locator("#story-status")).to_contain_text(re.compile("Making shot [23] of 3"))
        expect(page.locator("#story-frames")).to_contain_text("Shot 1: paid")
        expect(page.locator("#story-status")).to_contain_text("Your film is ready", timeout=90_000)
        expect(page.locator("#story-frames img")).to_have_count(3)
        assert rc.submits == submits + 3
        page.locator("#story-frames").scroll_into_view_if_needed()
        page.screenshot(path=str(DOCS / "story-restored.png"), full_page=True)

        # Again, after another reload: every shot is reused, none paid twice.
        page.reload()
        page.get_by_role("tab", name="Story", exact=True).click()
        expect(page.locator("#story-name").get_by_role("textbox")).to_have_value("Lake at dusk")
        page.locator("#story-confirm input").check()
        page.locator("#story-generate").click()
        expect(page.locator("#story-status")).to_contain_text("Shot 3: ✓ reused", timeout=60_000)
        expect(page.locator("#story-status")).to_contain_text("Your film is ready")
        assert rc.submits == submits + 3
    finally:
        rc.run_seconds = 1.0
