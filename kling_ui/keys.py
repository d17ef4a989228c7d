"""Which API key pays for a provider call: the one offered with the request, else the server's.

Every door (the page, the API, the CLI, resume, the key check) asks here, so "a visitor's own
key wins over the server's" is written once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from .providers.registry import paid_providers

if TYPE_CHECKING:
    from .config import Settings

KeySource = Literal["offered", "server"]


@dataclass(frozen=True)
class PayingKey:
    """A key and where it came from. Its repr never shows the key."""

    value: str = field(repr=False)
    source: KeySource

    @property
    def offered(self) -> bool:
        """Brought with the request (a visitor's own), not the server's."""
        return self.source == "offered"


def key_choices(provider: str, offered: str | None, settings: Settings | None) -> list[PayingKey]:
    """The keys that could pay for `provider`, in the order they are tried: the one offered
    now (blank counts as none), then the server's (none without `settings`)."""
    choices = []
    own = (offered or "").strip()
    if own:
        choices.append(PayingKey(own, "offered"))
    server = settings.server_key(provider) if settings is not None else None
    if server:
        choices.append(PayingKey(server, "server"))
    return choices


def resolve_key(provider: str, offered: str | None, settings: Settings | None) -> PayingKey | None:
    """The key that pays: the one offered, else the server's; None when there is neither."""
    choices = key_choices(provider, offered, settings)
    return choices[0] if choices else None


def configured_providers(settings: Settings) -> list[str]:
    """Providers usable with server keys, the offline preview always first."""
    return ["preview"] + [n for n in paid_providers() if settings.server_key(n)]
