"""The job tray in a real Chromium, against a slow fake RunComfy: several jobs at once, each
a card; a reload keeps them; Retry and "make it on Kling" pay once, after saying the cost."""

from __future__ import annotations

import re

import pytest

from kling_ui import assets

from . import test_browser
from .conftest import ROOT, eventually
from .test_browser import (
    axe_problems,
    choose_provider,
    finish,
    open_studio,
    serve_stack,
    set_duration,
    upload,
)

# One Chromium for this module, as test_browser's.
browser = test_browser.browser

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

DOCS = ROOT / "docs"
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    # Slow: jobs stay queued and running long enough to start another and to reload, unless
    # the test ends them first (`finish`).
    folder = tmp_path_factory.mktemp("tray")
    yield from serve_stack(folder, queue_seconds=2.0, run_seconds=6.0, polls=(0.3, 0.6))


def new_page(browser, stack, viewport):
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(30_000)
    open_studio(page, stack["url"])
    return context, page


def card(page, words: str):
    return page.locator("#tray .tray-card", has_text=words)


def start(page, prompt: str, provider: str = "RunComfy", seconds: int = 3) -> None:
    page.locator("#prompt textarea").fill(prompt)
    choose_provider(page, provider)
    set_duration(page, seconds)
    page.locator("#generate").click()
    expect(card(page, prompt[:30])).to_be_visible()


@pytest.mark.parametrize(("device", "viewport"), [("laptop", LAPTOP), ("phone", PHONE)])
def test_two_paid_jobs_from_one_page_each_get_a_card_and_survive_a_reload(
    browser, stack, device, viewport
):
    rc = stack["rc"]
    context, page = new_page(browser, stack, viewport)
    try:
        before = rc.submits
        upload(page, "start-frame", assets.path("sunset_lake.jpg"))
        first, second = f"First {device} clip: a slow push in", f"Second {device} clip: a tilt"
        start(page, first)
        expect(page.locator("#generate")).to_be_enabled()  # never blocked by a job
        page.wait_for_timeout(1500)  # a person starts the next a moment later
        start(page, second)
        assert rc.submits == before + 2  # each sent once
        expect(page).to_have_title(re.compile(r"^\(2\) "))  # the tab says how many run
        cards = page.locator("#tray .tray-card")
        expect(cards.first).to_contain_text(second[:30])  # newest first
        expect(card(page, first[:30])).to_contain_text(re.compile("Sending|Queued|Generating"))
        expect(card(page, first[:30])).to_contain_text("RunComfy")
        # The tray is in view: beside the form on a laptop, under Generate on a phone.
        seen, where = in_view(page, "#tray .tray-card")
        assert seen, where
        if device == "laptop":  # beside the form it stays in view, to the page's very end
            page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
            seen, where = in_view(page, "#tray .tray-card")
            assert seen, where
            page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(DOCS / f"tray-{device}.png"))
        # The pinned bar shows both amounts, the estimate and what was spent, uncut.
        expect(page.locator("#spend-today")).to_contain_text("Spent today")
        for box in ("#cost", "#spend-today"):
            assert amount_shown(page, box), (box, page.locator(box).inner_text())
        # A card click shows that job, and only that job, in the result panel.
        card(page, first[:30]).locator(".tray-pick").click()
        job_id = card(page, first[:30]).get_attribute("data-job")
        page.get_by_text("Details", exact=True).click()
        expect(page.locator("#details")).to_contain_text(job_id)
        page.get_by_text("Details", exact=True).click()
        expect(card(page, first[:30])).to_have_attribute("aria-current", "true")
        page.reload()
        expect(card(page, first[:30])).to_be_visible()
        expect(card(page, second[:30])).to_be_visible()
        finish(stack, before + 2)
        expect(card(page, first[:30])).to_contain_text("Done", timeout=60_000)
        expect(card(page, second[:30])).to_contain_text("Done", timeout=60_000)
        # Two finished cards, one shown: its video sits under the status, on the screen (a
        # column capped in height once wrapped it off the screen's right edge).
        card(page, first[:30]).locator(".tray-pick").click()
        expect(page.locator("#result-video video")).to_be_attached()
        video = page.locator("#result-video").bounding_box()
        assert video and video["x"] + video["width"] <= viewport["width"], video
        assert rc.submits == before + 2
        expect(card(page, first[:30]).get_by_text("Download the video (MP4)")).to_be_visible()
        # History lists them as cards too, with filters; axe finds nothing serious in either.
        problems = {"Studio": axe_problems(page)}
        page.get_by_role("tab", name="History").click()
        expect(page.locator("#history-cards .tray-card", has_text=first[:30])).to_be_visible()
        page.locator("#history-search input, #history-search textarea").first.fill("Second")
        expect(page.locator("#history-cards .tray-card", has_text=first[:30])).to_have_count(0)
        expect(page.locator("#history-cards .tray-card", has_text=second[:30])).to_be_visible()
        problems["History"] = axe_problems(page)
        assert problems == {"Studio": [], "History": []}
        name = "history.png" if device == "laptop" else "history-phone.png"
        page.screenshot(path=str(DOCS / name))
    finally:
        context.close()


