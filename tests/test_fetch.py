"""The fetcher against a real local server: limits, address checks, politeness, caching headers."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import itertools
import shutil
import subprocess
import time
import zlib
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from ingest.errors import (
    BlockedAddressError,
    DeadlineError,
    FetchError,
    HostClosedError,
    RateLimitedError,
    TooLargeError,
)
from ingest.fetch import Fetcher, FetchPolicy, FetchResult, check_url, parse_retry_after
from ingest.netguard import address_allowed, parse_networks
from tests.conftest import LocalServer, endless, local_policy, respond, trickle


def fetch(policy: FetchPolicy, url: str, **kwargs: object) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(policy) as f:
            return await f.fetch(url, **kwargs)  # type: ignore[arg-type]

    return asyncio.run(go())


def test_plain_fetch_sends_user_agent_and_returns_body(server: LocalServer) -> None:
    url = server.static(
        "/feed.xml", b"<rss/>", headers={"ETag": '"v1"', "Last-Modified": "Mon, 02 Nov 2026 10:00:00 GMT"}
    )
    result = fetch(local_policy(), url)
    assert result.status == 200 and result.content == b"<rss/>"
    assert result.etag == '"v1"' and result.last_modified == "Mon, 02 Nov 2026 10:00:00 GMT"
    assert server.hits("/feed.xml")[0].headers["user-agent"].startswith("Trendpapers-tests/0.1 (+https://")


def test_conditional_get_sends_validators_and_reports_304(server: LocalServer) -> None:
    def handler(req: BaseHTTPRequestHandler) -> None:
        if req.headers.get("If-None-Match") == '"v1"':
            req.send_response(304)
            req.send_header("Content-Length", "0")
            req.end_headers()
        else:
            respond(req, b"<rss/>", headers={"ETag": '"v1"'})

    url = server.route("/feed", handler)
    assert fetch(local_policy(), url).status == 200
    result = fetch(local_policy(), url, etag='"v1"', last_modified="Mon, 02 Nov 2026 10:00:00 GMT")
    assert result.not_modified and result.content == b"" and result.etag == '"v1"'
    assert server.hits("/feed")[1].headers["if-modified-since"] == "Mon, 02 Nov 2026 10:00:00 GMT"


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate"])
def test_compressed_bodies_are_decoded(server: LocalServer, encoding: str) -> None:
    body = b"<rss>" + b"x" * 10_000 + b"</rss>"
    if encoding == "gzip":
        packed = gzip.compress(body)
    elif encoding == "deflate":
        packed = zlib.compress(body)
    else:
        c = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        packed = c.compress(body) + c.flush()
    url = server.static("/z", packed, headers={"Content-Encoding": encoding.replace("raw-", "")})
    assert fetch(local_policy(), url).content == body


def test_redirects_are_followed_up_to_the_limit(server: LocalServer) -> None:
    for n in range(7):
        server.static(f"/r{n}", b"", status=302, headers={"Location": f"/r{n + 1}"})
    server.static("/r7", b"done")
    result = fetch(local_policy(max_redirects=7), server.url("/r0"))
    assert result.content == b"done" and result.final_url.endswith("/r7")
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch(local_policy(), server.url("/r0"))


@pytest.mark.parametrize(
    "url", ["ftp://example.org/feed", "file:///etc/passwd", "gopher://127.0.0.1/", "javascript:alert(1)"]
)
def test_only_http_and_https(url: str) -> None:
    with pytest.raises(FetchError, match="scheme"):
        fetch(local_policy(), url)


def test_redirect_to_file_scheme_is_refused(server: LocalServer) -> None:
    server.static("/evil", b"", status=301, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(FetchError, match="scheme 'file'"):
        fetch(local_policy(), server.url("/evil"))


# --- addresses: SSRF ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("93.184.215.14", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata service
        ("100.64.0.1", False),  # CGNAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),  # ULA
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("::ffff:10.0.0.1", False),
        ("::ffff:93.184.215.14", True),
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("64:ff9b::5db8:d70e", True),  # NAT64 of a public address
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("::7f00:1", False),  # IPv4-compatible 127.0.0.1
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo
    ],
)
def test_address_policy(address: str, allowed: bool) -> None:
    assert address_allowed(ipaddress.ip_address(address)) is allowed


def test_allow_networks_opens_exactly_what_is_listed() -> None:
    allow = parse_networks(["127.0.0.1/32"])
    assert address_allowed(ipaddress.ip_address("127.0.0.1"), allow)
    assert not address_allowed(ipaddress.ip_address("127.0.0.2"), allow)
    assert not address_allowed(ipaddress.ip_address("::1"), allow)


def _blocked_policy() -> FetchPolicy:
    return local_policy(allow_networks=(), max_retries=0)


def test_loopback_refused_without_allowance_and_no_connection_made(server: LocalServer) -> None:
    server.static("/feed", b"<rss/>")
    for url in (
        server.url("/feed"),
        f"http://2130706433:{server.port}/feed",
        f"http://0x7f000001:{server.port}/feed",
        f"http://localhost:{server.port}/feed",
    ):
        with pytest.raises(BlockedAddressError, match="non-public address"):
            fetch(_blocked_policy(), url)
    assert server.connections == 0


def test_ipv6_loopback_refused(make_server) -> None:  # type: ignore[no-untyped-def]
    try:
        v6 = make_server("::1")
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    v6.static("/feed", b"<rss/>")
    with pytest.raises(BlockedAddressError):
        fetch(_blocked_policy(), v6.url("/feed"))
    assert v6.connections == 0


def _recorded_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The delays the fetcher sleeps for, from now on (each one still slept)."""
    waits: list[float] = []
    sleep = asyncio.sleep

    async def recorded(delay: float, *args: Any, **kwargs: Any) -> Any:
        waits.append(delay)
        return await sleep(delay, *args, **kwargs)

    monkeypatch.setattr(asyncio, "sleep", recorded)
    return waits


