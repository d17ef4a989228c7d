"""The History tab: this browser's jobs, newest first, updating while they run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr

from ..state import JobState
from ..store import JobRecord, JobStore
from ..trash import RESTORE_SECONDS
from .present import details_markdown, history_rows, status_markdown
from .publish import publish
from .words import t

HEADERS = ["When", "Status", "Provider", "Length", "Prompt", "Job"]


@dataclass
class History:
    table: gr.Dataframe
    selected: gr.State
    status: gr.Markdown
    video: gr.Video
    details: gr.Markdown
    open: gr.Button
    reuse: gr.Button
    delete: gr.Button
    confirm_row: gr.Row  # "Delete this job?" asked in the page, beside the button
    confirm: gr.Button
    keep: gr.Button
    undo_row: gr.Row  # "Deleted. Restore" for a while after a delete
    undo_note: gr.Markdown
    restore: gr.Button
    deleted: gr.State  # the id of the job that can be restored
    shown: gr.State  # the state the panel shows, so a change is drawn once it happens
    timer: gr.Timer

    @property
    def panel(self) -> list:
        return [self.video, self.status, self.details, self.open, self.reuse, self.delete]


def owned_job(store: JobStore, owner: str | None, job_id: str | None) -> JobRecord | None:
    """The job, only if it belongs to `owner`: a visitor never sees another's jobs."""
    if not owner or not job_id:
        return None
    job = store.get(job_id)
    return job if job is not None and job.owner == owner else None


def build_history() -> History:
    gr.Markdown(t("history.hint"), elem_classes=["hint"])
    table = gr.Dataframe(
        headers=HEADERS,
        value=[],
        interactive=False,
        wrap=True,
        elem_id="history-table",
        label="History",
    )
    selected = gr.State(None)
    with gr.Row():
        with gr.Column(scale=3):
            video = gr.Video(
                label=t("history.video"),
                interactive=False,
                buttons=["download"],
                elem_id="history-video",
            )
        with gr.Column(scale=2):
            status = gr.Markdown(t("history.select"), elem_id="history-status")
            details = gr.Markdown("", elem_id="history-details")
            with gr.Row():
                open_ = gr.Button(
                    t("history.open"), size="sm", interactive=False, elem_id="history-open"
                )
                reuse = gr.Button(
                    t("history.reuse"), size="sm", interactive=False, elem_id="history-reuse"
                )
                delete = gr.Button(
                    t("history.delete"),
                    size="sm",
                    variant="stop",
                    interactive=False,
                    elem_id="history-delete",
                )
            with gr.Row(visible=False, elem_id="history-confirm-row") as confirm_row:
                gr.Markdown(
                    f"**Delete this job and its video?** You can restore it for "
                    f"{int(RESTORE_SECONDS // 60)} minutes."
                )
                confirm = gr.Button(
                    t("history.confirm"), size="sm", variant="stop", elem_id="history-confirm"
                )
                keep = gr.Button(t("history.keep"), size="sm", elem_id="history-keep")
            with gr.Row(visible=False, elem_id="history-undo-row") as undo_row:
                undo_note = gr.Markdown("", elem_id="history-undo-note")
                restore = gr.Button(t("history.restore"), size="sm", elem_id="history-restore")
    timer = gr.Timer(2.0)
    return History(
        table,
        selected,
        status,
        video,
        details,
        open_,
        reuse,
        delete,
        confirm_row,
        confirm,
        keep,
        undo_row,
        undo_note,
        restore,
        gr.State(None),
        gr.State(None),
        timer,
    )


def shown_state(job: JobRecord | None) -> str | None:
    return str(job.state) if job is not None else None


def table_rows(store: JobStore, owner: str | None) -> list[list[str]]:
    return history_rows(store.list(owner=owner, limit=200)) if owner else []


def panel_values(store: JobStore, owner: str | None, job_id: str | None) -> list:
    """Values for History.panel: the selected job's video, status, details and buttons."""
    job = owned_job(store, owner, job_id)
    if job is None:
        return [None, "Select a job above.", "", *(gr.Button(interactive=False),) * 3]
    video = publish(job.video_path) if job.state == JobState.SUCCEEDED else None
    return [
        video,
        status_markdown(job),
        details_markdown(job),
        gr.Button(interactive=True),
        gr.Button(interactive=True),
        gr.Button(interactive=not job.is_active),
    ]


def wire_history(
    history: History,
    store: JobStore,
    owner: gr.BrowserState,
    owner_of: Callable[[str | None], str | None],
) -> None:
    """`owner_of` names the owner a page token stands for (None: not signed here)."""
    private = {"api_visibility": "private"}

    def select(token: str | None, evt: gr.SelectData):
        owner_id = owner_of(token)
        row = evt.row_value if evt is not None else None
        job_id = row[-1] if row else None
        job = owned_job(store, owner_id, job_id)
        return [
            job_id,
            *panel_values(store, owner_id, job_id),
            shown_state(job),
            gr.Row(visible=False),
        ]

    history.table.select(
        select,
        [owner],
        [history.selected, *history.panel, history.shown, history.confirm_row],
        queue=False,
        **private,
    )

    def tick(token: str | None, job_id: str | None, shown: str | None):
        owner_id = owner_of(token)
        job = owned_job(store, owner_id, job_id)
        # Redraw the open job's panel while it runs and once more when its state changes
        # (so it never says "Generating" beside a table that says Done); a finished one is
        # then left alone, so a playing video is not reloaded under the viewer.
        now = shown_state(job)
        if job is not None and (job.is_active or now != shown):
            panel = panel_values(store, owner_id, job_id)
        else:
            panel = [gr.skip()] * len(history.panel)
        return [table_rows(store, owner_id), *panel, now]

    history.timer.tick(
        tick,
        [owner, history.selected, history.shown],
        [history.table, *history.panel, history.shown],
        queue=False,
        show_progress="hidden",
        **private,
    )

    # Delete asks first, in the page; a deleted job can be restored for a while.
    history.delete.click(
        lambda: gr.Row(visible=True), None, history.confirm_row, queue=False, **private
    )
    history.keep.click(
        lambda: gr.Row(visible=False), None, history.confirm_row, queue=False, **private
    )