def amount_shown(page, selector: str) -> bool:
    """Whether the first "$" amount in `selector` is drawn inside its box (not clamped)."""
    return page.evaluate(
        """(selector) => {
          const box = document.querySelector(selector + ' p');
          const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.textContent.indexOf('$');
            if (at < 0) { continue; }
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, Math.min(at + 5, node.textContent.length));
            const got = range.getBoundingClientRect(), outer = box.getBoundingClientRect();
            return got.bottom <= outer.bottom + 1 && got.right <= outer.right + 1;
          }
          return false;
        }""",
        selector,
    )


def in_view(page, selector: str) -> tuple[bool, object]:
    box = page.locator(selector).first.bounding_box()
    size = page.viewport_size
    assert box and size, (box, size)
    # Where the page and the result column were scrolled, should the card be out of view.
    scrolled = page.evaluate(
        "() => ({page: window.scrollY, column: document.querySelector('#result-col')?.scrollTop})"
    )
    return (box["y"] >= -1 and box["y"] + 40 <= size["height"]), (box, size, scrolled)


def test_a_failed_job_says_so_and_retry_pays_once_after_saying_the_cost(browser, stack):
    rc = stack["rc"]
    context, page = new_page(browser, stack, LAPTOP)
    try:
        upload(page, "start-frame", assets.path("night_city.jpg"))
        rc.fail_next_job("Generation failed: content filter")
        before = rc.submits
        start(page, "Fail me once, then retry")
        finish(stack, before + 1)
        failed = card(page, "Fail me once")
        expect(failed).to_contain_text("Failed", timeout=60_000)
        expect(failed).to_contain_text("content filter")
        retry = failed.locator("[data-act=retry]")
        expect(retry).to_have_text(re.compile(r"Retry · about \$0\.\d\d"))
        expect(failed.get_by_role("link", name=re.compile("usage page"))).to_have_attribute(
            "href", re.compile("^https://")
        )
        before = rc.submits
        retry.click()
        expect(page.locator("#tray .tray-card", has_text="Fail me once")).to_have_count(2)
        finish(stack, before + 1)
        expect(page.locator("#tray .tray-card").first).to_contain_text("Done", timeout=60_000)
        assert rc.submits == before + 1
    finally:
        context.close()


