"""The History tab: this browser's jobs, newest first, updating while they run."""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

import gradio as gr

from ..gate import TooBusy
from ..links import publish
from ..providers.registry import PROVIDERS
from ..records import JobRecord
from ..state import JobState
from .lang import EN_LANG, language, say
from .present import details_markdown, history_headers, history_rows, status_markdown
from .tray import TRAY_JS, cards_html
from .words import t

if TYPE_CHECKING:
    from ..service import Caller, Studio

HEADERS = history_headers(EN_LANG)
# History's status filter: its groups of states (None: every job).
STATUS_GROUPS: dict[str, frozenset[JobState] | None] = {
    "all": None,
    "running": frozenset(s for s in JobState if s.is_active or s.is_held),
    "done": frozenset({JobState.SUCCEEDED}),
    "failed": frozenset({JobState.FAILED, JobState.UNKNOWN}),
    "canceled": frozenset({JobState.CANCELED}),
}


def provider_choices() -> list[tuple]:
    """History's provider filter: every provider by its label, and story films."""
    named = [(cls.label.replace(" (free)", ""), name) for name, cls in PROVIDERS.items()]
    return [(t("history.all"), "all"), *named, (t("history.films"), "film")]


@dataclass
class History:
    cards: gr.HTML  # every job as a card (the tray's full list), filtered below
    drawn: gr.State  # a digest of the cards last sent (nothing is resent unchanged)
    search: gr.Textbox  # words of the prompt
    status_filter: gr.Dropdown
    provider_filter: gr.Dropdown
    slot: gr.Column  # a place for History's extra modules (e.g. "add a job by its id")
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
    def filters(self) -> list:
        return [self.search, self.status_filter, self.provider_filter]

    @property
    def panel(self) -> list:
        return [self.video, self.status, self.details, self.open, self.reuse, self.delete]


