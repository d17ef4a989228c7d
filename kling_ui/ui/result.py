"""The Studio's right side: the job card (status, cancel, check again), the video, details and
"continue from the last frame", and how it follows a job while it runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import gradio as gr

from ..links import publish
from ..records import JobRecord
from ..state import JobState
from .form import Form
from .lang import EN_LANG
from .present import details_markdown, spend_markdown, status_markdown
from .words import t

if TYPE_CHECKING:
    from ..service import Caller, Studio


class Result:
    """The right side: live status, the video, details and follow-up actions."""

    def __init__(self, form: Form, studio: Studio) -> None:
        self.form = form
        self.studio = studio
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
        self.job = gr.State(None)  # the job the panel shows (a card's, picked or started)
        self.shown = gr.State(None)  # "id:state" the panel shows, so a change is drawn once

    @property
    def outputs(self) -> list:
        """What a job's panel sets (see panel): Generate is never among them, since jobs
        run side by side."""
        return [
            self.status,
            self.details,
            self.video,
            self.continue_,
            self.form.cancel,
            self.check,
            self.form.spend,
            self.shown,
        ]

    def panel(
        self,
        caller: Caller,
        job: JobRecord | None,
        shown: str | None = None,
        lang: str | None = EN_LANG,
    ) -> dict:
        """The panel for `job` (and only that job). `shown` is what the panel showed
        ("id:state"): the video is handed out once, as the job's state changes, so a
        redraw never reloads a video being watched. Words in the visitor's `lang`."""
        if job is None:
            return {self.status: t("ready"), self.details: "", self.video: None,
                    self.shown: None, **self._buttons(None)}  # fmt: skip
        now = f"{job.id}:{job.state}"
        values = {
            self.status: status_markdown(job, lang=lang),
            self.details: details_markdown(job, lang),
            self.shown: now,
            **self._buttons(job),
        }
        if now != shown:
            done = job.state == JobState.SUCCEEDED and job.video_path
            values[self.video] = publish(job.video_path) if done else None
            values[self.form.spend] = spend_markdown(self.studio.spent_today(caller), lang=lang)
        return values

    def _buttons(self, job: JobRecord | None) -> dict:
        done = job is not None and job.state == JobState.SUCCEEDED and bool(job.video_path)
        return {
            self.continue_: gr.Button(interactive=done),
            self.form.cancel: gr.Button(interactive=bool(job and self.studio.can_cancel(job))),
            self.check: gr.Button(interactive=bool(job and (job.is_active or job.is_held))),
        }
