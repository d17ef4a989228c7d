"""The left side of the studio: frames, prompt, timing, sound, segments, provider and model,
keys, cost."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from .. import models
from ..config import Settings
from ..keys import configured_providers
from ..providers.registry import PROVIDERS, models_for, paid_providers
from ..request import DURATION_DEFAULT, DURATION_MAX, DURATION_MIN, PROMPT_MAX
from ..uploads import raw_source
from .frame_check import CROPS
from .lang import say
from .present import cost_markdown, prompt_counter, which_provider_markdown
from .segments import (
    SegmentEditor,
    build_segment_editor,
    clip_for,
    segment_input_names,
    to_segments,
)
from .words import t


# Keys typed into the page stay in the browser: remembered ones live in this browser's
# localStorage, written and read by these snippets; the server never sends a key back.
# Both take/return one value per paid provider, in registry order, then "remember".
def remember_js(names: list[str]) -> str:
    return f"""
(remember, ...keys) => {{
  const names = {names!r};
  names.forEach((name, i) => {{
    const slot = `kling-ui-key-${{name}}`;
    if (remember && keys[i]) {{ localStorage.setItem(slot, keys[i]); }}
    else {{ localStorage.removeItem(slot); }}
  }});
  if (remember) {{ localStorage.setItem('kling-ui-remember', '1'); }}
  else {{ localStorage.removeItem('kling-ui-remember'); }}
  return [];
}}
"""


def restore_keys_js(names: list[str]) -> str:
    return f"""
() => {{
  // Mark the page once restored, so tests (and scripts) know the fields are final.
  setTimeout(() => {{ document.body.dataset.keysRestored = '1'; }}, 0);
  const names = {names!r};
  return [
    ...names.map((name) => localStorage.getItem(`kling-ui-key-${{name}}`) || ''),
    localStorage.getItem('kling-ui-remember') === '1',
  ];
}}
"""


# The own daily limit is the visitor's, kept in this browser's storage like remembered keys.
OWN_LIMIT_SAVE_JS = """
(limit) => {
  if (limit === null || limit === '' || Number.isNaN(Number(limit))) {
    localStorage.removeItem('kling-ui-own-limit');
  } else { localStorage.setItem('kling-ui-own-limit', String(limit)); }
  return [];
}
"""
OWN_LIMIT_RESTORE_JS = """
() => {
  const v = localStorage.getItem('kling-ui-own-limit');
  return v === null ? null : Number(v);
}
"""


# Counted in code points, as the server and the providers count ([...s], not s.length,
# which counts UTF-16 units: an emoji would count twice).
PROMPT_COUNT_JS = f"""
(text) => {{
  const n = [...(text || '').trim()].length;
  const zh = (globalThis.navigator?.language || '').toLowerCase().startsWith('zh');
  const over = n > {PROMPT_MAX} ? (zh ? ' — 太长' : ' — too long') : '';
  return `${{n.toLocaleString('en')}} / {PROMPT_MAX:,} ` + (zh ? '字' : 'characters') + over;
}}
"""


def typed_key(provider: str | None, keys: dict[str, str | None]) -> str | None:
    """The key the visitor typed for `provider`, if any (`keys` by provider name)."""
    return (keys.get(provider or "") or "").strip() or None


def provider_choices(settings: Settings) -> list[tuple[str, str]]:
    # With bring-your-own-key only, server keys exist but visitors can't spend them.
    configured = set() if settings.byok_only else set(configured_providers(settings))
    choices = [(PROVIDERS["preview"].label, "preview")]
    for name in paid_providers():
        label = PROVIDERS[name].label
        choices.append((label if name in configured else f"{label} (your key)", name))
    return choices


def model_choices(provider: str | None) -> list[tuple[str, str]]:
    """The catalogue models `provider` runs, as (label, id), for the model choice."""
    return [(models.label(m), m) for m in models_for(provider or default_provider())]


def model_for(provider: str | None, model: str | None) -> gr.Radio:
    """The model choice for `provider`: its models, keeping `model` when it runs it (else
    the default model, else its first)."""
    ids = [m for _, m in model_choices(provider)]
    if model not in ids:
        model = models.DEFAULT_MODEL if models.DEFAULT_MODEL in ids else (ids or [None])[0]
    return gr.Radio(choices=model_choices(provider), value=model)


def own_limit(value: Any) -> float | None:
    """The own-limit box's value as dollars; empty (or not a number) means no limit."""
    try:
        limit = float(value)
    except (TypeError, ValueError):
        return None
    return limit if limit >= 0 else None


