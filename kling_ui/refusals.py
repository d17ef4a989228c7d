"""Which input a provider's content check refused, read from its own words.

Providers refuse for content in different shapes (docs/providers.md): fal names the field
(`body.image_url`), RunningHub gives a code (1505: a photorealistic real person, an image),
others only a sentence. The reading here is deliberately modest: an input is named only when
the provider's words point at exactly one; otherwise the refusal is "an input" and the
provider's own text stays in the job's details.
"""

from __future__ import annotations

import re
from enum import StrEnum

from . import models
from .errors import ErrorCode


class Refused(StrEnum):
    """The input a content check refused; IMAGE is "a frame" when it can't say which."""

    PROMPT = "prompt"
    IMAGE = "image"
    START_FRAME = "start_frame"
    END_FRAME = "end_frame"
    AUDIO = "audio"


# The stable code a refused job is stored with (the page renders its words from it).
REFUSAL_CODES: dict[Refused | None, ErrorCode] = {
    Refused.PROMPT: ErrorCode.REFUSED_PROMPT,
    Refused.START_FRAME: ErrorCode.REFUSED_START_FRAME,
    Refused.END_FRAME: ErrorCode.REFUSED_END_FRAME,
    Refused.IMAGE: ErrorCode.REFUSED_FRAMES,
    Refused.AUDIO: ErrorCode.REFUSED_AUDIO,
    None: ErrorCode.REFUSED_INPUT,
}
INPUT_REFUSALS = frozenset(REFUSAL_CODES.values())

# What marks a failure's words as a content refusal (a failure that says none of these is a
# generation failure, whatever its cause).
_CONTENT = re.compile(
    r"moderat|content|polic|flagged|sensitive|nsfw|safety|unsafe|inappropriate|violat|"
    r"risk|real[- ]person|审核|违规|敏感|风控|真人",
    re.IGNORECASE,
)


def _fields(kind: str) -> set[str]:
    """Every catalogue model's wire name for an input (image, firstImageUrl, end_image...)."""
    names: set[str] = set()
    for entry in models.CATALOGUE.values():
        for offer in entry.offers.values():
            name = getattr(offer.fields, kind)
            if name:
                names.add(name)
    return names


def _words(*tokens: str, fields: set[str] | frozenset[str] = frozenset()) -> re.Pattern[str]:
    """Whole words (ASCII) or substrings (CJK, which has no spaces). A wire field that is
    also a plain word (RunComfy's `image`) counts only as a field: quoted or before ":"."""
    plain = {f for f in fields if f.isalpha() and f.islower()}
    ascii_ = [re.escape(t) for t in (*tokens, *(fields - plain)) if t.isascii()]
    cjk = [re.escape(t) for t in tokens if not t.isascii()]
    parts = [rf"(?<![A-Za-z0-9_])(?:{'|'.join(ascii_)})(?![A-Za-z0-9_])"] if ascii_ else []
    parts += [rf"['\"]{re.escape(f)}['\"]|(?<![A-Za-z0-9_]){re.escape(f)}(?=\s*:)" for f in plain]
    parts += cjk
    return re.compile("|".join(parts), re.IGNORECASE)


_START_WORDS = ("image_url", "start_image_url", "start image", "start frame", "首帧")
# Checked in this order; an end-frame field never also counts as the start frame, because
# the words are whole (end_image_url is not image_url).
_NAMES: tuple[tuple[Refused, re.Pattern[str]], ...] = (
    (
        Refused.END_FRAME,
        _words("end_image_url", "end frame", "尾帧", fields=_fields("end_frame")),
    ),
    (
        Refused.START_FRAME,
        _words(*_START_WORDS, fields=_fields("start_frame")),
    ),
    (Refused.AUDIO, _words("audio", "sound", "voice", "音频", "声音")),
    (
        Refused.PROMPT,
        _words("prompt", "提示词", "文本", fields=_fields("prompt") | _fields("segments")),
    ),
    (Refused.IMAGE, _words("image", "picture", "photo", "person", "face", "图片", "图像", "人脸")),
)


def is_content_refusal(text: str) -> bool:
    """Whether a failure's words say a content check refused it."""
    return bool(_CONTENT.search(text))


def refused_input(text: str, *, default: Refused | None = None) -> Refused | None:
    """The one input `text` names, else `default` (a code's own meaning), else None."""
    named = [which for which, pattern in _NAMES if pattern.search(text)]
    if Refused.IMAGE in named and (Refused.START_FRAME in named or Refused.END_FRAME in named):
        named.remove(Refused.IMAGE)  # "image" said beside a field that names the frame
    return named[0] if len(named) == 1 else default


def refusal_code(which: Refused | None, *, has_end_frame: bool) -> ErrorCode:
    """The stored code: "an image" is the start frame when the job had no end frame."""
    if which is Refused.IMAGE and not has_end_frame:
        which = Refused.START_FRAME
    return REFUSAL_CODES[which]


INPUT_WORDS = {
    Refused.PROMPT: "the prompt",
    Refused.START_FRAME: "the start frame",
    Refused.END_FRAME: "the end frame",
    Refused.IMAGE: "a frame (start or end)",
    Refused.AUDIO: "the generated audio",
    None: "an input",
}
CODE_INPUTS = {code: which for which, code in REFUSAL_CODES.items()}
