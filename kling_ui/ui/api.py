"""The public `/generate` endpoint (also an MCP tool): one call in, one finished video out."""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from .. import models
from ..errors import KlingUIError
from ..links import publish
from ..providers.registry import PROVIDERS
from ..request import DURATION_DEFAULT
from ..service import Studio
from .api_schema import (
    DESCRIPTIONS,
    SHOT_TYPES,
    OptionalImage,
    SegmentsInput,
    saved_data_url,
    strict_fields,
)

log = logging.getLogger(__name__)


def wire_public_api(studio: Studio) -> None:
    """Hidden components carry the typed parameters; the studio's own events stay private."""

    async def generate(
        image: Any,
        prompt: Any,
        end_image: Any = None,
        duration: Any = 5,
        sound: Any = False,
        shot_type: Any = "customize",
        multi_prompt: Any = None,
        provider: Any = "preview",
        model: Any = models.DEFAULT_MODEL,
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
                model=model,
            )
            fields.update(image=saved_data_url(image), end_image=saved_data_url(end_image))
            job = await studio.generate_and_wait(studio.api_caller(http), fields, provider=provider)
        except KlingUIError as exc:
            raise gr.Error(exc.user_message) from exc
        except Exception as exc:
            log.exception("api generate: unexpected error")
            raise gr.Error(f"Something went wrong ({type(exc).__name__}).") from exc
        return publish(job.video_path)

    generate.__doc__ = tool_docstring()
    inputs, video, trigger = _hidden_components()
    trigger.click(
        generate,
        inputs,
        video,
        api_name="generate",
        api_visibility="public",
        concurrency_limit=None,
        preprocess=False,  # checked strictly here, frames from the original: see uploads.py
    )


def tool_docstring() -> str:
    """Gradio reads the tool's description and each parameter's (one line each) from here."""
    return "\n".join(
        [
            "Generate a video with Kling Video O3 (Pro by default) image-to-video and return "
            "its URL.",
            "",
            "Args:",
            *(f"    {name}: {text}" for name, text in DESCRIPTIONS.items()),
            "",
            "Returns:",
            "    The finished MP4 video (a URL to download it).",
        ]
    )


# The endpoint's parameters, in order (`model` came last, so older calls stay valid).
PARAMETERS = (
    "image",
    "prompt",
    "end_image",
    "duration",
    "sound",
    "shot_type",
    "multi_prompt",
    "provider",
    "model",
)


def _hidden_components() -> tuple[list, gr.Video, gr.Button]:
    """The typed parameters, in the endpoint's order, on hidden components."""
    with gr.Group(visible=False):
        inputs = [
            gr.Image(type="filepath", label="image"),
            gr.Textbox(label="prompt"),
            OptionalImage(None, label="end_image"),
            gr.Number(DURATION_DEFAULT, label="duration", precision=0),
            gr.Checkbox(False, label="sound"),
            gr.Radio(list(SHOT_TYPES), value=SHOT_TYPES[0], label="shot_type"),
            SegmentsInput([], label="multi_prompt"),
            gr.Radio(list(PROVIDERS), value="preview", label="provider"),
            # Last, with a default: calls made before models existed work unchanged.
            gr.Radio(list(models.CATALOGUE), value=models.DEFAULT_MODEL, label="model"),
        ]
        video = gr.Video(label="video")
        trigger = gr.Button("generate")
    return inputs, video, trigger
