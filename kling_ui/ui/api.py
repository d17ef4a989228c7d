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
from .api_schema import DESCRIPTIONS, SHOT_TYPES, SegmentsInput, strict_fields
from .publish import publish

log = logging.getLogger(__name__)


def wire_public_api(services: Services) -> None:
    """Hidden components carry the typed parameters; the studio's own events stay private."""
    data_dir = services.settings.data_dir

    async def generate(
        image: Any,
        prompt: Any,
        end_image: Any = None,
        duration: Any = 5,
        sound: Any = False,
        shot_type: Any = "customize",
        multi_prompt: Any = None,
        provider: Any = "preview",
        http: gr.Request | None = None,
    ) -> str:
        try:
            fields = strict_fields(
                prompt=prompt,
                duration=duration,
                sound=sound,
                shot_type=shot_type,
                multi_prompt=multi_prompt,
                provider=provider,
            )
            fields["image"] = allowed_source(image, field="image", data_dir=data_dir)
            fields["end_image"] = allowed_source(end_image, field="end_image", data_dir=data_dir)
            request = parse_request(fields)
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

    # Gradio reads the tool's description and each parameter's (one line each) from here.
    generate.__doc__ = "\n".join(
        [
            "Generate a video with Kling Video O3 Pro image-to-video and return its URL.",
            "",
            "Args:",
            *(f"    {name}: {text}" for name, text in DESCRIPTIONS.items()),
            "",
            "Returns:",
            "    The finished MP4 video (a URL to download it).",
        ]
    )

    with gr.Group(visible=False):
        inputs = [
            gr.Image(type="filepath", label="image"),
            gr.Textbox(label="prompt"),
            gr.Image(type="filepath", label="end_image"),
            gr.Number(5, label="duration", precision=0),
            gr.Checkbox(False, label="sound"),
            gr.Radio(list(SHOT_TYPES), value="customize", label="shot_type"),
            SegmentsInput([], label="multi_prompt"),
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
        preprocess=False,  # checked strictly here, frames from the original: see uploads.py
    )
