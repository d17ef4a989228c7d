"""Words and numbers the studio shows: status, details, cost, segment totals (pure functions)."""

from __future__ import annotations

import time
from datetime import datetime

from .. import models, pricing
from ..cancelling import can_cancel
from ..errors import NOTHING_SENT_CODES
from ..providers.registry import PROVIDERS
from ..records import JobRecord
from ..request import DURATION_MAX, DURATION_MIN
from ..state import JobState
from .lang import EN_LANG, say

STATE_LABELS = {
    JobState.SUBMITTING: "Sending",
    JobState.QUEUED: "Queued",
    JobState.RUNNING: "Generating",
    JobState.SAVING: "Saving the video",
    JobState.SUCCEEDED: "Done",
    JobState.NOT_SAVED: "Finished, not saved yet",
    JobState.WAITING_FOR_KEY: "Waiting for your key",
    JobState.FAILED: "Failed",
    JobState.CANCELED: "Canceled",
    JobState.UNKNOWN: "Outcome unknown",
}
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


def provider_label(name: str) -> str:
    cls = PROVIDERS.get(name)
    return cls.label if cls else name


def job_label(job: JobRecord) -> str:
    """Who made it, for the card and History: a provider (and the model, when it isn't the
    default), or a film cut here from a story."""
    if job.is_film:
        return "Story film"
    label = provider_label(job.provider)
    return label if job.model == models.DEFAULT_MODEL else f"{label}, {models.label(job.model)}"


def elapsed_text(seconds: float) -> str:
    seconds = max(0, int(seconds))
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"


def status_markdown(job: JobRecord, now: float | None = None) -> str:
    """The job card's words: where it is, how long it should take, and what it cost or will
    cost, in plain words (ids live in the Details fold)."""
    now = time.time() if now is None else now
    label = job_label(job)
    elapsed = elapsed_text((job.finished_at or now) - job.created_at)
    head = f"{STATE_ICONS[job.state]} **{STATE_LABELS[job.state]}**"
    if job.state == JobState.QUEUED and job.queue_position is not None:
        head += f" · position {job.queue_position + 1} in line"
    if job.state == JobState.RUNNING and job.progress is not None:
        head += f" · {job.progress:.0%}"
    elif job.is_active and job.expected_at:
        head += f" · {time_left_text(job.expected_at - now)}"
    lines = [f"{head} · {label} · {elapsed} · job `{job.id}`"]
    if job.trouble_since is not None and job.is_active:
        lines.append(
            f"> Having trouble reaching {provider_label(job.provider)} — your job is still "
            "running there; we keep checking. **Check again** asks at once."
        )
    if job.error_message and not job.is_active:
        lines.append(f"> {job.error_message}")
    money = money_words(job) or cancel_hint(job)
    if money:
        lines.append(money)
    if job.notice:
        lines.append(f"> Note: {job.notice}")
    return "\n\n".join(lines)


def time_left_text(seconds: float) -> str:
    if seconds <= 15:
        return "should be ready any moment"
    minutes = round(seconds / 60)
    return f"about {minutes} min left" if minutes >= 1 else "under a minute left"


def which_provider_markdown() -> str:
    """A line per paid provider: its price per second, currency and where to get a key."""
    lines = ["**Which provider?** The same Kling O3 Pro model; pick by price and account."]
    for cls in PROVIDERS.values():
        if not cls.needs_key:
            continue
        silent, sound, currency = pricing.price(cls.name)  # the default model's
        price = f"{_per_second(silent, currency)}/s ({_per_second(sound, currency)}/s with sound)"
        key = f" · [get a key]({cls.key_url})" if cls.key_url else ""
        lines.append(f"- **{cls.label}**: about {price}, billed in {currency}{key}")
    lines.append("- **Offline preview**: free, here, no key: an animatic of your timing.")
    return "\n".join(lines)


def _per_second(amount: float, currency: str) -> str:
    text = pricing.format_money(amount, currency)
    # A price per second may need a third decimal ($0.112): never round it away.
    return text if round(amount, 2) == amount else text.replace(f"{amount:.2f}", f"{amount:.3f}")


def cancel_hint(job: JobRecord) -> str:
    """What Cancel would mean for money, said before the click (paid jobs under way)."""
    if job.provider == "preview" or not job.is_active:
        return ""
    if not can_cancel(job):  # RunningHub has no cancel; RunComfy can't stop a started job
        return say(EN_LANG, "tray.cancel_cannot", provider=provider_label(job.provider))
    if job.state == JobState.QUEUED:
        return "Still in line: cancel now and you won't be charged."
    if job.state == JobState.RUNNING:
        return (
            f"{provider_label(job.provider)} is making it: canceling now stops it, but may "
            "still be charged."
        )
    return ""


