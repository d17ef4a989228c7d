"""Whose jobs are whose: owners come from what the server signed, never from the payload.

    browser visitor  "b-<random>"     from a token the server signed, kept in the browser
    API caller       "api-<digest>"   a digest of the caller's address (trusted proxies only)
    operator / CLI   "local"          never visible to web visitors

On a private run (one person on their own machine, bound to loopback) everyone is "local":
that person sees every job, the CLI's included.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import os
import secrets
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

LOCAL_OWNER = "local"


class Owners:
    """Issues and checks browser owner tokens, and names API callers by address.

    The token travels in the page's own storage (Gradio's BrowserState) rather than a
    cookie: a Space runs inside an iframe on another site, where browsers drop cookies.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        multi_user: bool,
        trusted_proxies: str = "",
        on_spaces: bool = False,
    ) -> None:
        self.multi_user = multi_user
        self._secret = load_secret(data_dir / ".owner-secret")
        self._proxies = parse_networks(trusted_proxies)
        self._on_spaces = on_spaces

    # --- browsers ---------------------------------------------------------------------------

    def issue(self) -> str:
        """A new token naming a fresh browser owner."""
        return self._sign(f"b-{secrets.token_hex(12)}")

    def verify(self, token: str | None) -> str | None:
        """The owner a token names, or None when it is missing or not signed here."""
        if not isinstance(token, str) or "." not in token:
            return None
        owner = token.rpartition(".")[0]
        if not owner.startswith("b-"):
            return None
        return owner if hmac.compare_digest(self._sign(owner), token) else None

    def keep_or_issue(self, token: str | None) -> str:
        """The page's stored token if it is ours, else a new one (run on page load)."""
        if not self.multi_user:
            return LOCAL_OWNER
        return token if self.verify(token) else self.issue()

    def _sign(self, owner: str) -> str:
        digest = hmac.new(self._secret, owner.encode(), hashlib.sha256).digest()
        return f"{owner}.{base64.urlsafe_b64encode(digest[:18]).decode()}"

    def of_page(self, token: str | None) -> str | None:
        """The owner behind a page event: "local" on a private run, else the token's."""
        if not self.multi_user:
            return LOCAL_OWNER
        return self.verify(token)

    # --- API callers ------------------------------------------------------------------------

    def of_api(self, request: Any) -> str:
        """An API caller's owner: a digest of its address (it has no page token)."""
        if not self.multi_user:
            return LOCAL_OWNER
        return f"api-{self.caller(request)}"

    def caller(self, request: Any) -> str:
        """A keyed digest of the caller's address: rate limits count by it, and the store
        never holds the address itself."""
        digest = hmac.new(self._secret, self.client_address(request).encode(), hashlib.sha256)
        return digest.hexdigest()[:16]

    def client_address(self, request: Any) -> str:
        """The caller's address: the peer's, or what a proxy the operator trusts says."""
        client = getattr(request, "client", None)
        peer = str(getattr(client, "host", "") or "")
        forwarded = _headers(request).get("x-forwarded-for", "")
        if not forwarded or not self._trusts(peer):
            return peer or "unknown"
        # Right to left: the first hop that is not a trusted proxy is the caller.
        for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
            if not self._trusts(hop):
                return hop
        return peer

    def _trusts(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        if any(ip in network for network in self._proxies):
            return True
        # On a Hugging Face Space the app sits behind the platform's proxy, which reaches it
        # from a private address and sets X-Forwarded-For.
        return self._on_spaces and not ip.is_global


def parse_networks(text: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """'10.0.0.1, 192.168.0.0/16' -> networks; a bad entry is a ValueError naming it."""
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ValueError(
                f"KLING_UI_TRUSTED_PROXIES: {item!r} is not an address or network"
            ) from exc
    return networks


def _headers(request: Any) -> Mapping[str, str]:
    headers = getattr(request, "headers", None) if request is not None else None
    return {str(k).lower(): str(v) for k, v in dict(headers or {}).items()}


def load_secret(path: Path) -> bytes:
    """A random secret kept beside the data (0600), made once and shared by every process."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_bytes(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process (CLI beside the app) just made it
            time.sleep(0.05)
            return path.read_bytes()
        with os.fdopen(fd, "wb") as out:
            out.write(secret)
        return secret
