"""The studio: one Blocks wiring the form, the live result panel, history and the public API.

Handlers translate page values to a call of the service (service.py) and its answer back to
page values; every rule lives there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import gradio as gr

from .. import assets, models
from ..errors import ConfigError, InputError, KlingUIError
from ..gate import TooBusy
from ..links import configure as configure_links
from ..links import publish
from ..service import Caller, Studio
from ..spending import SpendingRefused
from .api import wire_public_api
from .drafts import DraftBar, build_draft_bar, wire_draft_restore, wire_drafts
from .form import (
    OWN_LIMIT_RESTORE_JS,
    Form,
    build_form,
    chosen_site,
    model_for,
    problem_values,
    problems_of,
    restore_keys_js,
    spoken,
    spoken_outputs,
    typed_key,
)
from .frame_check import wire_frame_check
from .history import History, build_history, history_spoken, history_values, wire_history
from .history_actions import wire_history_actions
from .import_job import ImportJob, build_import, other_site_words, wire_import
from .lang import EN_LANG, language, say, say_text
from .page import ANNOUNCE_JS, CSS, FORM_KEYS_JS, SHOW_CARD_JS, SHOW_FILLED_JS, TITLE_JS
from .present import cost_markdown, spend_markdown, status_markdown
from .result import Result
from .segments import clip_for, duration_slider, from_segments
from .story_library import wire_story_restore
from .story_tab import build_story_tab, wire_story_tab
from .tray import Tray, build_tray
from .tray_events import shown_job, wire_tray
from .words import t

log = logging.getLogger(__name__)

# Page events are private: not on the API page, not MCP tools, not callable by name
# (server.py refuses named calls to them), and each checks the page's owner token.
PRIVATE = {"api_visibility": "private"}


def error_text(exc: KlingUIError, lang: str | None) -> str:
    """An error's words for a toast, in the visitor's language."""
    return say_text(lang, exc.user_message)


class Page:
    """Handlers close over the service only; everything per user arrives as inputs."""

    def __init__(self, studio: Studio) -> None:
        self.studio = studio

    def caller(self, token: str | None, request: gr.Request | None = None) -> Caller:
        """The caller behind a page event, from the token this server signed for the browser.

        Page events are private, yet anyone can post to the queue by fn_index: without a
        token signed here, such a call owns nothing and can do nothing. Over its budget
        (gate.py), it is told to wait.
        """
        try:
            caller = self.studio.page_caller(token, request)
        except TooBusy as exc:
            raise gr.Error(say_text(language(request), exc.user_message)) from exc
        if caller is None:
            raise gr.Error(say(language(request), "page.expired"))
        return caller

    def fill_form(
        self,
        form: Form,
        fields: dict[str, Any],
        provider: str | None = None,
        lang: str = EN_LANG,
    ) -> dict:
        """Values for `form.fill_outputs`, by component, showing a stored request."""
        duration = int(fields.get("duration") or 5)
        rows = from_segments(fields.get("multi_prompt"))
        sound = bool(fields.get("sound"))
        model = fields.get("model") or models.DEFAULT_MODEL
        values = {
            form.start: publish(fields.get("image")),
            form.end: publish(fields.get("end_image")),
            form.prompt: fields.get("prompt", ""),
            form.duration: duration_slider(rows, clip_for(rows, duration)),
            form.sound: sound,
            form.shot_type: fields.get("shot_type", "customize"),
            form.provider: provider if provider is not None else gr.skip(),
            # A stored request without a model ran O3 Pro (before the catalogue).
            form.model: model_for(provider, model) if provider else gr.skip(),
            form.cost: cost_markdown(provider, duration, sound, model, lang)
            if provider
            else gr.skip(),
            form.segments_box: gr.Accordion(open=True) if rows else gr.skip(),
        }
        segments = form.segments
        shown = segments.render_rows(rows, duration, lang=lang)
        values.update(zip(segments.outputs, shown, strict=True))
        return values


@dataclass
class Layout:
    """Every part of the page the handlers need."""

    owner: gr.BrowserState
    tabs: gr.Tabs
    form: Form
    result: Result
    history: History
    tray: Tray
    examples: list[tuple[gr.Button, dict[str, Any]]]
    importer: ImportJob  # History's "Add a job by its id"
    draft: DraftBar | None = None  # "New" and the draft's saved note, above the form


def build_studio(studio: Studio) -> gr.Blocks:
    configure_links(studio.settings.data_dir)
    page = Page(studio)
    # No telemetry: Gradio would otherwise report each start to its servers (a Space's
    # visitors did not agree to that) and spend a thread on a version check.
    with gr.Blocks(title="Kling O3 Pro Studio", analytics_enabled=False) as demo:
        layout, story = _layout(studio)
        wire_frame_check(layout.form, page, layout.owner)
        wire_history(layout.history, studio, layout.owner)
        wire_tray(page, layout)  # after History: its timer stays the page's first
        wire_story_tab(story, page, layout.owner, layout.form.keys)
        wire_public_api(studio)
        loaded = _wire_load(demo, page, layout)
        wire_story_restore(loaded, story, story.library, page, layout.owner)
        wire_drafts(layout.form, page, layout.owner, layout.draft)
        _wire_generate(page, layout)
        _wire_job_card(page, layout)
        _wire_check_key(page, layout)
        wire_history_actions(page, layout)
        wire_import(page, layout, layout.importer)
        _wire_examples(page, layout)
    return demo


def _layout(studio: Studio):
    gr.Markdown(t("title"), elem_id="title")
    # A server-signed token naming this browser's owner (see owners.py).
    owner = gr.BrowserState(None, storage_key="kling-ui-owner")
    examples = assets.examples()
    with gr.Tabs() as tabs:
        with gr.Tab(t("tab.studio"), id="studio"):
            buttons = _example_buttons(examples) if examples else []
            with gr.Row(equal_height=False):
                with gr.Column(scale=5, elem_id="form-col"):
                    form = build_form(studio.settings)
                    # Below the form: the first screen stays frames, prompt and Generate.
                    draft = build_draft_bar()
                with gr.Column(scale=4, elem_id="result-col"):
                    # The jobs first: beside the form on a laptop, under Generate on a phone.
                    tray = build_tray()
                    result = Result(form, studio)
        with gr.Tab(t("tab.story"), id="story"):
            story = build_story_tab(studio.settings)
        with gr.Tab(t("tab.history"), id="history"):
            history = build_history()
            with history.slot:  # above the filters: "Add a job by its id"
                importer = build_import()
    pairs = list(zip(buttons, examples, strict=True))
    return Layout(owner, tabs, form, result, history, tray, pairs, importer, draft), story


def _wire_load(demo: gr.Blocks, page: Page, layout: Layout) -> Any:
    """The page's load: its owner token, then History, the last job, the draft; returns
    the token's load event (more parts follow it)."""
    studio, history, result, form = page.studio, layout.history, layout.result, layout.form

    def welcome_back(request: gr.Request, token: str | None):
        """After a reload: History and the tray at once, and the Studio shows the last job
        again (the tray's timer follows it if it still runs), instead of a blank page."""
        lang = language(request)
        try:
            caller = studio.page_caller(token)
        except TooBusy:
            return {}
        if caller is None:
            return {}
        latest = studio.latest_clip(caller)
        return {
            **history_values(history, studio, caller, lang=lang),
            **shown_job(page, layout, caller, latest, lang),
            form.spend: spend_markdown(studio.spent_today(caller), lang=lang),
        }

    loaded = demo.load(studio.page_token, layout.owner, layout.owner, queue=False, **PRIVATE)
    wire_draft_restore(loaded, form, page, layout.owner, layout.draft)  # as last edited
    loaded.then(
        welcome_back,
        layout.owner,
        [
            history.table,
            history.cards,
            history.drawn,
            result.job,
            *result.outputs,
            *layout.tray.outputs,
        ],
        concurrency_limit=None,
        show_progress="hidden",
        **PRIVATE,
    )
    demo.load(None, None, None, js=ANNOUNCE_JS, **PRIVATE)
    _wire_spoken(demo, page, layout)
    demo.load(None, None, None, js=FORM_KEYS_JS, **PRIVATE)
    demo.load(None, None, None, js=TITLE_JS, **PRIVATE)
    demo.load(
        None,
        None,
        [*form.keys.values(), form.remember],
        js=restore_keys_js(list(form.keys)),
        **PRIVATE,
    )
    demo.load(None, None, form.own_limit, js=OWN_LIMIT_RESTORE_JS, **PRIVATE)
    return loaded


