"""The job tray: a card per job of this owner (clips, story shots, films), newest first.

Drawn on the server as HTML from the service's records (every visitor-given word escaped:
prompts are anyone's text on a public Space) and redrawn by a timer only while something
runs. A click on a card or one of its buttons comes back as the tray's `select` event
("action:job id"); the page handler checks the owner token like every page event.
"""

from __future__ import annotations

import hashlib
import html
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

import gradio as gr

from .. import models, pricing
from ..links import publish
from ..records import JobRecord
from ..state import JobState
from .lang import say, say_text
from .present import (
    STATE_ICONS,
    cost_line,
    estimate_text,
    job_label,
    money_words,
    prompt_words,
    provider_label,
    state_label,
    time_left_text,
)

if TYPE_CHECKING:
    from ..service import Caller, Studio

TRAY_SIZE = 30  # cards drawn; History lists them all

# Runs once in the browser when the tray is mounted: one listener for every card, so a
# card's buttons need no inline script (the page's CSP) and survive each redraw.
TRAY_JS = """
element.addEventListener('click', (event) => {
  if (event.target.closest('a')) { return; }
  const button = event.target.closest('[data-act]');
  const card = event.target.closest('[data-job]');
  if (!card) { return; }
  const act = button ? button.dataset.act : 'show';
  // A new job's card comes in on top: show it there, wherever the list was scrolled to.
  if (act === 'retry' || act.startsWith('remake')) { element.dataset.toTop = '1'; }
  trigger('select', {index: 0, value: act + ':' + card.dataset.job, selected: true});
});
new MutationObserver(() => {
  const list = element.querySelector('.tray-list');
  if (element.dataset.toTop && list) {
    delete element.dataset.toTop;
    list.scrollTop = 0;
  }
}).observe(element, {childList: true, subtree: true});
"""


@dataclass
class Tray:
    """The tray's parts on the page: the cards, what they last showed, the refresh timer."""

    html: gr.HTML
    drawn: gr.State  # a digest of the cards last sent (nothing is resent unchanged)
    timer: gr.Timer  # ticks only while one of the owner's jobs runs
    wake: gr.Timer  # now and then: starts `timer` for jobs begun elsewhere (Story, API)

    @property
    def outputs(self) -> list:
        return [self.html, self.drawn, self.timer]


def build_tray() -> Tray:
    cards = gr.HTML("", js_on_load=TRAY_JS, elem_id="tray", elem_classes=["cards"], min_height=40)
    return Tray(cards, gr.State(None), gr.Timer(2.0, active=False), gr.Timer(10.0))


def tray_values(
    tray: Tray,
    studio: Studio,
    caller: Caller | None,
    lang: str,
    *,
    selected: str | None = None,
    chosen: str | None = None,
    drawn: str | None = None,
) -> dict:
    """The cards (skipped when unchanged since `drawn`) and the timer, on while a job runs."""
    cards, running = render(studio, caller, lang, selected, chosen)
    digest = hashlib.sha256(cards.encode()).hexdigest()[:16]
    return {
        tray.html: gr.skip() if digest == drawn else cards,
        tray.drawn: digest,
        tray.timer: gr.Timer(active=running > 0),
    }


def file_url(path: str | None) -> str | None:
    """A link the page can fetch for a published file (see links.publish)."""
    published = publish(path)
    return f"gradio_api/file={quote(published)}" if published else None


def render(
    studio: Studio,
    caller: Caller | None,
    lang: str,
    selected: str | None = None,
    chosen: str | None = None,
) -> tuple[str, int]:
    """The tray's HTML (a heading, then a card per job, newest first) and how many run."""
    jobs = studio.jobs(caller, limit=TRAY_SIZE) if caller else []
    if not jobs:
        return f'<p class="tray-empty">{html.escape(say(lang, "tray.empty"))}</p>', 0
    running = sum(job.is_active for job in jobs)
    heading = say(lang, "tray.heading", running=running) if running else None
    heading = heading or say(lang, "tray.heading_idle")
    cards = cards_html(studio, jobs, lang, selected, chosen)
    head = f'<h2 class="tray-head" data-running="{running}">{html.escape(heading)}</h2>'
    return head + cards, running


def cards_html(
    studio: Studio,
    jobs: list[JobRecord],
    lang: str,
    selected: str | None,
    chosen: str | None = None,
    *,
    compact: bool = False,
) -> str:
    """A list of cards (History's grid: `compact`, whose actions are in its panel)."""
    cards = "".join(
        card(studio, job, lang, job.id == selected, chosen, compact, others=jobs) for job in jobs
    )
    return f'<ul class="tray-list">{cards}</ul>'