def key_input_name(provider: str) -> str:
    return f"{provider}_key"


def form_input_names() -> list[str]:
    """The studio's generate inputs, by name, in the order the page sends them.

    One list for the event and for API clients (and tests) that drive the page: build a
    payload by name with `[values[n] for n in form_input_names()]`.
    """
    return [
        *REQUEST_FIELDS,
        *(key_input_name(name) for name in paid_providers()),
        *segment_input_names(),
        "own_limit",
    ]


REQUEST_FIELDS = ("start", "end", "prompt", "duration", "sound", "shot_type", "provider", "model")


@dataclass(frozen=True)
class FormValues:
    """What the form holds when Generate is pressed, read by name."""

    fields: dict[str, Any]  # request fields, as parse_request takes them
    provider: str
    keys: dict[str, str | None]  # typed keys by provider name
    own_limit: float | None = None  # the visitor's own daily limit, in USD

    @property
    def key(self) -> str | None:
        return typed_key(self.provider, self.keys)


def default_provider() -> str:
    # The free preview until the person picks a paid provider, even when the server has a
    # key: nobody should pay by accident on a first click.
    return "preview"


@dataclass
class Form:
    start: gr.Image
    end: gr.Image
    prompt: gr.Textbox
    prompt_count: gr.Markdown
    duration: gr.Slider
    sound: gr.Checkbox
    shot_type: gr.Radio
    segments: SegmentEditor
    segments_box: gr.Accordion
    provider: gr.Radio
    model: gr.Radio  # the catalogue models the chosen provider runs
    keys: dict[str, gr.Textbox]  # one per paid provider, by name
    remember: gr.Checkbox
    own_limit: gr.Number  # the visitor's own daily limit, kept in this browser
    check_key: gr.Button  # asks the chosen provider about the key, for free
    key_report: gr.Markdown
    cost: gr.Markdown
    spend: gr.Markdown  # "Spent today: $1.12" (the ledger's, for this visitor)
    errors: gr.Markdown
    generate: gr.Button
    cancel: gr.Button | None = None  # on the job card (result.Result), beside the status
    frame_note: gr.Markdown | None = None  # frame problems, said when a frame is chosen
    crop: gr.Radio | None = None
    # Problems found at Generate, each said under its own part of the form (PROBLEM_SLOTS);
    # `errors` holds the rest. A part's box empties as soon as that part changes.
    problem_boxes: dict[str, gr.Markdown] = field(default_factory=dict)

    @property
    def request_fields(self) -> list:
        """The components that make up a request, in REQUEST_FIELDS order."""
        return [getattr(self, name) for name in REQUEST_FIELDS]

    @property
    def named_inputs(self) -> dict[str, gr.components.Component]:
        """Every generate input by name, in `form_input_names()` order."""
        named = dict(zip(REQUEST_FIELDS, self.request_fields, strict=True))
        named.update({key_input_name(n): box for n, box in self.keys.items()})
        named.update(zip(segment_input_names(), self.segments.inputs, strict=True))
        named["own_limit"] = self.own_limit
        return named

    @property
    def inputs(self) -> list:
        return list(self.named_inputs.values())

    def read(self, values: list[Any]) -> FormValues:
        """The form's values (as sent for `inputs`) bound to their names."""
        got = dict(zip(self.named_inputs, values, strict=True))
        rows = self.segments.rows_from([got[n] for n in segment_input_names()])
        provider = got["provider"] or "preview"
        fields = {
            "image": raw_source(got["start"]),
            "end_image": raw_source(got["end"]),
            "prompt": got["prompt"] or "",
            "duration": clip_for(rows, int(got["duration"] or DURATION_DEFAULT)),
            "sound": bool(got["sound"]),
            "shot_type": got["shot_type"] or "customize",
            "multi_prompt": to_segments(rows),
            "model": got["model"] or models.DEFAULT_MODEL,
        }
        keys = {name: got[key_input_name(name)] for name in self.keys}
        return FormValues(fields, provider, keys, own_limit(got["own_limit"]))

    @property
    def fill_outputs(self) -> list:
        """Components set when a form is filled (examples, re-use settings)."""
        return [*self.request_fields, self.cost, self.segments_box, *self.segments.outputs]


