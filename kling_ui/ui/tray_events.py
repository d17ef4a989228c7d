"""The tray's events: the timer that redraws the cards and the shown job while jobs run, and
a card's actions (show, cancel, check again, retry, make it on Kling, continue). Each checks
the page's owner token; every rule is the service's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import gradio as gr

from ..errors import ConfigError, InputError, KlingUIError
from ..gate import TooBusy
from ..links import publish
from ..spending import SpendingRefused
from .form import own_limit, problem_words, problems_of, typed_key
from .lang import language, say, say_text
from .tray import tray_values

if TYPE_CHECKING:
    from ..records import JobRecord
    from ..service import Caller
    from .studio import Layout, Page

PRIVATE = {"api_visibility": "private"}


def shown_job(
    page: Page,
    layout: Layout,
    caller: Caller,
    job: JobRecord | None,
    lang: str,
    chosen: str | None = None,
) -> dict:
    """The panel showing `job` (only that one), its card marked in the tray."""
    values = layout.result.panel(caller, job, lang=lang)
    values[layout.result.job] = job.id if job else None
    selected = job.id if job else None
    values.update(
        tray_values(layout.tray, page.studio, caller, lang, selected=selected, chosen=chosen)
    )
    return values


def wire_tray(page: Page, layout: Layout) -> None:
    _wire_tick(page, layout)
    _wire_actions(page, layout)


def _wire_tick(page: Page, layout: Layout) -> None:
    studio, result, tray = page.studio, layout.result, layout.tray

    def tick(request: gr.Request, token: str | None, job_id, shown, drawn, chosen):
        """Every 2 s while a job runs: the cards, and the shown job while it changes."""
        try:
            caller = studio.page_caller(token)
        except TooBusy:  # over its budget: this tick leaves the page as it is
            return {}
        if caller is None:
            return {tray.timer: gr.Timer(active=False)}
        lang = language(request)
        values = tray_values(
            tray, studio, caller, lang, selected=job_id, chosen=chosen, drawn=drawn
        )
        job = studio.job(caller, job_id)
        if job is not None and (job.is_active or f"{job.id}:{job.state}" != shown):
            values.update(result.panel(caller, job, shown, lang))
            if job.is_active:
                values[tray.timer] = gr.Timer(active=True)
        return values

    def wake(token: str | None):
        """Jobs begun outside the Studio (a story's shots, the API) start the tray's timer."""
        try:
            caller = studio.page_caller(token)
        except TooBusy:
            return gr.skip()
        running = caller is not None and any(j.is_active for j in studio.jobs(caller, limit=10))
        return gr.Timer(active=True) if running else gr.skip()

    tray.wake.tick(wake, layout.owner, tray.timer, queue=False, show_progress="hidden", **PRIVATE)

    tray.timer.tick(
        tick,
        [layout.owner, result.job, result.shown, tray.drawn, layout.form.provider],
        [*tray.outputs, *result.outputs],
        queue=False,
        show_progress="hidden",
        **PRIVATE,
    )


Action = Callable[..., Awaitable[dict]]


def _wire_actions(page: Page, layout: Layout) -> None:
    form, result, tray = layout.form, layout.result, layout.tray
    acts = _actions(page, layout)

    # Special arguments come first: Gradio only injects positional ones.
    async def act(
        request: gr.Request, evt: gr.SelectData, token: str | None, chosen, limit, *typed
    ):
        caller = page.caller(token, request)
        what, _, job_id = str(evt.value or "").rpartition(":")
        job = page.studio.job(caller, job_id)
        name, _, rest = what.partition("-")
        if job is None or name not in acts:  # another owner's job reads as no job at all
            raise gr.Error(say(language(request), "tray.not_available"))
        keys = dict(zip(form.keys, typed, strict=True))
        extra = {"keys": keys, "limit": own_limit(limit), "rest": rest, "chosen": chosen}
        return await acts[name](caller, job, language(request), **extra)

    layout.tray.html.select(
        act,
        [layout.owner, form.provider, form.own_limit, *form.keys.values()],
        [
            result.job,
            *result.outputs,
            *tray.outputs,
            form.errors,
            form.start,
            form.end,
            result.continue_note,
        ],
        concurrency_limit=None,
        show_progress="hidden",
        **PRIVATE,
    )


def _actions(page: Page, layout: Layout) -> dict[str, Action]:
    studio, form, result = page.studio, layout.form, layout.result

    async def show(caller, job, lang, chosen, **_: Any) -> dict:
        return shown_job(page, layout, caller, job, lang, chosen)

    async def cancel(caller, job, lang, keys, **_: Any) -> dict:
        said = await studio.cancel(caller, job.id, typed_key(job.provider, keys))
        values = shown_job(page, layout, caller, studio.job(caller, job.id) or job, lang)
        values[result.status] = f"{values[result.status]}\n\n> {said}"
        return values

    async def check(caller, job, lang, keys, **_: Any) -> dict:
        await studio.check_again(caller, job.id, typed_key(job.provider, keys))
        values = shown_job(page, layout, caller, job, lang)
        return {**values, layout.tray.timer: gr.Timer(active=True)}

    async def again(caller, job, lang, keys, limit, rest, chosen, **_: Any) -> dict:
        """Retry (rest: "") or a rung up the ladder (rest: "provider-model")."""
        provider, _, model = rest.partition("-")
        try:
            if rest:
                key = typed_key(provider, keys)
                new = await studio.remake(caller, job.id, provider, model, key, limit)
            else:
                new = await studio.retry(caller, job.id, typed_key(job.provider, keys), limit)
        except (InputError, ConfigError, SpendingRefused) as exc:
            return {form.errors: problem_words(problems_of(exc), lang)}
        except KlingUIError as exc:
            raise gr.Error(say_text(lang, exc.user_message)) from exc
        values = shown_job(page, layout, caller, new, lang, chosen)
        return {**values, form.errors: "", layout.tray.timer: gr.Timer(active=True)}

    async def continue_(caller, job, lang, **_: Any) -> dict:
        try:
            frame = await studio.continue_frame(caller, job.id)
        except KlingUIError as exc:
            raise gr.Error(say_text(lang, exc.user_message)) from exc
        note = say(lang, "continue.note")
        values = shown_job(page, layout, caller, job, lang)
        return {**values, form.start: publish(frame), form.end: None, result.continue_note: note}

    return {
        "show": show,
        "cancel": cancel,
        "check": check,
        "retry": again,
        "remake": again,
        "continue": continue_,
    }
