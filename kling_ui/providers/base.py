"""Provider protocol and the neutral types every adapter maps its wire schema to."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

import httpx

from .. import models
from ..clock import SYSTEM_CLOCK, Clock
from ..errors import (
    BadResponseError,
    InputError,
    NotFoundError,
    ProviderConnectionError,
    ProviderHTTPError,
    ServerError,
    UntrustedResultURL,
)
from ..images import MAX_BYTES, PreparedImage
from ..netsafety import UnsafeURL
from ..request import GenerationRequest

# --- statuses: a small sum type, as in fal_client ---------------------------------------------


@dataclass(frozen=True)
class Queued:
    position: int | None = None  # 0 = next in line; None when the provider does not say


@dataclass(frozen=True)
class Running:
    progress: float | None = None  # 0..1 when known (only the offline preview knows)
    # Something worth showing while it runs (a status or code this app doesn't know yet).
    note: str | None = None


@dataclass(frozen=True)
class Succeeded:
    video_url: str
    cost: float | None = None
    currency: str | None = None


@dataclass(frozen=True)
class Failed:
    message: str
    provider_code: str | None = None  # the provider's own code for the failure, if any
    # A content check refused an input (refusals.py): which one when its words say, and the
    # provider's own words (redacted) for the job's details.
    content: bool = False
    refused: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class Canceled:
    message: str = "The job was canceled."


JobStatus = Queued | Running | Succeeded | Failed | Canceled


@dataclass(frozen=True)
class Account:
    """What a key's account says, read for free (no job is sent)."""

    balance: float | None = None
    currency: str | None = None
    task_count: int | None = None  # jobs running on the account now


class CancelOutcome(StrEnum):
    CANCELED = "canceled"  # stopped; nothing will be charged
    REQUESTED = "cancellation_requested"  # accepted; the provider will stop it soon
    NOT_CANCELLABLE = "not_cancellable"  # already running: it finishes and may be charged
    UNSUPPORTED = "unsupported"  # the provider has no cancel at all


@dataclass(frozen=True)
class Inputs:
    """A validated request with its frames loaded and normalised: what `submit` sends."""

    request: GenerationRequest
    image: PreparedImage
    end_image: PreparedImage | None = None
    # Where the provider may call when the job ends (a doorbell; see doorbell.py), if any.
    callback_url: str | None = None


# --- the protocol ---------------------------------------------------------------------------


class Provider(ABC):
    """One way to run a catalogue model image-to-video. Adapters keep their wire schema private.

    A provider's facts live here, on its class, and nowhere else: settings, the form, logs,
    the CLI and the docs read them from the registry (providers/registry.py). What depends on
    the model (endpoint, body field names, price, image limit) is the catalogue's
    (models.py): an instance runs one model, its `offer`.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    needs_key: ClassVar[bool] = True
    # The environment variables (or .env lines) that hold the server's key and base URL.
    key_env: ClassVar[str | None] = None
    base_url_env: ClassVar[str | None] = None
    default_base_url: ClassVar[str] = ""
    key_url: ClassVar[str] = ""  # where a person gets a key
    currency: ClassVar[str] = "USD"  # what the account bills in (prices: the catalogue's)
    # True for a provider that runs any catalogue model (the offline preview), for free.
    any_model: ClassVar[bool] = False
    model: str = models.DEFAULT_MODEL
    offer: models.Offer | None = None  # None only where any_model is set
    # How long a result link is known to stay valid, in words, for "retry while it lives".
    link_lifetime: ClassVar[str] = "for an unknown time: retry soon"
    # Shown when a submit's outcome is unknown: where the user can check for a job.
    dashboard_hint: ClassVar[str] = ""
    # What this provider's request ids look like, and in words: an id to import (a job
    # started elsewhere) is refused before it goes into a URL or a request body.
    request_id_pattern: ClassVar[re.Pattern[str] | None] = None
    request_id_shape: ClassVar[str] = ""
    # Sites that serve the same API for different accounts (region: base URL); empty for
    # a provider with one site. A key refused by one is tried on the others (doctor.py).
    sites: ClassVar[dict[str, str]] = {}
    region_env: ClassVar[str | None] = None  # the variable that picks the server's site
    site_labels: ClassVar[dict[str, str]] = {}
    # Where a person reads what their account was charged (a link the page shows).
    usage_url: ClassVar[str] = ""
    # The job states ("queued", "running") in which this provider's cancel stops a job
    # already sent; none: it has no cancel (the job finishes and may be charged).
    cancels_in: ClassVar[frozenset[str]] = frozenset()
    # What the pauses between status checks are timed by (the JobManager sets its own).
    clock: Clock = SYSTEM_CLOCK

    @property
    def max_image_bytes(self) -> int:
        return self.offer.max_image_bytes if self.offer else MAX_BYTES

    def use_model(self, model: str) -> None:
        """Run `model`; InputError (on the model field) when this provider doesn't offer it."""
        self.model = model
        self.offer = models.offer(self.name, model)
        if self.offer is None and not self.any_model:
            raise InputError({"model": not_offered(self.name, self.label, model)})

    @classmethod
    def check_request_id(cls, request_id: str) -> str:
        """`request_id` without surrounding spaces, or InputError when it can't be one of
        this provider's (nothing is asked of the provider for it)."""
        value = (request_id or "").strip()
        if cls.request_id_pattern is None or not cls.request_id_pattern.fullmatch(value):
            shown = value[:40] or "an empty id"
            shape = cls.request_id_shape
            raise InputError(
                {"request_id": f"{shown!r} is not a {cls.label} request id ({shape})."}
            )
        return value

    def check(self, request: GenerationRequest) -> None:  # noqa: B027 (optional hook)
        """Refuse (InputError) what this provider can't do, before anything is stored."""

    @abstractmethod
    async def prepare(self, inputs: Inputs) -> dict[str, Any]:
        """Build the submit body, uploading local frames where the provider needs that.

        Free and safe to retry: nothing is charged until `submit`.
        """

    @abstractmethod
    async def submit(self, payload: dict[str, Any]) -> str:
        """Send the paid request once; return the provider's request id. Never retried here."""

    @abstractmethod
    async def status(self, request_id: str) -> JobStatus:
        """Where the job is now. Idempotent: safe to retry on transient errors."""

    async def cancel(self, request_id: str) -> CancelOutcome:
        """Ask the provider to stop the job."""
        return CancelOutcome.UNSUPPORTED

    async def account(self) -> Account | None:
        """The key's balance and running jobs, when the provider can tell for free."""
        return None

    async def wait(
        self, request_id: str, timeout: float, wake: asyncio.Event | None = None
    ) -> None:
        """Pause between status checks, returning early when `wake` is set (a "check now"
        or a provider's callback); a local provider may also return when it is done."""
        await self.clock.sleep(timeout, wake)

    @abstractmethod
    async def download(self, url: str, dest: Path) -> None:
        """Save the finished video at `url` to `dest` (written whole or not at all)."""


