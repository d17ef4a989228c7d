"""Frame problems said when a frame is chosen, not at Generate, and a crop to fix the shape.

The checks and the crop are the service's (framing.py, behind the gate); this wires them to
the form. Each event carries the page's owner token: a page this server did not sign gets
nothing read or decoded. "Crop the frames to" centre-crops both frames from the uploaded
originals (never a crop of a crop) and shows the result in place.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import gradio as gr

from ..errors import KlingUIError
from ..gate import TooBusy
from ..links import publish
from .lang import language, say_lines, say_text

if TYPE_CHECKING:
    from .studio import Page

log = logging.getLogger(__name__)
CROPS = {"Keep as is": None, "16:9 (landscape)": 16 / 9, "9:16 (portrait)": 9 / 16, "1:1": 1.0}


def wire_frame_check(form: Any, page: Page, owner: gr.BrowserState) -> None:
    """Report on every frame change; crop from the originals kept since the last upload."""
    private = {"api_visibility": "private", "queue": False}
    originals = gr.State({})  # {"image": path, "end_image": path} as uploaded
    studio = page.studio
    source = studio.visitor_frame

    # Special arguments come first: Gradio only injects positional ones.
    async def report(request: gr.Request, token: str | None, start: Any, end: Any, count: Any):
        caller = page.caller(token, request)  # gr.Error (nothing read) for an unsigned page
        start, end = source(start, "image"), source(end, "end_image")
        try:
            note = await studio.frame_report(caller, start, end, int(count or 0))
        except TooBusy as exc:
            raise gr.Error(say_text(language(request), exc.user_message)) from exc
        return say_lines(language(request), note), gr.Radio(visible=bool(start or end))

    inputs = [owner, form.start, form.end, form.segments.count]
    for trigger in (form.start.change, form.end.change, form.segments.count.change):
        trigger(report, inputs, [form.frame_note, form.crop], preprocess=False, **private)

    def remember(token: str | None, kept: dict, value: Any, field: str) -> tuple[dict, str]:
        page.caller(token)
        return {**kept, field: source(value, field)}, "Keep as is"

    for component, field in ((form.start, "image"), (form.end, "end_image")):
        component.upload(
            lambda token, kept, v, field=field: remember(token, kept, v, field),
            [owner, originals, component],
            [originals, form.crop],
            preprocess=False,
            **private,
        )

    _wire_crop(form, page, owner, originals)


def _wire_crop(form: Any, page: Page, owner: gr.BrowserState, originals: gr.State) -> None:
    """ "Crop the frames to": both frames, from the originals (never a crop of a crop)."""
    private = {"api_visibility": "private", "queue": False}
    studio = page.studio
    source = studio.visitor_frame

    async def crop(
        request: gr.Request, token: str | None, choice: str, kept: dict, start: Any, end: Any
    ):
        caller = page.caller(token, request)
        aspect = CROPS.get(choice)
        values = []
        for field, value in (("image", start), ("end_image", end)):
            original = kept.get(field) or source(value, field)
            if original is None:
                values.append(gr.skip())
            elif aspect is None:
                values.append(publish(original))
            else:
                try:
                    values.append(publish(await studio.crop(caller, original, aspect, field)))
                except TooBusy as exc:
                    raise gr.Error(exc.user_message) from exc
                except (KlingUIError, OSError) as exc:  # the frame note already says why
                    log.info("crop of the %s refused: %s", field, type(exc).__name__)
                    values.append(gr.skip())
        return values

    form.crop.input(
        crop,
        [owner, form.crop, originals, form.start, form.end],
        [form.start, form.end],
        preprocess=False,
        **private,
    )
