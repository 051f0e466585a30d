"""Which network addresses the fetcher may connect to, checked at connect time.

The check runs inside the HTTP library's network backend, after DNS resolution and for every
new connection (so for every redirect hop too), and the socket is opened to the very address
that was checked: a hostname that resolves to a public address for a pre-check and to
127.0.0.1 a moment later (DNS rebinding) gains nothing.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import httpcore

from ingest.errors import BlockedAddressError

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    """CIDR strings (``127.0.0.1/32``, ``::1/128``) to networks; raises ValueError on a bad one."""
    return tuple(ipaddress.ip_network(v, strict=False) for v in values)


def address_allowed(ip: IPAddress, allow: tuple[IPNetwork, ...] = ()) -> bool:
    """True if a connection to ``ip`` is permitted.

    Only globally routable unicast addresses are allowed, which refuses loopback, private
    (RFC 1918), link-local (169.254/16 with the cloud metadata service, fe80::/10), CGNAT
    (100.64/10), ULA (fc00::/7), multicast, unspecified and reserved ranges. IPv4 addresses
    mapped into IPv6 are judged as the IPv4 address they carry. ``allow`` lists networks the
    configuration explicitly permits (the demo and the tests allow 127.0.0.1). IPv6 forms that
    carry an IPv4 address (mapped, NAT64, 6to4, the deprecated compatible form) are judged by the
    IPv4 address inside; Teredo tunnels are refused.
    """
    if any(ip.version == net.version and ip in net for net in allow):
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.teredo is not None:
            return False
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return address_allowed(embedded, allow)
    return ip.is_global and not ip.is_multicast


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_COMPATIBLE = ipaddress.ip_network("::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or (ip in _COMPATIBLE and int(ip) > 1):  # "::" and "::1" are not IPv4 carriers
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


async def resolve(host: str, port: int, timeout: float | None) -> list[IPAddress]:
    """All addresses of ``host`` (an IP literal resolves to itself, decimal forms included)."""
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host!r}: {exc}") from exc
    seen: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        # Scope ids ("fe80::1%eth0") are not part of the address proper.
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if ip not in seen:
            seen.append(ip)
    return seen


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that resolves, checks and then connects to the checked address.

    If any resolved address is refused the whole host is refused: a name that mixes public and
    private addresses is more likely an attack than a mistake.
    """

    def __init__(self, allow: tuple[IPNetwork, ...] = (), inner: httpcore.AsyncNetworkBackend | None = None):
        self._allow = allow
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await resolve(host, port, timeout)
        refused = [ip for ip in addresses if not address_allowed(ip, self._allow)]
        if refused:
            raise BlockedAddressError(
                f"{host}:{port}",
                f"refused to connect to non-public address {refused[0]} "
                "(allow it explicitly with fetch.allow_networks)",
            )
        last: Exception | None = None
        for ip in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(ip), port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except httpcore.ConnectError as exc:  # try the host's next address
                last = exc
        raise last or httpcore.ConnectError(f"no address for {host!r}")

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddressError(path, "unix sockets are never used by the fetcher")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
