"""The segment editor: timed prompt rows that can be added, removed, reordered and balanced.

Rows are rendered once (at most MAX_ROWS, the most that fit 15 s at 3 s each) and shown or
hidden; nothing is re-rendered, so typing is never lost. Every event reads the rows' current
text from the browser (they are its inputs), so the page itself is the single source of truth
and a click can never act on stale text.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ..request import DURATION_MAX, DURATION_MIN, SEGMENT_PROMPT_MAX
from ..said import said
from .lang import EN_LANG, language, say, say_text
from .present import clamp_seconds, segment_total_markdown
from .words import t

MAX_ROWS = 5

Rows = list[tuple[str, int]]


# --- pure row operations (tested without a browser) ----------------------------------------


def read_rows(count: int, prompts: list[str], seconds: list) -> Rows:
    count = max(0, min(MAX_ROWS, int(count or 0)))
    return [((prompts[i] or ""), clamp_seconds(seconds[i])) for i in range(count)]


def clip_for(rows: Rows, duration: int) -> int:
    """The clip's length: with segments, their sum (within what a clip can be); without,
    the Duration the visitor set. One length, so the two can never disagree."""
    if not rows:
        return int(duration)
    return min(DURATION_MAX, max(DURATION_MIN, sum(s for _, s in rows)))


def add_row(rows: Rows, duration: int) -> Rows:
    """A new empty row: the first takes the whole clip; the next take the least (3 s) and
    the clip grows by it. Past the longest clip, all rows share it evenly."""
    if len(rows) >= MAX_ROWS:
        return rows
    if not rows:
        return [("", min(DURATION_MAX, max(DURATION_MIN, int(duration))))]
    grown = [*rows, ("", DURATION_MIN)]
    if sum(s for _, s in grown) > DURATION_MAX:
        return split_evenly(grown, DURATION_MAX)[0]
    return grown


def add_said(rows: Rows, duration: int, lang: str | None = None) -> tuple[Rows, str]:
    """add_row, saying so when the rows already there had to change to make room."""
    grown = add_row(rows, duration)
    if [s for _, s in grown[: len(rows)]] != [s for _, s in rows]:
        return grown, say(lang, "form.resplit", most=DURATION_MAX, count=len(grown))
    return grown, ""


def remove_row(rows: Rows, index: int) -> Rows:
    return [row for i, row in enumerate(rows) if i != index]


def move_row(rows: Rows, index: int, offset: int) -> Rows:
    target = index + offset
    if not (0 <= index < len(rows) and 0 <= target < len(rows)):
        return rows
    moved = list(rows)
    moved[index], moved[target] = moved[target], moved[index]
    return moved


def split_evenly(rows: Rows, duration: int, lang: str | None = None) -> tuple[Rows, str]:
    """Share the clip's seconds between the rows as evenly as whole seconds allow; when the
    clip is too short for that many rows, each takes the least and the clip grows (said)."""
    if not rows:
        return rows, said("seg.first")
    count = len(rows)
    need = DURATION_MIN * count
    if duration < need:
        note = say(lang, "form.split_grew", count=count, need=need, least=DURATION_MIN)
        return [(text, DURATION_MIN) for text, _ in rows], note
    base, extra = divmod(int(duration), count)
    split = [(text, base + (1 if i < extra else 0)) for i, (text, _) in enumerate(rows)]
    return split, say(lang, "form.split", count=count, clip=int(duration))


def total_words(lang: str | None, seconds: list[int]) -> str:
    """The segments' total, which is the clip's length; past the longest clip, by how much."""
    if not seconds:
        return segment_total_markdown(DURATION_MIN, [], lang)
    total = sum(seconds)
    if total > DURATION_MAX:
        over = total - DURATION_MAX
        return say(lang, "form.clip_too_long", total=total, most=DURATION_MAX, over=over)
    return say(lang, "form.clip_is", total=total)


def clamp_notes(lang: str | None, seconds: list, count: int) -> str:
    """What reading the rows changed: a typed 2 or 30 counts as 3 or 15, and says so."""
    notes = []
    for i, raw in enumerate(seconds[:count]):
        try:
            value = float(raw)
        except (TypeError, ValueError):
            continue
        if not DURATION_MIN <= value <= DURATION_MAX:
            fields = {"n": i + 1, "raw": f"{value:g}", "seconds": clamp_seconds(value)}
            notes.append(say(lang, "form.clamped", least=DURATION_MIN, most=DURATION_MAX, **fields))
    return " ".join(notes)


def row_problems(prompts: list, seconds: list, count: int, lang: str = EN_LANG) -> list[str]:
    """Each shown row's problem in words ("" when fine), all at once, for the row itself."""
    notes = []
    for i in range(MAX_ROWS):
        if i >= count:
            notes.append("")
            continue
        text = (prompts[i] or "").strip()
        problems = []
        if not text:
            problems.append(said("seg.write"))
        elif len(text) > SEGMENT_PROMPT_MAX:
            limit = f"{SEGMENT_PROMPT_MAX:,}"
            problems.append(said("seg.long", count=f"{len(text):,}", limit=limit))
        try:
            raw = float(seconds[i])
        except (TypeError, ValueError):
            raw = None
        bounds = {"low": DURATION_MIN, "high": DURATION_MAX}
        if raw is None:
            problems.append(said("seg.length", **bounds))
        elif not DURATION_MIN <= raw <= DURATION_MAX:
            clamped = clamp_seconds(raw)
            problems.append(said("seg.outside", seconds=f"{raw:g}", clamped=clamped, **bounds))
        notes.append(_row_note(lang, i + 1, problems) if problems else "")
    return notes


