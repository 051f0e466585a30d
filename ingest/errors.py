"""The one exception tree of Trendpapers.

It lives at the bottom of the import graph (``ingest``) so that every stage and the
application shell can raise and catch the same classes; ``trendpapers`` re-exports it.
Library errors are wrapped where they cross into our code (``raise FetchError(...) from exc``).
"""

from __future__ import annotations

from ingest.wording import plural


class TrendpapersError(Exception):
    """Base class of every error this project raises on purpose."""


class ConfigError(TrendpapersError):
    """The configuration is invalid; ``problems`` lists every problem found, not just the first."""

    def __init__(self, problems: list[str], path: str | None = None) -> None:
        self.problems = list(problems)
        self.path = path
        where = f"{path}: " if path else ""
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{where}{plural(len(self.problems), 'configuration problem')}:\n{lines}")


class StorageError(TrendpapersError):
    """The store cannot be opened, migrated or written. Stops a run."""


class InputError(TrendpapersError):
    """A file named on the command line is not valid (e.g. an evaluation corpus); lists every problem."""


class ModelError(TrendpapersError):
    """A model cannot be loaded (missing package, wrong checksum, unknown id). Stops the stage."""


class SiteError(TrendpapersError):
    """The site could not be built, or broke a safety rule; the previous site stays in place."""


class LockError(TrendpapersError):
    """Another Trendpapers process holds the workspace's write lock."""


class ItemError(TrendpapersError):
    """A problem with one input (feed, page, document): recorded on the item, never stops a run."""


class FetchError(ItemError):
    """A URL could not be fetched (network, HTTP status, limits)."""

    def __init__(self, url: str, reason: str, *, status: int | None = None, transient: bool = False) -> None:
        self.url = url
        self.reason = reason
        self.status = status
        self.transient = transient  # worth trying again in a later run (timeouts, 5xx, rate limits)
        super().__init__(f"{url}: {reason}")


class BlockedAddressError(FetchError):
    """The URL points at an address the fetch policy refuses (private, loopback, link-local, ...)."""


class TooLargeError(FetchError):
    """The (decompressed) body exceeded the byte cap."""


class DeadlineError(FetchError):
    """The total deadline for one fetch (all redirects and the whole body) ran out."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, reason, transient=True)


class RateLimitedError(FetchError):
    """The server asked us to come back later (429/503 with Retry-After)."""

    def __init__(self, url: str, reason: str, *, status: int, retry_after: float) -> None:
        super().__init__(url, reason, status=status, transient=True)
        self.retry_after = retry_after


class HostClosedError(FetchError):
    """Not tried: the host asked, answering another request of this run, to come back later."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, reason, transient=True)


class RobotsDisallowedError(FetchError):
    """robots.txt of the host forbids fetching this page."""


class FeedError(ItemError):
    """A fetched document is not a usable feed (not a feed, refused XML, no entries)."""


class UnsafeXMLError(FeedError):
    """XML declares entities in a DOCTYPE (entity expansion / XXE risk); refused before parsing."""
