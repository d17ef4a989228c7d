"""The workspace through the page's own events (tests/pagedriver.py): a draft saved from one tab
comes back on a new page load, to its owner only, and never with a key."""

from __future__ import annotations

from typing import Any

import pytest

from kling_ui import assets
from kling_ui.config import Settings
from kling_ui.testing.clock import VirtualClock
from kling_ui.ui.segments import MAX_ROWS

from .conftest import RC_BASE, RC_KEY, RH_BASE, fakes_on, serve_studio
from .pagedriver import Page

ASSET = str(assets.path("sunset_lake.jpg"))


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    clock = VirtualClock()
    rc, rh = fakes_on(clock)
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path_factory.mktemp("workspace") / "data",
        runcomfy_api_key=RC_KEY,
        runcomfy_base_url=RC_BASE,
        runninghub_base_url=RH_BASE,
        multi_user=True,
        mcp=False,
    )
    with serve_studio(settings, clock, rc, rh) as url:
        yield {"url": url, "settings": settings}


def after_load(page: Page, shows: str) -> dict[str, Any]:
    """The load event's follow-up that puts `shows` (an elem_id) on the page."""
    config_ids = {v: k for k, v in page._ids.items() if v}
    load = page.dependency(None, "load")
    for dep in page._deps:
        if dep.get("trigger_after") == load["id"] and config_ids[shows] in dep["outputs"]:
            return dep
    raise KeyError(shows)


def shown_by_id(page: Page, dep: dict[str, Any], states: list[list[Any]]) -> dict[str, Any]:
    """The last values an event showed, by elem_id (an update's value when it has one)."""
    shown: dict[str, Any] = {}
    for values in states:
        for component, value in zip(dep["outputs"], values, strict=True):
            if isinstance(value, dict) and value.get("__type__") == "update":
                if "value" not in value:
                    continue
                value = value["value"]
            shown[page._ids.get(component)] = value
    return shown


def save_draft(page: Page, *, frame: str | None, key: str = "", **fields: Any) -> str:
    """What the page sends when the form changes: the draft's fields and segment rows (and
    a key typed in the key box stays out of it: it isn't one of the inputs)."""
    segments = fields.pop("segments", [])
    values = {
        "start": page.upload(frame) if frame else None,
        "end": None,
        "prompt": "",
        "duration": 5,
        "sound": False,
        "shot_type": "customize",
        "provider": "preview",
        "model": "kling-o3-pro",
        "crop": "Keep as is",
        **fields,
    }
    rows = segments + [("", 3)] * (MAX_ROWS - len(segments))
    data = [
        page.token,
        *values.values(),
        len(segments),
        *(text for text, _ in rows),
        *(seconds for _, seconds in rows),
    ]
    event = page.fire("prompt", "change", data)
    note = event.shown()[0]
    assert event.error is None, event.error
    return note


def restore(page: Page) -> dict[str, Any]:
    dep = after_load(page, "prompt")
    event = page.fire_index(dep["id"], [page.token])
    states = event.result()
    assert event.error is None, event.error
    return shown_by_id(page, dep, states)


def test_a_draft_comes_back_on_a_new_page_load_for_its_owner_only(stack):
    tab = Page(stack["url"])
    note = save_draft(
        tab,
        frame=ASSET,
        prompt="The lake at dusk, a slow push in",
        duration=6,
        provider="runcomfy",
        segments=[("wide shot", 3), ("closer", 3)],
    )
    assert "Draft saved" in note
    again = restore(Page(stack["url"], tab.token))  # a reload: the same browser's token
    assert again["prompt"] == "The lake at dusk, a slow push in"
    assert again["provider"] == "runcomfy" and again["duration"] == 6
    assert again["segment-1-prompt"] == "wide shot" and again["segment-2-prompt"] == "closer"
    frame = again["start-frame"]
    assert frame and frame["url"] and tab.download(frame, stack["settings"].data_dir.parent)
    # Another browser (another owner) sees none of it.
    other = restore(Page(stack["url"]))
    assert "prompt" not in other


def test_new_empties_the_draft_and_a_reload_stays_empty(stack):
    tab = Page(stack["url"])
    save_draft(tab, frame=None, prompt="to be forgotten")
    assert restore(Page(stack["url"], tab.token))["prompt"] == "to be forgotten"
    event = tab.fire("draft-new", "click", [tab.token])
    event.result()
    assert event.error is None
    assert "prompt" not in restore(Page(stack["url"], tab.token))


def test_a_page_without_a_signed_token_saves_nothing(stack):
    tab = Page(stack["url"])
    tab.token = "forged"
    event = tab.fire("prompt", "change", ["forged", *[None] * (9 + 1 + 2 * MAX_ROWS)])
    event.result()
    assert event.error is not None


