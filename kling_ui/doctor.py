"""Check a provider key without spending: is it there, does the host answer, does it take
the key, what is the balance. Used by `python -m kling_ui doctor`, the page's Check key
button and the balance check before a paid submit."""

from __future__ import annotations

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
) -> KeyReport:
    """What `name` says about `api_key` (or, with `server_key`, the server's). Sends no job."""
    cls = PROVIDERS[name]
    key = resolve_key(name, api_key, settings if server_key else None)
    if key is None:
        where = f" Get one at {cls.key_url}." if cls.key_url else ""
        return _not_ready(name, cls.label, f"{cls.label}: no key yet.{where}", key_present=False)
    provider = create_provider(name, settings=settings, client=client, api_key=key.value)
    try:
        account = await provider.account()
    except KlingUIError as exc:
        return _refused(name, cls.label, exc)
    return _ready(name, cls.label, account)


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
