"""robots.txt for article pages, fetched through the fetcher and cached per host for a run.

Follows RFC 9309: a robots.txt that is missing or answers 4xx allows everything; one that cannot
be fetched (5xx, network error) disallows the host for this run, since we cannot know its rules.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from ingest.errors import FetchError
from ingest.fetch import Fetcher

log = logging.getLogger(__name__)

ROBOTS_MAX_BYTES = 500_000  # RFC 9309 asks crawlers to parse at least 500 KiB


class RobotsCache:
    """Answers "may we fetch this URL?" for one run, fetching each host's robots.txt once."""

    def __init__(self, fetcher: Fetcher, user_agent: str):
        self._fetcher = fetcher
        self._agent = user_agent
        self._rules: dict[str, asyncio.Task[RobotFileParser | None]] = {}

    async def allowed(self, url: str) -> bool:
        """Whether robots.txt lets us fetch ``url``; a transient ``FetchError`` if it is unavailable."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        task = self._rules.get(origin)
        if task is None:  # the first caller for a host fetches; the others await the same task
            task = self._rules[origin] = asyncio.ensure_future(self._load(origin))
        rules = await task
        if rules is None:
            raise FetchError(
                url, f"robots.txt of {origin} is unavailable; not fetching from it now", transient=True
            )
        return rules.can_fetch(self._agent, url)

    async def _load(self, origin: str) -> RobotFileParser | None:
        parser = RobotFileParser()
        try:
            result = await self._fetcher.fetch(f"{origin}/robots.txt", max_bytes=ROBOTS_MAX_BYTES)
        except FetchError as exc:
            # 429 is a 4xx, but it means "not now", not "no rules": treat it as unreachable.
            if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                parser.parse([])  # no robots.txt: everything allowed
                return parser
            log.warning("robots.txt of %s unavailable (%s); not fetching pages from it", origin, exc.reason)
            return None
        parser.parse(result.content.decode("utf-8", "replace").splitlines())
        return parser
