"""Words built on the server (status, costs, errors, notes) in the visitor's language.

The page's fixed labels are translated in the browser (gr.I18n, words.py). Words a handler
builds while a job runs are made here: the handler reads the language from the request
(`language(request)`, the browser's Accept-Language, which is what gr.I18n's navigator.language
follows too) and passes it down as `lang`. Scripts (gradio_client, MCP, CLI) send no
Accept-Language and get English.
"""

from __future__ import annotations

import re
import string
from functools import cache
from typing import Any

from .. import said as said_core
from ..said import Said
from . import (
    said_failures,
    said_form,
    said_import,
    said_jobs,
    said_page,
    said_present,
    said_segments,
    said_story,
    said_tray,
    said_workspace,
)

EN_LANG = "en"
ZH_LANG = "zh-CN"
LANGS = (EN_LANG, ZH_LANG)

# key -> words, with {name} fields filled by say(). Each part of the page keeps its words in
# a module of its own (`said_<part>.py`, with EN and ZH dicts) so parts grow apart; every key
# is in both languages (tests/test_lang.py holds them to that).
_PARTS = (
    said_core,
    said_page,
    said_present,
    said_story,
    said_tray,
    said_jobs,
    said_segments,
    said_failures,
    said_form,
    said_import,
    said_workspace,
)
SAY_EN: dict[str, str] = {}
SAY_ZH: dict[str, str] = {}
for _part in _PARTS:
    for _catalogue, _words in ((SAY_EN, _part.EN), (SAY_ZH, _part.ZH)):
        clash = set(_catalogue) & set(_words)
        if clash:
            raise RuntimeError(f"words defined twice: {sorted(clash)}")
        _catalogue.update(_words)
_CATALOGUES = {EN_LANG: SAY_EN, ZH_LANG: SAY_ZH}
said_core.register(SAY_EN)  # the page's parts make Said words too (segments.py)


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
    the English catalogue is a bug and raises KeyError. Fields that are `Said` (a label,
    a problem inside a sentence) are said in `lang` too."""
    english = SAY_EN[key]
    words = _CATALOGUES.get(lang or EN_LANG, SAY_EN).get(key, english)
    if not fields:
        return words
    return words.format(**{name: say_text(lang, value) for name, value in fields.items()})


def say_text(lang: str | None, text: Any) -> Any:
    """Words made elsewhere, in `lang`: a `Said` by its key; a plain English text (an error
    kept in the store) read back into the catalogue template it was made from; anything
    else (a number, a name, a text no template matches) as it is."""
    if isinstance(text, Said):
        return say(lang, text.key, **text.fields)
    if not isinstance(text, str) or (lang or EN_LANG) == EN_LANG or not text:
        return text
    found = _read_back(text)
    if found:
        return say(lang, found[0], **found[1])
    mark, _, rest = text.partition(" ")
    if mark in _MARKS and rest:  # "✓ RunComfy: ready." as the key check says it
        return f"{mark} {say_text(lang, rest)}"
    return text


_MARKS = frozenset({"✓", "⚠", "✗", "ℹ", ">", "-"})


def say_lines(lang: str | None, text: str) -> str:
    """A text of paragraphs made elsewhere (a frame report), each said in `lang`."""
    return "\n\n".join(say_text(lang, line) for line in (text or "").split("\n\n"))


def _read_back(text: str) -> tuple[str, dict[str, str]] | None:
    exact = _exact().get(text)
    if exact:
        return exact, {}
    for key, pattern in _patterns():
        match = pattern.fullmatch(text)
        if match:
            return key, match.groupdict()
    return None


@cache
def _exact() -> dict[str, str]:
    return {words: key for key, words in SAY_EN.items() if "{" not in words}


# Fields that hold a number: read back only from digits, so "5 min" is a wait and not a text.
_NUMBERS = frozenset(
    {
        "n",
        "count",
        "limit",
        "low",
        "high",
        "total",
        "clip",
        "minutes",
        "hours",
        "seconds",
        "position",
        "percent",
        "made",
        "number",
        "left",
        "over",
    }
)


@cache
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    """A pattern per template with fields, the most literal first (the least ambiguous). A
    template of almost only fields ("{row} {text}") would match any text: never read back."""
    found = []
    for key, words in SAY_EN.items():
        parts = list(string.Formatter().parse(words))
        names = [name for _, name, _, _ in parts if name]
        letters = sum(c.isalpha() for literal, *_ in parts for c in literal)
        if not names or (letters < 3 and not set(names) <= _NUMBERS):
            continue
        seen: set[str] = set()
        regex = ""
        for literal, name, _, _ in parts:
            regex += re.escape(literal)
            if name:  # a field said twice is the same words both times
                regex += f"(?P={name})" if name in seen else _field(name)
                seen.add(name)
        found.append((letters, key, re.compile(regex, re.S)))
    return [(key, pattern) for _, key, pattern in sorted(found, key=lambda f: -f[0])]


def _field(name: str) -> str:
    # Other fields may be empty: an answer's {detail} is "" when the provider gave none.
    return f"(?P<{name}>[0-9][0-9.,]*)" if name in _NUMBERS else f"(?P<{name}>.*?)"
