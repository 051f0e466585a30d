"""Typed, frozen records passed between the ingest steps and on to the analysis."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

SourceKind = Literal["news", "patent"]
ExtractionStatus = Literal["ok", "fallback", "failed"]


@dataclass(frozen=True)
class SourceSpec:
    """A configured source: a news or patent feed."""

    name: str
    url: str
    kind: SourceKind = "news"
    industries: tuple[str, ...] = ()  # hints: slugs of target industries this source serves
    language: str | None = None


@dataclass(frozen=True)
class Item:
    """One feed entry, as read from the feed. Text fields are untrusted plain text."""

    key: str  # stable id within its source: the GUID, else the canonical link, else a content hash
    guid: str | None
    link: str | None
    canonical_url: str | None
    title: str
    summary: str  # plain text of the entry's summary/description
    content: str  # plain text of the entry's full content, if the feed carries it
    author: str | None
    published_at: datetime | None  # UTC; clamped to the fetch time when the feed claims a future date
    published_raw: str | None  # the date exactly as the feed wrote it
    date_clamped: bool = False
    categories: tuple[str, ...] = ()  # the entry's category terms


@dataclass(frozen=True)
class ParsedFeed:
    """Result of parsing one fetched feed."""

    title: str
    version: str  # feedparser's name of the format, e.g. "rss20", "atom10", "rss10"
    items: tuple[Item, ...]
    warning: str | None = None  # set for "bozo" feeds that still yielded entries


@dataclass(frozen=True)
class Extracted:
    """Main text and metadata extracted from an article page."""

    title: str | None
    text: str
    author: str | None
    date: str | None  # ISO date as found on the page
    sitename: str | None
    page_language: str | None  # declared on the page (html lang / meta)


@dataclass(frozen=True)
class Document:
    """The text of one item that later stages analyse."""

    item_id: int
    status: ExtractionStatus
    error: str | None
    url: str | None
    title: str
    text: str
    author: str | None
    published_at: datetime | None
    language: str | None
    sitename: str | None
    content_hash: str | None
    duplicate_of: int | None = None  # item_id of the document this one duplicates
    duplicate_reason: str | None = None  # "content-hash" or "near-duplicate (jaccard 0.87)"


@dataclass(frozen=True)
class IngestSettings:
    """The ``[ingest]`` config section plus the failure policy from ``[fetch]``."""

    fetch_articles: bool = True  # off: documents are made from the feed's own text
    respect_robots: bool = True
    workers: int = 2  # processes for parsing and extraction; 0 runs them in this process
    near_duplicate_threshold: float = 0.7  # estimated Jaccard of word 3-shingles
    # New entries taken from one source in one run, newest first; the rest wait for later runs. A
    # feed of 20,000 entries (an archive, a misconfigured export) would otherwise hold the
    # workspace lock for hours of polite page fetches, and keep the editors' commands waiting.
    max_new_items: int = 100
    pause_after_failures: int = 5
    failure_backoff: float = 300.0  # seconds before a failed source is tried again; doubles per failure
    max_failure_backoff: float = 86_400.0
