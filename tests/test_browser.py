"""Journeys through the studio in a real Chromium, clicking what a person clicks."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from kling_ui import assets
from kling_ui.config import Settings
from kling_ui.server import create_app
from kling_ui.testing import FakeRunComfy, serve_on_loopback
from kling_ui.testing.clock import VirtualClock

from .conftest import RC_KEY, ROOT, eventually

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "tests" / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI needs Chromium for the browser tests: apt-get install chromium")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


def serve_stack(
    folder: Path, *, queue_seconds: float, run_seconds: float, polls: tuple[float, float]
) -> Iterator[dict]:
    """The studio on loopback against a fake RunComfy whose time runs as real time and is
    also the test's to move (`finish`); yields the stack the journeys use."""
    provider_time = VirtualClock(autojump=False)
    rc = FakeRunComfy(
        api_key=RC_KEY,
        queue_seconds=queue_seconds,
        run_seconds=run_seconds,
        # Videos big enough to continue from (Kling makes 720p and up; a story chains them).
        video_size=(640, 360),
        clock=provider_time,
    )
    with serve_on_loopback(rc.app) as rc_url:
        settings = Settings(
            _env_file=None,
            data_dir=folder / "data",
            poll_interval=polls[0],
            poll_interval_max=polls[1],
            runcomfy_api_key=RC_KEY,
            runcomfy_base_url=rc_url,
            multi_user=True,
            mcp=False,
            allow_private_downloads=True,  # the fakes' video links are on loopback
            preview_short_side=360,  # renders 4x faster than 720 (checked in test_preview)
        )
        with serve_on_loopback(create_app(settings)) as url:
            yield {"url": url, "rc": rc, "settings": settings, "time": provider_time}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    yield from serve_stack(folder, queue_seconds=0.3, run_seconds=1.0, polls=(0.2, 0.5))


def finish(stack, submits: int) -> None:
    """RunComfy ends every job it has (each as it would after its queue and run), once it
    has been sent `submits` jobs in all: a test holds a job unfinished while it acts, then
    needs no real wait for its end."""
    eventually(lambda: stack["rc"].submits >= submits)
    stack["time"].advance(60)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, stack):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(20_000)
    open_studio(page, stack["url"])
    yield page
    context.close()


def open_studio(page, url: str) -> None:
    page.goto(url)
    expect(page.locator("#generate")).to_be_visible()
    # The server signs this browser's owner token on load; a click before it is stored is
    # told to reload (seen on a loaded machine: the first Generate raced the load).
    page.wait_for_function("() => localStorage.getItem('kling-ui-owner') !== null")


def use_preview(page) -> None:
    # This stack has a RunComfy server key, so RunComfy is the default: pick the preview.
    choose_provider(page, "Offline preview")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def upload(page, target: str, path: Path) -> None:
    page.locator(f"#{target} input[type=file]").set_input_files(str(path))
    expect(page.locator(f"#{target} img")).to_be_visible()


def set_duration(page, seconds: int) -> None:
    box = page.locator("#duration input[type=number]")
    box.fill(str(seconds))
    box.press("Enter")
    expect(box).to_have_value(str(seconds))


def choose_provider(page, label: str) -> None:
    page.locator("#provider").get_by_text(label, exact=False).click()


def generate_and_wait_for_video(page, seconds: float, timeout: float = 60_000) -> None:
    page.locator("#generate").click()
    expect(page.locator("#status")).to_contain_text("Done", timeout=timeout)
    page.wait_for_function(
        "() => { const v = document.querySelector('#result-video video');"
        " return v && v.readyState >= 1 && isFinite(v.duration); }",
        timeout=timeout,
    )
    duration = page.eval_on_selector("#result-video video", "v => v.duration")
    assert abs(duration - seconds) < 0.2, duration


def open_segments(page) -> None:
    page.locator("#segments").get_by_text("Segments: timed prompts").click()
    expect(page.locator("#segment-add")).to_be_visible()


# --- journeys --------------------------------------------------------------------------------