def _wire_spoken(demo: gr.Blocks, page: Page, layout: Layout) -> None:
    """The words the server built into the page, said again in the visitor's language (the
    page is built once, in English; gr.I18n translates only fixed labels)."""
    settings = page.studio.settings

    def speak(request: gr.Request) -> dict:
        lang = language(request)
        return {
            **spoken(layout.form, settings, lang),
            **history_spoken(layout.history, lang),
        }

    outputs = [*spoken_outputs(layout.form), layout.history.status]
    demo.load(speak, None, outputs, queue=False, show_progress="hidden", **PRIVATE)


def _wire_generate(page: Page, layout: Layout) -> None:
    studio, form, result, tray = page.studio, layout.form, layout.result, layout.tray

    # Special arguments come first: Gradio only injects positional ones.
    async def generate(request: gr.Request, token: str | None = None, *values):
        """Start the job and return: its card joins the tray, the panel shows it, and the
        tray's timer follows it. Generate is free again at once for the next one."""
        caller = page.caller(token, request)
        lang = language(request)
        read = form.read(list(values))
        try:
            job = await studio.generate(
                caller,
                read.fields,
                provider=read.provider,
                api_key=read.key,
                own_limit_usd=read.own_limit,
                region=read.site,
            )
        except (InputError, ConfigError, SpendingRefused) as exc:
            return problem_values(form, problems_of(exc), lang)
        except KlingUIError as exc:
            raise gr.Error(error_text(exc, lang)) from exc
        except Exception as exc:
            log.exception("generate: unexpected error before submit")
            raise gr.Error(say(lang, "error.unexpected", kind=type(exc).__name__)) from exc
        shown = shown_job(page, layout, caller, job, lang, read.provider)
        return {**shown, **problem_values(form, {}, lang), result.continue_note: ""}

    form.generate.click(
        generate,
        [layout.owner, *form.inputs],
        # Problems by field come last: the first outputs keep their places for scripts.
        [
            form.errors,
            result.job,
            result.continue_note,
            *result.outputs,
            *tray.outputs,
            *form.problem_boxes.values(),
        ],
        concurrency_limit=None,
        show_progress="minimal",
        # Brief: the job is sent, then the tray shows it. Shown on the tray, where the card
        # comes: the problem boxes are alerts, and a screen reader read "queue: 1/1" out.
        show_progress_on=[tray.html],
        preprocess=False,  # frames are checked from the original upload: see uploads.py
        js=SHOW_CARD_JS,
        **PRIVATE,
    )


