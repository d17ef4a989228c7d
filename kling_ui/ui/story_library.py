"""The Story tab's saved stories: pick one to open, save, rename, delete, start a new one; the
story open when the page was left comes back on a reload, with each shot's frame and state
and the progress of a run still under way (the run belongs to the server: story_tab.py).

Stories are kept per owner by the service (service.save_story / story_view, workspace.py);
this module only shows what it returns.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr

from .. import pricing
from ..errors import InputError
from ..gate import TooBusy
from ..links import publish
from ..request import DURATION_DEFAULT
from ..service import StoryView
from ..shots import Shot
from ..uploads import raw_source
from .drafts import debounce_js
from .lang import language, say
from .story_shots import progress_markdown
from .words import t

if TYPE_CHECKING:
    from .story_tab import StoryTab
    from .studio import Page

PRIVATE = {"api_visibility": "private"}


@dataclass
class Library:
    saved: gr.Dropdown  # (name, id) of the owner's stories
    open: gr.Button
    name: gr.Textbox
    save: gr.Button
    rename: gr.Button
    delete: gr.Button
    new: gr.Button
    note: gr.Markdown
    frames: gr.Gallery  # the frame each shot starts from, captioned with its state


def build_library() -> Library:
    with gr.Group(elem_id="story-library"):
        with gr.Row(equal_height=True):
            saved = gr.Dropdown(
                [], value=None, label=t("story.saved"), elem_id="story-saved", scale=3
            )
            name = gr.Textbox(label=t("story.name"), elem_id="story-name", scale=3, max_length=80)
        with gr.Row():
            buttons = [
                gr.Button(t(f"story.{op}"), size="sm", elem_id=f"story-{op}")
                for op in ("open", "save", "rename", "delete", "new")
            ]
        note = gr.Markdown("", elem_id="story-note")
    return Library(saved, buttons[0], name, *buttons[1:], note, build_frames())


def build_frames() -> gr.Gallery:
    return gr.Gallery(
        label=t("story.shots"),
        columns=6,
        height=220,
        object_fit="contain",
        allow_preview=False,
        interactive=False,
        elem_id="story-frames",
    )


def named(name: Any, lang: str) -> str:
    """The story's name, or a dated one in the visitor's language when none was typed."""
    return name or say(lang, "story.default_name", when=time.strftime("%Y-%m-%d %H:%M"))


def story_fields(name: Any, provider: Any, crossfade: Any, start: Any, shots: list[Shot]) -> dict:
    """A story as the service keeps it, from the tab's values."""
    return {
        "name": name or "",
        "provider": provider or "preview",
        "crossfade": bool(crossfade),
        "start": raw_source(start),
        "shots": [shot._asdict() for shot in shots],
    }


def shots_of(story: dict[str, Any]) -> list[Shot]:
    return [
        Shot(
            s.get("prompt") or "",
            int(s.get("seconds") or DURATION_DEFAULT),
            bool(s.get("sound")),
            s.get("frame"),
            s.get("segments") or "",
        )
        for s in story.get("shots") or []
    ] or [Shot("", DURATION_DEFAULT)]


def shot_state(lang: str, view: StoryView, number: int) -> str:
    """Shot `number`'s state in words: paid (and so reused), made, failed, not made yet."""
    outcome = next((o for o in (view.run.outcomes if view.run else []) if o.line == number), None)
    if outcome is None:
        return say(lang, "shot.waiting", n=number)
    if outcome.status != "succeeded":
        return say(lang, "shot.failed", n=number)
    if outcome.cost:
        money = pricing.format_money(outcome.cost, outcome.currency or "USD")
        return say(lang, "shot.paid", n=number, money=money)
    return say(lang, "shot.made", n=number)


def frames_value(lang: str, view: StoryView) -> list[tuple[str, str]]:
    """The gallery: each shot's start frame (when there is one yet) and its state."""
    shown = []
    for i, frame in enumerate(view.frames):
        link = publish(frame) if frame else None
        if link:
            shown.append((link, shot_state(lang, view, i + 1)))
    return shown


def choices(page: Page, caller: Any) -> list[tuple[str, str]]:
    return [(s["name"], s["id"]) for s in page.studio.stories(caller)]


def show_story(tab: StoryTab, lib: Library, lang: str, view: StoryView, page: Page, caller) -> dict:
    """Values showing the saved story `view` in the tab."""
    story = view.story
    run = view.run
    film = publish(run.film) if run and run.film else None
    return {
        **dict(zip(tab.shot_outputs, tab.render(shots_of(story)), strict=True)),
        tab.start: publish(story.get("start")) if story.get("start") else None,
        tab.provider: story.get("provider") or "preview",
        tab.crossfade: bool(story.get("crossfade")),
        tab.story_id: story["id"],
        tab.status: progress_markdown(run, view.provider, lang) if run else "",
        tab.film: film,
        lib.saved: gr.Dropdown(choices=choices(page, caller), value=story["id"]),
        lib.name: story.get("name") or "",
        lib.frames: frames_value(lang, view),
    }