def story_inputs(page: Page, prompts: list[str], *, start: str = ASSET) -> list:
    """The Story tab's shots as its events send them (see ui/story_tab.py shot_inputs)."""
    from kling_ui.shots import MAX_SHOTS

    rest = MAX_SHOTS - len(prompts)
    shots = [len(prompts), *prompts, *[""] * rest, *[3] * MAX_SHOTS, *[False] * MAX_SHOTS]
    shots += [None] * MAX_SHOTS + [""] * MAX_SHOTS  # own frames, timed prompts
    return [page.upload(start), *shots]


def story_event(page: Page, elem_id: str, data: list) -> dict[str, Any]:
    dep = page.dependency(elem_id, "click")
    event = page.fire(elem_id, "click", data)
    states = event.result(120)
    assert event.error is None, event.error
    return shown_by_id(page, dep, states)


def test_a_story_is_saved_reopened_on_load_and_kept_from_other_owners(stack):
    tab = Page(stack["url"])
    # owner, story id, name, provider, cross-fade, start frame, shots
    saved = story_event(
        tab,
        "story-save",
        [tab.token, None, "Harbour", "preview", True, *story_inputs(tab, ["wide", "closer"])],
    )
    assert "Saved as “Harbour”" in saved["story-note"]
    story_id = saved["story-saved"]
    # A reload: the story comes back, its shots, its start frame and its name.
    dep = after_load(tab, "story-name")
    again = Page(stack["url"], tab.token)
    shown = shown_by_id(again, dep, again.fire_index(dep["id"], [tab.token]).result())
    assert shown["story-name"] == "Harbour" and shown["story-saved"] == story_id
    assert shown["shot-1-prompt"] == "wide" and shown["shot-2-prompt"] == "closer"
    assert shown["story-start"]["url"] and shown["story-crossfade"] is True
    # Another owner can neither open nor delete it by its id.
    other = Page(stack["url"])
    opened = story_event(other, "story-open", [other.token, story_id])
    assert "not available" in opened["story-note"] and "shot-1-prompt" not in opened
    gone = story_event(other, "story-delete", [other.token, story_id])
    assert "not available" in gone["story-note"]
    shown = shown_by_id(other, dep, other.fire_index(dep["id"], [other.token]).result())
    assert "No saved stories yet" in shown["story-note"]
    assert story_event(tab, "story-open", [tab.token, story_id])["story-name"] == "Harbour"


def test_an_open_story_is_saved_as_it_is_edited_and_a_new_one_waits_for_save(stack):
    tab = Page(stack["url"])
    data = [tab.token, None, "Edited", "preview", False, *story_inputs(tab, ["one", "two"])]
    saved = story_event(tab, "story-save", data)
    story_id = saved["story-saved"]
    # An edit of shot 2 (what the page sends a moment after the typing stops).
    edited = [tab.token, story_id, "Edited", "preview", False, *story_inputs(tab, ["one", "2!"])]
    event = tab.fire("shot-1-prompt", "input", edited)
    event.result()
    assert event.error is None, event.error
    dep = after_load(tab, "story-name")
    shown = shown_by_id(tab, dep, tab.fire_index(dep["id"], [tab.token]).result())
    assert shown["shot-2-prompt"] == "2!" and shown["story-saved"] == story_id
    # What the page draws itself (a restore, Open) is no edit: no save listens to `change`,
    # so a save taken halfway through drawing can't keep a story without its start frame.
    with pytest.raises(KeyError):
        tab.dependency("shot-1-prompt", "change")
    # A shot button keeps its change: shot 2 duplicated in the open story, seen on a load.
    copied = [tab.token, story_id, "Edited", False, *story_inputs(tab, ["one", "2!"])]
    copied.insert(5, "preview")  # the buttons send the provider after the start frame
    story_event(tab, "shot-2-duplicate", copied)
    shown = shown_by_id(tab, dep, tab.fire_index(dep["id"], [tab.token]).result())
    assert [shown[f"shot-{n}-prompt"] for n in (1, 2, 3)] == ["one", "2!", "2!"]
    assert shown["story-start"], "the start frame is kept with the shots"
    # Typing in a story never saved makes no story; another owner's id saves nothing.
    fresh = Page(stack["url"])
    data = [fresh.token, None, "", "preview", False, *story_inputs(fresh, ["typing"])]
    fresh.fire("shot-1-prompt", "input", data).result()
    fresh.fire("shot-1-prompt", "input", [fresh.token, story_id, *data[2:]]).result()
    shown = shown_by_id(fresh, dep, fresh.fire_index(dep["id"], [fresh.token]).result())
    assert "No saved stories yet" in shown["story-note"]
    shown = shown_by_id(tab, dep, tab.fire_index(dep["id"], [tab.token]).result())
    assert shown["shot-1-prompt"] == "one"
