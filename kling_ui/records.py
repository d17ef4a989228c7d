"""A job as the studio keeps it: the record every part reads (the store writes it)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from .models import DEFAULT_MODEL
from .state import JobState


class JobKind(StrEnum):
    """What a stored row is: a clip a provider made, or a film cut here from a story's clips."""

    CLIP = "clip"
    FILM = "film"


@dataclass
class JobRecord:
    """One generation, as stored. Holds the validated request and never a key."""

    id: str
    owner: str
    provider: str  # the provider that made it (a film: the provider of its shots)
    request: dict[str, Any]
    state: JobState = JobState.SUBMITTING
    request_id: str | None = None
    queue_position: int | None = None
    progress: float | None = None
    cost_estimate: float | None = None
    cost: float | None = None
    currency: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    notice: str | None = None  # non-fatal news for the user (cancel refused, probe warnings)
    video_path: str | None = None
    probe: dict[str, Any] | None = None
    key_fingerprint: str | None = None
    # A keyed digest of the visitor's network address (never the address): rate limits
    # count by it, since a visitor can always start over with a fresh browser id.
    caller: str | None = None
    # When the provider is expected to finish (learned from this installation's own jobs):
    # the page's progress and "about 2 min left", and when polling concentrates.
    expected_at: float | None = None
    # Since when status checks keep failing (None: the provider answers): "having trouble".
    trouble_since: float | None = None
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    submitted_at: float | None = None
    finished_at: float | None = None
    kind: JobKind = JobKind.CLIP
    model: str = DEFAULT_MODEL  # the catalogue model it ran (models.py)
    # The provider's site (region) it runs at when not the server's: a visitor's RunningHub
    # key of the other site (providers' `sites`). Resume and cancel ask there.
    site: str | None = None

    def __post_init__(self) -> None:
        # Rows and callers may hand in the plain strings.
        self.state = JobState(self.state)
        self.kind = JobKind(self.kind)

    @property
    def is_film(self) -> bool:
        return self.kind is JobKind.FILM

    @property
    def is_active(self) -> bool:
        return self.state.is_active

    @property
    def is_held(self) -> bool:
        return self.state.is_held

    @property
    def is_final(self) -> bool:
        return self.state.is_final

    def public_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["state"] = str(self.state)
        data["kind"] = str(self.kind)
        data.pop("key_fingerprint")  # not a key, but nobody outside needs it
        return data
