"""Settings from the environment and `.env` (pydantic-settings)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dotenv import dotenv_values
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings.sources import ENV_FILE_SENTINEL

from .errors import ConfigError
from .providers.registry import PROVIDERS, provider_class


def _default_data_dir() -> Path:
    # On Hugging Face Spaces with persistent storage, /data survives restarts; ./data does not.
    spaces_volume = Path("/data")
    if spaces_volume.is_dir() and _writable(spaces_volume):
        return spaces_volume / "kling-ui"
    return Path("data")


def _writable(path: Path) -> bool:
    try:
        probe = path / ".kling-ui-write-test"
        probe.touch()
        probe.unlink()
    except OSError:
        return False
    return True


class Settings(BaseSettings):
    """Everything configurable. Keys are SecretStr so they never print by accident."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    # Per provider, by registry name. Each provider class names its own variables (key_env,
    # base_url_env), read in __init__, so adding a provider adds no field here.
    api_keys: dict[str, SecretStr] = Field(
        default_factory=dict, validation_alias="KLING_UI_INTERNAL_API_KEYS"
    )
    base_urls: dict[str, str] = Field(
        default_factory=dict, validation_alias="KLING_UI_INTERNAL_BASE_URLS"
    )
    # A provider with several sites (RunningHub: global, cn): the one the server's key
    # belongs to (each class's region_env), and where each site is when not the class's
    # own (tests point them at fakes).
    regions: dict[str, str] = Field(
        default_factory=dict, validation_alias="KLING_UI_INTERNAL_REGIONS"
    )
    site_urls: dict[str, dict[str, str]] = Field(
        default_factory=dict, validation_alias="KLING_UI_INTERNAL_SITE_URLS"
    )

    data_dir: Path = Field(default_factory=_default_data_dir, validation_alias="KLING_UI_DATA_DIR")
    # Status checks: the shortest interval (around when a job should end) and the longest
    # (while it can't be done yet); see eta.next_delay.
    poll_interval: float = Field(1.0, gt=0, le=60, validation_alias="KLING_UI_POLL_INTERVAL")
    poll_interval_max: float = Field(30.0, gt=0, validation_alias="KLING_UI_POLL_INTERVAL_MAX")
    job_deadline: float = Field(3600.0, gt=0, validation_alias="KLING_UI_JOB_DEADLINE")
    request_timeout: float = Field(30.0, gt=0, validation_alias="KLING_UI_REQUEST_TIMEOUT")
    max_upload_mb: float = Field(20.0, gt=0, validation_alias="KLING_UI_MAX_UPLOAD_MB")

    server_name: str = Field(
        "127.0.0.1", validation_alias=AliasChoices("GRADIO_SERVER_NAME", "KLING_UI_HOST")
    )
    server_port: int = Field(
        7860, ge=0, le=65535, validation_alias=AliasChoices("GRADIO_SERVER_PORT", "KLING_UI_PORT")
    )

    max_events: int = Field(500, ge=1, validation_alias="KLING_UI_MAX_EVENTS")
    # Offline previews rendering at once (the rest wait their turn); the default leaves a
    # core for the app itself and every paid job.
    preview_workers: int = Field(
        default_factory=lambda: max(1, (os.cpu_count() or 2) // 2),
        ge=1,
        validation_alias="KLING_UI_PREVIEW_WORKERS",
    )
    # The preview's short side in pixels: 720 matches Kling's output; smaller renders faster
    # (tests and slow machines). Not under 360: a last frame must still start the next shot.
    preview_short_side: int = Field(
        720, ge=360, le=1080, validation_alias="KLING_UI_PREVIEW_SHORT_SIDE"
    )

    # Spending safety for public deployments (visitors only; the CLI is the operator's own).
    byok_only: bool = Field(False, validation_alias="KLING_UI_BYOK_ONLY")
    daily_cap_usd: float | None = Field(None, gt=0, validation_alias="KLING_UI_DAILY_CAP_USD")
    rate_limit: str | None = Field(None, validation_alias="KLING_UI_RATE_LIMIT")
    # Jobs one visitor may have in flight at once (page and API alike): several clips at
    # a time, as on the providers' own sites, but not a flood from one browser or address.
    max_in_flight: int = Field(4, ge=1, validation_alias="KLING_UI_MAX_IN_FLIGHT")
    # The gate (gate.py), per visitor (address and owner): page events and API calls, and
    # among them the frame checks and crops, each of which decodes up to two frames. A
    # visitor's upload, check, crop and Generate take a handful of each.
    event_limit: str = Field("600/minute", validation_alias="KLING_UI_EVENT_LIMIT")
    image_limit: str = Field("30/minute", validation_alias="KLING_UI_IMAGE_LIMIT")
    # Crops a visitor may keep (data/inputs/crops/<owner>/): the least recently used go
    # first past either bound; the janitor removes any older than the cache age.
    crop_quota: int = Field(20, ge=1, validation_alias="KLING_UI_CROP_QUOTA")
    crop_quota_mb: float = Field(200.0, gt=0, validation_alias="KLING_UI_CROP_QUOTA_MB")
    # Frames decoded at once, whoever asks (each 60 MP frame holds ~180 MB while decoded).
    image_workers: int = Field(2, ge=1, le=32, validation_alias="KLING_UI_IMAGE_WORKERS")
    # Let result links point at loopback or private addresses (over http too): for the fake
    # providers in tests only. Never on a server anyone else can reach.
    allow_private_downloads: bool = Field(
        False, validation_alias="KLING_UI_ALLOW_PRIVATE_DOWNLOADS"
    )
    cache_max_age_hours: float = Field(24.0, gt=0, validation_alias="KLING_UI_CACHE_MAX_AGE_HOURS")
    multi_user: bool | None = Field(None, validation_alias="KLING_UI_MULTI_USER")
    # Where this app is reachable from the internet (https://...), if it is: providers that
    # can call back (RunningHub's webhookUrl) then ring a doorbell instead of waiting for a poll.
    public_url: str | None = Field(None, validation_alias="KLING_UI_PUBLIC_URL")
    # Proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated).
    trusted_proxies: str = Field("", validation_alias="KLING_UI_TRUSTED_PROXIES")
    mcp: bool | None = Field(None, validation_alias="KLING_UI_MCP")

    def __init__(self, _env_file: Any = ENV_FILE_SENTINEL, **values: Any) -> None:
        env_file = (
            self.model_config.get("env_file") if _env_file is ENV_FILE_SENTINEL else _env_file
        )
        super().__init__(_env_file=_env_file, **_provider_values(values, env_file))

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit_shape(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parse_rate_limit(value)  # raises ValueError with the expected shape
        return value.strip()

    @field_validator("event_limit", "image_limit")
    @classmethod
    def _budget_shape(cls, value: str, info: Any) -> str:
        parse_rate_limit(value, f"KLING_UI_{str(info.field_name).upper()}")
        return value.strip()

    def server_key(self, provider: str) -> str | None:
        """The key configured on the server for `provider`, if any."""
        secret = self.api_keys.get(provider)
        return secret.get_secret_value() if secret else None

    @field_validator("regions")
    @classmethod
    def _known_regions(cls, value: dict[str, str]) -> dict[str, str]:
        for provider, region in value.items():
            known = provider_class(provider).sites
            if region not in known:
                env = provider_class(provider).region_env
                raise ValueError(f"{env} must be one of: {', '.join(known)} (not {region!r})")
        return value

    def base_url(self, provider: str, region: str | None = None) -> str:
        """Where `provider`'s API is: `region`'s site when one is asked for (a visitor's
        choice), else the configured base URL, else the configured region's site."""
        sites = self.sites(provider)
        if region is not None:
            return sites[region]
        chosen = self.regions.get(provider) or next(iter(sites), None)
        url = self.base_urls.get(provider) or (sites.get(chosen) if chosen else None)
        return url or provider_class(provider).default_base_url

    def sites(self, provider: str) -> dict[str, str]:
        """`provider`'s sites by region (empty for a provider with one)."""
        return {**provider_class(provider).sites, **self.site_urls.get(provider, {})}

    def region(self, provider: str) -> str | None:
        """The site the server's calls go to: the one its base URL is on; None for a base
        URL of its own (a proxy) or a provider with one site."""
        sites = self.sites(provider)
        host = urlsplit(self.base_url(provider)).hostname
        return next((name for name, url in sites.items() if urlsplit(url).hostname == host), None)

    def with_provider(self, provider: str, **changes: str | None) -> Settings:
        """A copy with `api_key` and/or `base_url` of one provider changed (None = unset)."""
        keys, urls = dict(self.api_keys), dict(self.base_urls)
        if "api_key" in changes:
            key = (changes["api_key"] or "").strip()
            if key:
                keys[provider] = SecretStr(key)
            else:
                keys.pop(provider, None)
        if "base_url" in changes:
            if changes["base_url"]:
                urls[provider] = str(changes["base_url"]).rstrip("/")
            else:
                urls.pop(provider, None)
        return self.model_copy(update={"api_keys": keys, "base_urls": urls})

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_shape(cls, value: str) -> str:
        from .owners import parse_networks

        parse_networks(value)  # raises ValueError naming the bad entry
        return value

    @property
    def on_spaces(self) -> bool:
        return bool(os.environ.get("SPACE_ID"))

    @property
    def rate(self) -> tuple[int, float] | None:
        """(generations, per seconds) allowed per visitor, or None for no limit."""
        return parse_rate_limit(self.rate_limit) if self.rate_limit else None

    @property
    def event_budget(self) -> tuple[int, float]:
        return parse_rate_limit(self.event_limit)

    @property
    def image_budget(self) -> tuple[int, float]:
        return parse_rate_limit(self.image_limit)

    @property
    def is_multi_user(self) -> bool:
        """Separate histories per browser: on a Space, or when serving beyond this machine."""
        if self.multi_user is not None:
            return self.multi_user
        return self.on_spaces or self.server_name not in (
            "127.0.0.1",
            "localhost",
            "::1",
        )

    @property
    def mcp_enabled(self) -> bool:
        if self.mcp is not None:
            return self.mcp
        return importlib.util.find_spec("mcp") is not None

    @property
    def videos_dir(self) -> Path:
        return self.data_dir / "videos"

    @property
    def inputs_dir(self) -> Path:
        return self.data_dir / "inputs"

    @property
    def crops_dir(self) -> Path:
        return self.inputs_dir / "crops"

    @property
    def crop_quota_bytes(self) -> int:
        return int(self.crop_quota_mb * 1000 * 1000)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "jobs.sqlite3"


_UNSET = object()


def _provider_values(values: dict[str, Any], env_file: Any) -> dict[str, Any]:
    """Fill api_keys/base_urls from each registered provider's own variables.

    Precedence, as for every other setting: keyword arguments (by variable name, or as
    `<provider>_api_key` / `<provider>_base_url`), then the environment, then the .env file.
    """
    values = dict(values)
    keys = dict(values.pop("api_keys", None) or values.pop("KLING_UI_INTERNAL_API_KEYS", {}))
    urls = dict(values.pop("base_urls", None) or values.pop("KLING_UI_INTERNAL_BASE_URLS", {}))
    regions = dict(values.pop("regions", None) or values.pop("KLING_UI_INTERNAL_REGIONS", {}))
    dotenv = _read_dotenv(env_file)
    for name, cls in PROVIDERS.items():
        for target, field, env in (
            (keys, f"{name}_api_key", cls.key_env),
            (urls, f"{name}_base_url", cls.base_url_env),
            (regions, f"{name}_region", cls.region_env),
        ):
            if env is None:
                continue
            value = values.pop(field, _UNSET)
            given = values.pop(env, _UNSET)
            if value is _UNSET:
                value = given
            if value is _UNSET:
                value = os.environ.get(env, dotenv.get(env))
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            # `RUNCOMFY_API_KEY=` in a copied .env.example means "not set", not "empty key".
            if value is None or not str(value).strip():
                target.pop(name, None)
            elif target is keys:
                target[name] = SecretStr(str(value).strip())
            elif target is regions:
                target[name] = str(value).strip().lower()
            else:
                target[name] = str(value).strip().rstrip("/")
    values["api_keys"], values["base_urls"], values["regions"] = keys, urls, regions
    return values


def _read_dotenv(env_file: Any) -> dict[str, str | None]:
    files = env_file if isinstance(env_file, (list, tuple)) else [env_file]
    found: dict[str, str | None] = {}
    for path in files:
        if path and Path(path).is_file():
            found.update(dotenv_values(path))
    return found


_PERIODS = {"minute": 60.0, "hour": 3600.0, "day": 86400.0}


def parse_rate_limit(text: str, name: str = "KLING_UI_RATE_LIMIT") -> tuple[int, float]:
    """'5/hour' -> (5, 3600.0); also 'N/minute' and 'N/day'."""
    count, _, period = text.strip().partition("/")
    if not count.strip().isdigit() or int(count) < 1 or period.strip() not in _PERIODS:
        raise ValueError(f"{name} must look like 5/hour (or N/minute, N/day)")
    return int(count), _PERIODS[period.strip()]


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and .env; a bad value is a ConfigError naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "setting"
            problems.append(f"{name}: {error['msg']}")
        raise ConfigError("Bad setting: " + "; ".join(problems)) from exc
