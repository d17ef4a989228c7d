"""The Studio form agrees with itself (issue #28), in a real Chromium on a laptop and a phone:
problems leave when fixed, segments set the clip, a refused key makes no job, the first
screen holds what a first clip needs, the keyboard reaches Generate."""

from __future__ import annotations

import pytest

from kling_ui import assets

from .test_browser import (  # noqa: F401 (fixtures)
    ROOT,
    browser,
    choose_provider,
    expect,
    open_segments,
    open_studio,
    stack,
    upload,
    use_preview,
)

pytestmark = pytest.mark.browser
DOCS = ROOT / "docs"
LAPTOP, PHONE = (1366, 768), (390, 844)


@pytest.fixture
def laptop(browser, stack):  # noqa: F811
    context = browser.new_context(viewport={"width": LAPTOP[0], "height": LAPTOP[1]})
    page = context.new_page()
    page.set_default_timeout(20_000)
    open_studio(page, stack["url"])
    yield page
    context.close()


def box(page, selector: str) -> dict:
    return page.eval_on_selector(
        selector,
        "el => { const b = el.getBoundingClientRect(); return {top: b.top, "
        "bottom: b.bottom, height: b.height}; }",
    )


def on_first_screen(page, selector: str) -> bool:
    """Wholly on screen and above the pinned action bar (Generate itself is in it)."""
    b, bar = box(page, selector), box(page, "#actions")
    limit = page.viewport_size["height"] if selector == "#generate" else bar["top"]
    return b["top"] >= 0 and b["height"] > 0 and b["bottom"] <= limit + 1


def test_ctrl_enter_in_the_prompt_starts_a_job_and_focus_goes_to_the_card(laptop):
    upload(laptop, "start-frame", assets.path("sunset_lake.jpg"))
    use_preview(laptop)
    prompt = laptop.locator("#prompt textarea")
    prompt.fill("slow push in over the lake")
    prompt.press("Control+Enter")
    expect(laptop.locator("#cancel")).to_be_enabled()
    focused = laptop.evaluate("() => document.activeElement.closest('#tray') !== null")
    assert focused, laptop.evaluate("() => document.activeElement.outerHTML.slice(0, 80)")
    expect(laptop.locator("#status")).to_contain_text("Done", timeout=60_000)


def test_a_fixed_frame_problem_disappears_without_another_click(laptop, make_image):
    upload(laptop, "start-frame", make_image((200, 200)))
    use_preview(laptop)
    laptop.locator("#prompt textarea").fill("she turns and smiles")
    laptop.locator("#generate").click()
    problem = laptop.locator("#frames-problem")
    expect(problem).to_contain_text("300 px")
    expect(problem).to_contain_text("nothing was sent")
    assert box(laptop, "#actions")["height"] < 90  # the pinned bar did not grow
    laptop.wait_for_function("() => document.activeElement.id === 'frames-problem'")
    assert on_first_screen(laptop, "#frames-problem")
    upload(laptop, "start-frame", assets.path("portrait_studio.jpg"))
    expect(problem).to_be_hidden()
    expect(problem).not_to_contain_text("300 px")
    expect(laptop.locator("#form-errors")).not_to_contain_text("300 px")


def test_three_segments_of_4_s_make_a_12_s_clip_with_no_problem_shown(laptop, stack):  # noqa: F811
    upload(laptop, "start-frame", assets.path("night_city.jpg"))
    use_preview(laptop)
    laptop.locator("#prompt textarea").fill("a city at night")
    open_segments(laptop)
    for n in range(1, 4):
        laptop.locator("#segment-add").click()
        expect(laptop.locator(f"#segment-{n}-prompt textarea")).to_be_visible()
        expect(laptop.locator("#segment-total")).not_to_contain_text("too long")
    for n in range(1, 4):
        laptop.locator(f"#segment-{n}-prompt textarea").fill(f"shot {n}")
        seconds = laptop.locator(f"#segment-{n}-seconds input")
        seconds.fill("4")
        seconds.press("Tab")
    expect(laptop.locator("#segment-total")).to_contain_text("12 s")
    expect(laptop.locator("#segment-total")).not_to_contain_text("⚠")
    expect(laptop.locator("#duration input[type=number]")).to_have_value("12")
    # A focused field is scrolled clear of the pinned bar.
    laptop.locator("#segment-3-seconds input").focus()
    assert box(laptop, "#segment-3-seconds input")["bottom"] <= box(laptop, "#actions")["top"]
    laptop.locator("#generate").click()
    expect(laptop.locator("#cancel")).to_be_enabled()
    for slot in ("timing", "frames", "prompt", "provider"):
        expect(laptop.locator(f"#{slot}-problem")).to_be_hidden()


