"""Cost estimates per provider, duration and sound (shown before anything is spent)."""

from __future__ import annotations

from dataclasses import dataclass

# Per second of video, (without sound, with sound). Neither provider publishes a fixed price
# for this model through its API, so these are the list prices known on 2026-04-29
# (reference/providers.md); the provider's reported cost replaces the estimate when it arrives.
RATES: dict[str, tuple[float, float, str]] = {
    "runcomfy": (0.112, 0.14, "USD"),
    "runninghub": (0.69, 0.87, "CNY"),
    "preview": (0.0, 0.0, "USD"),
}
SYMBOLS = {"USD": "$", "CNY": "¥"}
# Only for comparing spend against a cap in one currency; not for billing.
USD_PER = {"USD": 1.0, "CNY": 0.14}
NAMES = {"runcomfy": "RunComfy", "runninghub": "RunningHub", "preview": "offline preview"}


@dataclass(frozen=True)
class Estimate:
    amount: float
    currency: str

    def text(self) -> str:
        if self.amount == 0:
            return "Free"
        return f"about {format_money(self.amount, self.currency)}"


def estimate(provider: str, duration: int, sound: bool) -> Estimate:
    silent, with_sound, currency = RATES.get(provider, (0.0, 0.0, "USD"))
    return Estimate(round((with_sound if sound else silent) * duration, 2), currency)


def format_money(amount: float, currency: str | None) -> str:
    symbol = SYMBOLS.get(currency or "", "")
    return f"{symbol}{amount:.2f}" if symbol else f"{amount:.2f} {currency or ''}".strip()


def sound_note(provider: str) -> str:
    silent, with_sound, _ = RATES.get(provider, (0.0, 0.0, "USD"))
    if not silent:
        return "Sound is free in the offline preview."
    return f"Sound adds about {round((with_sound / silent - 1) * 100)} % to the cost."


def to_usd(amount: float, currency: str | None) -> float:
    return amount * USD_PER.get(currency or "USD", 1.0)


def provider_name(provider: str) -> str:
    return NAMES.get(provider, provider)
