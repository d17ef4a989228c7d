"""The History tab: this browser's jobs, newest first, updating while they run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr

from ..state import JobState
from ..store import JobRecord, JobStore
from .present import details_markdown, history_rows, status_markdown
from .publish import publish

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
    gr.Markdown(
        "Jobs started from this browser, newest first. Running jobs keep going when "
        "you close the tab and update here. Select a row to watch, re-use or delete.",
        elem_classes=["hint"],
    )
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
                label="Video", interactive=False, buttons=["download"], elem_id="history-video"
            )
        with gr.Column(scale=2):
            status = gr.Markdown("Select a job above.", elem_id="history-status")
            details = gr.Markdown("", elem_id="history-details")
            with gr.Row():
                open_ = gr.Button(
                    "Open in studio", size="sm", interactive=False, elem_id="history-open"
                )
                reuse = gr.Button(
                    "Re-use settings", size="sm", interactive=False, elem_id="history-reuse"
                )
                delete = gr.Button(
                    "Delete", size="sm", variant="stop", interactive=False, elem_id="history-delete"
                )
    timer = gr.Timer(2.0)
    return History(table, selected, status, video, details, open_, reuse, delete, timer)


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
        return [job_id, *panel_values(store, owner_id, job_id)]

    history.table.select(
        select, [owner], [history.selected, *history.panel], queue=False, **private
    )

    def tick(token: str | None, job_id: str | None):
        owner_id = owner_of(token)
        job = owned_job(store, owner_id, job_id)
        # Refresh the open job's panel only while it runs: a finished one is left alone so a
        # playing video is not reloaded under the viewer.
        if job is not None and job.is_active:
            panel = panel_values(store, owner_id, job_id)
        else:
            panel = [gr.skip()] * len(history.panel)
        return [table_rows(store, owner_id), *panel]

    history.timer.tick(
        tick,
        [owner, history.selected],
        [history.table, *history.panel],
        queue=False,
        show_progress="hidden",
        **private,
    )
