"""Words and numbers the studio shows: status, details, cost, segment totals (pure functions)."""

from __future__ import annotations

import time
from datetime import datetime

from .. import models, pricing
from ..cancelling import can_cancel
from ..errors import NOTHING_SENT_CODES, ErrorCode
from ..providers.registry import PROVIDERS
from ..records import JobRecord
from ..refusals import INPUT_REFUSALS
from ..request import DURATION_MAX, DURATION_MIN
from ..said import shorten
from ..state import JobState
from .lang import EN_LANG, SAY_EN, say, say_text

# The English words for each state (the catalogue's: said_present.py has both languages).
STATE_LABELS = {state: SAY_EN[f"state.{state.value}"] for state in JobState}
# Symbols every common font has (emoji fonts are often missing on Linux and in headless
# browsers, where emoji render as empty boxes).
STATE_ICONS = {
    JobState.SUBMITTING: "…",
    JobState.QUEUED: "…",
    JobState.RUNNING: "▶",
    JobState.SAVING: "▶",
    JobState.SUCCEEDED: "✓",
    JobState.NOT_SAVED: "⚠",
    JobState.WAITING_FOR_KEY: "⚠",
    JobState.FAILED: "⚠",
    JobState.CANCELED: "■",
    JobState.UNKNOWN: "?",
}


def provider_label(name: str, lang: str | None = EN_LANG, short: bool = False) -> str:
    if name == "preview":  # the only provider whose name is words, not a brand
        return say(lang, "provider.preview_short" if short else "provider.preview")
    cls = PROVIDERS.get(name)
    return cls.label if cls else name


def state_label(state: JobState, lang: str | None = EN_LANG) -> str:
    return say(lang, f"state.{JobState(state).value}")


def count_words(lang: str | None, what: str, n: int) -> str:
    """'1 shot', '3 shots': the counted form of `what` (said_present.py's count.* keys)."""
    return say(lang, f"count.{what}.{'one' if n == 1 else 'other'}", n=n)


def job_label(job: JobRecord, lang: str | None = EN_LANG, short: bool = False) -> str:
    """Who made it, for the card and History: a provider (and the model, when it isn't the
    default), or a film cut here from a story."""
    if job.is_film:
        return say(lang, "job.story_film")
    label = provider_label(job.provider, lang, short)
    if job.model == models.DEFAULT_MODEL:
        return label
    return say(lang, "provider.with_model", provider=label, model=models.label(job.model))


def elapsed_text(seconds: float, lang: str | None = EN_LANG) -> str:
    seconds = max(0, int(seconds))
    minutes, seconds = divmod(seconds, 60)
    if minutes:
        return say(lang, "elapsed.minutes", minutes=minutes, seconds=f"{seconds:02d}")
    return say(lang, "elapsed.seconds", seconds=seconds)


def status_markdown(job: JobRecord, now: float | None = None, lang: str | None = EN_LANG) -> str:
    """The job card's words: where it is, how long it should still take, and what it cost or
    will cost, in plain words (ids and the time taken live in the Details fold)."""
    now = time.time() if now is None else now
    state = state_label(job.state, lang)
    if job.is_active and job.error_code == ErrorCode.WAITING_FOR_SLOT:  # not "Sending"
        state = say(lang, "failures.waiting_label")
    head = f"{STATE_ICONS[job.state]} **{state}**"
    if job.state == JobState.QUEUED and job.queue_position is not None:
        head += " · " + say(lang, "status.position", position=job.queue_position + 1)
    if job.state == JobState.RUNNING and job.progress is not None:
        head += " · " + say(lang, "status.percent", percent=round(job.progress * 100))
    elif job.is_active and job.expected_at:
        head += f" · {time_left_text(job.expected_at - now, lang)}"
    lines = [f"{head} · {job_label(job, lang)}"]
    if job.trouble_since is not None and job.is_active:
        provider = provider_label(job.provider, lang)
        lines.append("> " + say(lang, "status.trouble", provider=provider))
    said = failure_lines(job, lang)
    if said:  # a refused input or a job waiting in our queue, in the visitor's words
        return "\n\n".join(lines + said)
    if job.error_message and not job.is_active:
        lines.append(f"> {say_text(lang, job.error_message)}")
    money = money_words(job, lang) or cancel_hint(job, lang)
    if money:
        lines.append(money)
    if job.notice:
        lines.append("> " + say(lang, "status.note", note=say_text(lang, job.notice)))
    return "\n\n".join(lines)