def test_upload_a_start_frame_and_generate_on_the_preview(page):
    shot(page, "01-empty-form")
    upload(page, "start-frame", assets.path("sunset_lake.jpg"))
    page.locator("#prompt textarea").fill("Slow push in over the lake")
    use_preview(page)
    expect(page.locator("#prompt-count")).to_contain_text("26 / 2,500 characters")
    set_duration(page, 4)
    generate_and_wait_for_video(page, 4)
    expect(page.locator("#status")).to_contain_text("Offline preview")
    shot(page, "03-finished")


def test_generate_with_an_end_frame(page):
    upload(page, "start-frame", assets.path("sunset_lake.jpg"))
    upload(page, "end-frame", assets.path("sunset_lake_end.jpg"))
    page.locator("#prompt textarea").fill("The sun sets")
    use_preview(page)
    set_duration(page, 3)
    generate_and_wait_for_video(page, 3)


def test_build_edit_and_delete_segments_then_generate(page):
    upload(page, "start-frame", assets.path("night_city.jpg"))
    page.locator("#prompt textarea").fill("A city at night")
    use_preview(page)
    set_duration(page, 9)
    open_segments(page)
    for _ in range(3):
        page.locator("#segment-add").click()
    expect(page.locator("#segment-3-prompt textarea")).to_be_visible()
    expect(page.locator("#segment-add")).to_have_text("+ Add segment (3 of 5)")
    # The first row took the clip's 9 s, the next the least; the clip follows: 15 s.
    expect(page.locator("#segment-total")).to_contain_text("15 s")
    expect(page.locator("#duration input[type=number]")).to_have_value("15")
    # Problems are said on the row they belong to, all at once, in words.
    expect(page.locator("#segment-2-check")).to_contain_text("Segment 2: write what happens")
    seconds = page.locator("#segment-3-seconds input")
    seconds.fill("30")
    seconds.press("Tab")
    expect(page.locator("#segment-3-check")).to_contain_text("30 s is outside 3-15 s")
    expect(page.locator("#segment-2-check")).to_contain_text("Segment 2: write what happens")
    page.locator("#segment-split").click()  # says what it changed: 30 s reads 15 s
    expect(page.locator("#segment-message")).to_contain_text("30 s is outside 3-15 s")
    expect(page.locator("#segment-3-seconds input")).to_have_value("5")
    page.locator("#segment-1-prompt textarea").fill("first: wide shot")
    page.locator("#segment-2-prompt textarea").fill("second: tilt up")
    page.locator("#segment-3-prompt textarea").fill("third: pull back")
    page.locator("#segment-2-prompt textarea").fill("second, edited: tilt up to the moon")
    page.locator("#segment-1-remove").click()
    expect(page.locator("#segment-3-prompt")).to_be_hidden()
    expect(page.locator("#segment-1-prompt textarea")).to_have_value(
        "second, edited: tilt up to the moon"
    )
    expect(page.locator("#segment-2-prompt textarea")).to_have_value("third: pull back")
    expect(page.locator("#segment-total")).to_contain_text("10 s")
    expect(page.locator("#duration input[type=number]")).to_have_value("10")
    page.locator("#segment-1-down").click()
    expect(page.locator("#segment-1-prompt textarea")).to_have_value("third: pull back")
    generate_and_wait_for_video(page, 10)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("nothing", "Start frame is required"),
        ("no_prompt", "Prompt is empty"),
        ("small_image", "each side must be at least 300 px"),
        ("segments_too_long", "Segments add up to 18 s but the clip is 15 s"),
        ("end_with_segments", "An end frame can't be combined with segments"),
        ("runninghub_without_key", "RunningHub needs an API key"),
    ],
)
def test_each_validation_message_shows_on_the_page(page, stack, setup, message, make_image):
    calls = len(stack["rc"].calls)
    if setup != "nothing":
        small = setup == "small_image"
        image = make_image((200, 150)) if small else assets.path("sunset_lake.jpg")
        upload(page, "start-frame", image)
    if setup != "no_prompt":
        page.locator("#prompt textarea").fill("Something happens")
    if setup in ("segments_too_long", "end_with_segments"):
        open_segments(page)
        rows = 3 if setup == "segments_too_long" else 1
        for n in range(1, rows + 1):
            page.locator("#segment-add").click()
            page.locator(f"#segment-{n}-prompt textarea").fill(f"shot {n}")
            page.locator(f"#segment-{n}-seconds input").fill("6" if rows == 3 else "3")
            page.locator(f"#segment-{n}-seconds input").press("Enter")
    if setup == "end_with_segments":
        upload(page, "end-frame", assets.path("sunset_lake_end.jpg"))
    if setup == "runninghub_without_key":
        choose_provider(page, "RunningHub")
    page.locator("#generate").click()
    # Said by the field it is about, not in the pinned bar.
    errors = page.locator(".field-problem", has_text=message).first
    expect(errors).to_contain_text("nothing was sent")
    expect(errors).to_contain_text(message)
    assert page.locator("#actions .field-problem").count() == 0
    assert len(stack["rc"].calls) == calls
    if setup == "small_image":
        shot(page, "04-validation-error")


