"""Ingest: sources → Item → Document. Fetch safely, parse feeds, extract articles, mark duplicates,
import patent files."""

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
from ingest.patents import PatentRecord, PublicationNumber, classes_match, normalise_number, normalise_party
from ingest.patentxml import FileReport, read_patent_file
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
