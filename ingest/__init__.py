"""Ingest: sources → Item → Document. Fetch safely, parse feeds, extract articles, mark duplicates,
import patent files."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.lazy import lazy_exports

if TYPE_CHECKING:
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
    from ingest.patentimport import ImportReport, import_patents
    from ingest.patents import (
        PatentRecord,
        PublicationNumber,
        classes_match,
        normalise_number,
        normalise_party,
    )
    from ingest.patentxml import FileReport, read_patent_file
    from ingest.records import Document, Extracted, Item, ParsedFeed, SourceSpec
    from ingest.runner import IngestReport, IngestSettings, run_ingest
    from ingest.xmlsafety import refuse_entity_declarations

_EXPORTS = {
    "NearDuplicateIndex": "ingest.dedupe",
    "canonical_url": "ingest.dedupe",
    "content_hash": "ingest.dedupe",
    "minhash": "ingest.dedupe",
    "BlockedAddressError": "ingest.errors",
    "DeadlineError": "ingest.errors",
    "FeedError": "ingest.errors",
    "FetchError": "ingest.errors",
    "RateLimitedError": "ingest.errors",
    "TooLargeError": "ingest.errors",
    "UnsafeXMLError": "ingest.errors",
    "detect_language": "ingest.extract",
    "extract_page": "ingest.extract",
    "parse_feed": "ingest.feeds",
    "Fetcher": "ingest.fetch",
    "FetchPolicy": "ingest.fetch",
    "FetchResult": "ingest.fetch",
    "ImportReport": "ingest.patentimport",
    "import_patents": "ingest.patentimport",
    "PatentRecord": "ingest.patents",
    "PublicationNumber": "ingest.patents",
    "classes_match": "ingest.patents",
    "normalise_number": "ingest.patents",
    "normalise_party": "ingest.patents",
    "FileReport": "ingest.patentxml",
    "read_patent_file": "ingest.patentxml",
    "Document": "ingest.records",
    "Extracted": "ingest.records",
    "Item": "ingest.records",
    "ParsedFeed": "ingest.records",
    "SourceSpec": "ingest.records",
    "IngestReport": "ingest.runner",
    "IngestSettings": "ingest.records",
    "run_ingest": "ingest.runner",
    "refuse_entity_declarations": "ingest.xmlsafety",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)

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
    "FileReport",
    "ImportReport",
    "IngestReport",
    "IngestSettings",
    "Item",
    "NearDuplicateIndex",
    "ParsedFeed",
    "PatentRecord",
    "PublicationNumber",
    "RateLimitedError",
    "SourceSpec",
    "TooLargeError",
    "UnsafeXMLError",
    "canonical_url",
    "classes_match",
    "content_hash",
    "detect_language",
    "extract_page",
    "import_patents",
    "minhash",
    "normalise_number",
    "normalise_party",
    "parse_feed",
    "read_patent_file",
    "refuse_entity_declarations",
    "run_ingest",
]