def card(
    studio: Studio,
    job: JobRecord,
    lang: str,
    selected: bool,
    chosen: str | None,
    compact: bool = False,
    others: Sequence[JobRecord] = (),
) -> str:
    """One job's card: picture, prompt, who makes it, status, money, what can be done
    (`compact`: only its download, the rest is in History's panel). `others`: the jobs
    drawn beside it, so a paid step already taken isn't offered twice."""
    e = html.escape
    prompt = prompt_words(job, lang).strip()
    short = prompt[:80] + ("…" if len(prompt) > 80 else "") or say(lang, "tray.no_prompt")
    picture = file_url(str(thumb)) if (thumb := studio.thumbnail(job)) else None
    image = f'<img src="{e(picture)}" alt="" loading="lazy">' if picture else ""
    classes = f"tray-card state-{job.state}" + (" selected" if selected else "")
    label = say(lang, "tray.film") if job.is_film else job_label(job, lang)
    lines = [
        f'<p class="tray-prompt">{e(short)}</p>',
        f'<p class="tray-meta">{e(label)}</p>',
        f'<p class="tray-status">{e(status_words(job, lang=lang))}</p>',
        f'<p class="tray-money">{e(money(job, lang))}</p>',
    ]
    if job.error_message and not job.is_active:
        error = say_text(lang, job.error_message)[:200]
        lines.append(f'<p class="tray-error">{e(error)}</p>')
    if compact:
        video = file_url(job.video_path) if job.state == JobState.SUCCEEDED else None
        if video:
            download = link(video, say(lang, "tray.download"), download=True)
            lines.append(f'<div class="tray-actions">{download}</div>')
    else:
        lines.append(actions(studio, job, lang, chosen, others))
    current = ' aria-current="true"' if selected else ""
    return (
        f'<li class="{classes}" data-job="{e(job.id)}" data-active="{int(job.is_active)}"'
        f"{current}>"
        f'<button class="tray-pick" data-act="show" aria-label="{e(say(lang, "tray.show"))}: '
        f'{e(short)}">{image}</button><div class="tray-body">{"".join(lines)}</div></li>'
    )


def status_words(job: JobRecord, now: float | None = None, lang: str | None = None) -> str:
    """Where the job is, with its time left or progress (the card's one status line)."""
    now = time.time() if now is None else now
    words = f"{STATE_ICONS[job.state]} {state_label(job.state, lang)}"
    if job.state == JobState.QUEUED and job.queue_position is not None:
        words += f" · #{job.queue_position + 1}"
    if job.state == JobState.RUNNING and job.progress is not None:
        words += f" · {job.progress:.0%}"
    elif job.is_active and job.expected_at:
        words += f" · {time_left_text(job.expected_at - now, lang)}"
    return words


def money(job: JobRecord, lang: str) -> str:
    """What it costs, or whether it was charged once it ended."""
    if job.is_film:
        return cost_line(job, lang)
    if job.provider == "preview":
        return say(lang, "tray.free")
    if job.is_active or job.state == JobState.SUCCEEDED:
        return say(lang, "tray.estimate", cost=cost_line(job, lang))
    return money_words(job, lang).replace("**", "")


def price_of(job: JobRecord, provider: str, model: str, lang: str | None = None) -> str:
    req = job.request
    estimate = pricing.estimate(
        provider, int(req.get("duration") or 5), bool(req.get("sound")), model
    )
    return estimate_text(estimate, lang)


def button(act: str, words: str, kind: str = "") -> str:
    extra = f" tray-{kind}" if kind else ""
    return f'<button class="tray-btn{extra}" data-act="{act}">{html.escape(words)}</button>'


def note(words: str) -> str:
    return f'<span class="tray-note">{html.escape(words)}</span>'


def link(url: str, words: str, download: bool = False) -> str:
    how = " download" if download else ' target="_blank" rel="noopener noreferrer"'
    return f'<a class="tray-link" href="{html.escape(url)}"{how}>{html.escape(words)}</a>'


def actions(
    studio: Studio, job: JobRecord, lang: str, chosen: str | None, others: Sequence[JobRecord]
) -> str:
    """The buttons that make sense for this job now, and a true word where Cancel can't."""
    parts: list[str] = []
    paid = job.provider != "preview" and not job.is_film
    if job.is_active and studio.can_cancel(job):
        parts.append(button("cancel", say(lang, "tray.cancel"), "stop"))
        if paid:
            parts.append(note(say(lang, "tray.cancel_free")))
    elif job.is_active and paid:
        parts.append(note(say(lang, "tray.cancel_cannot", provider=job_label(job, lang))))
    if job.is_held or (job.is_active and job.trouble_since is not None):
        parts.append(button("check", say(lang, "tray.check")))
    if job.state in (JobState.FAILED, JobState.CANCELED, JobState.UNKNOWN) and not job.is_film:
        if studio.made_again(job, others, job.provider, job.model):
            parts.append(note(say(lang, "tray.made_again")))
        else:
            cost = price_of(job, job.provider, job.model, lang)
            words = say(lang, "tray.retry", cost=cost) if paid else say(lang, "tray.retry_free")
            parts.append(button("retry", words, "primary"))
    if job.state == JobState.SUCCEEDED:
        parts.extend(finished_actions(studio, job, lang, chosen, others))
    usage = studio.usage_url(job) if not job.is_active else ""
    if usage and job.state != JobState.SUCCEEDED:
        words = say(lang, "tray.usage", provider=job_label(job, lang).split(",")[0])
        parts.append(link(usage, words))
    return f'<div class="tray-actions">{"".join(parts)}</div>' if parts else ""


def finished_actions(
    studio: Studio, job: JobRecord, lang: str, chosen: str | None, others: Sequence[JobRecord]
) -> list:
    parts = []
    video = file_url(job.video_path)
    if video:
        parts.append(link(video, say(lang, "tray.download"), download=True))
    if not job.is_film:
        parts.append(button("continue", say(lang, "tray.continue")))
    step = studio.next_step(job, chosen)
    if step is not None and studio.made_again(job, others, *step):
        parts.append(note(say(lang, "tray.made_again")))
    elif step is not None:
        provider, model = step
        cost = price_of(job, provider, model, lang)
        name = models.label(model).removeprefix("Kling ")  # the button says Kling already
        if job.provider == "preview":
            label = provider_label(provider, lang)
            words = say(lang, "tray.ladder", model=name, provider=label, cost=cost)
        else:
            words = say(lang, "tray.ladder_final", model=name, cost=cost)
        parts.append(button(f"remake-{provider}-{model}", words, "primary"))
    return parts
