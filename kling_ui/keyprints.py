"""Recognise an API key again without storing it: a salted HMAC fingerprint per provider."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from .owners import load_secret


class KeyPrints:
    """Fingerprints that match the same key for the same provider, and nothing else."""

    def __init__(self, data_dir: Path) -> None:
        # The salt never leaves the data dir, so a leaked store can't be matched to keys.
        self._salt = load_secret(data_dir / ".key-salt")

    def of(self, provider: str, key: str | None) -> str | None:
        if not key:
            return None
        digest = hmac.new(self._salt, f"{provider}:{key}".encode(), hashlib.sha256)
        return digest.hexdigest()[:24]
