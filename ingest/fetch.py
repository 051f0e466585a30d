"""The fetcher: the only code in Trendpapers that touches the network.

One ``Fetcher`` per run. It speaks HTTP through httpcore with a guarded network backend
(see ``netguard``) and adds what a polite, safe crawler needs: http(s) only, at most
``max_redirects`` redirects with every hop checked again, a connect timeout and a total
deadline per fetch, a cap on decompressed bytes (we decode gzip/deflate ourselves, bounded),
TLS always verified, conditional GET, a per-host concurrency limit and minimum gap between
requests, Retry-After honoured, and retries with exponential backoff and jitter for
transient failures.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import random
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import httpcore

from ingest.errors import DeadlineError, FetchError, HostClosedError, RateLimitedError, TooLargeError
from ingest.netguard import GuardedBackend, IPNetwork

log = logging.getLogger(__name__)

_REDIRECTS = {301, 302, 303, 307, 308}
# Statuses worth another try after a pause; everything else 4xx/5xx fails at once.
_TRANSIENT = {408, 425, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class FetchPolicy:
    """How politely and defensively to fetch. Built from the ``[fetch]`` config section."""

    user_agent: str = "Trendpapers/0.1 (+https://github.com/trendpapers/trendpapers)"
    connect_timeout: float = 10.0
    read_timeout: float = 30.0  # longest silence between two chunks
    deadline: float = 60.0  # whole fetch: every redirect hop and the full body
    max_bytes: int = 10_000_000  # decompressed body cap for feeds
    max_page_bytes: int = 5_000_000  # decompressed body cap for article pages
    max_redirects: int = 5
    concurrency: int = 32  # requests in flight over all hosts
    host_concurrency: int = 2
    host_gap: float = 1.0  # seconds between the starts of two requests to one host
    max_retries: int = 2
    backoff_base: float = 1.0
    retry_after_max_wait: float = 30.0  # wait in-run for a Retry-After up to this, else give up for now
    retry_after_cap: float = 86_400.0  # never believe a Retry-After longer than a day
    allow_networks: tuple[IPNetwork, ...] = ()


@dataclass(frozen=True)
class FetchResult:
    """A completed HTTP exchange (after redirects). ``content`` is decoded from gzip/deflate."""

    url: str
    final_url: str
    status: int
    headers: Mapping[str, str] = field(repr=False)
    content: bytes = field(repr=False)
    fetched_at: datetime
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def check_url(url: str) -> str:
    """The URL as sent on the wire (ASCII: IDNA host, percent-encoded path and query, no fragment).

    Refuses anything but absolute http(s) URLs with a valid host and port and no credentials.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:
        raise FetchError(url, f"not a URL: {exc}") from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError(url, f"scheme {parts.scheme or '(none)'!r} is not allowed, only http and https")
    try:
        port = parts.port
        host = parts.hostname or ""
    except ValueError as exc:
        raise FetchError(url, f"invalid host or port: {exc}") from exc
    if not host:
        raise FetchError(url, "URL has no host")
    if parts.username or parts.password:
        raise FetchError(url, "URLs with credentials are not fetched")
    if ":" in host:
        host = f"[{host}]"
    else:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise FetchError(url, f"invalid host name: {exc}") from exc
    netloc = f"{host}:{port}" if port is not None else host
    # Existing %-escapes are kept ("%" is safe); spaces and non-ASCII characters are encoded.
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="/%:@!$&'()*+,;=?-._~")
    return urlunsplit((parts.scheme.lower(), netloc, path, query, ""))


