"""The studio: one Blocks wiring the form, the live result panel, history and the public API."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import gradio as gr

from .. import media
from ..errors import ConfigError, InputError, KlingUIError
from ..providers import PROVIDERS
from ..request import parse_request
from ..services import Services
from ..spending import SpendingRefused
from ..state import JobState
from ..store import JobRecord
from ..trash import RESTORE_SECONDS
from ..uploads import allowed_source
from .api import wire_public_api
from .form import Form, build_form, restore_keys_js, typed_key
from .history import History, build_history, owned_job, panel_values, table_rows, wire_history
from .present import cost_markdown, details_markdown, status_markdown
from .publish import configure as configure_links
from .publish import publish, revoke
from .segments import from_segments
from .story_tab import build_story_tab, wire_story_tab
from .words import t

log = logging.getLogger(__name__)
ASSETS = Path(__file__).resolve().parents[2] / "assets"

CSS = """
.hint { opacity: 0.8; font-size: 0.92em; }
#form-errors:not(:empty) { border-left: 4px solid #d9534f; padding-left: 0.75em; }
.segment-row { align-items: end; }
/* Text dark enough to read (WCAG AA, checked by axe-core in the browser tests): Gradio's
   default indigo-500 labels and grey hints fall short on their backgrounds. */
.gradio-container {
  --block-label-text-color: #3730a3;
  --block-title-text-color: #3730a3;
  --body-text-color-subdued: #4b5563;
  --color-accent: #4f46e5;
  --button-primary-background-fill: #4f46e5;
  --button-primary-background-fill-hover: #4338ca;
  --checkbox-label-background-fill-selected: #4f46e5;
}
.gradio-container [data-testid="block-label"],
.gradio-container [data-testid="upload-text"] { color: #3730a3 !important; }
.gradio-container .or, .gradio-container .show-api, .gradio-container footer * {
  color: #4b5563 !important;
}
/* A focus ring anyone can see, for keyboard users. */
:focus-visible { outline: 3px solid #1d4ed8 !important; outline-offset: 2px; }
/* A tall (9:16) result fits the screen. */
#result-video video, #story-film video { max-height: 70vh; }
/* Gradio's container clips with overflow: hidden, which makes it the scroller that sticky
   elements stick to; clip cuts the same way without that. */
.gradio-container { overflow: clip !important; }
/* Generate, the cost and problems stay at the bottom of the screen while the form scrolls. */
#actions { position: sticky; bottom: 0; z-index: 100; padding: 6px 8px;
           background: var(--background-fill-primary); box-shadow: 0 -4px 12px rgba(0,0,0,.08); }
#actions #form-errors { max-height: 35vh; overflow-y: auto; }
#actions #cost { font-size: 0.9em; }
/* On a wide screen the job card stays in view beside the form as it scrolls. */
@media (min-width: 1024px) {
  #result-col { position: sticky; top: 8px; align-self: flex-start; }
  #result-col #result-video video { max-height: 52vh; }
}
#job-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px; }
/* Examples as small pictures; the frames side by side, smaller, on a phone. */
#examples button img { width: 56px; height: 36px; object-fit: cover; border-radius: 4px; }
@media (max-width: 640px) {
  .gradio-container h1 { font-size: 1.5em; }
  #frames { flex-wrap: nowrap !important; }
  #frames > * { min-width: 0 !important; }
  #examples { flex-wrap: nowrap !important; overflow-x: auto; }
  #examples > * { min-width: 112px !important; max-width: 150px; flex: 0 0 auto !important; }
}
"""

# Screen readers hear the job card and problems as they change; row buttons say which row.
ANNOUNCE_JS = """
() => {
  const mark = () => {
    const set = (sel, attrs) => document.querySelectorAll(sel).forEach(
      (el) => Object.entries(attrs).forEach(([k, v]) => el.setAttribute(k, v)));
    set('#status', {role: 'status', 'aria-live': 'polite'});
    set('#form-errors', {role: 'alert', 'aria-live': 'assertive'});
    set('#key-report, #continue-note', {'aria-live': 'polite'});
    // Gradio's empty-video placeholder carries a label without a role; its upload boxes
    // are named unlike the words they show (speech users say what they see).
    set('.empty[aria-label]:not([role])', {role: 'img'});
    // Accordions say whether they are open.
    document.querySelectorAll('button.label-wrap').forEach((el) => {
      const open = el.classList.contains('open') ? 'true' : 'false';
      if (el.getAttribute('aria-expanded') !== open) { el.setAttribute('aria-expanded', open); }
    });
    document.querySelectorAll('button.upload-container[aria-label]').forEach((el) => {
      const seen = (el.innerText || '').replace(/\\s+/g, ' ').trim();
      if (seen && el.getAttribute('aria-label') !== seen) { el.setAttribute('aria-label', seen); }
    });
    for (const [part, words] of [['up', 'Move segment N up'], ['down', 'Move segment N down'],
                                 ['remove', 'Remove segment N']]) {
      for (let n = 1; n <= 5; n++) {
        const el = document.querySelector(`#segment-${n}-${part}`);
        if (el) { el.setAttribute('aria-label', words.replace('N', n)); }
      }
    }
  };
  // Gradio adds rows and panels to the page as they are shown: mark them as they come.
  let queued = false;
  new MutationObserver(() => {
    if (!queued) { queued = true; requestAnimationFrame(() => { queued = false; mark(); }); }
  }).observe(document.body,
             {childList: true, subtree: true, attributes: true, attributeFilter: ['class']});
  mark();
  return [];
}
"""
# Runs in the browser as Generate is pressed, before the request leaves: the job card comes
# into view (on a phone it is below the form). The form's values pass through unchanged.
SHOW_CARD_JS = """
(...values) => {
  const card = document.querySelector('#job-card');
  const box = card?.getBoundingClientRect();
  if (box && (box.top < 0 || box.bottom > window.innerHeight)) {
    card.scrollIntoView({block: 'start', behavior: 'instant'});
  }
  return values;
}
"""


def load_examples() -> list[dict[str, Any]]:
    path = ASSETS / "examples.json"
    return json.loads(path.read_text()) if path.exists() else []


def problems_markdown(exc: InputError | ConfigError | SpendingRefused) -> str:
    items = exc.problems.values() if isinstance(exc, InputError) else [exc.user_message]
    return "**Please fix this before generating (nothing was sent):**\n\n" + "\n".join(
        f"- {item}" for item in items
    )


class Studio:
    """Handlers close over the app-wide services only; everything per user arrives as inputs."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.multi_user = services.settings.is_multi_user

    # --- owner ------------------------------------------------------------------------------

    def page_owner(self, token: str | None) -> str:
        """The owner behind a page event, from the token this server signed for the browser.

        Page events are private, yet anyone can post to the queue by fn_index: without a
        token signed here, such a call owns nothing and can do nothing.
        """
        owner = self.services.owners.of_page(token)
        if owner is None:
            raise gr.Error("This page has expired: reload it to go on.")
        return owner

    # --- running ----------------------------------------------------------------------------

    def result_values(self, job: JobRecord, r: Result) -> dict:
        """The panel for `job`, except the video (see follow)."""
        done = job.state == JobState.SUCCEEDED and job.video_path
        return {
            r.status: status_markdown(job),
            r.details: details_markdown(job),
            r.continue_: gr.Button(interactive=bool(done)),
            r.form.cancel: gr.Button(interactive=job.is_active),
            r.form.generate: gr.Button(interactive=not job.is_active),
            r.check: gr.Button(interactive=job.is_active or job.is_held),
        }

    async def follow(self, job_id: str, r: Result, progress: gr.Progress | None = None):
        """Yield result-panel updates until the job ends. Leaving the page stops only this
        watcher: the job itself runs on in the server."""
        shown_video = False
        async for job in self.services.jobs.watch(job_id):
            values = self.result_values(job, r)
            if progress is not None and job.state == JobState.RUNNING and job.progress is not None:
                progress(job.progress, desc="Generating")
            if job.state == JobState.SUCCEEDED and job.video_path and not shown_video:
                # Published once: a later update must not reload a video already playing.
                values[r.video] = publish(job.video_path)
                shown_video = True
            yield values

    # --- examples and re-use ----------------------------------------------------------------

    def fill_form(self, form: Form, fields: dict[str, Any], provider: str | None = None) -> dict:
        """Values for `form.fill_outputs`, by component, showing a stored request."""
        duration = int(fields.get("duration") or 5)
        rows = from_segments(fields.get("multi_prompt"))
        sound = bool(fields.get("sound"))
        values = {
            form.start: publish(fields.get("image")),
            form.end: publish(fields.get("end_image")),
            form.prompt: fields.get("prompt", ""),
            form.duration: duration,
            form.sound: sound,
            form.shot_type: fields.get("shot_type", "customize"),
            form.provider: provider if provider is not None else gr.skip(),
            form.cost: cost_markdown(provider, duration, sound) if provider else gr.skip(),
            form.segments_box: gr.Accordion(open=True) if rows else gr.skip(),
        }
        segments = form.segments
        values.update(zip(segments.outputs, segments.render_rows(rows, duration), strict=True))
        return values


class Result:
    """The right side: live status, the video, details and follow-up actions."""

    def __init__(self, form: Form) -> None:
        self.form = form
        # The job card: what is happening, and what can be done about it, in one place.
        with gr.Group(elem_id="job-card"):
            self.status = gr.Markdown(t("ready"), elem_id="status")
            with gr.Row():
                form.cancel = gr.Button(
                    t("cancel"), variant="stop", interactive=False, elem_id="cancel", size="sm"
                )
                # Ask the provider now (trouble), or retry a paid video's download.
                self.check = gr.Button(
                    t("check_again"), interactive=False, elem_id="check-again", size="sm"
                )
        self.video = gr.Video(
            label=t("result"),
            interactive=False,
            buttons=["download"],
            autoplay=False,
            elem_id="result-video",
        )
        self.continue_ = gr.Button(t("continue"), interactive=False, elem_id="continue")
        self.continue_note = gr.Markdown("", elem_id="continue-note")
        with gr.Accordion(t("details"), open=False):
            self.details = gr.Markdown("", elem_id="details")
        self.job = gr.State(None)

    @property
    def outputs(self) -> list:
        return [
            self.status,
            self.details,
            self.video,
            self.continue_,
            self.form.cancel,
            self.form.generate,
            self.check,
        ]


def build_studio(services: Services) -> gr.Blocks:
    settings = services.settings
    configure_links(settings.data_dir)
    studio = Studio(services)
    examples = load_examples()
    with gr.Blocks(title="Kling O3 Pro Studio") as demo:
        gr.Markdown(t("title"))
        # A server-signed token naming this browser's owner (see owners.py).
        owner = gr.BrowserState(None, storage_key="kling-ui-owner")
        with gr.Tabs() as tabs:
            with gr.Tab(t("tab.studio"), id="studio"):
                if examples:
                    example_buttons = _example_buttons(examples)
                with gr.Row(equal_height=False):
                    with gr.Column(scale=5):
                        form = build_form(settings)
                    with gr.Column(scale=4, elem_id="result-col"):
                        result = Result(form)
            with gr.Tab(t("tab.story"), id="story"):
                story = build_story_tab(settings)
            with gr.Tab(t("tab.history"), id="history"):
                history = build_history()
        wire_history(history, services.store, owner, services.owners.of_page)
        wire_story_tab(story, services, owner, form.keys, services.owners.of_page)
        wire_public_api(services)

        # Page events are private: not on the API page, not MCP tools, not callable by name
        # (app.py refuses named calls to them), and each checks the page's owner cookie.
        private = {"api_visibility": "private"}

        async def welcome_back(token: str | None):
            """After a reload: History at once, and the Studio shows the last job again
            (following it if it still runs), instead of a blank page."""
            owner_id = services.owners.of_page(token)
            if owner_id is None:
                return
            yield {history.table: table_rows(services.store, owner_id)}
            latest = services.store.list(owner=owner_id, limit=1)
            if not latest or latest[0].provider not in PROVIDERS:
                return
            yield {result.job: latest[0].id}
            async for update in studio.follow(latest[0].id, result):
                yield update

        demo.load(services.owners.keep_or_issue, owner, owner, queue=False, **private).then(
            welcome_back,
            owner,
            [history.table, result.job, *result.outputs],
            concurrency_limit=None,
            show_progress="hidden",
            **private,
        )
        demo.load(None, None, None, js=ANNOUNCE_JS, **private)
        demo.load(
            None,
            None,
            [*form.keys.values(), form.remember],
            js=restore_keys_js(list(form.keys)),
            **private,
        )

        # Special arguments come first: Gradio only injects positional ones.
        async def generate(
            request: gr.Request,
            progress=gr.Progress(),  # noqa: B008
            token: str | None = None,
            *values,
        ):
            owner_id = studio.page_owner(token)
            read = form.read(list(values))
            if read.key:  # a key typed again picks up this visitor's jobs that wait for it
                await services.jobs.resume_pending(
                    api_key=read.key, provider=read.provider, owner=owner_id
                )
            try:
                fields = dict(read.fields)
                for field in ("image", "end_image"):
                    fields[field] = allowed_source(
                        fields[field], field=field, data_dir=settings.data_dir
                    )
                parsed = parse_request(fields)
                job = await services.jobs.submit(
                    parsed,
                    provider=read.provider,
                    owner=owner_id,
                    api_key=read.key,
                    visitor=True,
                    caller=services.owners.caller(request),
                )
            except (InputError, ConfigError, SpendingRefused) as exc:
                yield {form.errors: problems_markdown(exc)}
                return
            except KlingUIError as exc:
                raise gr.Error(exc.user_message) from exc
            except Exception as exc:
                log.exception("generate: unexpected error before submit")
                raise gr.Error(
                    f"Something went wrong ({type(exc).__name__}); details are in "
                    "the server log. Nothing was sent."
                ) from exc
            # Clear the previous result: this job's video replaces it when it is ready.
            yield {
                form.errors: "",
                result.job: job.id,
                result.continue_note: "",
                result.video: None,
            }
            async for update in studio.follow(job.id, result, progress):
                yield update

        form.generate.click(
            generate,
            [owner, *form.inputs],
            [form.errors, result.job, result.continue_note, *result.outputs],
            concurrency_limit=None,
            show_progress="minimal",
            show_progress_on=[result.video],  # not over the status words
            preprocess=False,  # frames are checked from the original upload: see uploads.py
            js=SHOW_CARD_JS,
            **private,
        )

        async def cancel(token: str | None, job_id: str | None, *typed: str):
            job = owned_job(services.store, studio.page_owner(token), job_id)
            if job is None:
                return "Nothing to cancel."
            key = typed_key(job.provider, dict(zip(form.keys, typed, strict=True)))
            message = await services.jobs.cancel(job.id, api_key=key)
            return status_markdown(services.store.get(job.id)) + f"\n\n> {message}"

        form.cancel.click(
            cancel,
            [owner, result.job, *form.keys.values()],
            result.status,
            concurrency_limit=None,
            **private,
        )

        async def continue_from_last(token: str | None, job_id: str | None):
            job = owned_job(services.store, studio.page_owner(token), job_id)
            if job is None or not job.video_path:
                raise gr.Error("There is no finished video to continue from.")
            frame_path = settings.inputs_dir / f"{job.id}-last.png"
            frame = await asyncio.to_thread(media.continuation_frame, job.video_path)
            frame_path.parent.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(frame.save, frame_path)
            note = (
                f"Start frame set to the last frame of job `{job.id}`. Describe what "
                "happens next and press Generate."
            )
            return publish(frame_path), None, note

        result.continue_.click(
            continue_from_last,
            [owner, result.job],
            [form.start, form.end, result.continue_note],
            **private,
        )

        async def check_again(token: str | None, job_id: str | None, *typed: str):
            job = owned_job(services.store, studio.page_owner(token), job_id)
            if job is None:
                return
            if not services.jobs.check_now(job.id):  # nothing follows it: pick it up again
                key = typed_key(job.provider, dict(zip(form.keys, typed, strict=True)))
                await services.jobs.resume(job.id, api_key=key)
            async for update in studio.follow(job.id, result):
                yield update

        result.check.click(
            check_again,
            [owner, result.job, *form.keys.values()],
            result.outputs,
            concurrency_limit=None,
            **private,
        )

        async def check_key(token: str | None, provider: str, *typed: str):
            from ..doctor import check_provider

            owner_id = studio.page_owner(token)
            if provider not in form.keys:
                return "The offline preview needs no key."
            key = typed_key(provider, dict(zip(form.keys, typed, strict=True)))
            report = await check_provider(provider, settings, services.client, api_key=key)
            message = ("✓ " if report.ready else "⚠ ") + report.message
            if key and report.key_accepted:
                picked = await services.jobs.resume_pending(
                    api_key=key, provider=provider, owner=owner_id
                )
                if picked:
                    message += f" Picked up {len(picked)} job(s) that waited for this key."
            return message

        form.check_key.click(
            check_key,
            [owner, form.provider, *form.keys.values()],
            form.key_report,
            concurrency_limit=None,
            **private,
        )

        # --- history actions ---------------------------------------------------------------
        async def open_in_studio(token: str | None, job_id: str | None):
            """The Studio tab, with the job's card and video, and its settings in the form."""
            job = owned_job(services.store, studio.page_owner(token), job_id)
            if job is None:
                return
            first = {tabs: gr.Tabs(selected="studio"), result.job: job.id, result.video: None}
            if job.provider in PROVIDERS:  # (a story film's settings are its shots)
                first.update(studio.fill_form(form, job.request, job.provider))
            yield first
            async for update in studio.follow(job.id, result):
                yield update

        history.open.click(
            open_in_studio,
            [owner, history.selected],
            [tabs, result.job, *result.outputs, *form.fill_outputs],
            concurrency_limit=None,
            **private,
        ).then(None, js="() => { window.scrollTo(0, 0); }")

        def reuse(token: str | None, job_id: str | None):
            job = owned_job(services.store, studio.page_owner(token), job_id)
            if job is None:
                raise gr.Error("That job is not available.")
            if job.provider not in PROVIDERS:  # a story film: its settings are its shots
                raise gr.Error("This is a story film: re-use the settings of one of its shots.")
            gr.Info("The form has this job's settings: change what you like and press Generate.")
            return {
                tabs: gr.Tabs(selected="studio"),
                **studio.fill_form(form, job.request, job.provider),
            }

        history.reuse.click(
            reuse, [owner, history.selected], [tabs, *form.fill_outputs], **private
        ).then(None, js="() => { window.scrollTo(0, 0); }")

        def delete(token: str | None, job_id: str | None):
            owner_id = studio.page_owner(token)
            job = owned_job(services.store, owner_id, job_id)
            if job is None:
                raise gr.Error("That job is not available.")
            if job.is_active:
                raise gr.Error("This job can't be deleted now: it is still running.")
            # Links first: a hard link would keep serving the video after the file moved.
            for kept in (job.video_path, job.request.get("image"), job.request.get("end_image")):
                revoke(kept)
            services.trash.delete(job.id)
            minutes = int(RESTORE_SECONDS // 60)
            return {
                history.selected: None,
                history.table: table_rows(services.store, owner_id),
                **dict(
                    zip(history.panel, panel_values(services.store, owner_id, None), strict=True)
                ),
                history.confirm_row: gr.Row(visible=False),
                history.undo_row: gr.Row(visible=True),
                history.undo_note: f"Deleted “{(job.request.get('prompt') or '')[:40]}”. "
                f"You can restore it for {minutes} minutes.",
                history.deleted: job.id,
            }

        history.confirm.click(
            delete,
            [owner, history.selected],
            [
                history.selected,
                history.table,
                *history.panel,
                history.confirm_row,
                history.undo_row,
                history.undo_note,
                history.deleted,
            ],
            **private,
        )

        def restore(token: str | None, job_id: str | None):
            owner_id = studio.page_owner(token)
            job = services.trash.restore(job_id, owner=owner_id) if job_id else None
            if job is None:
                raise gr.Error("That job can no longer be restored.")
            return {
                history.selected: job.id,
                history.table: table_rows(services.store, owner_id),
                **dict(
                    zip(history.panel, panel_values(services.store, owner_id, job.id), strict=True)
                ),
                history.shown: str(job.state),
                history.undo_row: gr.Row(visible=False),
                history.deleted: None,
            }

        history.restore.click(
            restore,
            [owner, history.deleted],
            [
                history.selected,
                history.table,
                *history.panel,
                history.shown,
                history.undo_row,
                history.deleted,
            ],
            **private,
        )

        if examples:
            for button, example in zip(example_buttons, examples, strict=True):
                fields = {
                    **example,
                    "image": str(ASSETS / example["image"]),
                    "end_image": str(ASSETS / example["end_image"])
                    if example.get("end_image")
                    else None,
                }
                button.click(
                    lambda f=fields: studio.fill_form(form, f), None, form.fill_outputs, **private
                )
    return demo


def _example_buttons(examples: list[dict[str, Any]]) -> list[gr.Button]:
    with gr.Row(elem_id="examples", equal_height=True):
        gr.Markdown(t("examples"), elem_classes=["hint"])
        return [
            gr.Button(
                example["name"],
                icon=str(ASSETS / example["image"]),
                size="sm",
                elem_id=f"example-{i}",
                min_width=120,
            )
            for i, example in enumerate(examples)
        ]


__all__ = ["CSS", "History", "build_studio"]