def test_a_refused_key_creates_no_job_and_says_not_charged(laptop, stack):  # noqa: F811
    rc = stack["rc"]
    submits = rc.submits
    upload(laptop, "start-frame", assets.path("sunset_lake.jpg"))
    laptop.locator("#prompt textarea").fill("one refused key")
    choose_provider(laptop, "RunComfy")
    laptop.wait_for_selector("body[data-keys-restored]", state="attached")
    laptop.locator("#keys").get_by_text("Your API keys").click()
    laptop.get_by_label("RunComfy API key").fill("wrong-key-typed-here")
    laptop.get_by_label("RunComfy API key").press("Tab")  # typed, then on to Generate
    laptop.locator("#generate").click()
    problem = laptop.locator("#provider-problem")
    expect(problem).to_contain_text("refused the key")
    expect(problem).to_contain_text("not charged")
    assert rc.submits == submits
    expect(laptop.locator("#status")).not_to_contain_text("Failed")
    laptop.get_by_role("tab", name="History").click()
    expect(laptop.locator("#history-cards")).to_be_visible()
    expect(laptop.locator("#history-cards")).not_to_contain_text("one refused key")
    # What a provider said of a key goes when the key or the provider changes.
    laptop.get_by_role("tab", name="Studio").click()
    laptop.locator("#check-key").click()
    expect(laptop.locator("#key-report")).to_contain_text("refused")
    use_preview(laptop)
    expect(laptop.locator("#key-report")).not_to_contain_text("refused")


def test_ids_are_unique_and_each_radio_group_is_one_tab_stop(laptop):
    twice = laptop.evaluate(
        "() => { const ids = [...document.querySelectorAll('[id]')].map(e => e.id);"
        " return ids.filter((x, i) => x && ids.indexOf(x) !== i); }"
    )
    assert twice == []
    laptop.locator("#provider input[value=preview]").focus()
    laptop.keyboard.press("Tab")
    after = laptop.evaluate("() => document.activeElement.closest('#provider') !== null")
    assert not after, "Tab stayed inside the provider choice"
    laptop.locator("#provider input[value=preview]").focus()
    laptop.keyboard.press("ArrowRight")
    expect(laptop.locator("#provider input[value=runcomfy]")).to_be_checked()
    expect(laptop.locator("#cost")).to_contain_text("$")


def test_an_example_scrolls_the_form_to_what_it_filled(laptop):
    laptop.locator("#example-2").click()  # Night city: segments
    expect(laptop.locator("#segment-1-prompt textarea")).not_to_have_value("")
    laptop.wait_for_function(
        "() => { const b = document.querySelector('#segments').getBoundingClientRect();"
        " return b.top >= -2 && b.top < window.innerHeight; }"
    )


@pytest.mark.parametrize(
    ("name", "size", "locale"),
    [("laptop", LAPTOP, "en-US"), ("phone", PHONE, "en-US"), ("zh", LAPTOP, "zh-CN")],
)
def test_the_first_screen_holds_a_first_clip(browser, stack, name, size, locale):  # noqa: F811
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        open_studio(page, stack["url"])
        wanted = ["#start-frame", "#provider", "#generate"]
        wanted += ["#prompt"] if name != "phone" else ["#provider label"]
        for selector in wanted:
            assert on_first_screen(page, selector), (selector, box(page, selector))
        assert box(page, "#provider")["top"] < box(page, "#prompt")["top"]
        assert "animatic" not in page.locator("body").inner_text().lower()
        if name == "phone":
            expect(page.locator("#examples-more")).to_be_visible()
            wide = page.eval_on_selector("#examples", "el => el.scrollWidth > el.clientWidth")
            assert wide  # the row does scroll, and says so
        page.screenshot(path=str(DOCS / f"first-screen-{name}.png"))
    finally:
        context.close()
