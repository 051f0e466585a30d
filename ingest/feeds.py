"""Feed bytes → ``ParsedFeed`` of ``Item`` records, with feedparser.

feedparser only ever sees bytes we fetched (never a URL, so it cannot fetch anything itself),
and only after ``refuse_entity_declarations`` has checked them. feedparser objects are converted
here and go no further.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import feedparser
from feedparser.encodings import convert_to_utf8

from ingest.clean import strip_controls
from ingest.dedupe import canonical_url
from ingest.errors import FeedError, FetchError
from ingest.fetch import check_url
from ingest.records import Item, ParsedFeed
from ingest.xmlsafety import refuse_entity_declarations_in_text

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# Where a block starts or ends the text breaks: "Committee</dt></dl>The" must not read "CommitteeThe".
_BLOCK = re.compile(
    r"</?(?:address|article|aside|blockquote|br|dd|details|div|dl|dt|figcaption|figure|footer|h[1-6]"
    r"|header|hr|li|main|nav|ol|p|pre|section|summary|table|tbody|td|tfoot|th|thead|tr|ul)\b[^>]*>",
    re.I,
)
_HTML_START = re.compile(rb"^\s*(<!doctype\s+html|<html)", re.I)


def html_to_text(value: str) -> str:
    """Plain text of an HTML fragment from a feed (feedparser has already sanitised it)."""
    if "<" not in value and "&" not in value:
        return value.strip()
    text = _BLOCK.sub("\n", value)
    text = html.unescape(_TAG.sub("", text))
    text = _SPACE.sub(" ", text)
    return _BLANK_LINES.sub("\n", "\n".join(line.strip() for line in text.split("\n"))).strip()


def _text(detail: Mapping[str, Any] | None, value: str | None) -> str:
    if not value:
        return ""
    kind = (detail or {}).get("type", "text/html")
    return strip_controls(html_to_text(value) if "html" in kind else value).strip()


def _date(entry: Mapping[str, Any], fetched_at: datetime) -> tuple[datetime | None, str | None, bool]:
    for field in ("published", "updated", "created"):
        raw = entry.get(field)
        parsed = entry.get(f"{field}_parsed")
        if parsed:
            when = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
            if when > fetched_at:  # a feed cannot report the future; keep the raw value for editors
                return fetched_at, raw, True
            return when, raw, False
        if raw:
            return None, raw, False
    return None, None, False


def _item(entry: Mapping[str, Any], fetched_at: datetime) -> Item | None:
    link = entry.get("link") or None
    if link:
        try:
            check_url(link)
        except FetchError:
            link = None  # relative links feedparser could not resolve, mailto:, javascript:, bad ports ...
    canon = canonical_url(link) if link else None
    guid = (entry.get("id") or "").strip() or None
    title = _text(entry.get("title_detail"), entry.get("title"))
    summary = _text(entry.get("summary_detail"), entry.get("summary"))
    contents = entry.get("content") or []
    content = "\n\n".join(_text(c, c.get("value")) for c in contents if c.get("value"))
    if guid:
        key = f"guid:{guid}"
    elif canon:
        key = f"url:{canon}"
    elif title or summary or content:
        # No GUID and no link: the entry's own text is all that identifies it.
        key = "text:" + hashlib.sha256(f"{title}\n{summary}\n{content}".encode()).hexdigest()
    else:
        return None
    published_at, published_raw, clamped = _date(entry, fetched_at)
    return Item(
        key=key,
        guid=guid,
        link=link,
        canonical_url=canon,
        title=title,
        summary=summary,
        content=content,
        author=strip_controls(entry.get("author") or "").strip() or None,
        published_at=published_at,
        published_raw=published_raw,
        date_clamped=clamped,
        categories=tuple(
            strip_controls(t["term"]).strip()
            for t in entry.get("tags") or []
            if strip_controls(t.get("term") or "").strip()
        ),
    )


def parse_feed(
    data: bytes,
    *,
    url: str,
    fetched_at: datetime,
    content_type: str = "",
) -> ParsedFeed:
    """Parse fetched feed bytes. Raises ``FeedError`` if they are not a feed or are unsafe XML."""
    if not data.strip():
        raise FeedError(f"{url}: empty response")
    # Transcode to UTF-8 first, with feedparser's own rules (HTTP charset, BOM, XML declaration),
    # so that the entity check reads exactly the characters the parser will read.
    conversion: dict[str, Any] = {}
    headers = {"content-type": content_type} if content_type else {}
    try:
        utf8 = convert_to_utf8(headers, data, conversion)
    except Exception as exc:  # feedparser's own bugs on hostile input must not stop the run
        raise FeedError(f"{url}: cannot decode the feed: {type(exc).__name__}: {exc}") from exc
    refuse_entity_declarations_in_text(utf8.decode("utf-8", "replace"), url)
    mime = (content_type.split(";", 1)[0].strip() or "application/xml") if content_type else "application/xml"
    headers = {"content-location": url, "content-type": f"{mime}; charset=utf-8"}
    try:
        parsed = feedparser.parse(
            utf8, response_headers=headers, sanitize_html=True, resolve_relative_uris=True
        )
    except Exception as exc:  # feedparser's own bugs on hostile input must not stop the run
        raise FeedError(f"{url}: feed parser failed: {type(exc).__name__}: {exc}") from exc
    version = parsed.get("version") or ""
    problem = parsed.get("bozo_exception") or conversion.get("bozo_exception")
    if isinstance(problem, feedparser.NonXMLContentType):
        problem = None  # servers often label feeds text/plain or text/html; the bytes decide
    entries = parsed.get("entries") or []
    if not entries:
        if _HTML_START.match(data[:512]) or ("html" in content_type and not version):
            raise FeedError(f"{url}: not a feed (an HTML page)")
        if problem is not None and not version:
            raise FeedError(f"{url}: not a feed: {type(problem).__name__}: {problem}")
    items: dict[str, Item] = {}
    for entry in entries:
        item = _item(entry, fetched_at)
        if item is not None and item.key not in items:  # a feed may repeat an entry
            items[item.key] = item
    warning = None
    if problem is not None:
        warning = f"feed is not well-formed ({type(problem).__name__}: {problem}); parsed leniently"
    feed = parsed.get("feed") or {}
    return ParsedFeed(
        title=_text(feed.get("title_detail"), feed.get("title")),
        version=version or "unknown",
        items=tuple(items.values()),
        warning=warning,
    )
