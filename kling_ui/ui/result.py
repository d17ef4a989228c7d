"""The Studio's right side: the job card (status, cancel, check again), the video, details and
"continue from the last frame", and how it follows a job while it runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import gradio as gr

from ..links import publish
from ..records import JobRecord
from ..state import JobState
from .form import Form
from .lang import EN_LANG, say
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
            self.form.spend,
        ]

    def values(self, job: JobRecord, lang: str = EN_LANG) -> dict:
        """The panel for `job` in the visitor's language, except the video (see follow)."""
        done = job.state == JobState.SUCCEEDED and job.video_path
        return {
            self.status: status_markdown(job, lang=lang),
            self.details: details_markdown(job, lang),
            self.continue_: gr.Button(interactive=bool(done)),
            self.form.cancel: gr.Button(interactive=job.is_active),
            self.form.generate: gr.Button(interactive=not job.is_active),
            self.check: gr.Button(interactive=job.is_active or job.is_held),
        }

    async def follow(
        self,
        caller: Caller,
        job_id: str,
        progress: gr.Progress | None = None,
        lang: str = EN_LANG,
    ) -> AsyncIterator[dict]:
        """Yield panel updates until the job ends. Leaving the page stops only this watcher:
        the job itself runs on in the server."""
        shown_video, shown_state = False, None
        async for job in self.studio.watch(caller, job_id):
            values = self.values(job, lang)
            if job.state != shown_state:  # admitted, settled: the ledger has news
                spent = self.studio.spent_today(caller)
                values[self.form.spend] = spend_markdown(spent, lang=lang)
                shown_state = job.state
            if progress is not None and job.state == JobState.RUNNING and job.progress is not None:
                progress(job.progress, desc=say(lang, "progress.generating"))
            if job.state == JobState.SUCCEEDED and job.video_path and not shown_video:
                # Published once: a later update must not reload a video already playing.
                values[self.video] = publish(job.video_path)
                shown_video = True
            yield values
