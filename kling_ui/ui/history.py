"""The History tab: this browser's jobs, newest first, updating while they run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import gradio as gr

from ..gate import TooBusy
from ..links import publish
from ..records import JobRecord
from ..state import JobState
from .lang import EN_LANG, language, say
from .present import (
    STATE_ICONS,
    details_markdown,
    history_headers,
    history_rows,
    prompt_words,
    shorten,
    state_label,
    status_markdown,
)
from .words import t

if TYPE_CHECKING:
    from ..service import Caller, Studio

HEADERS = history_headers(EN_LANG)


def caption(job: JobRecord, lang: str = EN_LANG) -> str:
    words = shorten(prompt_words(job, lang), 40)
    return f"{STATE_ICONS[job.state]} {state_label(job.state, lang)} · {words}"


@dataclass
class History:
    grid: gr.Gallery
    grid_ids: gr.State  # the job id of each picture in the grid, in order
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


def build_history() -> History:
    """The grid of pictures, the table, and the panel of the job selected in either."""
    gr.Markdown(t("history.hint"), elem_classes=["hint"])
    grid = gr.Gallery(
        label=t("history.videos"),
        columns=6,
        height=230,  # a row of pictures; more scroll inside the grid
        allow_preview=False,
        fit_columns=False,  # one video is a thumbnail too, not a full-width picture
        object_fit="cover",
        elem_id="history-grid",
    )
    table = gr.Dataframe(
        headers=HEADERS,
        value=[],
        interactive=False,
        wrap=True,
        elem_id="history-table",
        label=t("history.table"),
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
            panel = _panel()
    return History(
        grid=grid,
        grid_ids=gr.State([]),
        table=table,
        selected=selected,
        video=video,
        deleted=gr.State(None),
        shown=gr.State(None),
        timer=gr.Timer(2.0),
        **panel,
    )


def _panel() -> dict:
    """The selected job's words and buttons; Delete asks first, then offers Restore."""
    status = gr.Markdown(t("history.select"), elem_id="history-status")
    details = gr.Markdown("", elem_id="history-details")
    with gr.Row():
        open_ = gr.Button(t("history.open"), size="sm", interactive=False, elem_id="history-open")
        reuse = gr.Button(t("history.reuse"), size="sm", interactive=False, elem_id="history-reuse")
        delete = gr.Button(
            t("history.delete"),
            size="sm",
            variant="stop",
            interactive=False,
            elem_id="history-delete",
        )
    with gr.Row(visible=False, elem_id="history-confirm-row") as confirm_row:
        gr.Markdown(t("history.ask"))
        confirm = gr.Button(
            t("history.confirm"), size="sm", variant="stop", elem_id="history-confirm"
        )
        keep = gr.Button(t("history.keep"), size="sm", elem_id="history-keep")
    with gr.Row(visible=False, elem_id="history-undo-row") as undo_row:
        undo_note = gr.Markdown("", elem_id="history-undo-note")
        restore = gr.Button(t("history.restore"), size="sm", elem_id="history-restore")
    return {
        "status": status,
        "details": details,
        "open": open_,
        "reuse": reuse,
        "delete": delete,
        "confirm_row": confirm_row,
        "confirm": confirm,
        "keep": keep,
        "undo_row": undo_row,
        "undo_note": undo_note,
        "restore": restore,
    }


def shown_state(job: JobRecord | None) -> str | None:
    return str(job.state) if job is not None else None


def table_rows(studio: Studio, caller: Caller | None, lang: str = EN_LANG) -> dict:
    """The table's headers and rows in the visitor's language (the headers go with every
    value: a bare list would bring back the English ones the table was built with)."""
    rows = history_rows(studio.jobs(caller, limit=200), lang) if caller else []
    return {"headers": history_headers(lang), "data": rows}


def history_spoken(history: History, lang: str) -> dict:
    """History's words built here, in the visitor's language (see studio._wire_spoken)."""
    return {history.status: say(lang, "history.select")}


GRID_SIZE = 24


def grid_values(
    studio: Studio, caller: Caller | None, drawn: list[str] | None = None, lang: str = EN_LANG
):
    """(pictures, signature): the newest GRID_SIZE jobs with a picture, and "id:state" of
    each, in grid order. Pictures are gr.skip() when the signature is `drawn` (nothing to
    redraw: the grid is not reloaded under the viewer every tick)."""
    jobs = studio.jobs(caller, limit=GRID_SIZE) if caller else []
    shown = [(job, picture) for job in jobs if (picture := studio.thumbnail(job)) is not None]
    signature = [f"{job.id}:{job.state}" for job, _ in shown]
    if drawn is not None and signature == drawn:
        return gr.skip(), drawn
    return [(publish(picture), caption(job, lang)) for job, picture in shown], signature


