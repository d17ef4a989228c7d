"""The provider registry: adding one is a module and a line in PROVIDERS."""

from __future__ import annotations

import httpx

from ..config import Settings
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


def base_url_for(name: str, settings: Settings) -> str:
    return {"runcomfy": settings.runcomfy_base_url, "runninghub": settings.runninghub_base_url}[
        name
    ]


def create_provider(
    name: str,
    *,
    settings: Settings,
    client: httpx.AsyncClient,
    api_key: str | None = None,
) -> Provider:
    """Build provider `name`, with `api_key` or else the server's key from settings."""
    cls = PROVIDERS.get(name)
    if cls is None:
        raise ConfigError(f"Unknown provider '{name}'; choose one of: {', '.join(PROVIDERS)}.")
    if cls is PreviewProvider:
        return PreviewProvider(work_dir=settings.data_dir / "renders")
    key = (api_key or "").strip() or settings.server_key(name)
    if not key:
        env = f"{name.upper()}_API_KEY"
        raise ConfigError(
            f"{cls.label} needs an API key: set {env} (or paste your key in the app)."
        )
    return cls(
        client=client,
        api_key=key,
        base_url=base_url_for(name, settings),
        extra_result_hosts=settings.extra_result_hosts,
    )


def configured_providers(settings: Settings) -> list[str]:
    """Providers usable with server keys, the offline preview always first."""
    return ["preview"] + [n for n in ("runcomfy", "runninghub") if settings.server_key(n)]
