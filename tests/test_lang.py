"""The server's word catalogue: both languages complete, and the visitor's language read right."""

from __future__ import annotations

import string
from types import SimpleNamespace

import pytest

from kling_ui.ui.lang import EN_LANG, SAY_EN, SAY_ZH, ZH_LANG, language, say


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_is_in_both_languages_with_the_same_fields():
    assert set(SAY_EN) == set(SAY_ZH)
    for key, english in SAY_EN.items():
        assert _fields(english) == _fields(SAY_ZH[key]), key


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", ZH_LANG),
        ("en-US,en;q=0.9,zh-CN;q=0.8", EN_LANG),
        ("fr-FR,zh-TW;q=0.7,en;q=0.5", ZH_LANG),
        ("en;q=0.5,zh;q=0.9", ZH_LANG),
        ("de-DE", EN_LANG),
        ("", EN_LANG),
    ],
)
def test_language_follows_the_browsers_first_choice(header, expected):
    assert language(SimpleNamespace(headers={"accept-language": header})) == expected


def test_scripts_without_a_request_get_english():
    assert language(None) == EN_LANG
    assert say(None, "page.expired") == SAY_EN["page.expired"]


def test_say_uses_the_visitors_language_and_refuses_unknown_keys():
    assert say(ZH_LANG, "page.expired") == SAY_ZH["page.expired"]
    with pytest.raises(KeyError):
        say(EN_LANG, "no.such.key")
