"""Providers built from settings: the server's keys and addresses, or a visitor's key."""

from __future__ import annotations

import httpx

from .. import models
from ..config import Settings
from ..errors import ConfigError, InputError
from ..keys import resolve_key
from .base import Provider, not_offered
from .preview import PreviewProvider
from .registry import provider_class


def create_provider(
    name: str,
    *,
    settings: Settings,
    client: httpx.AsyncClient,
    api_key: str | None = None,
    downloads: httpx.AsyncClient | None = None,
    model: str = models.DEFAULT_MODEL,
    region: str | None = None,
) -> Provider:
    """Build provider `name` to run `model`, with `api_key` or else the server's key, at
    `region`'s site when given (one of the provider's sites, else InputError).

    `downloads` fetches result videos (netsafety.download_client); `client` by default.
    InputError (on the model field) first when `name` doesn't offer `model`."""
    cls = provider_class(name)
    if not cls.any_model and models.offer(name, model) is None:
        raise InputError({"model": not_offered(name, cls.label, model)})
    if cls is PreviewProvider:
        preview = PreviewProvider(
            work_dir=settings.data_dir / "renders",
            workers=settings.preview_workers,
            short_side=settings.preview_short_side,
        )
        preview.use_model(model)
        return preview
    if region is not None and region not in settings.sites(name):
        raise InputError({"region": f"{cls.label} has no site called {region!r}."})
    key = resolve_key(name, api_key, settings)
    if key is None:
        raise ConfigError(
            f"{cls.label} needs an API key: paste yours under “Your API keys”."
        ).for_operator(f"{cls.label} needs an API key: set {cls.key_env}.")
    return cls(
        client=client,
        api_key=key.value,
        base_url=settings.base_url(name, region),
        downloads=downloads,
        model=model,
    )
