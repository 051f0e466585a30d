"""``trendpapers import-patents``: patent files and folders into the store, one item per publication.

A publication already known (from an earlier import or a patent feed) is updated, not added
again: the file's full record replaces what a feed entry said, and its document gets the
file's title, abstract and first claim.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from ingest import patentstore, store
from ingest.dedupe import content_hash, words
from ingest.extract import detect_language
from ingest.patentfeeds import recover
from ingest.patents import PatentRecord
from ingest.patentxml import FileReport, read_patent_file
from ingest.records import Document, Item

log = logging.getLogger(__name__)

IMPORT_SOURCE = "patent files"  # the source that imported patents belong to


@dataclass(frozen=True)
class ImportReport:
    files: tuple[FileReport, ...]
    new: int
    updated: int
    unchanged: int = 0  # known already, with the same data and text from the same file

    @property
    def errors(self) -> tuple[str, ...]:
        return tuple(f"{f.path}: {f.error}" for f in self.files if f.error)


def _files(paths: Sequence[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        else:
            yield path


def patent_item(record: PatentRecord) -> Item:
    """The item of an imported patent: keyed by its publication number, linked to its public page."""
    url = record.number.register_url
    return Item(
        key=f"patent:{record.number}",
        guid=str(record.number),
        link=url,
        canonical_url=url,
        title=record.title,
        summary=record.abstract,
        content=record.first_claim,
        author=None,
        published_at=(
            datetime.fromisoformat(record.publication_date).replace(tzinfo=UTC)
            if record.publication_date
            else None
        ),
        published_raw=record.publication_date,
    )


def patent_document(record: PatentRecord, item: Item, item_id: int) -> Document:
    text = record.text
    return Document(
        item_id=item_id,
        status="ok",
        error=None,
        url=item.link,
        title=record.title,
        text=text,
        author=None,
        published_at=item.published_at,
        language=record.language or detect_language(text),
        sitename=None,
        content_hash=content_hash(words(text)) if text else None,
    )


def _stored_text(conn: sa.Connection, item_id: int) -> str:
    text = conn.execute(
        sa.select(store.documents.c.text).where(store.documents.c.item_id == item_id)
    ).scalar()
    return text or ""


def import_patents(
    engine: sa.Engine, paths: Sequence[Path], *, now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> ImportReport:
    """Import every file under ``paths``; bad and unsupported files are reported, never fatal."""
    reports: list[FileReport] = []
    new = updated = unchanged = 0
    with engine.begin() as conn:
        source_id = store.ensure_source(conn, IMPORT_SOURCE, "patent")
    for path in _files(paths):
        report = read_patent_file(path)
        reports.append(report)
        if report.error:  # the report says it (the command prints a line per file): only a trace here
            log.debug("%s: %s", path, report.error)
            continue
        if report.warning:
            log.debug("%s", report.warning)
        origin = f"file: {path.resolve()}"  # one file however its path is spelt
        for record in report.records:
            item = patent_item(record)
            with engine.begin() as conn:  # one publication per transaction: a crash loses at most one
                known = patentstore.patent_items(conn, [record.number]).get(str(record.number))
                if known is None:
                    store.insert_items(conn, source_id, [item], now())
                    item_id = store.item_ids(conn, source_id, [item.key])[item.key]
                    new += 1
                else:
                    item_id = known
                    record = patentstore.with_known_fields(conn, record, item_id)
                    if patentstore.is_stored(conn, record, item_id, origin) and (
                        record.text == _stored_text(conn, item_id)
                    ):
                        unchanged += 1  # the same file again
                        continue
                    updated += 1
                patentstore.save_patent(conn, record, item_id, origin, now())
                if known is None or len(record.text) >= len(_stored_text(conn, item_id)):
                    # a shorter text is a truncated or poorer copy: the stored document stays
                    store.save_document(conn, patent_document(record, item, item_id), minhash=None, now=now())
    return ImportReport(tuple(reports), new, updated, unchanged)


def insert_patent_entries(
    conn: sa.Connection, source_id: int, source: str, entries: Sequence[Item], now: datetime
) -> int:
    """Store the entries of a patent feed; returns how many items were new.

    Entries naming a publication already known (from any feed or file) are not inserted again;
    new ones get a patent row with what the entry says (see ``patentfeeds``). An entry seen
    before under the same key is left as it is, even if its text changed.
    """
    recovered = {entry.key: recover(entry) for entry in entries}
    known = patentstore.patent_items(conn, [r.number for r in recovered.values() if r is not None])
    seen_before = store.item_ids(conn, source_id, [e.key for e in entries])
    keep: list[Item] = []
    claimed: dict[str, set[str | None]] = {}  # kinds of each number taken by an earlier entry
    for entry in entries:
        record = recovered[entry.key]
        if entry.key in seen_before:
            continue
        if record is not None:
            kinds = claimed.setdefault(record.number.base, set())
            if str(record.number) in known or (
                kinds and (record.number.kind in kinds or None in kinds or record.number.kind is None)
            ):
                continue
            kinds.add(record.number.kind)
        keep.append(entry)
    new = store.insert_items(conn, source_id, keep, now)
    ids = store.item_ids(conn, source_id, [e.key for e in keep])
    for entry in keep:
        record = recovered[entry.key]
        if record is not None:
            patentstore.save_patent(conn, record, ids[entry.key], f"feed: {source}", now)
    return new