def money_words(job: JobRecord) -> str:
    """Whether this job was (or may be) charged, said once it ends or pauses."""
    if job.provider == "preview" or job.is_active:
        return ""
    label = provider_label(job.provider)
    if job.state == JobState.SUCCEEDED:
        return f"Cost: {cost_line(job)}."
    if job.state == JobState.NOT_SAVED:
        return f"Paid on {label}, not saved here yet: **Check again** retries the download."
    if job.state == JobState.WAITING_FOR_KEY:
        return "Enter the key you started it with and press **Check key** to pick it up."
    if job.state == JobState.UNKNOWN:  # the answer to the paid request was lost
        return f"It may have been charged: check your {label} dashboard before trying again."
    unsent = job.request_id is None and job.submitted_at is None
    if unsent or job.error_code in NOTHING_SENT_CODES:
        return "Nothing was sent: you were not charged."
    if job.state == JobState.CANCELED and job.queue_position is not None:
        return "Canceled while queued: not charged."
    return f"Whether {label} charges for this depends on its own rules: see your usage page."


def details_markdown(job: JobRecord) -> str:
    req = job.request
    rows = [
        ("Provider", provider_label(job.provider) if not job.is_film else job_label(job)),
        *([] if job.is_film else [("Model", models.label(job.model))]),
        ("Duration", f"{req.get('duration')} s"),
        ("Sound", "on" if req.get("sound") else "off"),
        ("Shot type", req.get("shot_type", "customize")),
    ]
    segments = req.get("multi_prompt") or []
    if segments:
        rows.append(
            ("Segments", " · ".join(f"{s['duration']} s: {s['prompt'][:40]}" for s in segments))
        )
    if req.get("end_image"):
        rows.append(("End frame", "yes"))
    rows.append(("Cost", cost_line(job)))
    if job.request_id:
        rows.append(("Request id", f"`{job.request_id}`"))
    rows.append(("Job id", f"`{job.id}`"))
    if job.probe:
        p = job.probe
        audio = f", {p['audio_codec']} audio" if p.get("has_audio") else ", no audio"
        rows.append(
            (
                "Video",
                f"{p['width']}×{p['height']}, {p['duration']:.1f} s, "
                f"{p['fps']:.0f} fps, {p['video_codec']}{audio}",
            )
        )
    rows.append(("Created", _when(job.created_at)))
    if job.finished_at:
        rows.append(("Finished", _when(job.finished_at)))
    return "\n".join(f"- **{k}:** {v}" for k, v in rows)


def cost_line(job: JobRecord) -> str:
    if job.is_film:  # its shots carry their costs (and the spending rules count those)
        return "counted on its shots"
    if job.provider == "preview":
        return "free (offline preview)"
    if job.cost is not None and job.state == JobState.SUCCEEDED:
        return pricing.format_money(job.cost, job.currency)
    if job.cost_estimate is not None:
        return f"about {pricing.format_money(job.cost_estimate, job.currency)} (estimate)"
    return "unknown"


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S")


def cost_markdown(
    provider: str, duration: int | float | None, sound: bool, model: str | None = None
) -> str:
    """The cost line: the chosen model's price on the chosen provider (the catalogue's)."""
    seconds = int(duration or 5)
    estimate = pricing.estimate(provider, seconds, bool(sound), model)
    if provider == "preview":
        return "**Cost: free.** The offline preview renders an animatic here, not Kling."
    surcharge = pricing.sound_surcharge(provider, model)
    note = f"Sound adds {surcharge} to the cost." if sound else f"Sound would add {surcharge}."
    # Named only for another model than the default: the line stays as it was.
    which = f" with {models.label(model)}" if model and model != models.DEFAULT_MODEL else ""
    return (
        f"**Estimated cost: {estimate.text()}** for {seconds} s on "
        f"{provider_label(provider)}{which}. {note} The provider's own price is final."
    )


def spend_markdown(spent: dict[str, float], limit: float | None = None) -> str:
    """The visitor's own spend today (from the ledger), and their own limit if they set one."""
    if not spent and limit is None:
        return ""
    money = " + ".join(pricing.format_money(a, c) for c, a in sorted(spent.items()))
    line = f"Spent today: {money or 'nothing'}"
    if limit is not None:
        line += f" · your limit ${limit:.2f}"
    return line + "."


def prompt_counter(text: str | None, limit: int) -> str:
    count = len((text or "").strip())
    return f"{count:,} / {limit:,} characters" + (" — too long" if count > limit else "")


def segment_total_markdown(duration: int | float | None, seconds: list[int]) -> str:
    """'7 of 10 s' while building; a clear warning when the sum does not match."""
    if not seconds:
        return "No segments: the whole clip follows the prompt above."
    clip = int(duration or 0)
    total = sum(seconds)
    if total == clip:
        return f"✓ **{total} of {clip} s** — the segments fill the clip."
    if total < clip:
        return f"⚠ **{total} of {clip} s** — {clip - total} s left to fill."
    return f"⚠ **{total} of {clip} s** — {total - clip} s too long."


def clamp_seconds(value: float | int | None) -> int:
    try:
        seconds = round(float(value))
    except (TypeError, ValueError):
        seconds = DURATION_MIN
    return min(DURATION_MAX, max(DURATION_MIN, seconds))


def history_rows(jobs: list[JobRecord]) -> list[list[str]]:
    return [
        [
            _when(job.created_at)[5:16],
            f"{STATE_ICONS[job.state]} {STATE_LABELS[job.state]}",
            job_label(job).replace(" (free)", ""),
            f"{job.request.get('duration')} s",
            (job.request.get("prompt") or "")[:60],
            job.id,
        ]
        for job in jobs
    ]