def history_values(
    history: History, studio: Studio, caller: Caller | None, lang: str = EN_LANG
) -> dict:
    """The table and the grid, drawn afresh."""
    grid, drawn = grid_values(studio, caller, lang=lang)
    return {
        history.table: table_rows(studio, caller, lang),
        history.grid: grid,
        history.grid_ids: drawn,
    }


def panel_values(
    studio: Studio, caller: Caller | None, job_id: str | None, lang: str = EN_LANG
) -> list:
    """Values for History.panel: the selected job's video, status, details and buttons."""
    job = studio.job(caller, job_id) if caller else None
    if job is None:
        return [None, say(lang, "history.select"), "", *(gr.Button(interactive=False),) * 3]
    video = publish(job.video_path) if job.state == JobState.SUCCEEDED else None
    return [
        video,
        status_markdown(job, lang=lang),
        details_markdown(job, lang),
        gr.Button(interactive=True),
        gr.Button(interactive=True),
        gr.Button(interactive=not job.is_active),
    ]


def wire_history(history: History, studio: Studio, owner: gr.BrowserState) -> None:
    """The table, the grid and the panel, kept up to date for the page's owner."""
    private = {"api_visibility": "private"}

    opened = [history.selected, *history.panel, history.shown, history.confirm_row]

    def open_job(token: str | None, job_id: str | None, lang: str) -> list:
        """Values for `opened`: the job (if the page's owner has it) in the panel."""
        try:
            caller = studio.page_caller(token)
        except TooBusy as exc:
            raise gr.Error(exc.user_message) from exc
        job = studio.job(caller, job_id) if caller else None
        return [
            job_id,
            *panel_values(studio, caller, job_id, lang),
            shown_state(job),
            gr.Row(visible=False),
        ]

    def select(request: gr.Request, token: str | None, evt: gr.SelectData):
        row = evt.row_value if evt is not None else None
        return open_job(token, row[-1] if row else None, language(request))

    history.table.select(select, [owner], opened, queue=False, **private)

    def pick(request: gr.Request, token: str | None, drawn: list[str], evt: gr.SelectData):
        index = evt.index if evt is not None and isinstance(evt.index, int) else -1
        in_grid = 0 <= index < len(drawn or [])
        chosen = drawn[index].split(":")[0] if in_grid else None
        return open_job(token, chosen, language(request))

    history.grid.select(pick, [owner, history.grid_ids], opened, queue=False, **private)

    _wire_tick(history, studio, owner)

    # Delete asks first, in the page; a deleted job can be restored for a while.
    history.delete.click(
        lambda: gr.Row(visible=True), None, history.confirm_row, queue=False, **private
    )
    history.keep.click(
        lambda: gr.Row(visible=False), None, history.confirm_row, queue=False, **private
    )


def _wire_tick(history: History, studio: Studio, owner: gr.BrowserState) -> None:
    """Every 2 s: the table and grid, and the open job's panel while it changes."""
    private = {"api_visibility": "private"}

    def tick(
        request: gr.Request,
        token: str | None,
        job_id: str | None,
        shown: str | None,
        drawn: list | None,
    ):
        lang = language(request)
        try:
            caller = studio.page_caller(token)
        except TooBusy:  # over its budget: this tick leaves the page as it is
            return [gr.skip()] * (len(history.panel) + 4)
        job = studio.job(caller, job_id) if caller else None
        # Redraw the open job's panel while it runs and once more when its state changes
        # (so it never says "Generating" beside a table that says Done); a finished one is
        # then left alone, so a playing video is not reloaded under the viewer.
        now = shown_state(job)
        if job is not None and (job.is_active or now != shown):
            panel = panel_values(studio, caller, job_id, lang)
        else:
            panel = [gr.skip()] * len(history.panel)
        grid, signature = grid_values(studio, caller, drawn or [], lang)
        return [table_rows(studio, caller, lang), *panel, now, grid, signature]

    history.timer.tick(
        tick,
        [owner, history.selected, history.shown, history.grid_ids],
        [history.table, *history.panel, history.shown, history.grid, history.grid_ids],
        queue=False,
        show_progress="hidden",
        **private,
    )