def build_history() -> History:
    """Filters, the grid of cards, the selected job's panel, and everything as a table."""
    gr.Markdown(t("history.hint"), elem_classes=["hint"])
    # Other parts add themselves here with one call (e.g. "add a job by its id").
    slot = gr.Column(elem_id="history-slot")
    with gr.Row(elem_id="history-filters", equal_height=True):
        search = gr.Textbox(
            label=t("history.search"), elem_id="history-search", scale=2, max_lines=1
        )
        status_filter = gr.Dropdown(
            [(t(f"history.{name}"), name) for name in STATUS_GROUPS],
            value="all",
            label=t("history.status"),
            elem_id="history-status-filter",
            scale=2,
        )
        provider_filter = gr.Dropdown(
            provider_choices(), value="all", label=t("history.provider"),
            elem_id="history-provider-filter", scale=2,
        )  # fmt: skip
    cards = gr.HTML(
        "", js_on_load=TRAY_JS, elem_id="history-cards", elem_classes=["cards"], min_height=40
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
    with gr.Accordion(t("history.table"), open=False):
        table = gr.Dataframe(
            headers=HEADERS, value=[], interactive=False, wrap=True,
            elem_id="history-table", label=t("history.table"),
        )  # fmt: skip
    return History(
        cards=cards,
        drawn=gr.State(None),
        search=search,
        status_filter=status_filter,
        provider_filter=provider_filter,
        slot=slot,
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


HISTORY_SIZE = 200


def cards_values(
    studio: Studio,
    caller: Caller | None,
    filters: tuple = (),
    selected: str | None = None,
    drawn: str | None = None,
    lang: str = EN_LANG,
):
    """(cards, digest): the caller's jobs that pass the filters as cards; the cards are
    gr.skip() when unchanged since `drawn` (the grid is not redrawn under the viewer)."""
    jobs = studio.jobs(caller, limit=HISTORY_SIZE) if caller else []
    shown = filtered(jobs, *filters)
    if not shown:
        cards = f'<p class="tray-empty">{html.escape(say(lang, "history.none"))}</p>'
    else:
        cards = cards_html(studio, shown, lang, selected, compact=True)
    digest = hashlib.sha256(cards.encode()).hexdigest()[:16]
    return (gr.skip() if digest == drawn else cards), digest


def filtered(
    jobs: list[JobRecord], search: str | None = "", status: str | None = "all",
    provider: str | None = "all",
) -> list[JobRecord]:  # fmt: skip
    """The jobs whose prompt has the words, in the status group, by the provider."""
    words = (search or "").strip().lower()
    group = STATUS_GROUPS.get(status or "all")
    return [
        job
        for job in jobs
        if (not words or words in (job.request.get("prompt") or "").lower())
        and (group is None or job.state in group)
        and (provider in (None, "all") or ((provider == "film") == job.is_film
             and (provider == "film" or job.provider == provider)))
    ]  # fmt: skip


def history_values(
    history: History,
    studio: Studio,
    caller: Caller | None,
    filters: tuple = (),
    lang: str = EN_LANG,
) -> dict:
    """The table and the cards, drawn afresh, in the visitor's language."""
    cards, drawn = cards_values(studio, caller, filters, lang=lang)
    return {
        history.table: table_rows(studio, caller, lang),
        history.cards: cards,
        history.drawn: drawn,
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
    """The table, the cards and the panel, kept up to date for the page's owner."""
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

    def pick(request: gr.Request, token: str | None, evt: gr.SelectData):
        """A card clicked: "action:job id" (in History every action opens the job)."""
        chosen = str(evt.value or "").rpartition(":")[2] or None
        return open_job(token, chosen, language(request))

    history.cards.select(pick, [owner], opened, queue=False, **private)

    def refilter(request: gr.Request, token: str | None, selected, *filters):
        try:
            caller = studio.page_caller(token)
        except TooBusy as exc:
            raise gr.Error(exc.user_message) from exc
        lang = language(request)
        return cards_values(studio, caller, filters, selected, lang=lang)

    for box in history.filters:
        box.change(
            refilter,
            [owner, history.selected, *history.filters],
            [history.cards, history.drawn],
            queue=False,
            show_progress="hidden",
            **private,
        )

    _wire_tick(history, studio, owner)

    # Delete asks first, in the page; a deleted job can be restored for a while.
    history.delete.click(
        lambda: gr.Row(visible=True), None, history.confirm_row, queue=False, **private
    )
    history.keep.click(
        lambda: gr.Row(visible=False), None, history.confirm_row, queue=False, **private
    )


def _wire_tick(history: History, studio: Studio, owner: gr.BrowserState) -> None:
    """Every 2 s: the table and cards, and the open job's panel while it changes."""
    private = {"api_visibility": "private"}

    def tick(
        request: gr.Request, token: str | None, job_id: str | None, shown: str | None, drawn,
        *filters,
    ):  # fmt: skip
        lang = language(request)
        try:
            caller = studio.page_caller(token)
        except TooBusy:  # over its budget: this tick leaves the page as it is
            return [gr.skip()] * (len(history.panel) + 4)
        job = studio.job(caller, job_id) if caller else None
        # Redraw the open job's panel while it runs and once more when its state changes
        # (so it never says "Generating" beside a card that says Done); a finished one is
        # then left alone, so a playing video is not reloaded under the viewer.
        now = shown_state(job)
        if job is not None and (job.is_active or now != shown):
            panel = panel_values(studio, caller, job_id, lang)
        else:
            panel = [gr.skip()] * len(history.panel)
        cards, digest = cards_values(studio, caller, filters, job_id, drawn, lang)
        return [table_rows(studio, caller, lang), *panel, now, cards, digest]

    history.timer.tick(
        tick,
        [owner, history.selected, history.shown, history.drawn, *history.filters],
        [history.table, *history.panel, history.shown, history.cards, history.drawn],
        queue=False,
        show_progress="hidden",
        **private,
    )