def _wire_job_card(page: Page, layout: Layout) -> None:
    studio, form, result, tray = page.studio, layout.form, layout.result, layout.tray
    key_boxes = list(form.keys.values())

    def key_for(provider: str | None, typed: tuple[str, ...]) -> str | None:
        return typed_key(provider, dict(zip(form.keys, typed, strict=True)))

    # Special arguments come first: Gradio only injects positional ones.
    async def cancel(request: gr.Request, token: str | None, job_id: str | None, *typed: str):
        caller, lang = page.caller(token), language(request)
        job = studio.job(caller, job_id)
        if job is None:
            return say(lang, "cancel.nothing")
        message = await studio.cancel(caller, job.id, key_for(job.provider, typed))
        shown = status_markdown(studio.job(caller, job.id) or job, lang=lang)
        return shown + f"\n\n> {say_text(lang, message)}"

    form.cancel.click(
        cancel,
        [layout.owner, result.job, *key_boxes],
        result.status,
        concurrency_limit=None,
        **PRIVATE,
    )

    async def continue_from_last(request: gr.Request, token: str | None, job_id: str | None):
        lang = language(request)
        try:
            frame = await studio.continue_frame(page.caller(token), job_id)
        except KlingUIError as exc:
            raise gr.Error(error_text(exc, lang)) from exc
        return publish(frame), None, say(lang, "continue.note")

    result.continue_.click(
        continue_from_last,
        [layout.owner, result.job],
        [form.start, form.end, result.continue_note],
        **PRIVATE,
    )

    async def check_again(request: gr.Request, token: str | None, job_id: str | None, *typed):
        """Ask now; the tray's timer shows what comes of it."""
        caller = page.caller(token, request)
        job = studio.job(caller, job_id)
        if job is None:
            return {}
        await studio.check_again(caller, job.id, key_for(job.provider, typed))
        values = shown_job(page, layout, caller, studio.job(caller, job.id), language(request))
        return {**values, tray.timer: gr.Timer(active=True)}

    result.check.click(
        check_again,
        [layout.owner, result.job, *key_boxes],
        [result.job, *result.outputs, *tray.outputs],
        concurrency_limit=None,
        **PRIVATE,
    )


