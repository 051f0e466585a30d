"""Ingest: sources → Item → Document. Fetch safely, parse feeds, extract articles, mark duplicates."""

from ingest.dedupe import NearDuplicateIndex, canonical_url, content_hash, minhash
from ingest.errors import (
    BlockedAddressError,
    DeadlineError,
    FeedError,
    FetchError,
    RateLimitedError,
    TooLargeError,
    UnsafeXMLError,
)
from ingest.extract import detect_language, extract_page
from ingest.feeds import parse_feed
from ingest.fetch import Fetcher, FetchPolicy, FetchResult
from ingest.records import Document, Extracted, Item, ParsedFeed, SourceSpec
from ingest.runner import IngestReport, IngestSettings, run_ingest
from ingest.xmlsafety import refuse_entity_declarations

__all__ = [
    "BlockedAddressError",
    "DeadlineError",
    "Document",
    "Extracted",
    "FeedError",
    "FetchError",
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "IngestReport",
    "IngestSettings",
    "Item",
    "NearDuplicateIndex",
    "ParsedFeed",
    "RateLimitedError",
    "SourceSpec",
    "TooLargeError",
    "UnsafeXMLError",
    "canonical_url",
    "content_hash",
    "detect_language",
    "extract_page",
    "minhash",
    "parse_feed",
    "refuse_entity_declarations",
    "run_ingest",
]
