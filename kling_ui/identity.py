"""What makes two requests "the same clip": one identity for the double-click guard and for
a story or batch reusing a clip it made before (never paying twice for either).

The provider, every setting, and the frames by their bytes (two uploads of one file arrive
under different paths; a URL stands for itself). A `scope` narrows it further: the guard
adds the owner and the key's fingerprint, a story folder needs none.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .models import DEFAULT_MODEL

FRAME_FIELDS = ("image", "end_image")
MAX_HASHED_BYTES = 64 * 1024 * 1024


def request_identity(
    provider: str, fields: Mapping[str, Any], *, scope: Sequence[str | None] = ()
) -> str:
    """A sha256 hex digest of [*scope, provider, settings, frame digests].

    Blocking (it reads the frames): call it in a worker thread. Story folders keep the first
    24 characters in results.jsonl, so this text must not change shape: a changed identity
    would make every clip made before look new, and be paid for again.
    """
    settings = {**fields, **dict.fromkeys(FRAME_FIELDS)}
    if settings.get("model", DEFAULT_MODEL) == DEFAULT_MODEL:
        # Requests carried no model before the catalogue: O3 Pro's identity stays as it was.
        settings.pop("model", None)
    frames = frame_digests([fields.get(name) for name in FRAME_FIELDS])
    text = json.dumps([*scope, provider, settings, frames], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def frame_digests(sources: list[Any]) -> list[str | None]:
    """Each frame's sha256 when it is a readable local file, else the source as given."""
    digests: list[str | None] = []
    for source in sources:
        source = str(source) if source else None
        if not source or source.startswith(("https://", "http://", "data:")):
            digests.append(source[:4096] if source else None)
            continue
        path = Path(source)
        try:
            # Regular, bounded files only: a device or a huge file must never be read here.
            if path.is_file() and path.stat().st_size <= MAX_HASHED_BYTES:
                digests.append(hashlib.sha256(path.read_bytes()).hexdigest())
                continue
        except OSError:
            pass  # unreadable: validation says why, later
        digests.append(source)
    return digests