def test_metadata_service_address_refused() -> None:
    # Refused before any connection attempt: one would end in a connect error, not this.
    with pytest.raises(BlockedAddressError):
        fetch(_blocked_policy(), "http://169.254.169.254/latest/meta-data/")


def test_redirect_into_a_private_address_is_refused(server: LocalServer, make_server) -> None:  # type: ignore[no-untyped-def]
    private = make_server("127.0.0.2")  # stands for an internal service; 127.0.0.1 plays the public site
    private.static("/admin", b"secret")
    server.static("/go", b"", status=302, headers={"Location": private.url("/admin")})
    with pytest.raises(BlockedAddressError):
        fetch(local_policy(max_retries=0), server.url("/go"))
    assert private.connections == 0
    assert len(server.hits("/go")) == 1


def test_tls_certificates_are_always_verified(tmp_path) -> None:  # type: ignore[no-untyped-def]
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed: cannot make a self-signed certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    server = LocalServer(tls=(cert, key))
    server.start()
    try:
        server.static("/feed", b"<rss/>")
        with pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED"):
            fetch(local_policy(max_retries=0), server.url("/feed"))
        assert server.requests == []  # the handshake failed: no request was ever sent
    finally:
        server.stop()


# --- limits --------------------------------------------------------------------------------------


def test_large_body_is_cut_at_the_cap(server: LocalServer) -> None:
    chunk = b"x" * 1_000_000

    def big(req: BaseHTTPRequestHandler) -> None:  # 50 MB, sent without a Content-Length
        req.send_response(200)
        req.send_header("Content-Type", "application/xml")
        req.send_header("Connection", "close")
        req.end_headers()
        for _ in range(50):
            req.wfile.write(chunk)

    url = server.route("/big", big)
    with pytest.raises(TooLargeError, match="cap of 2000000 bytes"):
        fetch(local_policy(max_bytes=2_000_000), url)
    server.static("/declared", b"x" * 3_000_000)
    with pytest.raises(TooLargeError, match="Content-Length 3000000"):
        fetch(local_policy(max_bytes=2_000_000), server.url("/declared"))