def shown_rows(tab: StoryTab, story: dict[str, Any]) -> dict:
    """The story's shot rows shown, before they are filled: a value sent in the same update
    that shows its row can be lost while the row is still being drawn."""
    count = len(shots_of(story))
    return {group: gr.Group(visible=i < count) for i, group in enumerate(tab.groups)}


def empty_story(tab: StoryTab, lib: Library, page: Page, caller) -> dict:
    return {
        **dict(zip(tab.shot_outputs, tab.render([Shot("", DURATION_DEFAULT)] * 2), strict=True)),
        tab.start: None,
        tab.story_id: None,
        tab.status: "",
        tab.film: None,
        lib.saved: gr.Dropdown(choices=choices(page, caller), value=None),
        lib.name: "",
        lib.frames: [],
    }


def library_outputs(tab: StoryTab, lib: Library) -> list:
    return [
        *tab.shot_outputs,
        tab.start,
        tab.provider,
        tab.crossfade,
        tab.story_id,
        tab.status,
        tab.film,
        lib.saved,
        lib.name,
        lib.frames,
        lib.note,
    ]


def page_caller(page: Page, token: str | None, request: Any):
    """The caller, or None for a page this server didn't sign (or a caller over budget)."""
    try:
        return page.studio.page_caller(token, request)
    except TooBusy:
        return None


async def follow(tab: StoryTab, lib: Library, lang: str, page: Page, caller, story_id: str) -> Any:
    """A run under way, shown until it ends: its words, and the shots' frames as they come."""
    seen = -1
    while True:
        view = page.studio.story_view(caller, story_id)
        if view is None or view.run is None:
            return
        update: dict = {tab.status: progress_markdown(view.run, view.provider, lang)}
        if len(view.run.outcomes) != seen:
            seen = len(view.run.outcomes)
            update[lib.frames] = frames_value(lang, view)
        if not view.run.running:
            film = view.run.film
            yield {**update, lib.frames: frames_value(lang, view), tab.film: publish(film)}
            return
        yield update
        await asyncio.sleep(0.5)


def wire_library(tab: StoryTab, lib: Library, page: Page, owner: gr.BrowserState) -> None:
    """Open, save, rename, delete and new: each through the service, for the page's owner."""
    outputs = library_outputs(tab, lib)
    common = {"preprocess": False, "concurrency_limit": None, **PRIVATE}

    async def open_(request: gr.Request, token: str | None, story_id: str | None):
        caller, lang = page.caller(token, request), language(request)
        view = page.studio.story_view(caller, story_id)
        if view is None:
            yield {lib.note: say(lang, "story.missing")}
            return
        name = view.story.get("name") or ""
        yield shown_rows(tab, view.story)
        yield {
            **show_story(tab, lib, lang, view, page, caller),
            lib.note: say(lang, "story.opened", name=name),
        }

    for opened in (
        lib.open.click(open_, [owner, lib.saved], outputs, **common),
        lib.saved.input(open_, [owner, lib.saved], outputs, **common),
    ):
        then_follow(opened, tab, lib, page, owner)

    async def save(request: gr.Request, token, story_id, name, provider, crossfade, start, *rest):
        caller, lang = page.caller(token, request), language(request)
        shots = tab.shots_from(list(rest))
        fields = story_fields(named(name, lang), provider, crossfade, start, shots)
        try:
            story = await page.studio.save_story(caller, story_id, fields)
        except InputError as exc:
            return {lib.note: say(lang, "story.refused", problem=exc.user_message)}
        return {
            tab.story_id: story["id"],
            lib.saved: gr.Dropdown(choices=choices(page, caller), value=story["id"]),
            lib.name: story["name"],
            lib.note: say(lang, "story.saved", name=story["name"]),
        }

    inputs = [owner, tab.story_id, lib.name, tab.provider, tab.crossfade, tab.start]
    lib.save.click(save, [*inputs, *tab.shot_inputs], outputs, **common)
    _wire_rename_delete_new(tab, lib, page, owner)
    _wire_autosave(tab, lib, page, [*inputs, *tab.shot_inputs])


async def save_open(
    page: Page, request: gr.Request, token, story_id, fields: dict[str, Any]
) -> str | None:
    """Keep the edit of a story already saved (a story never saved waits for Save, Preview or
    Generate, so typing never fills the list); a refusal's words, else None."""
    caller = page.caller(token, request)
    story = page.studio.open_story(caller, story_id)
    if story is None:
        return None
    fields = {**fields, "name": fields.get("name") or story["name"]}
    try:
        await page.studio.save_story(caller, story_id, {**fields, "ran_on": story.get("ran_on")})
    except InputError as exc:
        return say(language(request), "story.refused", problem=exc.user_message)
    return None


