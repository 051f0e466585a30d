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