class _Decoder:
    """Bounded content decoding: never produces more than ``limit`` bytes, whatever the ratio."""

    def __init__(self, encoding: str, url: str, limit: int):
        self.url, self.limit, self.size = url, limit, 0
        self.parts: list[bytes] = []
        encoding = encoding.strip().lower()
        if encoding in ("", "identity"):
            self._z = None
        elif encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = zlib.decompressobj()
        else:
            raise FetchError(url, f"unsupported Content-Encoding {encoding!r}")
        self._encoding = encoding
        self._first = True
        self.compressed = self._z is not None

    def _take(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise TooLargeError(self.url, f"body exceeds the cap of {self.limit} bytes")
        self.parts.append(data)

    def feed(self, chunk: bytes) -> None:
        if self._z is None:
            self._take(chunk)
            return
        if self._first and self._encoding == "deflate" and chunk[:1] and (chunk[0] & 0x0F) != 8:
            # Some servers send raw deflate without the zlib header.
            self._z = zlib.decompressobj(-zlib.MAX_WBITS)
        self._first = False
        data = chunk
        try:
            while data:
                out = self._z.decompress(data, self.limit - self.size + 1)
                self._take(out)
                data = self._z.unconsumed_tail
                if not data and self._z.eof and self._z.unused_data and self._encoding != "deflate":
                    # Another gzip member follows (concatenated gzip files are one valid body).
                    data = self._z.unused_data
                    self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        except zlib.error as exc:
            raise FetchError(self.url, f"corrupt {self._encoding} body: {exc}") from exc

    def finish(self) -> bytes:
        if self._z is not None:
            try:
                self._take(self._z.flush())
            except zlib.error as exc:
                raise FetchError(self.url, f"corrupt {self._encoding} body: {exc}") from exc
        return b"".join(self.parts)


class _HostGate:
    """Per-host politeness: a concurrency limit, a minimum gap between request starts, and a
    "closed until" time when the host asked us (Retry-After) to come back later than we wait."""

    def __init__(self, concurrency: int, gap: float):
        self.sem = asyncio.Semaphore(concurrency)
        self.gap = gap
        self.next_start = 0.0
        self.closed_until = 0.0
        self.closed_by = ""  # why the host is closed, in words
        self._lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def turn(self, url: str, slots: asyncio.Semaphore) -> AsyncIterator[None]:
        """Hold a host slot and a global slot for one request, started no earlier than the gap allows.

        The global slot is taken only once the host's turn has come, so a request waiting out a
        host's gap leaves the slot to requests for other hosts; and the gap is stamped after the
        slot is taken, so requests that queued for a slot cannot start back to back.
        """
        async with self.sem:
            async with self._lock:
                loop = asyncio.get_running_loop()
                self._check_open(url, loop.time())
                delay = self.next_start - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                    self._check_open(url, loop.time())
                await slots.acquire()
                self.next_start = loop.time() + self.gap
            try:
                yield
            finally:
                slots.release()

    def _check_open(self, url: str, now: float) -> None:
        if self.closed_until > now:
            raise HostClosedError(
                url,
                f"not tried: the host asked ({self.closed_by}) to wait {self.closed_until - now:.0f}s more",
            )

    def hold_off(self, seconds: float, *, close: bool, why: str = "") -> None:
        """No request to this host for ``seconds``: queued requests wait, or are not sent this run if
        ``close`` (``why``: the reason, in words)."""
        until = asyncio.get_running_loop().time() + seconds
        if close:
            if until > self.closed_until:
                self.closed_until, self.closed_by = until, why
        else:
            self.next_start = max(self.next_start, until)


class Fetcher:
    """Fetch URLs under a ``FetchPolicy``. Use as ``async with Fetcher(policy) as f: await f.fetch(url)``."""

    def __init__(self, policy: FetchPolicy):
        self.policy = policy
        self._hosts: dict[str, _HostGate] = {}
        self._global = asyncio.Semaphore(policy.concurrency)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl.create_default_context(),  # verifies certificates and host names
            max_connections=policy.concurrency,
            keepalive_expiry=30.0,
            network_backend=GuardedBackend(policy.allow_networks),
        )
        self.requests = 0  # requests sent, for reports and tests

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._pool.aclose()

    def _gate(self, url: str) -> _HostGate:
        parts = urlsplit(url)
        key = f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
        gate = self._hosts.get(key)
        if gate is None:
            gate = self._hosts[key] = _HostGate(self.policy.host_concurrency, self.policy.host_gap)
        return gate

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int | None = None,
    ) -> FetchResult:
        """GET ``url`` with retries for transient failures. Raises a ``FetchError`` subclass.

        The deadline covers the whole fetch, retries included. A host that let a request time out
        is not asked again in this run: its other requests fail at once instead of each waiting out
        the same silence.
        """
        attempt = 0
        deadline: list[float] = []  # set when the first request starts
        while True:
            try:
                return await self._fetch_once(
                    url, etag, last_modified, max_bytes or self.policy.max_bytes, deadline
                )
            except RateLimitedError as exc:
                if attempt >= self.policy.max_retries or exc.retry_after > self.policy.retry_after_max_wait:
                    raise
                # The host gate already holds every request to this host until Retry-After has passed.
                log.info("%s: %s; retrying after %.1fs", url, exc.reason, exc.retry_after)
            except _Transient as exc:
                delay = self.policy.backoff_base * 2**attempt * random.uniform(0.5, 1.5)
                out_of_time = bool(deadline) and asyncio.get_running_loop().time() + delay >= deadline[0]
                if attempt >= self.policy.max_retries or out_of_time:
                    if exc.timed_out:
                        self._gate(url).hold_off(self.policy.retry_after_cap, close=True, why=_silent(url))
                    raise FetchError(url, exc.reason, status=exc.status, transient=True) from exc
                log.info("%s: %s; retry %d in %.1fs", url, exc.reason, attempt + 1, delay)
                await asyncio.sleep(delay)
            except DeadlineError:
                self._gate(url).hold_off(self.policy.retry_after_cap, close=True, why=_silent(url))
                raise
            attempt += 1

    async def _fetch_once(
        self, url: str, etag: str | None, last_modified: str | None, max_bytes: int, deadline: list[float]
    ) -> FetchResult:
        loop = asyncio.get_running_loop()
        current = check_url(url)
        for _hop in range(self.policy.max_redirects + 1):
            gate = self._gate(current)
            async with gate.turn(url, self._global):
                # The deadline runs from the first request: waiting for a host's turn is politeness,
                # bounded by the gap, not the server's slowness.
                if not deadline:
                    deadline.append(loop.time() + self.policy.deadline)
                try:
                    async with asyncio.timeout_at(deadline[0]):
                        status, headers, body = await self._request(current, etag, last_modified, max_bytes)
                except TimeoutError as exc:
                    raise DeadlineError(
                        url, f"no complete response within the deadline of {self.policy.deadline:g}s"
                    ) from exc
            if status in _REDIRECTS:
                location = headers.get("location")
                if not location:
                    raise FetchError(url, f"redirect {status} without Location", status=status)
                current = check_url(urljoin(current, location.strip()))
                continue
            if status == 304 or 200 <= status < 300:
                return FetchResult(
                    url=url,
                    final_url=current,
                    status=status,
                    headers=headers,
                    content=body,
                    fetched_at=datetime.now(UTC),
                    etag=headers.get("etag") or (etag if status == 304 else None),
                    last_modified=headers.get("last-modified") or (last_modified if status == 304 else None),
                )
            retry_after = parse_retry_after(headers.get("retry-after"))
            if status in (429, 503) and retry_after is not None:
                wait = min(retry_after, self.policy.retry_after_cap)
                # A wait we are willing to sit out holds the host's queue; a longer one closes the
                # host for this run, so nothing else waits for it.
                gate.hold_off(
                    wait,
                    close=wait > self.policy.retry_after_max_wait,
                    why=f"the host asked (HTTP {status} for {current}) to wait {wait:g}s",
                )
                raise RateLimitedError(
                    url, f"HTTP {status}, Retry-After {wait:g}s", status=status, retry_after=wait
                )
            if status in _TRANSIENT:
                raise _Transient(f"HTTP {status}", status)
            raise FetchError(url, f"HTTP {status}", status=status)
        raise FetchError(url, f"more than {self.policy.max_redirects} redirects")

    async def _request(
        self, url: str, etag: str | None, last_modified: str | None, max_bytes: int
    ) -> tuple[int, dict[str, str], bytes]:
        headers = [
            (b"User-Agent", self.policy.user_agent.encode()),
            (b"Accept-Encoding", b"gzip, deflate"),
            (b"Accept", b"*/*"),
        ]
        if etag:
            headers.append((b"If-None-Match", etag.encode("latin-1", "replace")))
        if last_modified:
            headers.append((b"If-Modified-Since", last_modified.encode("latin-1", "replace")))
        timeouts = {
            "connect": self.policy.connect_timeout,
            "read": self.policy.read_timeout,
            "write": self.policy.read_timeout,
            "pool": self.policy.deadline,
        }
        self.requests += 1
        try:
            async with self._pool.stream(
                "GET", url, headers=headers, extensions={"timeout": timeouts}
            ) as response:
                resp_headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in response.headers}
                if response.status in _REDIRECTS or response.status == 304 or response.status >= 400:
                    return response.status, resp_headers, b""  # bodies we do not read are not downloaded
                decoder = _Decoder(resp_headers.get("content-encoding", ""), url, max_bytes)
                declared = resp_headers.get("content-length", "")
                if declared.isdigit() and not decoder.compressed and int(declared) > max_bytes:
                    raise TooLargeError(
                        url, f"Content-Length {declared} exceeds the cap of {max_bytes} bytes"
                    )
                async for chunk in response.aiter_stream():
                    decoder.feed(chunk)
                return response.status, resp_headers, decoder.finish()
        except httpcore.TimeoutException as exc:
            raise _Transient(f"timeout ({type(exc).__name__})", None, timed_out=True) from exc
        except (httpcore.ConnectError, httpcore.NetworkError) as exc:
            raise _Transient(f"connection failed: {exc or type(exc).__name__}", None) from exc
        except httpcore.ProtocolError as exc:
            raise FetchError(url, f"HTTP protocol error: {exc or type(exc).__name__}") from exc
        except httpcore.UnsupportedProtocol as exc:
            raise FetchError(url, f"unsupported protocol: {exc}") from exc


def _silent(url: str) -> str:
    return f"the host did not answer {url} in time; it is not asked again in this run"


class _Transient(Exception):  # noqa: N818  (internal signal, never leaves this module)
    def __init__(self, reason: str, status: int | None, *, timed_out: bool = False):
        super().__init__(reason)
        self.reason, self.status, self.timed_out = reason, status, timed_out
