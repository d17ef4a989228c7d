"""The workspace in a real Chromium: a draft survives a reload (and opens in another tab of the
same browser); a saved story survives a reload mid-run and reuses its paid shots."""

from __future__ import annotations

import re

import pytest

from kling_ui import assets

from . import test_browser
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