def _row_note(lang: str, n: int, problems: list) -> str:
    joined = problems[-1]
    for problem in reversed(problems[:-1]):
        joined = said("seg.and", first=problem, rest=joined)
    return say(lang, "seg.row", n=n, problems=joined)


def add_label(count: int, lang: str = EN_LANG) -> gr.Button:
    """The row limit, visible before the click."""
    if count >= MAX_ROWS:
        return gr.Button(value=say(lang, "seg.full", most=MAX_ROWS), interactive=False)
    return gr.Button(value=say(lang, "seg.add", count=count, most=MAX_ROWS), interactive=True)


def to_segments(rows: Rows) -> list[dict]:
    return [{"prompt": text, "duration": seconds} for text, seconds in rows]


def from_segments(segments: list[dict] | None) -> Rows:
    return [(s.get("prompt", ""), clamp_seconds(s.get("duration"))) for s in (segments or [])]


def segment_input_names() -> list[str]:
    """Names of SegmentEditor.inputs, in order (see form.form_input_names)."""
    return [
        "segment_count",
        *(f"segment_{i + 1}_prompt" for i in range(MAX_ROWS)),
        *(f"segment_{i + 1}_seconds" for i in range(MAX_ROWS)),
    ]


# --- the component ---------------------------------------------------------------------------


@dataclass
class SegmentEditor:
    count: gr.Number
    groups: list[gr.Row]
    prompts: list[gr.Textbox]
    seconds: list[gr.Number]
    total: gr.Markdown
    message: gr.Markdown
    checks: list[gr.Markdown]  # under each row: its own problem, in words
    add: gr.Button

    @property
    def inputs(self) -> list:
        return [self.count, *self.prompts, *self.seconds]

    @property
    def outputs(self) -> list:
        return [
            self.count,
            *self.groups,
            *self.prompts,
            *self.seconds,
            self.total,
            self.message,
            *self.checks,
            self.add,
        ]

    def render_rows(
        self, rows: Rows, duration: int, message: str = "", lang: str | None = EN_LANG
    ) -> list:
        """Values for `outputs` showing `rows` (the clip's length is theirs: clip_for), in the
        visitor's language."""
        padded = rows + [("", DURATION_MIN)] * (MAX_ROWS - len(rows))
        return [
            len(rows),
            *[gr.Row(visible=i < len(rows)) for i in range(MAX_ROWS)],
            *[text for text, _ in padded],
            *[seconds for _, seconds in padded],
            total_words(lang, [s for _, s in rows]),
            say_text(lang, message),
            *row_problems([t for t, _ in padded], [s for _, s in padded], len(rows), lang),
            add_label(len(rows), lang),
        ]

    def rows_from(self, values: list) -> Rows:
        count, rest = values[0], values[1:]
        return read_rows(count, rest[:MAX_ROWS], rest[MAX_ROWS:])


def build_segment_editor(duration: gr.Slider) -> SegmentEditor:
    """MAX_ROWS rows rendered once (shown or hidden), their total, and the helpers."""
    gr.Markdown(t("segments.hint"), elem_classes=["hint"])
    # A hidden Number, not a State: API clients (and tests) can then pass it like the rows.
    count = gr.Number(0, visible=False, precision=0, label="segment count")
    rows = [_segment_row(i) for i in range(MAX_ROWS)]
    total = gr.Markdown(segment_total_markdown(5, []), elem_id="segment-total")
    message = gr.Markdown("", elem_id="segment-message")
    with gr.Row():
        add = gr.Button(
            say(EN_LANG, "seg.add", count=0, most=MAX_ROWS), size="sm", elem_id="segment-add"
        )
        even = gr.Button(t("segment.split"), size="sm", elem_id="segment-split")
        clear = gr.Button(t("segment.clear"), size="sm", elem_id="segment-clear")
    editor = SegmentEditor(
        count,
        [row.group for row in rows],
        [row.prompt for row in rows],
        [row.seconds for row in rows],
        total,
        message,
        [row.check for row in rows],
        add,
    )
    helpers = {
        add: add_said,
        even: split_evenly,
        clear: lambda rows, clip, lang: [],
    }
    _wire_editor(editor, duration, rows, helpers)
    return editor


