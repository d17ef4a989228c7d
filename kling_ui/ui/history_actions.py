"""History's buttons: open a job in the Studio, re-use its settings, delete it (asked first,
restorable for a while), restore it. Each checks the page's owner, like every page event."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gradio as gr

from ..errors import KlingUIError
from ..trash import RESTORE_SECONDS
from .history import History, history_values, panel_values
from .lang import language, say, say_text
from .present import shorten
from .tray_events import shown_job

if TYPE_CHECKING:
    from .studio import Layout, Page

PRIVATE = {"api_visibility": "private"}
TO_TOP_JS = "() => { window.scrollTo(0, 0); }"


def wire_history_actions(page: Page, layout: Layout) -> None:
    _wire_open(page, layout)
    _wire_reuse(page, layout)
    _wire_delete(page, layout)
    _wire_restore(page, layout)


def _wire_open(page: Page, layout: Layout) -> None:
    history, result, form, tabs = layout.history, layout.result, layout.form, layout.tabs

    def open_in_studio(request: gr.Request, token: str | None, job_id: str | None):
        """The Studio tab, with the job's card and video, and its settings in the form:
        the form and the result show the same job."""
        caller = page.caller(token, request)
        job = page.studio.job(caller, job_id)
        if job is None:
            return {}
        values = {tabs: gr.Tabs(selected="studio")}
        values.update(shown_job(page, layout, caller, job, language(request)))
        if not job.is_film:  # (a story film's settings are its shots)
            values.update(page.fill_form(form, job.request, job.provider, language(request)))
        return values

    history.open.click(
        open_in_studio,
        [layout.owner, history.selected],
        [tabs, result.job, *result.outputs, *layout.tray.outputs, *form.fill_outputs],
        concurrency_limit=None,
        **PRIVATE,
    ).then(None, js=TO_TOP_JS)


def _wire_reuse(page: Page, layout: Layout) -> None:
    history, form, tabs = layout.history, layout.form, layout.tabs

    def reuse(request: gr.Request, token: str | None, job_id: str | None):
        """The form gets the job's settings and the result shows that job: never the
        settings of one job beside the video of another."""
        lang = language(request)
        caller = page.caller(token, request)
        job = page.studio.job(caller, job_id)
        if job is None:
            raise gr.Error(say(lang, "history.gone"))
        if job.is_film:  # its settings are its shots
            raise gr.Error(say(lang, "history.film_reuse"))
        gr.Info(say(lang, "history.reused"))
        return {
            tabs: gr.Tabs(selected="studio"),
            **shown_job(page, layout, caller, job, lang),
            **page.fill_form(form, job.request, job.provider, lang),
        }

    history.reuse.click(
        reuse,
        [layout.owner, history.selected],
        [tabs, layout.result.job, *layout.result.outputs, *layout.tray.outputs, *form.fill_outputs],
        **PRIVATE,
    ).then(None, js=TO_TOP_JS)


def _panel(history: History, page: Page, caller: Any, job_id: str | None, lang: str) -> dict:
    """The table, the grid and the panel showing `job_id` (None: nothing selected)."""
    panel = panel_values(page.studio, caller, job_id, lang)
    return {
        **history_values(history, page.studio, caller, lang=lang),
        **dict(zip(history.panel, panel, strict=True)),
    }


def _wire_delete(page: Page, layout: Layout) -> None:
    history = layout.history

    def delete(request: gr.Request, token: str | None, job_id: str | None):
        caller, lang = page.caller(token), language(request)
        try:
            job = page.studio.delete(caller, job_id)
        except KlingUIError as exc:
            raise gr.Error(say_text(lang, exc.user_message)) from exc
        minutes = int(RESTORE_SECONDS // 60)
        prompt = shorten(job.request.get("prompt") or "", 40)
        return {
            history.selected: None,
            **_panel(history, page, caller, None, lang),
            history.confirm_row: gr.Row(visible=False),
            history.undo_row: gr.Row(visible=True),
            history.undo_note: say(lang, "history.deleted", prompt=prompt, minutes=minutes),
            history.deleted: job.id,
        }

    history.confirm.click(
        delete,
        [layout.owner, history.selected],
        [
            history.selected,
            history.cards,
            history.drawn,
            history.table,
            *history.panel,
            history.confirm_row,
            history.undo_row,
            history.undo_note,
            history.deleted,
        ],
        **PRIVATE,
    )


def _wire_restore(page: Page, layout: Layout) -> None:
    history = layout.history

    def restore(request: gr.Request, token: str | None, job_id: str | None):
        caller, lang = page.caller(token), language(request)
        try:
            job = page.studio.restore(caller, job_id)
        except KlingUIError as exc:
            raise gr.Error(say_text(lang, exc.user_message)) from exc
        return {
            history.selected: job.id,
            **_panel(history, page, caller, job.id, lang),
            history.shown: str(job.state),
            history.undo_row: gr.Row(visible=False),
            history.deleted: None,
        }

    history.restore.click(
        restore,
        [layout.owner, history.deleted],
        [
            history.selected,
            history.cards,
            history.drawn,
            history.table,
            *history.panel,
            history.shown,
            history.undo_row,
            history.deleted,
        ],
        **PRIVATE,
    )
