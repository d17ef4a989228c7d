"""History's "Add a job by its id": a visitor's job started elsewhere (or left unknown here)
followed by its request id with their own key, and its video saved; nothing is submitted.

Built inside the History tab by `build_import`, wired by `wire_import` (one call each), so
History's own layout stays its own. The rules (own key only, counted per address, the
id's shape, one record per id) are the service's (Studio.import_job).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import gradio as gr

from ..errors import InputError, KlingUIError
from ..providers.registry import PROVIDERS, paid_providers
from ..service import NotOnProvider
from .form import chosen_site, typed_key
from .history import history_values
from .lang import language, say
from .words import t

if TYPE_CHECKING:
    from .studio import Layout, Page

PRIVATE = {"api_visibility": "private"}


@dataclass
class ImportJob:
    provider: gr.Dropdown
    request_id: gr.Textbox
    add: gr.Button
    note: gr.Markdown


def build_import() -> ImportJob:
    """A closed accordion: the provider, the request id, Add."""
    with gr.Accordion(t("import"), open=False, elem_id="import-job"):
        gr.Markdown(t("import.hint"), elem_classes=["hint"])
        with gr.Row():
            provider = gr.Dropdown(
                [(PROVIDERS[name].label, name) for name in paid_providers()],
                value=paid_providers()[0],
                label=t("import.provider"),
                elem_id="import-provider",
            )
            request_id = gr.Textbox(
                label=t("import.request_id"), max_lines=1, elem_id="import-request-id"
            )
        add = gr.Button(t("import.add"), size="sm", elem_id="import-add")
        note = gr.Markdown("", elem_id="import-note")
    return ImportJob(provider, request_id, add, note)


def wire_import(page: Page, layout: Layout, importer: ImportJob) -> None:
    """Add: the service imports with the key (and site) typed in the Studio tab; History
    is drawn again with the job in it."""
    form, history = layout.form, layout.history

    async def add(request: gr.Request, token: str | None, provider: str, request_id: str, *typed):
        lang = language(request)
        caller = page.caller(token, request)  # with its address: imports are counted by it
        keys, sites = typed[: len(form.keys)], typed[len(form.keys) :]
        key = typed_key(provider, dict(zip(form.keys, keys, strict=True)))
        site = chosen_site(provider, dict(zip(form.regions, sites, strict=True)))
        said = await _import(page, caller, lang, provider, request_id, key, site)
        return {importer.note: said, **history_values(history, page.studio, caller, lang=lang)}

    importer.add.click(
        add,
        [
            layout.owner,
            importer.provider,
            importer.request_id,
            *form.keys.values(),
            *form.regions.values(),
        ],
        [importer.note, history.table, history.cards, history.drawn],
        concurrency_limit=None,
        **PRIVATE,
    )


async def _import(page, caller, lang, provider, request_id, key, site) -> str:
    """The service's answer in the visitor's words."""
    cls = PROVIDERS.get(provider)
    label = cls.label if cls is not None else provider
    if key is None:  # said here too, so an empty field sends nothing and counts nothing
        return say(lang, "import.type_key", provider=label)
    shown = (request_id or "").strip()[:40]
    try:
        imported = await page.studio.import_job(caller, provider, request_id, key, site)
    except NotOnProvider:
        return say(lang, "import.not_found", provider=label, request_id=shown)
    except InputError as exc:
        if "request_id" in exc.problems:
            return say(lang, "import.bad_id", provider=label, request_id=shown)
        if "api_key" in exc.problems:  # the key was typed: over the count of checks
            return say(lang, "import.too_many")
        return " ".join(exc.problems.values())
    except KlingUIError as exc:  # the provider's refusal (a wrong key, out of reach)
        return exc.user_message
    return say(lang, f"import.{imported.how}", job=imported.job.id)


def other_site_words(lang: str, provider: str, said: str, asked: str | None) -> str | None:
    """Check key's words when the key belongs to another of the provider's sites: which
    one to choose beside the key, in the visitor's language (None otherwise)."""
    site = getattr(said, "site", None)
    if site is None:
        return None
    return say(
        lang,
        "key.other_site",
        provider=PROVIDERS[provider].label,
        asked=say(lang, f"site.{asked or 'global'}"),
        site=say(lang, f"site.{site}"),
    )
