"""The Studio's draft: the form kept on the server as it changes, shown again on a reload and
in another tab of this browser (tabs share the owner token), and "New" for an empty form.

Saving waits until the form has been still for a moment (DRAFT_SAVE_JS): a burst of typing
is one save, not one per key. The service keeps only the form's own fields (never a key)
and the frames once, by content (service.save_draft, workspace.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr

from .. import models
from ..errors import InputError
from ..gate import TooBusy
from ..request import DURATION_DEFAULT
from ..uploads import raw_source
from .lang import language, say
from .segments import to_segments
from .words import t

if TYPE_CHECKING:
    from .form import Form
    from .studio import Page

PRIVATE = {"api_visibility": "private"}
DRAFT_DELAY_MS = 800


def debounce_js(name: str) -> str:
    """Each change waits DRAFT_DELAY_MS; only the last of a burst goes on to the server (the
    others are dropped here: a dropped call sends nothing). `name`: whose burst it is."""
    return f"""
(...values) => new Promise((resolve, reject) => {{
  const tick = (globalThis.klingSaveTick = globalThis.klingSaveTick || {{}});
  const mine = (tick[{name!r}] = (tick[{name!r}] || 0) + 1);
  setTimeout(() => {{
    if (mine === tick[{name!r}]) {{ resolve(values); }}
    else {{ reject(new Error('a newer change will be saved')); }}
  }}, {DRAFT_DELAY_MS});
}})
"""


DRAFT_SAVE_JS = debounce_js("draft")

# Counts the saves done in this page, so tests (and scripts) can tell a save has landed.
DRAFT_SAVED_JS = """
() => { document.body.dataset.draftSaves = Number(document.body.dataset.draftSaves || 0) + 1; }
"""


@dataclass
class DraftBar:
    new: gr.Button
    note: gr.Markdown


def build_draft_bar() -> DraftBar:
    with gr.Row(elem_id="draft-bar"):
        new = gr.Button(t("draft.new"), size="sm", elem_id="draft-new", scale=0, min_width=160)
        note = gr.Markdown("", elem_id="draft-note", elem_classes=["hint"])
    return DraftBar(new, note)


def draft_components(form: Form) -> dict[str, gr.components.Component]:
    """The form's fields a draft keeps, by draft field name (workspace.DRAFT_FIELDS); the
    segment rows follow them as the editor's inputs."""
    return {
        "image": form.start,
        "end_image": form.end,
        "prompt": form.prompt,
        "duration": form.duration,
        "sound": form.sound,
        "shot_type": form.shot_type,
        "provider": form.provider,
        "model": form.model,
        "crop": form.crop,
    }


def read_draft(form: Form, values: list[Any]) -> dict[str, Any]:
    """The draft's fields from the values sent for draft_components + segment inputs."""
    named = draft_components(form)
    fields = dict(zip(named, values[: len(named)], strict=True))
    fields["image"], fields["end_image"] = (
        raw_source(fields["image"]),
        raw_source(fields["end_image"]),
    )
    fields["segments"] = to_segments(form.segments.rows_from(list(values[len(named) :])))
    return fields


def draft_values(page: Page, form: Form, draft: dict[str, Any]) -> dict:
    """Values for the form showing `draft` (an empty draft: the form as first shown)."""
    fields = {
        "image": draft.get("image"),
        "end_image": draft.get("end_image"),
        "prompt": draft.get("prompt") or "",
        "duration": draft.get("duration") or DURATION_DEFAULT,
        "sound": bool(draft.get("sound")),
        "shot_type": draft.get("shot_type") or "customize",
        "multi_prompt": draft.get("segments") or [],
        "model": draft.get("model") or models.DEFAULT_MODEL,
    }
    values = page.fill_form(form, fields, draft.get("provider") or "preview")
    values[form.segments_box] = gr.Accordion(open=bool(fields["multi_prompt"]))
    values[form.crop] = draft.get("crop") or "Keep as is"
    return values


def wire_drafts(form: Form, page: Page, owner: gr.BrowserState, bar: DraftBar) -> None:
    """Save the form as it changes (debounced in the browser); "New" empties it."""
    studio = page.studio
    components = [*draft_components(form).values(), *form.segments.inputs]

    async def save(request: gr.Request, token: str | None, *values: Any) -> str:
        caller = page.caller(token, request)
        try:
            await studio.save_draft(caller, read_draft(form, list(values)))
        except InputError as exc:
            return say(language(request), "draft.refused", problem=exc.user_message)
        return say(language(request), "draft.saved")

    saved = gr.on(
        [c.change for c in components],
        save,
        [owner, *components],
        bar.note,
        js=DRAFT_SAVE_JS,
        preprocess=False,  # the frames as uploaded: see uploads.py
        show_progress="hidden",
        trigger_mode="always_last",
        **PRIVATE,
    )
    saved.then(None, None, None, js=DRAFT_SAVED_JS, **PRIVATE)

    def new(request: gr.Request, token: str | None) -> dict:
        studio.new_draft(page.caller(token, request))
        values = draft_values(page, form, {})
        values[form.crop] = gr.Radio(value="Keep as is", visible=False)
        return {**values, form.errors: "", bar.note: say(language(request), "draft.new")}

    outputs = [*form.fill_outputs, form.crop, form.errors, bar.note]
    bar.new.click(new, owner, outputs, **PRIVATE)


def wire_draft_restore(
    loaded: Any, form: Form, page: Page, owner: gr.BrowserState, bar: DraftBar
) -> None:
    """After the page's token is known (`loaded`, the load event): the owner's draft back
    in the form, frames and all."""
    studio = page.studio

    def restore(request: gr.Request, token: str | None):
        try:
            caller = studio.page_caller(token)
        except TooBusy:
            caller = None
        draft = studio.draft(caller) if caller is not None else {}
        if not draft:
            yield {form.prompt: gr.skip()}  # (a generator that yields nothing empties all)
            return
        # The segment rows are shown first, then filled: a value sent in the same update
        # that shows its row can be lost while the row is still being drawn.
        count = len(draft.get("segments") or [])
        yield {
            form.segments_box: gr.Accordion(open=count > 0),
            **{group: gr.Row(visible=i < count) for i, group in enumerate(form.segments.groups)},
        }
        note = say(language(request), "draft.restored")
        yield {**draft_values(page, form, draft), bar.note: note}

    outputs = [*form.fill_outputs, form.crop, bar.note]
    loaded.then(restore, owner, outputs, show_progress="hidden", **PRIVATE)