@pytest.mark.slow  # compressing the 1 GB bomb takes seconds
def test_gzip_bomb_is_cut_at_the_decompressed_cap(server: LocalServer) -> None:
    c = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * 1_000_000
    bomb = b"".join(c.compress(block) for _ in range(1000)) + c.flush()  # 1 GB of zeros in ~1 MB
    assert len(bomb) < 2_000_000
    url = server.static("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(TooLargeError):
        fetch(local_policy(max_bytes=5_000_000), url)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 200, f"peak memory grew by {grown_mb:.0f} MB"


def test_endless_stream_is_cut_at_the_cap(server: LocalServer) -> None:
    url = server.route("/endless", endless)
    with pytest.raises(TooLargeError):
        fetch(local_policy(max_bytes=1_000_000), url)


def test_slow_stream_is_cut_at_the_deadline(server: LocalServer) -> None:
    url = server.route("/slow", trickle(0.5))  # one byte every 0.5 s, well within the read timeout
    with pytest.raises(DeadlineError, match=r"deadline of 1\.5s"):
        fetch(local_policy(deadline=1.5), url)


def test_read_timeout_on_a_silent_server_is_retried_then_reported(server: LocalServer) -> None:
    def silent(req: BaseHTTPRequestHandler) -> None:
        time.sleep(3)

    url = server.route("/silent", silent)
    with pytest.raises(FetchError, match="timeout"):
        fetch(local_policy(read_timeout=0.3, max_retries=1), url)
    assert len(server.hits("/silent")) == 2


def test_a_silent_host_costs_one_deadline_and_is_not_asked_again_this_run(server: LocalServer) -> None:
    def silent(req: BaseHTTPRequestHandler) -> None:
        time.sleep(3)

    url = server.route("/silent", silent)
    server.static("/page", b"<html/>")

    async def go() -> tuple[object, object]:
        async with Fetcher(local_policy(read_timeout=0.4, max_retries=8, deadline=1.0)) as f:
            first = (await asyncio.gather(f.fetch(url), return_exceptions=True))[0]
            second = (await asyncio.gather(f.fetch(server.url("/page")), return_exceptions=True))[0]
            return first, second

    first, second = asyncio.run(go())
    assert isinstance(first, FetchError) and not isinstance(first, HostClosedError)
    assert len(server.hits("/silent")) <= 3  # retries stop at the deadline, not after 9 timeouts
    assert isinstance(second, HostClosedError) and f"the host did not answer {url} in time" in second.reason
    assert server.hits("/page") == []


# --- politeness ----------------------------------------------------------------------------------


def test_retry_after_is_honoured_before_the_next_request(server: LocalServer) -> None:
    calls = []

    def limited(req: BaseHTTPRequestHandler) -> None:
        calls.append(time.monotonic())
        if len(calls) == 1:
            respond(req, b"slow down", "text/plain", 429, {"Retry-After": "2"})
        else:
            respond(req, b"<rss/>")

    url = server.route("/limited", limited)
    assert fetch(local_policy(), url).content == b"<rss/>"
    assert len(calls) == 2 and calls[1] - calls[0] >= 2.0


def test_long_retry_after_is_reported_not_waited_for(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits = _recorded_waits(monkeypatch)
    url = server.static("/later", b"", status=503, headers={"Retry-After": "3600"})
    with pytest.raises(RateLimitedError) as info:
        fetch(local_policy(), url)
    assert info.value.retry_after == 3600 and max(waits, default=0) < 3600
    assert len(server.hits("/later")) == 1


def test_transient_errors_are_retried_with_backoff(server: LocalServer) -> None:
    calls = []

    def flaky(req: BaseHTTPRequestHandler) -> None:
        calls.append(time.monotonic())
        if len(calls) < 3:
            respond(req, b"oops", "text/plain", 502)
        else:
            respond(req, b"<rss/>")

    url = server.route("/flaky", flaky)
    assert fetch(local_policy(backoff_base=0.2, max_retries=2), url).content == b"<rss/>"
    # Backoff doubles (0.2 s, then 0.4 s) with jitter of +-50%.
    assert calls[1] - calls[0] >= 0.1 and calls[2] - calls[1] >= 0.2


def test_client_errors_are_not_retried(server: LocalServer) -> None:
    url = server.static("/gone", b"", status=410)
    with pytest.raises(FetchError, match="HTTP 410"):
        fetch(local_policy(), url)
    assert len(server.hits("/gone")) == 1


class _Timed(Fetcher):
    """A fetcher that notes when each request is sent: the gap is measured where it is decided, not
    when the server (slowed down on a busy machine) gets to the request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.starts: list[float] = []

    async def _request(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, str], bytes]:
        self.starts.append(asyncio.get_running_loop().time())
        return await super()._request(*args, **kwargs)


def _gaps_between_starts(server: LocalServer, **policy: Any) -> list[float]:
    for n in range(4):
        server.static(f"/p{n}", b"ok")

    fetcher = _Timed(local_policy(host_gap=0.3, **policy))

    async def go() -> list[float]:
        async with fetcher as f:
            await asyncio.gather(*(f.fetch(server.url(f"/p{n}")) for n in range(4)))
        return fetcher.starts

    starts = sorted(asyncio.run(go()))
    assert len(starts) == 4
    return [b - a for a, b in itertools.pairwise(starts)]


def test_per_host_gap_and_concurrency(server: LocalServer) -> None:
    gaps = _gaps_between_starts(server, host_concurrency=1)
    assert all(g >= 0.29 for g in gaps), gaps


@pytest.mark.parametrize(
    ("value", "expected"),
    [("120", 120.0), ("0", 0.0), (None, None), ("soon", None), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


@pytest.mark.parametrize(
    ("url", "wire"),
    [
        (
            "https://Bücher.example/grüne Logistik?q=ä#top",
            "https://xn--bcher-kva.example/gr%C3%BCne%20Logistik?q=%C3%A4",
        ),
        ("http://example.org", "http://example.org/"),
        ("http://example.org:8080/a%20b", "http://example.org:8080/a%20b"),
        ("http://[::1]:81/x", "http://[::1]:81/x"),
    ],
)
def test_urls_are_sent_in_ascii(url: str, wire: str) -> None:
    assert check_url(url) == wire


@pytest.mark.parametrize(
    "url", ["http://example.org:99999/", "http://[::1/x", "https://user:pw@example.org/", "http:///x"]
)
def test_bad_urls_are_fetch_errors(url: str) -> None:
    with pytest.raises(FetchError):
        check_url(url)


def test_non_ascii_redirect_target_is_followed(server: LocalServer) -> None:
    server.static("/start", b"", status=302, headers={"Location": "/gr%C3%BCn"})
    server.static("/gr%C3%BCn", b"<rss/>")
    assert fetch(local_policy(), server.url("/start")).content == b"<rss/>"


def test_concatenated_gzip_members_are_all_read(server: LocalServer) -> None:
    url = server.static(
        "/multi",
        gzip.compress(b"<rss>one") + gzip.compress(b"two</rss>"),
        headers={"Content-Encoding": "gzip"},
    )
    assert fetch(local_policy(), url).content == b"<rss>onetwo</rss>"


def test_a_long_retry_after_closes_the_host_for_the_run(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits = _recorded_waits(monkeypatch)
    server.static("/busy", b"", status=429, headers={"Retry-After": "3600"})
    server.static("/other", b"<rss/>")

    async def go() -> tuple[object, object]:
        async with Fetcher(local_policy(deadline=2.0)) as f:
            first = await asyncio.gather(f.fetch(server.url("/busy")), return_exceptions=True)
            second = await asyncio.gather(f.fetch(server.url("/other")), return_exceptions=True)
            return first[0], second[0]

    first, second = asyncio.run(go())
    assert isinstance(first, RateLimitedError) and first.status == 429
    # The other request was not sent, and says why, with the status the host really gave.
    assert isinstance(second, HostClosedError) and second.status is None
    assert f"the host asked (HTTP 429 for {server.url('/busy')})" in second.reason
    assert max(waits, default=0) < 3600  # nobody sat waiting for the hour to pass
    assert server.hits("/other") == []


def test_gap_holds_when_global_slots_are_scarce(server: LocalServer) -> None:
    gaps = _gaps_between_starts(server, host_concurrency=4, concurrency=1)
    assert all(g >= 0.29 for g in gaps), gaps