def test_cancel_a_job_on_runcomfy(page, stack):
    rc = stack["rc"]
    rc.queue_seconds = 30
    try:
        upload(page, "start-frame", assets.path("sunset_lake.jpg"))
        page.locator("#prompt textarea").fill("Slow push in")
        choose_provider(page, "RunComfy")
        expect(page.locator("#cost")).to_contain_text("Estimated cost: about $0.56")
        page.locator("#generate").click()
        expect(page.locator("#status")).to_contain_text("Queued")
        expect(page.locator("#cancel")).to_be_enabled()
        shot(page, "02-running")
        page.locator("#cancel").click()
        expect(page.locator("#status")).to_contain_text("Canceled")
        assert len(rc.calls_to("cancel")) >= 1
    finally:
        rc.queue_seconds = 0.3


def test_reload_mid_job_and_find_it_finishing_in_history(page, stack):
    rc = stack["rc"]
    rc.run_seconds = 8  # held running while the page reloads; ended by `finish`
    submits = rc.submits
    try:
        upload(page, "start-frame", assets.path("sunset_lake.jpg"))
        page.locator("#prompt textarea").fill("Reload me while I run")
        choose_provider(page, "RunComfy")
        page.locator("#generate").click()
        expect(page.locator("#status")).to_contain_text(re.compile("Queued|Generating"))
        page.reload()
        expect(page.locator("#generate")).to_be_visible()
        # The Studio picks the job up again after the reload, instead of a blank "Ready".
        expect(page.locator("#status")).to_contain_text(re.compile("Queued|Generating|Done"))
        page.get_by_role("tab", name="History").click()
        row = page.locator("#history-cards .tray-card", has_text="Reload me while I run")
        expect(row).to_be_visible(timeout=15_000)
        row.click()  # while it runs: the panel follows it to the end, no second click
        expect(page.locator("#history-status")).to_contain_text(re.compile("Queued|Generating"))
        finish(stack, submits + 1)
        expect(row).to_contain_text("Done", timeout=20_000)
        expect(page.locator("#history-status")).to_contain_text("Done", timeout=5_000)
        # The card shows the video's first frame; on a fresh page a click on it opens the job.
        page.reload()
        page.get_by_role("tab", name="History").click()
        expect(page.locator("#history-status")).to_contain_text("Select a job above")
        picture = page.locator("#history-cards .tray-pick img").first
        expect(picture).to_be_visible(timeout=5_000)
        picture.click()
        expect(page.locator("#history-status")).to_contain_text("Done")
        shot(page, "05-history")
        # Delete asks first; a deleted job can be restored, video and all.
        page.locator("#history-delete").click()
        expect(page.locator("#history-confirm-row")).to_contain_text("Delete this job")
        page.locator("#history-keep").click()
        expect(page.locator("#history-confirm-row")).to_be_hidden()
        expect(row).to_be_visible()
        page.locator("#history-delete").click()
        page.locator("#history-confirm").click()
        expect(row).to_be_hidden()
        expect(page.locator("#history-undo-row")).to_contain_text("You can restore it")
        shot(page, "history-deleted")
        page.locator("#history-restore").click()
        expect(row).to_be_visible()
        expect(page.locator("#history-status")).to_contain_text("Done")
        page.wait_for_function(
            "() => { const v = document.querySelector('#history-video video');"
            " return v && v.readyState >= 1 && isFinite(v.duration); }"
        )
        # Open in studio: the Studio tab, the job's card, and its settings back in the form.
        # (Emptied as a person would: the form's draft came back with the reload.)
        page.get_by_role("tab", name="Studio").click()
        page.locator("#prompt textarea").fill("")
        page.get_by_role("tab", name="History").click()
        page.locator("#history-open").click()
        expect(page.get_by_role("tab", name="Studio")).to_have_attribute("aria-selected", "true")
        expect(page.locator("#prompt textarea")).to_have_value("Reload me while I run")
        expect(page.locator("#status")).to_contain_text("Done")
        # Re-use settings says what it did.
        page.get_by_role("tab", name="History").click()
        row.click()
        page.locator("#history-reuse").click()
        expect(page.get_by_text("The form has this job's settings")).to_be_visible()
        expect(page.get_by_role("tab", name="Studio")).to_have_attribute("aria-selected", "true")
    finally:
        rc.run_seconds = 1.0


