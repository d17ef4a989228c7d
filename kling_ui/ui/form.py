"""The left side of the studio: frames, prompt, timing, sound, segments, provider and model,
keys, cost."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from .. import models
from ..config import Settings
from ..errors import ConfigError, InputError
from ..keys import configured_providers
from ..providers.registry import PROVIDERS, models_for, paid_providers
from ..request import DURATION_DEFAULT, DURATION_MAX, DURATION_MIN, PROMPT_MAX, SHOT_TYPES
from ..spending import InFlightRefused, SpendingRefused
from ..uploads import raw_source
from .frame_check import CROPS
from .lang import EN_LANG, language, say, say_text
from .present import (
    cost_markdown,
    prompt_counter,
    segment_total_markdown,
    which_provider_markdown,
)
from .segments import (
    SegmentEditor,
    add_label,
    build_segment_editor,
    clip_for,
    segment_input_names,
    to_segments,
)
from .words import EN as WORDS_EN
from .words import t

# The crop choices that are words (their values stay the English names frame_check reads).
CROP_WORDS = {
    "Keep as is": "crop.keep",
    "16:9 (landscape)": "crop.landscape",
    "9:16 (portrait)": "crop.portrait",
}


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


def chosen_site(provider: str | None, sites: dict[str, str | None]) -> str | None:
    """The site the visitor chose for `provider`'s key (None: the server's)."""
    return sites.get(provider or "") or None


def typed_key(provider: str | None, keys: dict[str, str | None]) -> str | None:
    """The key the visitor typed for `provider`, if any (`keys` by provider name)."""
    return (keys.get(provider or "") or "").strip() or None


def provider_choices(settings: Settings) -> list[tuple[Any, str]]:
    # With bring-your-own-key only, server keys exist but visitors can't spend them.
    configured = set() if settings.byok_only else set(configured_providers(settings))
    choices: list[tuple[Any, str]] = [(t("provider.preview"), "preview")]
    for name in paid_providers():
        label = PROVIDERS[name].label
        if name in configured:
            choices.append((label, name))
        elif f"provider.own.{name}" in WORDS_EN:  # a provider registered later has no words
            choices.append((t(f"provider.own.{name}"), name))
        else:
            choices.append((f"{label} (your key)", name))
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


def region_input_name(provider: str) -> str:
    return f"{provider}_region"


def site_providers() -> list[str]:
    """Paid providers with several sites (RunningHub: .ai and .cn)."""
    return [name for name in paid_providers() if PROVIDERS[name].sites]


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
        *(region_input_name(name) for name in site_providers()),
    ]


REQUEST_FIELDS = ("start", "end", "prompt", "duration", "sound", "shot_type", "provider", "model")


@dataclass(frozen=True)
class FormValues:
    """What the form holds when Generate is pressed, read by name."""

    fields: dict[str, Any]  # request fields, as parse_request takes them
    provider: str
    keys: dict[str, str | None]  # typed keys by provider name
    own_limit: float | None = None  # the visitor's own daily limit, in USD
    sites: dict[str, str | None] = field(default_factory=dict)  # their keys' sites

    @property
    def key(self) -> str | None:
        return typed_key(self.provider, self.keys)

    @property
    def site(self) -> str | None:
        return chosen_site(self.provider, self.sites)


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
    # The site of the visitor's key, per provider with several (shown only when the server
    # uses one of them, not a base URL of its own).
    regions: dict[str, gr.Radio] = field(default_factory=dict)
    upload_limit: gr.Markdown | None = None  # words built here, said again on load (spoken)
    which: gr.Markdown | None = None
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
        named.update({region_input_name(n): radio for n, radio in self.regions.items()})
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
        sites = {name: got[region_input_name(name)] for name in self.regions}
        return FormValues(fields, provider, keys, own_limit(got["own_limit"]), sites)

    @property
    def fill_outputs(self) -> list:
        """Components set when a form is filled (examples, re-use settings)."""
        return [*self.request_fields, self.cost, self.segments_box, *self.segments.outputs]


def spoken_outputs(form: Form) -> list:
    """The components `spoken` sets (listed without making any: a gr.Button made while the
    page is built would be drawn on it)."""
    named = [form.cost, form.prompt_count, form.segments.total, form.segments.add]
    return [*named, *(c for c in (form.upload_limit, form.which) if c is not None)]


def spoken(form: Form, settings: Settings, lang: str) -> dict:
    """The form's words built here, in the visitor's language: the page is built once (in
    English), so these are said again when a page loads."""
    values = {
        form.cost: cost_markdown(default_provider(), DURATION_DEFAULT, False, lang=lang),
        form.prompt_count: prompt_counter("", PROMPT_MAX, lang),
        form.segments.total: segment_total_markdown(DURATION_DEFAULT, [], lang),
        form.segments.add: add_label(0, lang),
    }
    if form.upload_limit is not None:
        mb = f"{settings.max_upload_mb:g}"
        values[form.upload_limit] = say(lang, "form.upload_limit", mb=mb)
    if form.which is not None:
        values[form.which] = which_provider_markdown(lang)
    return values


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
    parts.update(_frame_hints(settings.max_upload_mb))
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
    by_slot: dict[str, dict[str, str]] = {}
    for name, words in problems.items():
        slot = PROBLEM_SLOTS.get(name.split(".")[0], "errors")
        by_slot.setdefault(slot if slot in form.problem_boxes else "errors", {})[name] = words
    boxes = {**form.problem_boxes, "errors": form.errors}
    return {box: problem_words(by_slot.get(slot, {}), lang) for slot, box in boxes.items()}


def problems_of(exc: InputError | ConfigError | SpendingRefused) -> dict[str, str]:
    """Problems by field; a missing key or a spending rule is the provider choice's; the
    limit on jobs in flight is no field's (said above Generate)."""
    if isinstance(exc, InFlightRefused):
        return {"in_flight": exc.user_message}
    return exc.problems if isinstance(exc, InputError) else {"provider": exc.user_message}


