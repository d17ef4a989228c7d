"""Cost estimates per provider, duration and sound (shown before anything is spent)."""

from __future__ import annotations

from dataclasses import dataclass

from .providers.registry import PROVIDERS

SYMBOLS = {"USD": "$", "CNY": "¥"}
# Only for comparing spend against a cap in one currency; not for billing.
USD_PER = {"USD": 1.0, "CNY": 0.14}


@dataclass(frozen=True)
class Estimate:
    amount: float
    currency: str

    def text(self) -> str:
        if self.amount == 0:
            return "Free"
        return f"about {format_money(self.amount, self.currency)}"


def estimate(provider: str, duration: int, sound: bool) -> Estimate:
    """The provider's list price for this clip. Its reported cost replaces it when it comes."""
    cls = PROVIDERS.get(provider)
    if cls is None:
        return Estimate(0.0, "USD")
    silent, with_sound = cls.price_per_second
    return Estimate(round((with_sound if sound else silent) * duration, 2), cls.currency)


def format_money(amount: float, currency: str | None) -> str:
    symbol = SYMBOLS.get(currency or "", "")
    return f"{symbol}{amount:.2f}" if symbol else f"{amount:.2f} {currency or ''}".strip()


def sound_surcharge(provider: str) -> str:
    """The sound surcharge, written one way everywhere ("+26 %"), from the provider's prices."""
    cls = PROVIDERS.get(provider)
    silent, with_sound = cls.price_per_second if cls else (0.0, 0.0)
    if not silent:
        return "nothing"
    return f"+{round((with_sound / silent - 1) * 100)} %"


def to_usd(amount: float, currency: str | None) -> float:
    return amount * USD_PER.get(currency or "USD", 1.0)


def provider_name(provider: str) -> str:
    cls = PROVIDERS.get(provider)
    return cls.label if cls else provider