def test_continue_from_the_last_frame_fills_the_start_frame(page):
    upload(page, "start-frame", assets.path("sunset_lake.jpg"))
    page.locator("#prompt textarea").fill("Push in")
    use_preview(page)
    set_duration(page, 3)
    generate_and_wait_for_video(page, 3)
    before = page.locator("#start-frame img").get_attribute("src")
    page.locator("#continue").click()
    expect(page.locator("#continue-note")).to_contain_text("last frame of this clip")
    expect(page.locator("#start-frame img")).not_to_have_attribute("src", before or "")
    assert "-last.png" in (page.locator("#start-frame img").get_attribute("src") or "")


def reload_and_open_keys(page) -> None:
    page.reload()
    page.wait_for_selector("body[data-keys-restored]", state="attached")
    page.locator("#keys").get_by_text("Your API keys").click()


def test_a_typed_key_is_gone_after_reload_unless_remembered(page, stack):
    page.wait_for_selector("body[data-keys-restored]", state="attached")
    page.locator("#keys").get_by_text("Your API keys").click()
    key_box = page.get_by_label("RunComfy API key")
    key_box.fill("typed-key-123")
    reload_and_open_keys(page)
    expect(page.get_by_label("RunComfy API key")).to_have_value("")

    page.get_by_label("RunComfy API key").fill("remembered-key-456")
    page.get_by_label("Remember my keys on this device").check()
    reload_and_open_keys(page)
    expect(page.get_by_label("RunComfy API key")).to_have_value("remembered-key-456")
    page.get_by_label("Remember my keys on this device").uncheck()
    page.wait_for_function("() => localStorage.getItem('kling-ui-key-runcomfy') === null")

    # Ticking Remember first and typing after must keep the whole key, not a stale value.
    page.get_by_label("Remember my keys on this device").check()
    page.get_by_label("RunComfy API key").fill("")
    page.get_by_label("RunComfy API key").press_sequentially("second-key-789")
    page.get_by_label("RunComfy API key").blur()
    reload_and_open_keys(page)
    expect(page.get_by_label("RunComfy API key")).to_have_value("second-key-789")
    config = page.request.get(f"{stack['url']}/config").text()
    assert "remembered-key-456" not in config and "typed-key-123" not in config


