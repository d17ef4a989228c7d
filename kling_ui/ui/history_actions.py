"""History's buttons: open a job in the Studio, re-use its settings, delete it (asked first,
restorable for a while), restore it. Each checks the page's owner, like every page event."""

from __future__ import annotations

from typing import Any

import gradio as gr

from ..providers import PROVIDERS
from ..trash import RESTORE_SECONDS
from .form import Form
from .history import History, grid_values, owned_job, panel_values, table_rows
from .publish import revoke
from .result import Result


def wire_history_actions(
    studio: Any, history: History, result: Result, form: Form, tabs: gr.Tabs, owner: gr.BrowserState
) -> None:
    """`studio` is studio.Studio (typed loosely: studio.py imports this module)."""
    services = studio.services
    private = {"api_visibility": "private"}

    async def open_in_studio(token: str | None, job_id: str | None):
        """The Studio tab, with the job's card and video, and its settings in the form."""
        job = owned_job(services.store, studio.page_owner(token), job_id)
        if job is None:
            return
        first = {tabs: gr.Tabs(selected="studio"), result.job: job.id, result.video: None}
        if job.provider in PROVIDERS:  # (a story film's settings are its shots)
            first.update(studio.fill_form(form, job.request, job.provider))
        yield first
        async for update in result.follow(job.id):
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
        grid, drawn = grid_values(services.store, owner_id)
        return {
            history.selected: None,
            history.grid: grid,
            history.grid_ids: drawn,
            history.table: table_rows(services.store, owner_id),
            **dict(zip(history.panel, panel_values(services.store, owner_id, None), strict=True)),
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
            history.grid,
            history.grid_ids,
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
        grid, drawn = grid_values(services.store, owner_id)
        return {
            history.selected: job.id,
            history.grid: grid,
            history.grid_ids: drawn,
            history.table: table_rows(services.store, owner_id),
            **dict(zip(history.panel, panel_values(services.store, owner_id, job.id), strict=True)),
            history.shown: str(job.state),
            history.undo_row: gr.Row(visible=False),
            history.deleted: None,
        }

    history.restore.click(
        restore,
        [owner, history.deleted],
        [
            history.selected,
            history.grid,
            history.grid_ids,
            history.table,
            *history.panel,
            history.shown,
            history.undo_row,
            history.deleted,
        ],
        **private,
    )