def build_form(settings: Settings) -> Form:
    """The form, top to bottom: frames, prompt, timing, segments, provider and keys, then
    the action bar; wired to itself (the frame checks are wired with the page's owner:
    frame_check.py)."""
    parts: dict[str, Any] = {}
    boxes: dict[str, gr.Markdown] = {}
    # The first screen holds what a first clip needs: the start frame, where it is made
    # (before the prompt, so a phone shows it early), the prompt, and Generate below.
    parts.update(_frames(settings.max_upload_mb))
    boxes["frames"] = _problem_box("frames")
    parts.update(_provider_and_keys(settings, boxes))
    parts.update(_prompt())
    boxes["prompt"] = _problem_box("prompt")
    _frame_hints(settings.max_upload_mb)
    parts.update(_timing())
    with gr.Accordion(t("segments"), open=False, elem_id="segments") as segments_box:
        parts.update(segments=build_segment_editor(parts["duration"]), segments_box=segments_box)
    boxes["timing"] = _problem_box("timing")
    parts.update(_model())
    parts.update(_action_bar())
    form = Form(**parts, problem_boxes=boxes)
    _wire(form)
    return form


# Which box says a problem, by the field the service names (InputError.problems keys).
PROBLEM_SLOTS = {
    "image": "frames",
    "end_image": "frames",
    "prompt": "prompt",
    "duration": "timing",
    "sound": "timing",
    "shot_type": "timing",
    "multi_prompt": "timing",
    "model": "timing",  # its box sits just above the model choice
    "provider": "provider",
    "api_key": "provider",
}


def _problem_box(slot: str) -> gr.Markdown:
    return gr.Markdown("", elem_id=f"{slot}-problem", elem_classes=["field-problem"])


def problem_values(form: Form, problems: dict[str, str], lang: str | None = None) -> dict:
    """Each problem in the box of its part of the form (the rest in `errors`); every other
    box emptied. `problems` is field -> words, as InputError has them; {} clears them all."""
    said: dict[str, list[str]] = {}
    for name, words in problems.items():
        slot = PROBLEM_SLOTS.get(name.split(".")[0], "errors")
        said.setdefault(slot if slot in form.problem_boxes else "errors", []).append(words)
    boxes = {**form.problem_boxes, "errors": form.errors}
    heading = say(lang, "form.fix_first")
    return {
        box: (heading + "\n\n" + "\n".join(f"- {w}" for w in said[slot])) if slot in said else ""
        for slot, box in boxes.items()
    }


def _frame_hints(max_upload_mb: float) -> None:
    """What a frame may be: said under the prompt, so the first screen keeps to the frame,
    the provider, the prompt and Generate."""
    gr.Markdown(t("frames.hint"), elem_classes=["hint"])
    # Said here for good: Gradio's own refusal of a bigger file is a toast that vanishes.
    gr.Markdown(
        f"Each file up to {max_upload_mb:g} MB.",
        elem_classes=["hint"],
        elem_id="upload-limit",
    )


def _frames(max_upload_mb: float) -> dict[str, Any]:
    with gr.Row(elem_id="frames"):
        start = gr.Image(
            label=t("start"),
            type="filepath",
            sources=["upload", "clipboard"],
            height=170,
            elem_id="start-frame",
        )
        end = gr.Image(
            label=t("end"),
            type="filepath",
            sources=["upload", "clipboard"],
            height=170,
            elem_id="end-frame",
        )
    frame_note = gr.Markdown("", elem_id="frame-note")
    # Shown once there is a frame to crop (frame_check.py): the first screen stays short.
    crop = gr.Radio(list(CROPS), value="Keep as is", label=t("crop"), elem_id="crop", visible=False)
    return {"start": start, "end": end, "frame_note": frame_note, "crop": crop}


def _prompt() -> dict[str, Any]:
    prompt = gr.Textbox(
        label=t("prompt"),
        lines=3,
        # The browser's own limit counts UTF-16 units: keep it above the real (code point)
        # limit, which the counter shows and the server enforces.
        max_length=2 * PROMPT_MAX,
        placeholder=t("prompt.placeholder"),
        elem_id="prompt",
    )
    prompt_count = gr.Markdown(
        prompt_counter("", PROMPT_MAX), elem_id="prompt-count", elem_classes=["hint"]
    )
    return {"prompt": prompt, "prompt_count": prompt_count}


def _timing() -> dict[str, Any]:
    with gr.Row():
        duration = gr.Slider(
            DURATION_MIN,
            DURATION_MAX,
            value=DURATION_DEFAULT,
            step=1,
            label=t("duration"),
            info=t("duration.info"),
            elem_id="duration",
        )
        shot_type = gr.Radio(
            [
                ("Customize (follow my prompt)", "customize"),
                ("Intelligent (model decides cuts)", "intelligent"),
            ],
            value="customize",
            label=t("shot_type"),
            elem_id="shot-type",
        )
    sound = gr.Checkbox(label=t("sound"), value=False, elem_id="sound")
    return {"duration": duration, "shot_type": shot_type, "sound": sound}