def test_every_control_has_a_label_a_screen_reader_can_read(page):
    fold = page.locator("#segments button.label-wrap")
    expect(fold).to_have_attribute("aria-expanded", "false")
    page.locator("#segments").get_by_text("Segments: timed prompts").click()
    expect(fold).to_have_attribute("aria-expanded", "true")
    # The job card and problems are announced as they change.
    expect(page.locator("#status")).to_have_attribute("aria-live", "polite")
    expect(page.locator("#form-errors")).to_have_attribute("role", "alert")
    page.locator("#segment-add").click()
    page.locator("#keys").get_by_text("Your API keys").click()
    for role, name in [
        ("textbox", "Prompt"),
        ("textbox", "Segment 1 prompt"),
        ("spinbutton", "Segment 1 seconds"),
        ("textbox", "RunComfy API key"),
        ("textbox", "RunningHub API key"),
        ("checkbox", "Generate sound (costs more: the estimate below says how much)"),
        ("checkbox", "Remember my keys on this device"),
        ("radio", "Offline preview (free)"),
        ("radio", "Customize (follow my prompt)"),
        ("button", "Generate"),
        ("button", "Cancel"),
        ("button", "+ Add segment (1 of 5)"),
        ("button", "Split evenly"),
        ("button", "Remove segment 1"),
        ("button", "Move segment 1 down"),
    ]:
        expect(page.get_by_role(role, name=name, exact=True).first).to_be_attached()
    unlabeled = page.evaluate("""() => [...document.querySelectorAll(
        'input:not([type=hidden]):not([type=file]), textarea, select, button')]
        .filter(el => el.offsetParent !== null)
        .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                      && !el.getAttribute('aria-labelledby') && !el.title
                      && !(el.innerText || '').trim())
        .map(el => el.outerHTML.slice(0, 120))""")
    assert unlabeled == []


def test_the_form_works_from_the_keyboard(page):
    upload(page, "start-frame", assets.path("portrait_studio.jpg"))
    page.locator("#prompt textarea").fill("She smiles")
    use_preview(page)
    set_duration(page, 3)
    page.locator("#prompt textarea").focus()
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") == (
            "generate"
        ):
            break
    else:
        pytest.fail("Tab never reached the Generate button")
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_contain_text("Done", timeout=60_000)


def test_a_double_click_on_generate_pays_once(page, stack):
    rc = stack["rc"]
    before = rc.submits
    upload(page, "start-frame", assets.path("sunset_lake.jpg"))
    page.locator("#prompt textarea").fill("One click, one payment")
    set_duration(page, 3)
    choose_provider(page, "RunComfy")
    page.locator("#generate").dblclick()
    expect(page.locator("#status")).to_contain_text("Done", timeout=30_000)
    assert rc.submits == before + 1


def test_a_two_shot_story_previewed_into_one_film_that_plays(page, stack):
    page.get_by_role("tab", name="Story", exact=True).click()
    upload(page, "story-start", assets.path("sunset_lake.jpg"))
    for n, words in ((1, "wide shot of the lake"), (2, "the camera drifts closer")):
        page.locator(f"#shot-{n}-prompt textarea").fill(words)
        box = page.locator(f"#shot-{n}-seconds input[type=number]")
        box.fill("3")
        box.press("Enter")
    page.get_by_text("Shot 2: timed prompts (optional)").click()
    page.locator("#shot-2-timed textarea").fill("3: a gull crosses the moon")
    expect(page.locator("#story-cost")).to_contain_text("2 shots, 6 s")
    # A paid story asks once, before anything is sent.
    submits = stack["rc"].submits
    page.locator("#story-provider").get_by_text("RunComfy").click()
    expect(page.locator("#story-cost")).to_contain_text("Estimated cost: about $0.68")
    page.locator("#story-generate").click()
    expect(page.locator("#story-status")).to_contain_text("Nothing was sent")
    assert stack["rc"].submits == submits
    page.locator("#story-preview").click()
    expect(page.locator("#story-status")).to_contain_text("Your film is ready", timeout=90_000)
    expect(page.locator("#story-status")).to_contain_text("Shot 2: ✓")
    page.wait_for_function(
        "() => { const v = document.querySelector('#story-film video');"
        " return v && v.readyState >= 2 && isFinite(v.duration); }",
        timeout=30_000,
    )
    assert abs(page.eval_on_selector("#story-film video", "v => v.duration") - 6) < 0.2
    page.eval_on_selector("#story-film video", "v => { v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.querySelector('#story-film video').currentTime > 0.3")
    page.locator("#story-film").scroll_into_view_if_needed()
    shot(page, "story")
    # Then for real: asked once, two shots sent, one film; pressing again pays nothing.
    page.locator("#story-provider").get_by_text("RunComfy").click()
    page.locator("#story-confirm input").check()
    page.locator("#story-generate").click()
    # (The preview's "film is ready" is still on screen: wait for words only a paid run has.)
    expect(page.locator("#story-status")).to_contain_text("Shot 2: ✓ made, $", timeout=90_000)
    expect(page.locator("#story-status")).to_contain_text("Your film is ready")
    assert stack["rc"].submits == submits + 2
    page.locator("#story-confirm input").check()
    page.locator("#story-generate").click()
    expect(page.locator("#story-status")).to_contain_text("reused", timeout=30_000)
    expect(page.locator("#story-status")).to_contain_text("Your film is ready")
    assert stack["rc"].submits == submits + 2
    # The films are in History too, beside their shots.
    page.get_by_role("tab", name="History").click()
    expect(page.locator("#history-cards")).to_contain_text("Story film")


