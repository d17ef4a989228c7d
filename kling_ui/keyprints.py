"""Recognise an API key again without storing it: a salted HMAC fingerprint per provider."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path


class KeyPrints:
    """Fingerprints that match the same key for the same provider, and nothing else."""

    def __init__(self, data_dir: Path) -> None:
        self._salt = _load_salt(data_dir)

    def of(self, provider: str, key: str | None) -> str | None:
        if not key:
            return None
        digest = hmac.new(self._salt, f"{provider}:{key}".encode(), hashlib.sha256)
        return digest.hexdigest()[:24]


def _load_salt(data_dir: Path) -> bytes:
    # The salt never leaves the data dir, so a leaked store can't be matched against keys.
    path = data_dir / ".key-salt"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        data_dir.mkdir(parents=True, exist_ok=True)
        salt = secrets.token_bytes(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process (CLI beside the app) just made it
            time.sleep(0.05)
            return path.read_bytes()
        with os.fdopen(fd, "wb") as out:
            out.write(salt)
        return salt
