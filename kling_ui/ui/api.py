"""The public `/generate` endpoint (also an MCP tool): one call in, one finished video out."""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from ..errors import KlingUIError
from ..providers import PROVIDERS
from ..request import parse_request
from ..services import Services
from ..state import JobState
from ..uploads import allowed_source
from .publish import publish

log = logging.getLogger(__name__)


def wire_public_api(services: Services) -> None:
    data_dir = services.settings.data_dir
    """Hidden components carry the typed parameters; the studio's own events stay private."""

    async def generate(
        image: str,
        prompt: str,
        end_image: str | None = None,
        duration: float = 5,
        sound: bool = False,
        shot_type: str = "customize",
        multi_prompt: Any = None,
        provider: str = "preview",
        http: gr.Request | None = None,
    ) -> str:
        """Generate a video with Kling Video O3 Pro image-to-video and return it.

        Args:
            image: The start frame (jpg, png, webp or bmp; each side at least 300 px; aspect
                between 1:2.5 and 2.5:1). A file or an https URL.
            prompt: What should happen: motion, camera move, light, action (1-2500 characters).
            end_image: Optional end frame the clip should arrive at (not with multi_prompt).
            duration: Length of the clip in whole seconds, 3-15. Default 5.
            sound: Generate a soundtrack too (adds about 25 % to the cost). Default false.
            shot_type: "customize" (follow the prompt) or "intelligent" (the model decides
                the cuts). Default "customize".
            multi_prompt: Optional timed segments, a list of {"prompt", "duration"}; the
                durations (3-15 s each) must add up to `duration`.
            provider: "preview" (free offline animatic), "runcomfy" or "runninghub" (use the
                server's configured key). Default "preview".

        Returns:
            The finished MP4 video.
        """
        try:
            request = parse_request(
                {
                    "image": allowed_source(image, field="image", data_dir=data_dir),
                    "prompt": prompt,
                    "end_image": allowed_source(end_image, field="end_image", data_dir=data_dir),
                    "duration": int(duration),
                    "sound": bool(sound),
                    "shot_type": shot_type,
                    "multi_prompt": multi_prompt or [],
                }
            )
            job = await services.jobs.submit(
                request,
                provider=provider,
                owner=services.owners.of_api(http),
                visitor=True,
                caller=services.owners.caller(http),
            )
            job = await services.jobs.wait(job.id)
        except KlingUIError as exc:
            raise gr.Error(exc.user_message) from exc
        except Exception as exc:
            log.exception("api generate: unexpected error")
            raise gr.Error(f"Something went wrong ({type(exc).__name__}).") from exc
        if job.state != JobState.SUCCEEDED or not job.video_path:
            raise gr.Error(f"Job {job.id} {job.state}: {job.error_message or 'no video'}")
        return publish(job.video_path)

    with gr.Group(visible=False):
        inputs = [
            gr.Image(type="filepath", label="image"),
            gr.Textbox(label="prompt"),
            gr.Image(type="filepath", label="end_image"),
            gr.Number(5, label="duration", precision=0),
            gr.Checkbox(False, label="sound"),
            gr.Radio(["customize", "intelligent"], value="customize", label="shot_type"),
            gr.JSON([], label="multi_prompt"),
            gr.Radio(list(PROVIDERS), value="preview", label="provider"),
        ]
        video = gr.Video(label="video")
        trigger = gr.Button("generate")
    trigger.click(
        generate,
        inputs,
        video,
        api_name="generate",
        api_visibility="public",
        concurrency_limit=None,
        preprocess=False,  # frames are checked from the original upload: see uploads.py
    )