def in_view(page, selector: str) -> bool:
    """The whole element is on the screen, not scrolled away (and not under the action bar)."""
    return page.eval_on_selector(
        selector,
        """el => { const b = el.getBoundingClientRect();
                   return b.top >= 0 && b.bottom <= window.innerHeight && b.height > 0; }""",
    )


@pytest.mark.parametrize(
    ("device", "size"), [("laptop", (1366, 768)), ("phone", (390, 844))], ids=["laptop", "phone"]
)
def test_the_first_screen_and_the_job_card_after_generate(browser, stack, device, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        open_studio(page, stack["url"])
        # The first screen: start frame, examples with pictures, the prompt and Generate.
        for selector in ("#start-frame", "#example-0", "#generate"):
            assert in_view(page, selector), selector
        assert page.locator("#example-0 img").count() == 1
        # The prompt shows above the action bar, not hidden under it.
        prompt_top = page.eval_on_selector("#prompt", "el => el.getBoundingClientRect().top")
        bar_top = page.eval_on_selector("#actions", "el => el.getBoundingClientRect().top")
        assert prompt_top + 40 < bar_top, (prompt_top, bar_top)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"first-screen-{device}.png"))
        upload(page, "start-frame", assets.path("sunset_lake.jpg"))
        page.locator("#prompt textarea").fill("slow push in over the lake")
        set_duration(page, 5)
        page.locator("#generate").click()
        # While it runs: what is happening and the way to stop it, on screen, no scrolling.
        expect(page.locator("#cancel")).to_be_enabled()
        for selector in ("#status", "#cancel"):
            box = page.eval_on_selector(
                selector, "el => JSON.stringify(el.getBoundingClientRect())"
            )
            assert in_view(page, selector), (selector, box)
        page.screenshot(path=str(SHOTS / f"job-card-{device}.png"))
        expect(page.locator("#status")).to_contain_text("Done", timeout=60_000)
        assert in_view(page, "#status")
        box = page.eval_on_selector("#result-video", "el => el.getBoundingClientRect().top")
        assert box < size[1]  # the result is where the card was, not off below the form
    finally:
        context.close()


