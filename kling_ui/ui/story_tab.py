"""The Story tab: shots chained into one film, previewed for free, then generated once.

Each shot is a prompt, a duration and sound; shot 1 starts from the story's start frame and
every later shot from the clean last frame of the shot before (or its own frame). The work
is story.run_story's (shared with the CLI); this module only shows it. A run belongs to the
server, not to the page: closing the tab does not stop it, pressing the button again while
it runs only shows it, and a run stopped by a restart picks up its shots without paying
twice (story.py keeps every submitted shot).

Rows are rendered once and shown or hidden, like the segment editor (segments.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr

from ..config import Settings
from ..errors import InputError
from ..links import publish
from ..request import DURATION_DEFAULT, DURATION_MAX, DURATION_MIN
from ..service import StoryOrder
from ..shots import MAX_SHOTS, Shot
from ..story import StoryRun
from .form import provider_choices, typed_key
from .lang import language, say, say_text
from .present import provider_label
from .story_library import (
    Library,
    build_library,
    choices,
    named,
    save_open,
    shots_of,
    story_fields,
    then_follow,
    wire_library,
)
from .story_shots import change, progress_markdown, read_shots, story_cost
from .words import t

if TYPE_CHECKING:
    from .studio import Page

PRIVATE = {"api_visibility": "private"}

# --- the tab -------------------------------------------------------------------------------


@dataclass
class StoryTab:
    start: gr.Image
    count: gr.Number
    groups: list[gr.Group]
    prompts: list[gr.Textbox]
    seconds: list[gr.Slider]
    sounds: list[gr.Checkbox]
    frames: list[gr.Image]
    timed: list[gr.Textbox]
    buttons: dict[str, list[gr.Button]]
    add: gr.Button
    provider: gr.Radio
    crossfade: gr.Checkbox
    cost: gr.Markdown
    confirm: gr.Checkbox
    preview: gr.Button
    generate: gr.Button
    status: gr.Markdown
    film: gr.Video
    story_id: gr.State
    library: Library | None = None  # the owner's saved stories (story_library.py)

    @property
    def shot_inputs(self) -> list:
        return [
            self.count,
            *self.prompts,
            *self.seconds,
            *self.sounds,
            *self.frames,
            *self.timed,
        ]

    @property
    def shot_outputs(self) -> list:
        return [
            self.count,
            *self.groups,
            *self.prompts,
            *self.seconds,
            *self.sounds,
            *self.frames,
            *self.timed,
            self.add,
        ]

    def shots_from(self, values: list) -> list[Shot]:
        n = MAX_SHOTS
        columns = [values[1 + k * n : 1 + (k + 1) * n] for k in range(5)]
        return read_shots(values[0], *columns)

    def render(self, shots: list[Shot]) -> list:
        """Values for shot_outputs showing `shots`."""
        padded = shots + [Shot("", DURATION_DEFAULT)] * (MAX_SHOTS - len(shots))
        return [
            len(shots),
            *(gr.Group(visible=i < len(shots)) for i in range(MAX_SHOTS)),
            *(shot.prompt for shot in padded),
            *(shot.seconds for shot in padded),
            *(shot.sound for shot in padded),
            *(publish(shot.frame) if shot.frame else None for shot in padded),
            *(shot.segments for shot in padded),
            gr.Button(value=t(f"story.add.{len(shots)}"), interactive=len(shots) < MAX_SHOTS),
        ]


def build_story_tab(settings: Settings) -> StoryTab:
    """The start frame, MAX_SHOTS shot rows (two shown), then provider, cost and buttons."""
    gr.Markdown(t("story.hint"), elem_classes=["hint"])
    library = build_library()
    start = gr.Image(
        label=t("story.start"),
        type="filepath",
        sources=["upload", "clipboard"],
        height=220,
        elem_id="story-start",
    )
    count = gr.Number(2, visible=False, precision=0)
    rows = [_shot_row(i) for i in range(MAX_SHOTS)]
    add = gr.Button(t("story.add.2"), elem_id="story-add")
    provider = gr.Radio(
        provider_choices(settings),
        value="preview",
        label=t("story.provider"),
        elem_id="story-provider",
    )
    crossfade = gr.Checkbox(label=t("story.crossfade"), elem_id="story-crossfade")
    cost = gr.Markdown(elem_id="story-cost")
    confirm = gr.Checkbox(label=t("story.confirm"), elem_id="story-confirm")
    with gr.Row():
        preview = gr.Button(t("story.preview"), elem_id="story-preview")
        generate = gr.Button(t("story.generate"), variant="primary", elem_id="story-generate")
    status = gr.Markdown("", elem_id="story-status")
    film = gr.Video(
        label=t("story.film"), interactive=False, buttons=["download"], elem_id="story-film"
    )
    return StoryTab(
        start,
        count,
        [row.group for row in rows],
        [row.prompt for row in rows],
        [row.seconds for row in rows],
        [row.sound for row in rows],
        [row.frame for row in rows],
        [row.timed for row in rows],
        {op: [row.buttons[op] for row in rows] for op in SHOT_OPS},
        add,
        provider,
        crossfade,
        cost,
        confirm,
        preview,
        generate,
        status,
        film,
        gr.State(None),
        library,
    )


SHOT_OPS = ("up", "down", "duplicate", "remove")  # each button's words: words.py


@dataclass
class ShotRow:
    group: gr.Group
    prompt: gr.Textbox
    seconds: gr.Slider
    sound: gr.Checkbox
    frame: gr.Image
    timed: gr.Textbox
    buttons: dict[str, gr.Button]


def _shot_row(i: int) -> ShotRow:
    """Shot i+1: prompt, seconds and sound; timed prompts and its own frame folded away."""
    n = i + 1
    with gr.Group(visible=i < 2, elem_id=f"shot-{n}") as group:
        gr.Markdown(t(f"story.shot.{n}"))
        with gr.Row(equal_height=False):
            prompt = gr.Textbox(
                label=t(f"story.shot.{n}.prompt"),
                lines=2,
                scale=4,
                elem_id=f"shot-{n}-prompt",
                placeholder=t("story.shot.placeholder"),
            )
            with gr.Column(scale=2, min_width=180):
                seconds = gr.Slider(
                    DURATION_MIN,
                    DURATION_MAX,
                    value=DURATION_DEFAULT,
                    step=1,
                    label=t(f"story.shot.{n}.seconds"),
                    elem_id=f"shot-{n}-seconds",
                )
                sound = gr.Checkbox(label=t(f"story.shot.{n}.sound"), elem_id=f"shot-{n}-sound")
        timed = _timed_prompts(n)
        frame = _own_frame(n) if i > 0 else gr.Image(visible=False, type="filepath")
        with gr.Row():
            buttons = {
                op: gr.Button(
                    t(f"story.shot.{n}.{op}"), size="sm", elem_id=f"shot-{n}-{op}", min_width=80
                )
                for op in SHOT_OPS
            }
    return ShotRow(group, prompt, seconds, sound, frame, timed, buttons)


def _timed_prompts(n: int) -> gr.Textbox:
    with gr.Accordion(t(f"story.shot.{n}.timed_fold"), open=False):
        return gr.Textbox(
            label=t(f"story.shot.{n}.timed"),
            placeholder=t("story.timed.placeholder"),
            lines=3,
            elem_id=f"shot-{n}-timed",
        )


def _own_frame(n: int) -> gr.Image:
    with gr.Accordion(t(f"story.shot.{n}.frame_fold"), open=False):
        return gr.Image(
            label=t(f"story.shot.{n}.frame"),
            type="filepath",
            sources=["upload"],
            height=160,
            elem_id=f"shot-{n}-frame",
        )


_STORY_ID = re.compile(r"^[0-9a-f]{32}$")


def wire_story_tab(tab: StoryTab, page: Page, owner: gr.BrowserState, keys: dict) -> None:
    _wire_editing(tab, page, owner)
    _wire_making(tab, page, owner, keys)
    wire_library(tab, tab.library, page, owner)


def _wire_editing(tab: StoryTab, page: Page, owner: gr.BrowserState) -> None:
    """Add, move, duplicate and remove shots (an open story keeps the change), and the cost
    as they change."""

    # Special arguments come first: Gradio only injects positional ones.
    def cost_of(request: gr.Request, provider: str, *values):
        shots = tab.shots_from(list(values))
        return story_cost(provider or "preview", shots, language(request))

    def on_change(op: str, index: int):
        async def handler(request: gr.Request, token, story_id, name, crossfade, start, *rest):
            provider, values = rest[0], list(rest[1:])
            shots = change(tab.shots_from(values), op, index)
            fields = story_fields(name, provider, crossfade, start, shots)
            refused = await save_open(page, request, token, story_id, fields)
            cost = story_cost(provider or "preview", shots, language(request))
            return [*tab.render(shots), cost, refused if refused else gr.skip()]

        return handler

    # One event per button, the cost and the save included: every event is held in each
    # visitor's session copy of the page config, so fewer events keep memory per API call
    # down (see bench).
    lib = tab.library
    inputs = [owner, tab.story_id, lib.name, tab.crossfade, tab.start, tab.provider]
    for op, row_buttons in [*tab.buttons.items(), ("add", [tab.add])]:
        for i, button in enumerate(row_buttons):
            button.click(
                on_change(op, i),
                [*inputs, *tab.shot_inputs],
                [*tab.shot_outputs, tab.cost, lib.note],
                preprocess=False,
                **PRIVATE,
            )
    for component in [tab.provider, *tab.seconds, *tab.sounds]:
        component.change(
            cost_of, [tab.provider, *tab.shot_inputs], tab.cost, preprocess=False, **PRIVATE
        )


def _wire_making(tab: StoryTab, page: Page, owner: gr.BrowserState, keys: dict) -> None:
    """Preview (free) and Generate (paid, asked first): the story is saved, the service
    makes it; the page shows its progress until the film is ready."""
    n_shot = 1 + 5 * MAX_SHOTS
    lib = tab.library

    async def make(
        paid: bool, request: gr.Request, token, story_id, chosen, crossfade, confirm, start, *rest
    ):
        caller = page.caller(token, request)  # gr.Error for a page this server didn't sign
        lang = language(request)
        provider = (chosen or "preview") if paid else "preview"
        if paid and provider != "preview" and not confirm:
            yield {tab.status: say(lang, "story.tick", provider=provider_label(provider, lang))}
            return
        name, shots = rest[n_shot], tab.shots_from(list(rest[:n_shot]))
        key = typed_key(provider, dict(zip(keys, rest[n_shot + 1 :], strict=True)))
        fields = story_fields(named(name, lang), chosen, crossfade, start, shots)
        fields["ran_on"] = provider
        try:
            story, run = await _save_and_start(page, caller, story_id, fields, key)
        except InputError as exc:
            problems = "\n".join(f"- {say_text(lang, p)}" for p in exc.problems.values())
            yield {tab.status: say(lang, "story.fix") + f"\n\n{problems}"}
            return
        yield {
            tab.story_id: story["id"],
            tab.film: None,
            tab.confirm: False,
            tab.status: progress_markdown(run, provider, lang),
            lib.saved: gr.Dropdown(choices=choices(page, caller), value=story["id"]),
            lib.name: story["name"],
            lib.note: say(lang, "story.saved", name=story["name"]),
        }

    inputs = [
        owner,
        tab.story_id,
        tab.provider,
        tab.crossfade,
        tab.confirm,
        tab.start,
        *tab.shot_inputs,
        lib.name,
        *keys.values(),
    ]
    outputs = [tab.status, tab.film, tab.story_id, tab.confirm, lib.saved, lib.name, lib.note]
    for button, paid in ((tab.preview, False), (tab.generate, True)):
        # gr.Request first: Gradio injects special arguments only by position.
        async def handler(request: gr.Request, *values, paid=paid):
            async for update in make(paid, request, *values):
                yield update

        # The run is followed in an event of its own (then_follow): while an event runs,
        # Gradio holds its drop-down output as pending, and Saved stories showed blank.
        made = button.click(
            handler, inputs, outputs, preprocess=False, concurrency_limit=None, **PRIVATE
        )
        then_follow(made, tab, lib, page, owner)


async def _save_and_start(
    page: Page, caller: Any, story_id: Any, fields: dict[str, Any], key: str | None
) -> tuple[dict[str, Any], StoryRun]:
    """Save the story (its id names the run's folder, so a reload finds its shots), then
    start making it from the saved shots and frames."""
    story_id = story_id if _STORY_ID.match(str(story_id or "")) else None
    story = await page.studio.save_story(caller, story_id, fields)
    order = StoryOrder(
        story_id=story["id"],
        provider=fields["ran_on"],
        shots=shots_of(story),
        start=story["start"],
        crossfade=bool(fields["crossfade"]),
        api_key=key,
    )
    _, run = await page.studio.start_story(caller, order)
    return story, run
