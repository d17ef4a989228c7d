"""File names built from what people type: readable, ASCII, and never too long to save.

A prompt with one very long word once made a name over 255 bytes, so a paid video could
not be written and every retry failed the same way. Names here are capped in bytes, keep
only [a-z0-9-], and always end in the job id, which alone makes them unique.
"""

from __future__ import annotations

import re
import time

from .store import JobRecord

WORDS = 5
WORD_BYTES = 24  # one long word can't take the whole name
WORDS_BYTES = 80  # most file systems allow 255 bytes per name; stay far below


def slug(text: str | None, *, words: int = WORDS, budget: int = WORDS_BYTES) -> str:
    """The text's first few words as lowercase ASCII, at most `budget` bytes."""
    picked: list[str] = []
    used = 0
    for word in re.findall(r"[a-z0-9]+", (text or "").lower())[:words]:
        word = word[:WORD_BYTES]
        cost = len(word) + (1 if picked else 0)
        if used + cost > budget:
            break
        picked.append(word)
        used += cost
    return "-".join(picked)


def video_file_name(job: JobRecord) -> str:
    """A name that reads well in a downloads folder: who made it, date, the prompt's first
    words, job id."""
    stamp = time.strftime("%Y%m%d-%H%M", time.localtime(job.created_at))
    words = slug(job.request.get("prompt")) or "video"
    # A preview is an animatic made here, not Kling's output: its name must not pass for one.
    maker = "preview" if job.provider == "preview" else "kling"
    return f"{maker}-{stamp}-{words}-{slug(job.id, words=1, budget=32) or 'job'}.mp4"
