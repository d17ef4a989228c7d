"""Settings from the environment and `.env` (pydantic-settings)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import ConfigError


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

    runcomfy_api_key: SecretStr | None = Field(None, validation_alias="RUNCOMFY_API_KEY")
    runninghub_api_key: SecretStr | None = Field(None, validation_alias="RUNNINGHUB_API_KEY")
    runcomfy_base_url: str = Field(
        "https://model-api.runcomfy.net", validation_alias="RUNCOMFY_BASE_URL"
    )
    runninghub_base_url: str = Field(
        "https://www.runninghub.ai", validation_alias="RUNNINGHUB_BASE_URL"
    )

    data_dir: Path = Field(default_factory=_default_data_dir, validation_alias="KLING_UI_DATA_DIR")
    poll_interval: float = Field(2.0, gt=0, le=60, validation_alias="KLING_UI_POLL_INTERVAL")
    poll_interval_max: float = Field(15.0, gt=0, validation_alias="KLING_UI_POLL_INTERVAL_MAX")
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

    # Spending safety for public deployments (visitors only; the CLI is the operator's own).
    byok_only: bool = Field(False, validation_alias="KLING_UI_BYOK_ONLY")
    daily_cap_usd: float | None = Field(None, gt=0, validation_alias="KLING_UI_DAILY_CAP_USD")
    rate_limit: str | None = Field(None, validation_alias="KLING_UI_RATE_LIMIT")
    result_hosts: str = Field("", validation_alias="KLING_UI_RESULT_HOSTS")
    cache_max_age_hours: float = Field(24.0, gt=0, validation_alias="KLING_UI_CACHE_MAX_AGE_HOURS")
    multi_user: bool | None = Field(None, validation_alias="KLING_UI_MULTI_USER")
    mcp: bool | None = Field(None, validation_alias="KLING_UI_MCP")

    @field_validator("runcomfy_api_key", "runninghub_api_key", mode="before")
    @classmethod
    def _blank_key_is_none(cls, value: object) -> object:
        # `RUNCOMFY_API_KEY=` in a copied .env.example means "not set", not "empty key".
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit_shape(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parse_rate_limit(value)  # raises ValueError with the expected shape
        return value.strip()

    @field_validator("runcomfy_base_url", "runninghub_base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    def server_key(self, provider: str) -> str | None:
        """The key configured on the server for `provider`, if any."""
        secret = {"runcomfy": self.runcomfy_api_key, "runninghub": self.runninghub_api_key}.get(
            provider
        )
        return secret.get_secret_value() if secret else None

    @property
    def rate(self) -> tuple[int, float] | None:
        """(generations, per seconds) allowed per visitor, or None for no limit."""
        return parse_rate_limit(self.rate_limit) if self.rate_limit else None

    @property
    def extra_result_hosts(self) -> tuple[str, ...]:
        return tuple(h.strip().lower() for h in self.result_hosts.split(",") if h.strip())

    @property
    def is_multi_user(self) -> bool:
        """Separate histories per browser: on a Space, or when serving beyond this machine."""
        if self.multi_user is not None:
            return self.multi_user
        return bool(os.environ.get("SPACE_ID")) or self.server_name not in (
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
    def db_path(self) -> Path:
        return self.data_dir / "jobs.sqlite3"


_PERIODS = {"minute": 60.0, "hour": 3600.0, "day": 86400.0}


def parse_rate_limit(text: str) -> tuple[int, float]:
    """'5/hour' -> (5, 3600.0); also 'N/minute' and 'N/day'."""
    count, _, period = text.strip().partition("/")
    if not count.strip().isdigit() or int(count) < 1 or period.strip() not in _PERIODS:
        raise ValueError("KLING_UI_RATE_LIMIT must look like 5/hour (or N/minute, N/day)")
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