def _wire_check_key(page: Page, layout: Layout) -> None:
    form = layout.form

    # Special arguments come first: Gradio only injects positional ones.
    async def check_key(request: gr.Request, token: str | None = None, provider="", *typed: str):
        caller = page.caller(token, request)  # with its address: checks are counted by it
        keys, sites = typed[: len(form.keys)], typed[len(form.keys) :]
        key = typed_key(provider, dict(zip(form.keys, keys, strict=True)))
        site = chosen_site(provider, dict(zip(form.regions, sites, strict=True)))
        said = await page.studio.check_key(caller, provider, key, site)
        lang = language(request)
        return other_site_words(lang, provider, said, site) or say_text(lang, said)

    form.check_key.click(
        check_key,
        [layout.owner, form.provider, *form.keys.values(), *form.regions.values()],
        form.key_report,
        concurrency_limit=None,
        **PRIVATE,
    )


def _wire_examples(page: Page, layout: Layout) -> None:
    for button, example in layout.examples:
        fields = {
            **example,
            "image": str(assets.path(example["image"])),
            "end_image": str(assets.path(example["end_image"]))
            if example.get("end_image")
            else None,
        }
        button.click(
            _filler(page, layout.form, fields),
            None,
            layout.form.fill_outputs,
            **PRIVATE,
        ).then(None, js=SHOW_FILLED_JS, **PRIVATE)


def _filler(page: Page, form: Form, fields: dict[str, Any]):
    """An example button's handler: the form filled with `fields`, words in the visitor's."""

    def fill(request: gr.Request) -> dict:
        return page.fill_form(form, fields, lang=language(request))

    return fill


def _example_buttons(examples: list[dict[str, Any]]) -> list[gr.Button]:
    with gr.Row(elem_id="examples", equal_height=True):
        gr.Markdown(t("examples"), elem_classes=["hint"])
        buttons = [
            gr.Button(
                t(f"example.{i}"),
                icon=str(assets.path(example["image"])),
                size="sm",
                elem_id=f"example-{i}",
                min_width=120,
            )
            for i, example in enumerate(examples)
        ]
    gr.Markdown(t("examples.more"), elem_id="examples-more", elem_classes=["hint"])
    return buttons


__all__ = ["CSS", "History", "build_studio"]
