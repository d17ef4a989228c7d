"""Words built on the server (status, costs, errors, notes) in the visitor's language.

The page's fixed labels are translated in the browser (gr.I18n, words.py). Words a handler
builds while a job runs are made here: the handler reads the language from the request
(`language(request)`, the browser's Accept-Language, which is what gr.I18n's navigator.language
follows too) and passes it down as `lang`. Scripts (gradio_client, MCP, CLI) send no
Accept-Language and get English.
"""

from __future__ import annotations

from typing import Any

from . import said_page, said_tray

EN_LANG = "en"
ZH_LANG = "zh-CN"
LANGS = (EN_LANG, ZH_LANG)

# key -> words, with {name} fields filled by say(). Each part of the page keeps its words in
# a module of its own (`said_<part>.py`, with EN and ZH dicts) so parts grow apart; every key
# is in both languages (tests/test_lang.py holds them to that).
_PARTS = (said_page, said_tray)
SAY_EN: dict[str, str] = {}
SAY_ZH: dict[str, str] = {}
for _part in _PARTS:
    for _catalogue, _words in ((SAY_EN, _part.EN), (SAY_ZH, _part.ZH)):
        clash = set(_catalogue) & set(_words)
        if clash:
            raise RuntimeError(f"words defined twice: {sorted(clash)}")
        _catalogue.update(_words)
_CATALOGUES = {EN_LANG: SAY_EN, ZH_LANG: SAY_ZH}


def language(request: Any) -> str:
    """The visitor's language from a gr.Request (or None): zh-CN when the browser prefers
    any Chinese over English, else English."""
    headers = getattr(request, "headers", None)
    header = (headers.get("accept-language") if headers is not None else None) or ""
    return ZH_LANG if _prefers_chinese(header) else EN_LANG


def _prefers_chinese(header: str) -> bool:
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, index, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith("zh"):
            return True
        if tag.startswith("en"):
            return False
    return False


def say(lang: str | None, key: str, **fields: Any) -> str:
    """The words for `key` in `lang` (English for an unknown language). A key missing from
    the English catalogue is a bug and raises KeyError."""
    english = SAY_EN[key]
    words = _CATALOGUES.get(lang or EN_LANG, SAY_EN).get(key, english)
    return words.format(**fields) if fields else words