def failure_lines(job: JobRecord, lang: str | None = None) -> list[str]:
    """Which input a content check refused and whether it was charged (the provider's own
    words are in Details), or why a job waits in this app's queue; [] for any other job."""
    provider = provider_label(job.provider, lang)
    if job.is_active and job.error_code == ErrorCode.WAITING_FOR_SLOT:
        return [f"> {say(lang, 'failures.waiting_for_slot', provider=provider)}"]
    if job.is_active or job.error_code not in INPUT_REFUSALS:
        return []
    # No request id: the refusal answered the submit, so no job was created upstream.
    charged = "refused_not_charged" if job.request_id is None else "refused_may_be_charged"
    return [
        f"> {say(lang, f'failures.{job.error_code}', provider=provider)}",
        say(lang, f"failures.{charged}", provider=provider),
        say(lang, "failures.refused_not_again"),
    ]


def time_left_text(seconds: float, lang: str | None = EN_LANG) -> str:
    if seconds <= 15:
        return say(lang, "left.any_moment")
    minutes = round(seconds / 60)
    if minutes >= 1:
        return say(lang, "left.minutes", minutes=minutes)
    return say(lang, "left.under_minute")


def which_provider_markdown(lang: str | None = EN_LANG) -> str:
    """A line per paid provider: its price per second, currency and where to get a key."""
    lines = [say(lang, "which.head")]
    for cls in PROVIDERS.values():
        if not cls.needs_key:
            continue
        silent, sound, currency = pricing.price(cls.name)  # the default model's
        price = say(
            lang,
            "which.price",
            silent=_per_second(silent, currency),
            sound=_per_second(sound, currency),
        )
        key = f" · [{say(lang, 'which.get_key')}]({cls.key_url})" if cls.key_url else ""
        line = say(lang, "which.line", provider=cls.label, price=price, currency=currency, link=key)
        lines.append(line)
    lines.append(say(lang, "which.preview"))
    return "\n".join(lines)


def _per_second(amount: float, currency: str) -> str:
    text = pricing.format_money(amount, currency)
    # A price per second may need a third decimal ($0.112): never round it away.
    return text if round(amount, 2) == amount else text.replace(f"{amount:.2f}", f"{amount:.3f}")


def cancel_hint(job: JobRecord, lang: str | None = EN_LANG) -> str:
    """What Cancel would mean for money, said before the click (paid jobs under way)."""
    if job.provider == "preview" or not job.is_active:
        return ""
    if not can_cancel(job):  # RunningHub has no cancel; RunComfy can't stop a started job
        return say(lang, "tray.cancel_cannot", provider=provider_label(job.provider, lang))
    if job.state == JobState.QUEUED:
        return say(lang, "cancel.queued")
    if job.state == JobState.RUNNING:
        return say(lang, "cancel.running", provider=provider_label(job.provider, lang))
    return ""


def money_words(job: JobRecord, lang: str | None = EN_LANG) -> str:
    """Whether this job was (or may be) charged, said once it ends or pauses."""
    if job.provider == "preview" or job.is_active:
        return ""
    label = provider_label(job.provider, lang)
    if job.state == JobState.SUCCEEDED:
        return say(lang, "money.cost", cost=cost_line(job, lang))
    if job.state == JobState.NOT_SAVED:
        return say(lang, "money.not_saved", provider=label)
    if job.state == JobState.WAITING_FOR_KEY:
        return say(lang, "money.waiting_for_key")
    if job.state == JobState.UNKNOWN:  # the answer to the paid request was lost
        return say(lang, "money.unknown", provider=label)
    unsent = job.request_id is None and job.submitted_at is None
    if unsent or job.error_code in NOTHING_SENT_CODES:
        return say(lang, "money.nothing_sent")
    if job.state == JobState.CANCELED and job.queue_position is not None:
        return say(lang, "money.canceled_queued")
    return say(lang, "money.depends", provider=label)