def _provider_and_keys(settings: Settings, boxes: dict[str, gr.Markdown]) -> dict[str, Any]:
    provider = gr.Radio(
        provider_choices(settings),
        value=default_provider(),
        label=t("provider"),
        elem_id="provider",
    )
    boxes["provider"] = _problem_box("provider")
    with gr.Accordion(t("keys"), open=False, elem_id="keys"):
        gr.Markdown(t("keys.hint"), elem_classes=["hint"])
        keys = {
            name: gr.Textbox(
                label=f"{PROVIDERS[name].label} API key",
                type="password",
                elem_id=f"{name}-key",
            )
            for name in paid_providers()
        }
        remember = gr.Checkbox(label=t("remember"), value=False, elem_id="remember-keys")
        own_limit = gr.Number(
            None, label=t("own_limit"), minimum=0, precision=2, elem_id="own-limit"
        )
        check_key = gr.Button(t("check_key"), size="sm", elem_id="check-key")
        key_report = gr.Markdown("", elem_id="key-report")
    return {
        "provider": provider,
        "keys": keys,
        "remember": remember,
        "own_limit": own_limit,
        "check_key": check_key,
        "key_report": key_report,
    }


def _model() -> dict[str, Any]:
    model = gr.Radio(
        model_choices(default_provider()),
        value=models.DEFAULT_MODEL,
        label=t("model"),
        elem_id="model",
    )
    with gr.Accordion("Which provider?", open=False, elem_id="which-provider"):
        gr.Markdown(which_provider_markdown(), elem_classes=["hint"])
    return {"model": model}


def _action_bar() -> dict[str, Any]:
    # Problems no part of the form owns; in the page's flow, not in the pinned bar (which
    # must stay small: it never grows over the field being edited).
    errors = gr.Markdown("", elem_id="form-errors", elem_classes=["field-problem"])
    # The action bar stays at the bottom of the screen (CSS: #actions), so Generate and the
    # cost are always in view, however long the form grows.
    with gr.Group(elem_id="actions"):
        cost = gr.Markdown(
            cost_markdown(default_provider(), DURATION_DEFAULT, False), elem_id="cost"
        )
        spend = gr.Markdown("", elem_id="spend-today")
        generate = gr.Button(t("generate"), variant="primary", elem_id="generate")
    return {"errors": errors, "cost": cost, "spend": spend, "generate": generate}


def _wire(form: Form) -> None:
    local = {"api_visibility": "private", "queue": False}
    # .change, not .input: examples and "re-use settings" fill the prompt too.
    form.prompt.change(None, form.prompt, form.prompt_count, js=PROMPT_COUNT_JS, **local)
    # The provider's models first; the cost then follows the model's change.
    form.provider.change(model_for, [form.provider, form.model], form.model, **local)
    cost_inputs = [form.provider, form.duration, form.sound, form.model]
    for trigger in (form.provider, form.duration, form.sound, form.model):
        trigger.change(cost_markdown, cost_inputs, form.cost, **local)
    keys = [form.remember, *form.keys.values()]
    js = remember_js(list(form.keys))
    # .change fires once the typed value is committed (an .input handler can see it stale).
    for box in keys:
        box.change(None, keys, None, js=js, **local)
    form.own_limit.change(None, form.own_limit, None, js=OWN_LIMIT_SAVE_JS, **local)
    _wire_problem_clearing(form)
    # What a provider said about a key is about that key: gone once the key or the
    # provider changes, so no balance stays on screen for a key no longer there.
    for component in (form.provider, *form.keys.values()):
        component.change(None, None, form.key_report, js="() => ''", **local)


def _wire_problem_clearing(form: Form) -> None:
    """A problem said at Generate leaves as soon as its part of the form changes: the part's
    own live checks (frame note, segment total, row checks, prompt counter) say what is
    still wrong, from the current values. In the browser: nothing to ask the server."""
    parts = {
        "frames": [form.start, form.end],
        "prompt": [form.prompt],
        "timing": [form.duration, form.sound, form.shot_type, *form.segments.inputs],
        "provider": [form.provider, form.model, *form.keys.values(), form.own_limit],
    }
    for slot, components in parts.items():
        outputs = [form.problem_boxes[slot], form.errors]
        for component in components:
            component.change(
                None, None, outputs, js="() => ['', '']", api_visibility="private", queue=False
            )
