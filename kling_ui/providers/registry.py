"""The provider registry: adding a provider is a module and a line in PROVIDERS.

Pure: it knows the provider classes and nothing of settings, so config.py can read each
class's variable names (key_env, base_url_env) without an import circle. Building a provider
from settings is factory.py's job.
"""

from __future__ import annotations

from .. import models
from ..errors import ConfigError
from .base import Provider
from .preview import PreviewProvider
from .runcomfy import RunComfyProvider
from .runninghub import RunningHubProvider

PROVIDERS: dict[str, type[Provider]] = {
    "preview": PreviewProvider,
    "runcomfy": RunComfyProvider,
    "runninghub": RunningHubProvider,
}


def provider_class(name: str) -> type[Provider]:
    cls = PROVIDERS.get(name)
    if cls is None:
        raise ConfigError(f"Unknown provider '{name}'; choose one of: {', '.join(PROVIDERS)}.")
    return cls


def paid_providers() -> list[str]:
    """Providers that need a key (every one but the offline preview), in registry order."""
    return [name for name, cls in PROVIDERS.items() if cls.needs_key]


def models_for(provider: str) -> list[str]:
    """The catalogue models `provider` runs, in catalogue order (the preview: every one)."""
    cls = PROVIDERS.get(provider)
    if cls is None:
        return []
    return [m for m, entry in models.CATALOGUE.items() if cls.any_model or provider in entry.offers]