def details_markdown(job: JobRecord, lang: str | None = EN_LANG, now: float | None = None) -> str:
    """The Details fold: what was asked, what it cost, and the machine facts (ids, times)."""
    req = job.request
    provider = job_label(job, lang) if job.is_film else provider_label(job.provider, lang)
    rows = [
        ("provider", provider),
        *([] if job.is_film else [("model", models.label(job.model))]),
        ("duration", _length(req, lang)),
        ("sound", say(lang, "details.on" if req.get("sound") else "details.off")),
        ("shot_type", shot_type_label(req.get("shot_type", "customize"), lang)),
    ]
    segments = req.get("multi_prompt") or []
    if segments:
        rows.append(("segments", " · ".join(_segment_words(s, lang) for s in segments)))
    if req.get("end_image"):
        rows.append(("end_frame", say(lang, "details.yes")))
    rows.append(("cost", cost_line(job, lang)))
    if job.request_id:
        rows.append(("request_id", f"`{job.request_id}`"))
    rows.append(("job_id", f"`{job.id}`"))
    if job.probe:
        rows.append(("video", _video_words(job.probe, lang)))
    lines = [f"- **{say(lang, 'details.' + k)}:** {v}" for k, v in rows]
    if job.error_code in INPUT_REFUSALS and job.error_message:  # its words, unread by us
        label = say(lang, "failures.provider_said", provider=provider_label(job.provider, lang))
        lines.append(f"- **{label}:** {job.error_message}")
    lines += [f"- **{say(lang, 'details.' + k)}:** {v}" for k, v in _times(job, lang, now)]
    return "\n".join(lines)


def _times(job: JobRecord, lang: str | None, now: float | None) -> list[tuple[str, str]]:
    """When it was made and how long the making took (not the clip's length)."""
    rows = [("created", _when(job.created_at))]
    if job.finished_at:
        rows.append(("finished", _when(job.finished_at)))
        rows.append(("took", elapsed_text(job.finished_at - job.created_at, lang)))
    elif job.is_active:
        now = time.time() if now is None else now
        rows.append(("running_for", elapsed_text(now - job.created_at, lang)))
    return rows


def _segment_words(segment: dict, lang: str | None) -> str:
    prompt = shorten(segment.get("prompt") or "", 40)
    return say(lang, "details.segment", seconds=segment.get("duration"), prompt=prompt)


def _video_words(probe: dict, lang: str | None) -> str:
    audio = (
        say(lang, "details.audio", codec=probe["audio_codec"])
        if probe.get("has_audio")
        else say(lang, "details.no_audio")
    )
    return say(
        lang,
        "details.video_line",
        width=probe["width"],
        height=probe["height"],
        seconds=f"{probe['duration']:.1f}",
        fps=f"{probe['fps']:.0f}",
        codec=probe["video_codec"],
        audio=audio,
    )


def shot_type_label(shot_type: str, lang: str | None = EN_LANG) -> str:
    """A shot type's name for people (the request keeps Kling's word)."""
    key = f"shot_type.{shot_type}"
    return say(lang, key) if key in SAY_EN else shot_type


def cost_line(job: JobRecord, lang: str | None = EN_LANG) -> str:
    if job.is_film:  # its shots carry their costs (and the spending rules count those)
        return say(lang, "cost.film")
    if job.provider == "preview":
        return say(lang, "cost.preview")
    if job.cost is not None and job.state == JobState.SUCCEEDED:
        return pricing.format_money(job.cost, job.currency)
    if job.cost_estimate is not None:
        money = pricing.format_money(job.cost_estimate, job.currency)
        return say(lang, "cost.estimate", money=money)
    return say(lang, "cost.unknown")


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S")


