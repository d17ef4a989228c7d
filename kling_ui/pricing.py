"""Cost estimates per model, provider, duration and sound (shown before anything is spent).

Prices are the catalogue's (models.py), per model and provider; the preview is free."""

from __future__ import annotations

from dataclasses import dataclass

from . import models
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


def price(provider: str, model: str | None = None) -> tuple[float, float, str]:
    """(per second without sound, with sound, currency) of `model` on `provider`; nothing
    for the preview, an unknown provider or a model it doesn't offer."""
    offer = models.offer(provider, model)
    if offer is None:
        return 0.0, 0.0, "USD"
    return (*offer.price_per_second, offer.currency)


def estimate(provider: str, duration: int, sound: bool, model: str | None = None) -> Estimate:
    """The list price of this clip. The provider's reported cost replaces it when it comes."""
    silent, with_sound, currency = price(provider, model)
    return Estimate(round((with_sound if sound else silent) * duration, 2), currency)


def format_money(amount: float, currency: str | None) -> str:
    symbol = SYMBOLS.get(currency or "", "")
    return f"{symbol}{amount:.2f}" if symbol else f"{amount:.2f} {currency or ''}".strip()


def sound_surcharge(provider: str, model: str | None = None) -> str:
    """The sound surcharge, written one way everywhere ("+26 %"), from the model's prices."""
    silent, with_sound, _ = price(provider, model)
    if not silent:
        return "nothing"
    return f"+{round((with_sound / silent - 1) * 100)} %"


def to_usd(amount: float, currency: str | None) -> float:
    return amount * USD_PER.get(currency or "USD", 1.0)


def provider_name(provider: str) -> str:
    cls = PROVIDERS.get(provider)
    return cls.label if cls else provider