class HTTPProvider(Provider):
    """A hosted provider: a shared AsyncClient, a bearer key and a base URL.

    Result videos are fetched with `downloads` (netsafety.download_client: any public https
    host, checked at connect time), never with the key.
    """

    def __init__(
        self,
        *,
        client: httpx.AsyncClient,
        api_key: str,
        base_url: str,
        downloads: httpx.AsyncClient | None = None,
        model: str = models.DEFAULT_MODEL,
    ) -> None:
        self.use_model(model)
        self._client = client
        self._downloads = downloads or client
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")

    @property
    def _offer(self) -> models.Offer:
        """The model this instance runs, on this provider (use_model refused any other)."""
        if self.offer is None:
            raise InputError({"model": not_offered(self.name, self.label, self.model)})
        return self.offer

    def __repr__(self) -> str:  # never show the key
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key}"}

    def _redact(self, text: str) -> str:
        """Remove our key from provider text before it reaches a message, log or the store."""
        return text.replace(self._api_key, "***") if self._api_key else text

    async def _send(self, method: str, url: str, **kwargs) -> httpx.Response:
        """One HTTP exchange; network failures become ProviderConnectionError."""
        try:
            return await self._client.request(method, url, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            # No connection was made, so the request was certainly not sent.
            raise ProviderConnectionError(
                f"Couldn't reach {self.label} ({type(exc).__name__}).", request_sent=False
            ) from exc
        except httpx.TimeoutException as exc:
            raise ProviderConnectionError(
                f"{self.label} did not answer in time ({type(exc).__name__})."
            ) from exc
        except httpx.HTTPError as exc:
            raise ProviderConnectionError(
                f"The connection to {self.label} broke ({type(exc).__name__})."
            ) from exc

    def _json_object(self, response: httpx.Response) -> dict[str, Any]:
        """The answer's JSON object; {} for an error answer that has none. A success that
        isn't a JSON object breaks the protocol (BadResponseError)."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            return body
        if response.is_success:
            raise BadResponseError(f"{self.label} sent an answer that isn't JSON.")
        return {}

    async def download(self, url: str, dest: Path) -> None:
        # Results are public links: no auth header, so the key never travels to a CDN.
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=".download-", suffix=".part")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                try:
                    async with self._downloads.stream("GET", url, follow_redirects=True) as resp:
                        if resp.status_code in (401, 403, 404, 410):
                            raise NotFoundError(
                                f"The result link from {self.label} has expired or is gone "
                                f"(HTTP {resp.status_code}).",
                                status_code=resp.status_code,
                            )
                        if resp.status_code >= 500 or resp.status_code == 429:
                            raise ServerError(
                                f"{self.label}'s file server failed (HTTP {resp.status_code}).",
                                status_code=resp.status_code,
                            )
                        if resp.status_code != 200:
                            raise ProviderHTTPError(
                                f"Couldn't download the video (HTTP {resp.status_code}).",
                                status_code=resp.status_code,
                            )
                        async for chunk in resp.aiter_bytes(1 << 16):
                            out.write(chunk)
                except UnsafeURL as exc:
                    raise UntrustedResultURL(
                        f"{self.label}'s video link was not fetched: {exc}.", url=url
                    ) from exc
                except httpx.HTTPError as exc:
                    raise ProviderConnectionError(
                        f"The video download from {self.label} broke off ({type(exc).__name__})."
                    ) from exc
            os.replace(tmp, dest)
        finally:
            tmp.unlink(missing_ok=True)


def not_offered(provider: str, label: str, model: str) -> str:
    offered = [models.label(m) for m, e in models.CATALOGUE.items() if provider in e.offers]
    return (
        f"{label} doesn't offer {models.label(model)}; choose "
        + (" or ".join(offered) if offered else "another provider")
        + "."
    )


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds form; dates are rare for APIs)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def float_or_none(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