def cost_markdown(
    provider: str,
    duration: int | float | None,
    sound: bool,
    model: str | None = None,
    lang: str | None = EN_LANG,
) -> str:
    """The cost line: the chosen model's price on the chosen provider (the catalogue's)."""
    seconds = int(duration or 5)
    estimate = pricing.estimate(provider, seconds, bool(sound), model)
    if provider == "preview":
        return say(lang, "cost.free_line")
    surcharge = pricing.sound_surcharge(provider, model)
    note = say(lang, "cost.sound_adds" if sound else "cost.sound_would_add", surcharge=surcharge)
    # Named only for another model than the default: the line stays as it was.
    which = ""
    if model and model != models.DEFAULT_MODEL:
        which = say(lang, "cost.with_model", model=models.label(model))
    return say(
        lang,
        "cost.line",
        estimate=estimate_text(estimate, lang),
        seconds=seconds,
        provider=provider_label(provider, lang),
        which=which,
        note=note,
    )


def estimate_text(estimate: pricing.Estimate, lang: str | None = EN_LANG) -> str:
    """'about $0.56' (pricing.Estimate.text) in the visitor's language."""
    if estimate.amount == 0:
        return say(lang, "cost.free")
    return say(lang, "cost.about", money=pricing.format_money(estimate.amount, estimate.currency))


def spend_markdown(
    spent: dict[str, float], limit: float | None = None, lang: str | None = EN_LANG
) -> str:
    """The visitor's own spend today (from the ledger), and their own limit if they set one."""
    if not spent and limit is None:
        return ""
    money = " + ".join(pricing.format_money(a, c) for c, a in sorted(spent.items()))
    line = say(lang, "spend.line", money=money or say(lang, "spend.nothing"))
    if limit is not None:
        line += say(lang, "spend.limit", limit=f"{limit:.2f}")
    return line + "."


def prompt_counter(text: str | None, limit: int, lang: str | None = EN_LANG) -> str:
    count = len((text or "").strip())
    words = say(lang, "counter.line", count=f"{count:,}", limit=f"{limit:,}")
    return words + (say(lang, "counter.too_long") if count > limit else "")


def segment_total_markdown(
    duration: int | float | None, seconds: list[int], lang: str | None = EN_LANG
) -> str:
    """'7 of 10 s' while building; a clear warning when the sum does not match."""
    if not seconds:
        return say(lang, "segments.none")
    clip = int(duration or 0)
    total = sum(seconds)
    if total == clip:
        return say(lang, "segments.fill", total=total, clip=clip)
    if total < clip:
        return say(lang, "segments.left", total=total, clip=clip, left=clip - total)
    return say(lang, "segments.over", total=total, clip=clip, over=total - clip)


def clamp_seconds(value: float | int | None) -> int:
    try:
        seconds = round(float(value))
    except (TypeError, ValueError):
        seconds = DURATION_MIN
    return min(DURATION_MAX, max(DURATION_MIN, seconds))


def _length(request: dict, lang: str | None = EN_LANG) -> str:
    # An imported job's length is known once its video is saved.
    seconds = request.get("duration")
    return say(lang, "details.seconds", seconds=seconds) if seconds is not None else "…"


HISTORY_HEADERS = ("when", "status", "provider", "length", "prompt", "job")


def history_headers(lang: str | None = EN_LANG) -> list[str]:
    return [say(lang, f"history.{name}") for name in HISTORY_HEADERS]


def history_rows(jobs: list[JobRecord], lang: str | None = EN_LANG) -> list[list[str]]:
    return [
        [
            _when(job.created_at)[5:16],
            f"{STATE_ICONS[job.state]} {state_label(job.state, lang)}",
            job_label(job, lang, short=True),
            _length(job.request, lang),
            shorten(prompt_words(job, lang), 60),
            job.id,
        ]
        for job in jobs
    ]


def prompt_words(job: JobRecord, lang: str | None = EN_LANG) -> str:
    prompt = job.request.get("prompt") or ""
    # A film's prompt is our words ("Story of 3 shots: ..."); a clip's is the visitor's own.
    return say_text(lang, prompt) if job.is_film else prompt
