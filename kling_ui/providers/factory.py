"""Providers built from settings: the server's keys and addresses, or a visitor's key."""

from __future__ import annotations

import httpx

from ..config import Settings
from ..errors import ConfigError
from ..keys import resolve_key
from .base import Provider
from .preview import PreviewProvider
from .registry import paid_providers, provider_class


def create_provider(
    name: str,
    *,
    settings: Settings,
    client: httpx.AsyncClient,
    api_key: str | None = None,
    downloads: httpx.AsyncClient | None = None,
) -> Provider:
    """Build provider `name`, with `api_key` or else the server's key from settings.

    `downloads` fetches result videos (netsafety.download_client); `client` by default."""
    cls = provider_class(name)
    if cls is PreviewProvider:
        return PreviewProvider(
            work_dir=settings.data_dir / "renders",
            workers=settings.preview_workers,
            short_side=settings.preview_short_side,
        )
    key = resolve_key(name, api_key, settings)
    if key is None:
        raise ConfigError(
            f"{cls.label} needs an API key: paste yours under “Your API keys”."
        ).for_operator(f"{cls.label} needs an API key: set {cls.key_env}.")
    return cls(
        client=client,
        api_key=key.value,
        base_url=settings.base_url(name),
        downloads=downloads,
    )


def configured_providers(settings: Settings) -> list[str]:
    """Providers usable with server keys, the offline preview always first."""
    return ["preview"] + [n for n in paid_providers() if settings.server_key(n)]
