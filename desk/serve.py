"""``trendpapers serve-editor``: the desk served by waitress (a production WSGI server in pure Python),
on 127.0.0.1 by default, meant to sit behind the cluster's web server (nginx, Caddy) with TLS.

Behind a proxy, ``trusted_proxy`` names its address: from that peer only, waitress takes the
client's address from ``X-Forwarded-For`` (for the sign-in limits and the record) and the scheme
from ``X-Forwarded-Proto`` (``https``: the session cookie is ``Secure``); from anyone else those
headers are dropped.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ingest.errors import InputError
from trendpapers.config import Config

log = logging.getLogger(__name__)
DEFAULT_ADDRESS = "127.0.0.1:8001"  # beside serve-preview's 8000
THREADS = 8  # requests served at once; publishing holds one for the site's build


@dataclass(frozen=True)
class Address:
    host: str
    port: int

    @property
    def loopback(self) -> bool:
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return self.host == "localhost"


def parse_address(value: str) -> Address:
    """``HOST:PORT`` (``[::1]:8001`` for IPv6) as an ``Address``; an ``InputError`` naming ``value``."""
    host, sep, port = value.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise InputError(f"--address {value!r}: expected HOST:PORT, e.g. {DEFAULT_ADDRESS} or [::1]:8001")
    return Address(host, int(port))


def free_address(value: str) -> Address:
    """``value`` parsed (``parse_address``) once something can listen there: for a server that would
    only fail later, deep inside (the preview's MkDocs); an ``InputError`` naming ``value`` if not."""
    address = parse_address(value)
    try:
        family = socket.AF_INET6 if ":" in address.host else socket.AF_INET  # "[::1]:8000" too
        socket.create_server((address.host, address.port), family=family).close()
    except OSError as exc:
        raise InputError(f"--address {value}: cannot listen there: {exc.strerror}") from None
    return address


def make_server(config: Config, address: Address, trusted_proxy: str | None = None) -> Any:
    """The waitress server for the desk of ``config``, bound and ready to ``run()``."""
    from waitress.server import create_server

    from desk.app import create_app

    if trusted_proxy is not None:
        try:
            ipaddress.ip_address(trusted_proxy)
        except ValueError:
            raise InputError(f"--trusted-proxy {trusted_proxy!r}: expected the proxy's IP address") from None
    options: dict[str, Any] = {"threads": THREADS, "ident": "trendpapers-desk"}
    if trusted_proxy:
        options.update(
            trusted_proxy=trusted_proxy,
            trusted_proxy_count=1,
            trusted_proxy_headers={"x-forwarded-for", "x-forwarded-proto"},
            clear_untrusted_proxy_headers=True,
        )
    try:
        return create_server(create_app(config), host=address.host, port=address.port, **options)
    except OSError as exc:
        raise InputError(
            f"--address {address.host}:{address.port}: cannot listen there: {exc.strerror}"
        ) from exc


def serve_editor(config: Config, address: str, trusted_proxy: str | None, say: Callable[[str], None]) -> None:
    """Serve the desk until interrupted (SIGTERM or Ctrl-C); ``say`` gets the address and warnings."""
    where = parse_address(address)
    server = make_server(config, where, trusted_proxy)
    host = server.effective_host
    shown = f"[{host}]" if ":" in str(host) else host
    say(f"editors' desk: http://{shown}:{server.effective_port}/ (workspace {config.root})")
    if not where.loopback and trusted_proxy is None:
        say(
            "warning: serving on a non-loopback address without a TLS proxy: passwords and papers "
            "travel in clear; serve on 127.0.0.1 behind nginx or Caddy (docs/operations.md)"
        )
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        server.application.extensions["trendpapers-desk"].engine.dispose()