def test_a_provider_that_stops_answering_shows_trouble_then_the_video(page, stack):
    from kling_ui.testing import Fault

    rc = stack["rc"]
    submits = rc.submits
    rc.inject("status", Fault.server_error(503), times=8)
    upload(page, "start-frame", assets.path("sunset_lake.jpg"))
    page.locator("#prompt textarea").fill("slow push in")
    set_duration(page, 3)
    choose_provider(page, "RunComfy")
    page.locator("#generate").click()
    expect(page.locator("#status")).to_contain_text(
        "Having trouble reaching RunComfy — your job is still running there", timeout=30_000
    )
    expect(page.locator("#check-again")).to_be_enabled()
    shot(page, "trouble")
    page.locator("#check-again").click()  # ask now, rather than at the next backed-off check
    expect(page.locator("#status")).to_contain_text("Done", timeout=60_000)
    expect(page.locator("#status")).not_to_contain_text("Having trouble")
    assert rc.submits == submits + 1  # trouble never means sending it again


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def axe_problems(page) -> list[str]:
    """Serious and critical accessibility violations axe-core finds on the page now."""
    if not AXE.exists():
        if os.environ.get("CI") == "true":
            raise RuntimeError("CI needs axe-core for the accessibility check: npm ci")
        pytest.skip("axe-core is not installed (npm ci)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_axe_finds_no_serious_problems_on_the_studio_story_and_history(page):
    problems = {"Studio": axe_problems(page)}
    for tab in ("Story", "History"):
        page.get_by_role("tab", name=tab, exact=True).click()
        page.wait_for_timeout(300)
        problems[tab] = axe_problems(page)
    assert problems == {"Studio": [], "Story": [], "History": []}


def test_the_page_reads_in_chinese_for_a_chinese_browser(browser, stack):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        open_studio(page, stack["url"])
        expect(page.locator("#generate")).to_have_text("生成")
        for words in ("工作室", "故事", "历史"):
            expect(page.get_by_role("tab", name=words, exact=True)).to_be_visible()
        expect(page.get_by_label("提示词", exact=True)).to_be_visible()
        expect(page.get_by_text("离线预览（免费）")).to_be_visible()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "studio-zh.png"))
        # And it still works: a preview from the Chinese page.
        upload(page, "start-frame", assets.path("sunset_lake.jpg"))
        page.locator("#prompt textarea").fill("湖面上缓缓推近")
        page.locator("#generate").click()
        expect(page.locator("#status")).to_contain_text("完成", timeout=60_000)
    finally:
        context.close()


# Every announcement a screen reader is handed (aria-live regions, alerts), kept as it comes.
LISTEN_JS = """
() => {
  window.__heard = [];
  const note = (el) => {
    const text = (el.innerText || el.textContent || '').trim();
    if (text) { window.__heard.push(text); }
  };
  new MutationObserver((changes) => {
    for (const change of changes) {
      const el = change.target.nodeType === 1 ? change.target : change.target.parentElement;
      const live = el && el.closest('[aria-live], [role=alert], [role=status]');
      if (live) { note(live); }
    }
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
}
"""


def english_in_view(page) -> list[str]:
    """Words of the English catalogues in what the page shows and announces (test_words_zh)."""
    from .test_words_zh import KEYS, english_left

    # Gradio's own progress ("queue: 1/1 | 0.3s") is its words, not the catalogue's.
    timer = re.compile(r"\b\d+(\.\d+)?s\b|\bqueue: \d+/\d+")
    seen = timer.sub(" ", page.evaluate("() => document.body.innerText"))
    heard = [timer.sub(" ", t) for t in page.evaluate("() => window.__heard")]
    page.evaluate("() => { window.__heard = []; }")
    lines = seen.splitlines()
    found = [f"shown: {w} in {line[:60]!r}" for line in lines for w in english_left(line)]
    found += [f"heard: {w} in {text[:60]!r}" for text in heard for w in english_left(text)]
    found += [f"raw key: {k}" for k in KEYS if k in seen or k in "\n".join(heard)]
    return sorted(set(found))