def test_make_it_on_kling_sends_the_previews_exact_settings_once(browser, stack):
    rc = stack["rc"]
    context, page = new_page(browser, stack, LAPTOP)
    try:
        upload(page, "start-frame", assets.path("sunset_lake.jpg"))
        prompt = "The ladder: from preview to Kling <b>bold</b> ${x}"
        start(page, prompt, provider="Offline preview", seconds=4)
        preview = card(page, "The ladder")
        expect(preview).to_contain_text("Done", timeout=60_000)
        expect(preview).to_contain_text("<b>bold</b> ${x}")  # shown as typed, never as HTML
        ladder = preview.locator("[data-act^=remake]")
        expect(ladder).to_have_text(
            re.compile(r"Make it on Kling: O3 Standard on RunComfy · about \$")
        )
        before = rc.submits
        preview_id = preview.get_attribute("data-job")
        ladder.click()
        expect(page.locator("#tray .tray-card", has_text="The ladder")).to_have_count(2)
        real_id = page.locator("#tray .tray-card").first.get_attribute("data-job")
        real = page.locator(f"#tray .tray-card[data-job='{real_id}']")
        expect(real).to_contain_text("RunComfy")
        finish(stack, before + 1)
        expect(real).to_contain_text("Done", timeout=60_000)
        assert rc.submits == before + 1
        first = page.locator(f"#tray .tray-card[data-job='{preview_id}']")
        expect(first.locator("[data-act^=remake]")).to_have_count(0)  # offered once
        expect(first).to_contain_text("Made again")
        body = rc.calls_to("submit")[-1]["json"]
        assert prompt in body.values() and 4 in body.values(), body
        # The same settings sent from the form by hand, seconds later, are that very job
        # (the double-submit guard): nothing is paid twice.
        first.locator(".tray-pick").click()  # the preview is shown: Generate's answer shows
        expect(first).to_have_attribute("aria-current", "true")
        choose_provider(page, "RunComfy")
        page.locator("#model").get_by_text("Kling O3 Standard").click()
        page.locator("#generate").click()
        expect(real).to_have_attribute("aria-current", "true")  # ...the job it already is
        expect(page.locator("#tray .tray-card", has_text="The ladder")).to_have_count(2)
        assert rc.submits == before + 1
        # Typed by hand into another visitor's page, they make the very same body.
        assert by_hand(browser, stack, prompt) == body
        # The draft's card offers the final rung, with its cost.
        expect(real.locator("[data-act^=remake]")).to_have_text(
            re.compile(r"Final on O3 Pro · about \$")
        )
    finally:
        context.close()


def by_hand(browser, stack, prompt: str) -> dict:
    """What a new visitor's page sends for this prompt on a 4 s O3 Standard clip."""
    context, page = new_page(browser, stack, LAPTOP)
    try:
        rc = stack["rc"]
        submits = rc.submits
        upload(page, "start-frame", assets.path("sunset_lake.jpg"))
        page.locator("#prompt textarea").fill(prompt)
        choose_provider(page, "RunComfy")
        page.locator("#model").get_by_text("Kling O3 Standard").click()
        set_duration(page, 4)
        page.locator("#generate").click()
        eventually(lambda: rc.submits == submits + 1)
        return rc.calls_to("submit")[-1]["json"]
    finally:
        context.close()


def test_another_browser_sees_none_of_these_cards(browser, stack):
    context, page = new_page(browser, stack, LAPTOP)
    try:
        upload(page, "start-frame", assets.path("sunset_lake.jpg"))
        start(page, "Mine alone", provider="Offline preview")
        other_context, other = new_page(browser, stack, LAPTOP)
        try:
            expect(other.locator("#tray")).to_contain_text("Your jobs appear here")
            expect(other.locator("#tray .tray-card")).to_have_count(0)
        finally:
            other_context.close()
    finally:
        context.close()


def test_a_new_card_from_a_card_lower_down_is_shown_on_top(browser, stack):
    context, page = new_page(browser, stack, LAPTOP)
    try:
        upload(page, "start-frame", assets.path("sunset_lake.jpg"))
        for n in range(4):
            start(page, f"Stacked clip {n}", provider="Offline preview", seconds=3)
        oldest = card(page, "Stacked clip 0")
        expect(oldest).to_contain_text("Done", timeout=60_000)
        # The list scrolled down to the oldest card, whose step up the ladder is pressed.
        page.evaluate("() => { const l = document.querySelector('#tray .tray-list');"
                      " l.scrollTop = l.scrollHeight; }")  # fmt: skip
        oldest.locator("[data-act^=remake]").click()
        expect(page.locator("#tray .tray-card")).to_have_count(5)
        expect(page.locator("#tray .tray-card").first).to_contain_text("RunComfy")
        expect(page.locator("#tray .tray-card").first).to_be_in_viewport()
        scrolled = page.evaluate("() => document.querySelector('#tray .tray-list').scrollTop")
        assert scrolled == 0, scrolled
    finally:
        context.close()
