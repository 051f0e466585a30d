"""Every feed of the shared corpus through the real fetcher, parser and store, from a local server.

~2,200 files: real sites, node-feedparser's real and broken feeds, and feedparser's own suite.
Files whose header comment names HTTP headers (``Header: Content-type: ...``) are served with
them; gzip files are served as gzip-encoded, as a web server would.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import feedparser
import pytest
import sqlalchemy as sa

from ingest import store
from ingest.records import SourceSpec
from ingest.runner import IngestReport, run_ingest
from tests.conftest import LocalServer, local_policy, local_settings
from trendpapers.db import open_store

pytestmark = [pytest.mark.corpus, pytest.mark.slow]  # every feed of the corpora

# The files that must fail, and why. Everything else must be ingested.
EXPECTED_FAILURES = {
    "feedparser-suite/wellformed/rdf/doctype_contains_entity_decl.xml": "declares entities in its DOCTYPE",
    "feedparser-suite/wellformed/rss/entity_in_doctype.xml": "declares entities in its DOCTYPE",
    "feedparser-suite/illformed/rss_empty_document.xml": "not a feed",  # a comment and nothing else
    "node-feedparser/notafeed.html": "not a feed (an HTML page)",
    "real-sites/unrecognized.rss": "not a feed",  # two root elements: junk after the document element
}

# real-sites/*.rss: where our item count differs from the other parser's reading, and why.
REAL_SITES_COUNT_DIFFERENCES = {
    # (ours, theirs). The one entry holds only an empty <author/>: no id, link or text to keep.
    "real-sites/incomplete-fields.atom": (0, 1),
}

_HEADER = re.compile(rb"^Header:\s*([^:\s]+):\s*(.*?)\s*$", re.M)


def _headers(data: bytes) -> tuple[str, dict[str, str]]:
    headers = {m.group(1).decode(): m.group(2).decode() for m in _HEADER.finditer(data[:2000])}
    content_type = next(
        (headers.pop(k) for k in list(headers) if k.lower() == "content-type"), "application/xml"
    )
    if data[:2] == b"\x1f\x8b":
        headers["Content-Encoding"] = "gzip"
    return content_type, headers


def _usable_entries(data: bytes) -> int:
    """Entries feedparser itself finds that carry anything to identify or read: id, http link or text."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    parsed = feedparser.parse(data)
    return sum(
        1
        for e in parsed.entries
        if e.get("id")
        or str(e.get("link", "")).startswith(("http://", "https://"))
        or re.sub(
            r"<[^>]*>",
            "",
            " ".join(
                [e.get("title", ""), e.get("summary", "")]
                + [c.get("value", "") for c in e.get("content", [])]
            ),
        ).strip()
    )


@pytest.fixture(scope="module")
def ingested(
    corpora: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[Path], IngestReport, dict[str, int]]:
    root = corpora / "feeds"
    files = sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and p.name != "LICENSE" and p.parent.name != "real-sites-expected"
    )
    server = LocalServer()
    server.start()
    try:
        sources = []
        for n, path in enumerate(files):
            data = path.read_bytes()
            content_type, headers = _headers(data)
            sources.append(
                SourceSpec(
                    str(path.relative_to(root)), server.static(f"/{n}", data, content_type, headers=headers)
                )
            )
        engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('corpus') / 'store.db'}")
        # Article links point at the real web, which tests never reach: documents come from feed text.
        report = run_ingest(
            engine,
            sources,
            local_policy(concurrency=32, host_concurrency=32),
            local_settings(
                fetch_articles=False, workers=2, max_new_items=100_000
            ),  # every entry: parsing is tested
        )
    finally:
        server.stop()
    with engine.connect() as conn:
        counts = dict(
            conn.execute(
                sa.select(store.sources.c.name, sa.func.count(store.items.c.id))
                .select_from(store.sources.outerjoin(store.items))
                .group_by(store.sources.c.name)
            ).all()
        )
    return root, files, report, counts


def test_every_feed_runs_through_without_uncaught_exceptions(ingested) -> None:  # type: ignore[no-untyped-def]
    _root, files, report, _counts = ingested
    assert len(report.sources) == len(files) > 2000
    crashed = [
        o for o in report.sources if o.error and ("could not be parsed" in o.error or "unexpected" in o.error)
    ]
    assert crashed == []


def test_only_the_expected_files_fail_and_for_the_stated_reason(ingested) -> None:  # type: ignore[no-untyped-def]
    _root, _files, report, _counts = ingested
    failed = {o.name: o.error for o in report.sources if o.status != "ok"}
    assert set(failed) == set(EXPECTED_FAILURES)
    for name, reason in EXPECTED_FAILURES.items():
        assert reason in failed[name], (name, failed[name])


def test_feeds_with_entries_yield_items(ingested) -> None:  # type: ignore[no-untyped-def]
    root, files, _report, counts = ingested
    missing = []
    for path in files:
        name = str(path.relative_to(root))
        if name in EXPECTED_FAILURES:
            continue
        usable = _usable_entries(path.read_bytes())
        if usable and counts.get(name, 0) == 0:
            missing.append((name, usable))
    assert missing == []
    assert sum(counts.values()) > 2000


def test_real_sites_item_counts_match_an_independent_parser(ingested) -> None:  # type: ignore[no-untyped-def]
    root, _files, _report, counts = ingested
    differences = {}
    for expected in sorted((root / "real-sites-expected").glob("*.json")):
        data = json.loads(expected.read_bytes().decode("utf-8", "replace"))  # one file is Latin-1
        their = len(data.get("feed", {}).get("items", []))
        name = next((f"real-sites/{p.name}" for p in (root / "real-sites").glob(expected.stem + ".*")), None)
        if name is None or name in EXPECTED_FAILURES:
            continue
        if counts.get(name, 0) != their:
            differences[name] = (counts.get(name, 0), their)
    assert differences == REAL_SITES_COUNT_DIFFERENCES
