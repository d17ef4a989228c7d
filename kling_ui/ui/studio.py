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
from ..uploads import allowed_source
from .api import wire_public_api
from .form import Form, build_form, restore_keys_js, typed_key
from .history import (
    History,
    build_history,
    grid_values,
    owned_job,
    table_rows,
    wire_history,
)
from .history_actions import wire_history_actions
from .page import ANNOUNCE_JS, CSS, SHOW_CARD_JS
from .present import cost_markdown, status_markdown
from .publish import configure as configure_links
from .publish import publish
from .result import Result
from .segments import from_segments
from .story_tab import build_story_tab, wire_story_tab
from .words import t

log = logging.getLogger(__name__)
ASSETS = Path(__file__).resolve().parents[2] / "assets"


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


def build_studio(services: Services) -> gr.Blocks:
    settings = services.settings
    configure_links(settings.data_dir)
    studio = Studio(services)
    examples = load_examples()
    # No telemetry: Gradio would otherwise report each start to its servers (a Space's
    # visitors did not agree to that) and spend a thread on a version check.
    with gr.Blocks(title="Kling O3 Pro Studio", analytics_enabled=False) as demo:
        gr.Markdown(t("title"), elem_id="title")
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
                        result = Result(form, services.jobs)
            with gr.Tab(t("tab.story"), id="story"):
                story = build_story_tab(settings)
            with gr.Tab(t("tab.history"), id="history"):
                history = build_history()
        wire_history(history, services.store, owner, services.owners.of_page)
        wire_story_tab(story, services, owner, form.keys, studio.page_owner)
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
            grid, drawn = grid_values(services.store, owner_id)
            yield {
                history.table: table_rows(services.store, owner_id),
                history.grid: grid,
                history.grid_ids: drawn,
            }
            latest = services.store.list(owner=owner_id, limit=1)
            if not latest or latest[0].provider not in PROVIDERS:
                return
            yield {result.job: latest[0].id}
            async for update in result.follow(latest[0].id):
                yield update

        demo.load(services.owners.keep_or_issue, owner, owner, queue=False, **private).then(
            welcome_back,
            owner,
            [history.table, history.grid, history.grid_ids, result.job, *result.outputs],
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
            async for update in result.follow(job.id, progress):
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
            async for update in result.follow(job.id):
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

        wire_history_actions(studio, history, result, form, tabs, owner)

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
