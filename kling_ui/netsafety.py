"""Which web addresses the app may fetch: public https hosts only, checked after DNS.

A visitor's image URL must not make the server read its own network (cloud metadata,
admin panels on localhost, the LAN), and neither may a provider's result link: both are
fetched only from public addresses, the result links checked at connect time.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable

import httpcore
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


class PublicOnlyBackend(httpcore.AsyncNetworkBackend):
    """Connects only to public addresses, checked when the connection is made.

    The host is resolved here, every address it resolves to must be public, and the socket
    goes to one of those very addresses: DNS can't answer differently between the check
    and the connection. TLS still verifies the certificate for the host name (httpcore
    sends the origin's name for SNI), and every redirect is a new connection through here.
    """

    def __init__(self, resolver: Resolver = system_resolver, *, allow_private: bool = False):
        self._resolver = resolver
        self._allow_private = allow_private
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options=None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            ipaddress.ip_address(host)
            addresses = [host]
        except ValueError:
            try:
                addresses = await self._resolver(host, port)
            except OSError as exc:
                raise httpcore.ConnectError(f"the host {host} can't be found") from exc
        if not addresses:
            raise httpcore.ConnectError(f"the host {host} can't be found")
        if not self._allow_private and not all(is_public_address(a) for a in addresses):
            raise UnsafeURL(f"{host} points to a private or local network address")
        return await self._inner.connect_tcp(
            addresses[0], port, timeout, local_address, socket_options
        )

    async def connect_unix_socket(self, *args, **kwargs) -> httpcore.AsyncNetworkStream:
        raise UnsafeURL("local sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context per process: building one loads the CA bundle (tens of ms), and
    each httpx client would otherwise build its own, twice for the download client."""
    return httpx.create_ssl_context()


def download_client(
    *,
    timeout: httpx.Timeout,
    user_agent: str,
    allow_private: bool = False,
    resolver: Resolver = system_resolver,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The client that fetches result videos from whatever host a provider names.

    The link comes from the provider's authenticated answer, so its host can't be known in
    advance (RunningHub serves from Tencent COS buckets that change without notice); what
    protects the server is where it connects: https only, public addresses only, on every
    hop. `allow_private` (KLING_UI_ALLOW_PRIVATE_DOWNLOADS) admits loopback and private
    links over http too, for the fake providers in tests. A `transport` given (tests: fake
    providers in-process) replaces the connections; the https rule still holds.
    """
    if transport is None:
        transport = public_transport(resolver, allow_private=allow_private)

    async def https_only(request: httpx.Request) -> None:
        if request.url.scheme != "https" and not allow_private:
            raise UnsafeURL("video links must start with https://")

    return httpx.AsyncClient(
        transport=transport,
        timeout=timeout,
        follow_redirects=True,
        max_redirects=5,
        headers={"User-Agent": user_agent},
        event_hooks={"request": [https_only]},
    )


def public_transport(resolver: Resolver, *, allow_private: bool) -> httpx.AsyncHTTPTransport:
    """Connections to public addresses only (each one checked as it is made)."""
    transport = httpx.AsyncHTTPTransport(verify=tls_context())
    # httpx builds its pool without a way to pass a network backend: build it again with
    # ours (same TLS context and limits).
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=tls_context(),
        max_connections=50,
        max_keepalive_connections=10,
        network_backend=PublicOnlyBackend(resolver, allow_private=allow_private),
    )
    return transport