def _wire_autosave(tab: StoryTab, lib: Library, page: Page, inputs: list) -> None:
    """An open story is saved as the visitor edits it (debounced in the browser, as the
    draft is): a reload mid-edit loses nothing.

    On the visitor's own edits only (`input`, not `change`): a story drawn by the page (a
    reload's restore, Open) fires `change` once per part as each part is drawn, and a save
    taken between two parts kept the new shots with the old, empty start frame. The shot
    buttons save what they change themselves (story_tab.py)."""

    async def autosave(request: gr.Request, token, story_id, name, provider, crossfade, *rest):
        start, shots = rest[0], tab.shots_from(list(rest[1:]))
        fields = story_fields(name, provider, crossfade, start, shots)
        refused = await save_open(page, request, token, story_id, fields)
        return refused if refused else gr.skip()

    edited = [tab.provider, tab.crossfade, tab.start, *tab.shot_inputs[1:]]  # not the count
    gr.on(
        [c.input for c in edited],
        autosave,
        inputs,
        lib.note,
        js=debounce_js("story"),
        preprocess=False,
        show_progress="hidden",
        trigger_mode="always_last",
        **PRIVATE,
    )


def _wire_rename_delete_new(tab: StoryTab, lib: Library, page: Page, owner) -> None:
    outputs = library_outputs(tab, lib)
    common = {"concurrency_limit": None, **PRIVATE}

    def rename(request: gr.Request, token: str | None, story_id: str | None, name: str):
        caller, lang = page.caller(token, request), language(request)
        story = page.studio.rename_story(caller, story_id, name)
        if story is None:
            return {lib.note: say(lang, "story.missing")}
        return {
            lib.saved: gr.Dropdown(choices=choices(page, caller), value=story["id"]),
            lib.name: story["name"],
            lib.note: say(lang, "story.saved", name=story["name"]),
        }

    lib.rename.click(rename, [owner, tab.story_id, lib.name], outputs, **common)

    def delete(request: gr.Request, token: str | None, story_id: str | None):
        caller, lang = page.caller(token, request), language(request)
        story = page.studio.open_story(caller, story_id)
        if story is None or not page.studio.delete_story(caller, story_id):
            return {lib.note: say(lang, "story.missing")}
        note = say(lang, "story.deleted", name=story["name"])
        return {**empty_story(tab, lib, page, caller), lib.note: note}

    lib.delete.click(delete, [owner, tab.story_id], outputs, **common)

    def new(request: gr.Request, token: str | None):
        caller, lang = page.caller(token, request), language(request)
        return {**empty_story(tab, lib, page, caller), lib.note: say(lang, "story.new")}

    lib.new.click(new, [owner], outputs, **common)


def wire_story_restore(loaded: Any, tab: StoryTab, lib: Library, page: Page, owner) -> None:
    """After the page's token is known (`loaded`): the story changed last, its shots, their
    frames and states, and the progress of its run if it still runs."""

    async def restore(request: gr.Request, token: str | None):
        caller, lang = page_caller(page, token, request), language(request)
        stories = page.studio.stories(caller) if caller is not None else []
        view = page.studio.story_view(caller, stories[0]["id"]) if stories else None
        if view is None:
            yield {lib.note: say(lang, "story.none")}
            return
        yield shown_rows(tab, view.story)
        yield show_story(tab, lib, lang, view, page, caller)

    shown = loaded.then(
        restore,
        owner,
        library_outputs(tab, lib),
        concurrency_limit=None,
        show_progress="hidden",
        **PRIVATE,
    )
    then_follow(shown, tab, lib, page, owner)


def then_follow(shown: Any, tab: StoryTab, lib: Library, page: Page, owner) -> None:
    """After a story is shown (`shown`): the progress of its run, to its end, in an event of
    its own. While an event runs, Gradio holds its image and drop-down outputs as
    pending: followed in the same event, a reload mid-run showed no start frame and no
    story chosen until the run ended."""

    async def follow_run(request: gr.Request, token: str | None, story_id: str | None):
        caller, lang = page_caller(page, token, request), language(request)
        view = page.studio.story_view(caller, story_id) if caller and story_id else None
        if view is None or view.run is None:
            yield {tab.status: gr.skip()}  # (a generator that yields nothing empties all)
            return
        # A run that ended before this event began is shown as it ended (follow says so).
        async for update in follow(tab, lib, lang, page, caller, story_id):
            yield update

    shown.then(
        follow_run,
        [owner, tab.story_id],
        [tab.status, lib.frames, tab.film],
        concurrency_limit=None,
        show_progress="hidden",
        **PRIVATE,
    )
