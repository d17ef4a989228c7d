"""The page's Check key: a visitor's own key only, a few checks a minute per caller.

A visitor must never read the operator's account through it (balance, jobs running), so an
empty field sends nothing and the server's key is never tried. Each check is a call to the
provider on a visitor's behalf, so checks are counted per network address (the keyed
digest in Caller.address). The counts live in this process's memory: a restart forgets
them, which lets at most one more budget's worth through.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import deque
from collections.abc import Callable

CHECKS_PER_WINDOW = 10
WINDOW_SECONDS = 60.0
TOO_MANY = "Too many key checks from here: wait a minute, then try again."


def type_a_key(label: str) -> str:
    return f"Type your {label} key in the field above, then press Check key (nothing was sent)."


class RecentCounts:
    """At most `limit` events per `window` seconds for each caller (a sliding window)."""

    def __init__(
        self,
        limit: int = CHECKS_PER_WINDOW,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._seen: dict[str, deque[float]] = {}

    def take(self, who: str) -> bool:
        """Count one event for `who`; False (and nothing counted) when over the budget."""
        now = self.clock()
        if len(self._seen) > 10_000:  # many addresses: drop the ones that went quiet
            self._forget_before(now - self.window)
        recent = self._seen.setdefault(who, deque())
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if len(recent) >= self.limit:
            return False
        recent.append(now)
        return True

    def _forget_before(self, cutoff: float) -> None:
        for who in [w for w, times in self._seen.items() if not times or times[-1] <= cutoff]:
            del self._seen[who]


class TrustedKeys:
    """Keys a provider accepted lately, so Generate checks a visitor's key once, not each time.

    Held as keyed digests in this process's memory (never the key); a restart or
    `TRUST_SECONDS` later the key is checked again.
    """

    TRUST_SECONDS = 600.0

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._salt = secrets.token_bytes(16)
        self._seen: dict[str, float] = {}

    def _print(self, provider: str, key: str) -> str:
        return hmac.new(self._salt, f"{provider}:{key}".encode(), hashlib.sha256).hexdigest()

    def trusted(self, provider: str, key: str) -> bool:
        seen = self._seen.get(self._print(provider, key))
        return seen is not None and self.clock() - seen < self.TRUST_SECONDS

    def trust(self, provider: str, key: str) -> None:
        if len(self._seen) > 10_000:
            self._seen.clear()
        self._seen[self._print(provider, key)] = self.clock()
