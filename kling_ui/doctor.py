"""Check a provider key without spending: is it there, does the host answer, does it take
the key, what is the balance. Used by `python -m kling_ui doctor`, the page's Check key
button and the balance check before a paid submit."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import httpx

from .config import Settings
from .errors import AuthError, KlingUIError, ProviderConnectionError
from .keys import resolve_key
from .pricing import format_money
from .providers.base import Account
from .providers.factory import create_provider
from .providers.registry import PROVIDERS, paid_providers


@dataclass(frozen=True)
class KeyReport:
    provider: str
    label: str
    key_present: bool
    reachable: bool
    key_accepted: bool
    balance: float | None
    currency: str | None
    task_count: int | None
    message: str  # in plain words, for the page and the terminal
    # The site (region) that took a key the asked one refused: the key is in the wrong
    # region. None when it was not looked for or no site took it.
    site: str | None = None

    @property
    def ready(self) -> bool:
        return self.key_present and self.reachable and self.key_accepted


async def check_provider(
    name: str,
    settings: Settings,
    client: httpx.AsyncClient,
    api_key: str | None = None,
    *,
    server_key: bool = True,
    region: str | None = None,
) -> KeyReport:
    """What `name` says about `api_key` (or, with `server_key`, the server's) at `region`'s
    site (else the configured one). A key refused there is tried on the provider's other
    sites, and the report names the one that takes it. Sends no job."""
    cls = PROVIDERS[name]
    key = resolve_key(name, api_key, settings if server_key else None)
    if key is None:
        where = f" Get one at {cls.key_url}." if cls.key_url else ""
        return _not_ready(name, cls.label, f"{cls.label}: no key yet.{where}", key_present=False)
    try:
        account = await _account(name, settings, client, key.value, region)
    except ProviderConnectionError as exc:
        return _refused(name, cls.label, exc)
    except KlingUIError as exc:
        # Any refusal, not only a known key code: which answer the wrong site gives is
        # not documented (a third-party report: "APIKEY_USER_NOT_FOUND", code unknown).
        site = await _site_taking(name, settings, client, key.value, region)
        if site is not None:
            return _wrong_site(name, settings, region, site, operator=server_key)
        return _refused(name, cls.label, exc)
    return _ready(name, cls.label, account)


async def _account(
    name: str, settings: Settings, client: httpx.AsyncClient, key: str, region: str | None
) -> Account | None:
    provider = create_provider(name, settings=settings, client=client, api_key=key, region=region)
    return await provider.account()


async def _site_taking(
    name: str, settings: Settings, client: httpx.AsyncClient, key: str, asked: str | None
) -> str | None:
    """The first other site of `name` whose free account call takes `key`, if any. Only
    from one of its sites: a base URL of the operator's own (a proxy) is not probed around."""
    asked = asked or settings.region(name)
    if asked is None:
        return None
    for site in settings.sites(name):
        if site == asked:
            continue
        try:
            await _account(name, settings, client, key, site)
        except KlingUIError:
            continue
        return site
    return None


def _wrong_site(
    name: str, settings: Settings, asked: str | None, site: str, *, operator: bool
) -> KeyReport:
    """A key of another region: which site it belongs to, and how to use it there."""
    cls = PROVIDERS[name]
    where = cls.site_labels.get(site, site)
    here = cls.site_labels.get(asked or settings.region(name) or "", "the site set here")
    if operator:
        how = f"set {cls.region_env}={site} (or {cls.base_url_env}={settings.sites(name)[site]})"
    else:
        how = f"choose the {where} beside your key"
    message = f"{cls.label} refused the key on the {here}; it belongs to the {where}: {how}."
    report = _not_ready(name, cls.label, message, reachable=True)
    return dataclasses.replace(report, site=site)


def _not_ready(
    name: str, label: str, message: str, *, key_present: bool = True, reachable: bool = False
) -> KeyReport:
    return KeyReport(
        provider=name,
        label=label,
        key_present=key_present,
        reachable=reachable,
        key_accepted=False,
        balance=None,
        currency=None,
        task_count=None,
        message=message,
    )


def _refused(name: str, label: str, exc: KlingUIError) -> KeyReport:
    """The account couldn't be read: the host is out of reach, or it answered no."""
    if isinstance(exc, ProviderConnectionError):
        message = f"{label}: couldn't reach it ({exc.user_message}) Try again soon."
        return _not_ready(name, label, message)
    if isinstance(exc, AuthError):
        message = f"{label} refused the key: {exc.user_message}"
        return _not_ready(name, label, message, reachable=True)
    return _not_ready(name, label, f"{label}: {exc.user_message}", reachable=True)


def _ready(name: str, label: str, account: Account | None) -> KeyReport:
    """The key was taken: what the account says, when the provider can tell."""
    if account is None:
        account = Account()
        message = f"{label}: key set (this provider can't report a balance)."
    else:
        parts = [f"{label}: ready"]
        if account.balance is not None:
            parts.append(f"balance {format_money(account.balance, account.currency)}")
        if account.task_count is not None:
            count = account.task_count
            parts.append(f"{count} job running" if count == 1 else f"{count} jobs running")
        message = ", ".join(parts) + "."
    return KeyReport(
        provider=name,
        label=label,
        key_present=True,
        reachable=True,
        key_accepted=True,
        balance=account.balance,
        currency=account.currency,
        task_count=account.task_count,
        message=message,
    )


async def check_configured(settings: Settings, client: httpx.AsyncClient) -> list[KeyReport]:
    """Every paid provider that has a server key."""
    return [
        await check_provider(name, settings, client)
        for name in paid_providers()
        if settings.server_key(name)
    ]
