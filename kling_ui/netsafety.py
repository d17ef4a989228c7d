"""Which web addresses the app may fetch: public https hosts only, checked after DNS.

A visitor's image URL must not make the server read its own network (cloud metadata,
admin panels on localhost, the LAN); a provider's result link must point at that
provider's own hosts.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable

import httpx

Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


def is_public_address(address: str) -> bool:
    """True for globally routable unicast addresses (not private, loopback, link-local...)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class UnsafeURL(ValueError):
    """The address is not one the app will fetch; the message says why, for a person."""


async def check_public_https(url: str, resolver: Resolver = system_resolver) -> None:
    """Raise UnsafeURL unless `url` is https and every address its host resolves to is public."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise UnsafeURL("that isn't a valid web address") from exc
    if parsed.scheme != "https":
        raise UnsafeURL("web addresses must start with https://")
    host = parsed.host
    if not host:
        raise UnsafeURL("that web address has no host")
    try:
        ipaddress.ip_address(host)
        addresses = [host]
    except ValueError:
        try:
            addresses = await resolver(host, parsed.port or 443)
        except OSError as exc:
            raise UnsafeURL(f"the host {host} can't be found") from exc
    if not addresses:
        raise UnsafeURL(f"the host {host} can't be found")
    if not all(is_public_address(a) for a in addresses):
        raise UnsafeURL(
            f"{host} points to a private or local network address; use a public https address"
        )


def host_allowed(url: str, suffixes: tuple[str, ...], base_url: str) -> bool:
    """A result link is trusted on the configured base URL's own host (any scheme it uses,
    so the fake providers on loopback work) or over https on one of `suffixes`."""
    try:
        parsed, base = httpx.URL(url), httpx.URL(base_url)
    except httpx.InvalidURL:
        return False
    host = (parsed.host or "").lower()
    if host and host == (base.host or "").lower() and parsed.scheme == base.scheme:
        return True
    return parsed.scheme == "https" and any(
        host == suffix or host.endswith("." + suffix) for suffix in suffixes
    )
