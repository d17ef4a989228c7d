"""Frame problems said when a frame is chosen, not at Generate, and a crop to fix the shape.

The checks and the crop are the service's (framing.py); this wires them to the form. "Crop
the frames to" centre-crops both frames from the uploaded originals (never a crop of a crop)
and shows the result in place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gradio as gr

from ..links import publish

if TYPE_CHECKING:
    from ..service import Studio

CROPS = {"Keep as is": None, "16:9 (landscape)": 16 / 9, "9:16 (portrait)": 9 / 16, "1:1": 1.0}


def wire_frame_check(form: Any, studio: Studio) -> None:
    """Report on every frame change; crop from the originals kept since the last upload."""
    private = {"api_visibility": "private", "queue": False}
    originals = gr.State({})  # {"image": path, "end_image": path} as uploaded
    source = studio.visitor_frame

    def report(start: Any, end: Any, count: Any):
        start, end = source(start, "image"), source(end, "end_image")
        note = studio.frame_report(start, end, int(count or 0))
        return note, gr.Radio(visible=bool(start or end))

    inputs = [form.start, form.end, form.segments.count]
    for trigger in (form.start.change, form.end.change, form.segments.count.change):
        trigger(report, inputs, [form.frame_note, form.crop], preprocess=False, **private)

    def remember(kept: dict, value: Any, field: str) -> tuple[dict, str]:
        return {**kept, field: source(value, field)}, "Keep as is"

    form.start.upload(
        lambda kept, v: remember(kept, v, "image"),
        [originals, form.start],
        [originals, form.crop],
        preprocess=False,
        **private,
    )
    form.end.upload(
        lambda kept, v: remember(kept, v, "end_image"),
        [originals, form.end],
        [originals, form.crop],
        preprocess=False,
        **private,
    )

    def crop(choice: str, kept: dict, start: Any, end: Any):
        aspect = CROPS.get(choice)
        values = []
        for field, value in (("image", start), ("end_image", end)):
            original = kept.get(field) or source(value, field)
            if original is None:
                values.append(gr.skip())
            elif aspect is None:
                values.append(publish(original))
            else:
                values.append(publish(studio.crop(original, aspect)))
        return values

    form.crop.input(
        crop,
        [form.crop, originals, form.start, form.end],
        [form.start, form.end],
        preprocess=False,
        **private,
    )