def problem_words(problems: dict[str, str], lang: str | None = None) -> str:
    """Problems as a box says them: a heading, then one line each, in `lang` ("" for none)."""
    if not problems:
        return ""
    lines = "\n".join(f"- {say_text(lang, words)}" for words in problems.values())
    return say(lang, "form.fix_first") + "\n\n" + lines


def _frame_hints(max_upload_mb: float) -> dict[str, Any]:
    """What a frame may be: said under the prompt, so the first screen keeps to the frame,
    the provider, the prompt and Generate."""
    gr.Markdown(t("frames.hint"), elem_classes=["hint"])
    # Said here for good: Gradio's own refusal of a bigger file is a toast that vanishes.
    upload_limit = gr.Markdown(
        say(EN_LANG, "form.upload_limit", mb=f"{max_upload_mb:g}"),
        elem_classes=["hint"],
        elem_id="upload-limit",
    )
    return {"upload_limit": upload_limit}


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
    crop = gr.Radio(
        [(t(CROP_WORDS[name]) if name in CROP_WORDS else name, name) for name in CROPS],
        value="Keep as is",
        label=t("crop"),
        elem_id="crop",
        visible=False,
    )
    return {
        "start": start,
        "end": end,
        "frame_note": frame_note,
        "crop": crop,
    }


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
            [(t(f"shot_type.{name}"), name) for name in SHOT_TYPES],
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
        keys, regions = {}, {}
        for name in paid_providers():
            keys[name] = gr.Textbox(
                label=t(f"key.{name}") if f"key.{name}" in WORDS_EN else f"{name} API key",
                type="password",
                elem_id=f"{name}-key",
            )
            if PROVIDERS[name].sites:
                regions[name] = _site_choice(settings, name)
        remember = gr.Checkbox(label=t("remember"), value=False, elem_id="remember-keys")
        own_limit = gr.Number(
            None, label=t("own_limit"), minimum=0, precision=2, elem_id="own-limit"
        )
        check_key = gr.Button(t("check_key"), size="sm", elem_id="check-key")
        key_report = gr.Markdown("", elem_id="key-report")
    return {
        "provider": provider,
        "keys": keys,
        "regions": regions,
        "remember": remember,
        "own_limit": own_limit,
        "check_key": check_key,
        "key_report": key_report,
    }


def _site_choice(settings: Settings, name: str) -> gr.Radio:
    """Which of the provider's sites the visitor's key belongs to (RunningHub: .ai or
    .cn); the server's own by default. Generate, Check key and imports use it. Hidden, with
    no choice, when the server's base URL is none of the sites (a proxy: keys go there)."""
    here = settings.region(name)
    return gr.Radio(
        [(t(f"region.{site}"), site) for site in settings.sites(name)],
        value=here,
        label=t("region"),
        visible=here is not None,
        elem_id=f"{name}-region",
    )


def _model() -> dict[str, Any]:
    model = gr.Radio(
        model_choices(default_provider()),
        value=models.DEFAULT_MODEL,
        label=t("model"),
        elem_id="model",
    )
    with gr.Accordion(t("which"), open=False, elem_id="which-provider"):
        which = gr.Markdown(which_provider_markdown(), elem_classes=["hint"], elem_id="which-text")
    return {"model": model, "which": which}


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

    # Special arguments come first: Gradio only injects positional ones.
    def cost(request: gr.Request, provider: str, duration: Any, sound: bool, model: str) -> str:
        return cost_markdown(provider, duration, sound, model, lang=language(request))

    for trigger in (form.provider, form.duration, form.sound, form.model):
        trigger.change(cost, cost_inputs, form.cost, **local)
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
