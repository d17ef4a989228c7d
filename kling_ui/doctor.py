"""Check a provider key without spending: is it there, does the host answer, does it take
the key, what is the balance. Used by `python -m kling_ui doctor`, the page's Check key
button and the balance check before a paid submit."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from .config import Settings
from .errors import AuthError, KlingUIError, ProviderConnectionError
from .pricing import format_money
from .providers import PROVIDERS, create_provider, paid_providers


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
    name: str, settings: Settings, client: httpx.AsyncClient, api_key: str | None = None
) -> KeyReport:
    """What `name` says about `api_key` (or the server's key). Sends no job."""
    cls = PROVIDERS[name]
    key = (api_key or "").strip() or settings.server_key(name)
    report = {"provider": name, "label": cls.label, "balance": None, "currency": None}
    if not key:
        where = f" Get one at {cls.key_url}." if cls.key_url else ""
        return KeyReport(
            **report,
            key_present=False,
            reachable=False,
            key_accepted=False,
            task_count=None,
            message=f"{cls.label}: no key yet.{where}",
        )
    provider = create_provider(name, settings=settings, client=client, api_key=key)
    try:
        account = await provider.account()
    except ProviderConnectionError as exc:
        return KeyReport(
            **report,
            key_present=True,
            reachable=False,
            key_accepted=False,
            task_count=None,
            message=f"{cls.label}: couldn't reach it ({exc.user_message}) Try again soon.",
        )
    except AuthError as exc:
        return KeyReport(
            **report,
            key_present=True,
            reachable=True,
            key_accepted=False,
            task_count=None,
            message=f"{cls.label} refused the key: {exc.user_message}",
        )
    except KlingUIError as exc:
        return KeyReport(
            **report,
            key_present=True,
            reachable=True,
            key_accepted=False,
            task_count=None,
            message=f"{cls.label}: {exc.user_message}",
        )
    if account is None:
        message = f"{cls.label}: key set (this provider can't report a balance)."
        return KeyReport(
            **report,
            key_present=True,
            reachable=True,
            key_accepted=True,
            task_count=None,
            message=message,
        )
    parts = [f"{cls.label}: ready"]
    if account.balance is not None:
        parts.append(f"balance {format_money(account.balance, account.currency)}")
    if account.task_count is not None:
        parts.append(f"{account.task_count} job(s) running")
    return KeyReport(
        provider=name,
        label=cls.label,
        key_present=True,
        reachable=True,
        key_accepted=True,
        balance=account.balance,
        currency=account.currency,
        task_count=account.task_count,
        message=", ".join(parts) + ".",
    )


async def check_configured(settings: Settings, client: httpx.AsyncClient) -> list[KeyReport]:
    """Every paid provider that has a server key."""
    return [
        await check_provider(name, settings, client)
        for name in paid_providers()
        if settings.server_key(name)
    ]