def test_a_chinese_visitor_sees_and_hears_no_english(browser, stack):
    """Studio (idle, problems, a preview and a RunComfy job, each provider's refusal), Story
    (cost, a previewed film) and History (table, a selected job) walked in zh-CN."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    left: dict[str, list[str]] = {}
    try:
        open_studio(page, stack["url"])
        page.evaluate(LISTEN_JS)
        expect(page.locator("#cost")).to_contain_text("费用：免费")  # said again on load
        page.locator("#which-provider").get_by_text("选哪个服务商？").click()
        page.locator("#keys").get_by_text("你的 API 密钥").click()
        page.locator("#segments").get_by_text("分段：定时提示词").click()
        page.locator("#segment-split").click()  # no segments yet: said so
        expect(page.locator("#segment-message")).to_contain_text("请先添加")
        page.locator("#segment-add").click()
        expect(page.locator("#segment-1-prompt")).to_be_visible()
        expect(page.locator("#segment-add")).to_contain_text("添加分段（1 / 5）")
        left["idle"] = english_in_view(page)
        page.locator("#segment-clear").click()
        page.locator("#segments").get_by_text("分段：定时提示词").click()
        page.locator("#generate").click()  # no frame, no prompt
        expect(page.locator("#prompt-problem")).to_contain_text("生成前请先修正")
        expect(page.locator("#frames-problem")).to_contain_text("生成前请先修正")
        left["problems"] = english_in_view(page)
        choose_provider(page, "RunningHub")  # no key here
        upload(page, "start-frame", assets.path("sunset_lake.jpg"))
        page.locator("#prompt textarea").fill("湖面上缓缓推近")
        page.locator("#generate").click()
        expect(page.locator("#provider-problem")).to_contain_text("RunningHub 需要 API 密钥")
        left["runninghub"] = english_in_view(page)
        for provider in ("离线预览", "RunComfy"):
            choose_provider(page, provider)
            page.locator("#generate").click()
            expect(page.locator("#status")).to_contain_text("完成", timeout=60_000)
            page.get_by_text("详情", exact=True).click()
            expect(page.locator("#details")).to_contain_text("任务编号")
            left[provider] = english_in_view(page)
            page.get_by_text("详情", exact=True).click()
        page.get_by_role("tab", name="故事", exact=True).click()
        upload(page, "story-start", assets.path("sunset_lake.jpg"))
        page.locator("#shot-1-prompt textarea").fill("湖面全景")
        page.locator("#shot-2-prompt textarea").fill("镜头推近")
        page.locator("#story-preview").click()
        expect(page.locator("#story-status")).to_contain_text("影片已完成", timeout=90_000)
        left["story"] = english_in_view(page)
        page.get_by_role("tab", name="历史", exact=True).click()
        cards = page.locator("#history-cards")
        expect(cards.locator(".tray-card", has_text="故事影片")).not_to_have_count(0)
        cards.locator(".tray-card", has_text="湖面上缓缓推近").first.locator(".tray-pick").click()
        expect(page.locator("#history-details")).to_contain_text("任务编号")
        left["history"] = english_in_view(page)
        page.get_by_role("tab", name="工作室", exact=True).click()
        page.screenshot(path=str(ROOT / "docs" / "studio-zh.png"))
    finally:
        context.close()
    assert {part: words for part, words in left.items() if words} == {}


def test_a_frame_of_another_shape_is_flagged_on_upload_and_a_crop_fixes_it(page):
    upload(page, "start-frame", assets.path("sunset_lake.jpg"))
    upload(page, "end-frame", assets.path("portrait_studio.jpg"))
    note = page.locator("#frame-note")
    expect(note).to_contain_text("The end frame is 2:3 but the start frame is 16:9")
    shot(page, "frame-mismatch")
    page.locator("#crop").get_by_text("16:9 (landscape)").click()
    expect(note).not_to_contain_text("squash", timeout=10_000)
    width = page.eval_on_selector("#end-frame img", "img => img.naturalWidth / img.naturalHeight")
    assert abs(width - 16 / 9) < 0.01


def test_the_content_security_policy_blocks_nothing_the_page_uses(browser, stack):
    """The CSP is on (headers.py): a whole journey (upload, generate, play, History, Story)
    must not trip it, or the page would quietly lose a part."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    console = []
    page.on("console", lambda m: console.append(m.text))
    answer = page.goto(stack["url"])
    assert "frame-ancestors" in (answer.headers.get("content-security-policy") or "")
    expect(page.locator("#generate")).to_be_visible()
    upload(page, "start-frame", assets.path("sunset_lake.jpg"))
    page.locator("#prompt textarea").fill("A policy check")
    use_preview(page)
    set_duration(page, 3)
    generate_and_wait_for_video(page, 3)
    for tab in ("History", "Story", "Studio"):
        page.get_by_role("tab", name=tab, exact=True).click()
        page.wait_for_timeout(300)
    violations = page.evaluate("() => window.__csp")
    context.close()
    assert violations == []
    assert not [m for m in console if "Content Security Policy" in m], console