@dataclass
class SegmentRow:
    group: gr.Row
    prompt: gr.Textbox
    seconds: gr.Number
    check: gr.Markdown  # the row's own problem, said under it
    up: gr.Button
    down: gr.Button
    remove: gr.Button


def _segment_row(i: int) -> SegmentRow:
    n = i + 1
    with gr.Row(visible=False, equal_height=True, elem_classes=["segment-row"]) as group:
        prompt = gr.Textbox(
            label=t(f"segment.{n}.prompt"),
            placeholder=t("story.shot.placeholder"),
            max_length=2 * SEGMENT_PROMPT_MAX,  # UTF-16 units in the browser
            lines=1,
            scale=6,
            elem_id=f"segment-{n}-prompt",
        )
        length = gr.Number(
            label=t(f"segment.{n}.seconds"),
            value=DURATION_MIN,
            minimum=DURATION_MIN,
            maximum=DURATION_MAX,
            precision=0,
            step=1,
            scale=1,
            min_width=130,
            elem_id=f"segment-{n}-seconds",
        )
        up = gr.Button(t("segment.up"), size="sm", scale=0, min_width=60, elem_id=f"segment-{n}-up")
        down = gr.Button(
            t("segment.down"), size="sm", scale=0, min_width=60, elem_id=f"segment-{n}-down"
        )
        remove = gr.Button(
            t("segment.remove"),
            size="sm",
            scale=0,
            min_width=60,
            variant="stop",
            elem_id=f"segment-{n}-remove",
        )
    check = gr.Markdown("", elem_id=f"segment-{n}-check", elem_classes=["hint"])
    return SegmentRow(group, prompt, length, check, up, down, remove)


def duration_slider(rows: Rows, clip: int) -> gr.Slider:
    """The Duration slider shows the clip's length; with segments it follows them (their
    sum) and is not moved by hand, so the two never fight."""
    return gr.Slider(value=clip, interactive=not rows)


def _wire_editor(
    editor: SegmentEditor, duration: gr.Slider, rows: list[SegmentRow], helpers: dict
) -> None:
    # Raw values (no preprocessing): Gradio would refuse a typed 30 with a bare "Error" pill
    # before our words could say what is wrong; read_rows and row_problems take raw values.
    private = {"api_visibility": "private", "queue": False, "preprocess": False}

    def wire(button: gr.Button, operation) -> None:
        # Special arguments come first: Gradio only injects positional ones.
        def handler(request: gr.Request, clip: int, *values):
            lang = language(request)
            rows = editor.rows_from(list(values))
            before = clip_for(rows, int(clip))
            result = operation(rows, before, lang)
            rows, note = result if isinstance(result, tuple) else (result, "")
            after = clip_for(rows, before)
            said = [clamp_notes(lang, list(values[1 + MAX_ROWS :]), int(values[0] or 0))]
            said.append(say_text(lang, note))
            if after != before and not note:
                said.append(say(lang, "form.clip_now", clip=after))
            message = " ".join(part for part in said if part)
            return [duration_slider(rows, after), *editor.render_rows(rows, after, message, lang)]

        outputs = [duration, *editor.outputs]
        button.click(handler, [duration, *editor.inputs], outputs, **private)

    for button, operation in helpers.items():
        wire(button, operation)
    for i, row in enumerate(rows):
        wire(row.up, lambda rows, clip, lang, i=i: move_row(rows, i, -1))
        wire(row.down, lambda rows, clip, lang, i=i: move_row(rows, i, +1))
        wire(row.remove, lambda rows, clip, lang, i=i: remove_row(rows, i))

    def retotal(request: gr.Request, clip: int, *values):
        rows = editor.rows_from(list(values))
        seconds = [s for _, s in rows]
        return duration_slider(rows, clip_for(rows, int(clip))), total_words(
            language(request), seconds
        )

    # On the visitor's own typing only: the editor's buttons and a restored draft draw the
    # total with the rows, and a retotal fired by their redraw could answer late, with the
    # rows as they were a click before (three quick Adds once left "12 s" beside 15 s of rows).
    for row in rows:
        row.seconds.input(retotal, [duration, *editor.inputs], [duration, editor.total], **private)

    def recheck(request: gr.Request, *values):
        # Raw values: a typed 30 must be reported, not silently read as 15.
        count, lang = int(values[0] or 0), language(request)
        prompts, seconds = list(values[1 : 1 + MAX_ROWS]), list(values[1 + MAX_ROWS :])
        return row_problems(prompts, seconds, count, lang)

    triggers = [*(row.prompt.blur for row in rows), *(row.seconds.change for row in rows)]
    for trigger in triggers:
        trigger(recheck, editor.inputs, editor.checks, **private)
