"""The ingest stage's tables and the reads and writes it makes on them (SQLAlchemy Core).

Every write is an idempotent upsert or an insert that ignores rows already present, so a stage
can be re-run or resumed after a crash without creating duplicates.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import sqlalchemy as sa

from ingest.migrations import Migration, UTCDateTime
from ingest.records import Document, Item, SourceSpec
from ingest.wording import plural

T = TypeVar("T")
metadata = sa.MetaData()

sources = sa.Table(
    "sources",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("language", sa.String(20)),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("last_fetch_at", UTCDateTime),
    sa.Column("last_success_at", UTCDateTime),
    sa.Column("last_status", sa.Integer),
    sa.Column("last_error", sa.Text),
    sa.Column("last_warning", sa.Text),
    sa.Column("consecutive_failures", sa.Integer, nullable=False, default=0),
    sa.Column("not_before", UTCDateTime),
    sa.Column("paused_reason", sa.Text),
)

items = sa.Table(
    "items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id"), nullable=False),
    sa.Column("key", sa.Text, nullable=False),
    sa.Column("guid", sa.Text),
    sa.Column("link", sa.Text),
    sa.Column("canonical_url", sa.Text, index=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("author", sa.Text),
    sa.Column("published_at", UTCDateTime),
    sa.Column("published_raw", sa.Text),
    sa.Column("date_clamped", sa.Boolean, nullable=False, default=False),
    sa.Column("first_seen_at", UTCDateTime, nullable=False),
    sa.Column("duplicate_of", sa.Integer, sa.ForeignKey("items.id")),
    sa.Column("page_attempts", sa.Integer, nullable=False, default=0),  # transient page failures so far
    sa.Column("page_error", sa.Text),  # the last of them
    sa.UniqueConstraint("source_id", "key", name="uq_items_source_key"),
)

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id"), primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("url", sa.Text),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("author", sa.Text),
    sa.Column("published_at", UTCDateTime),
    sa.Column("language", sa.String(20)),
    sa.Column("sitename", sa.Text),
    sa.Column("content_hash", sa.String(64), index=True),
    sa.Column("minhash", sa.LargeBinary),
    sa.Column("duplicate_of", sa.Integer, sa.ForeignKey("items.id")),
    sa.Column("duplicate_reason", sa.Text),
    sa.Column("extracted_at", UTCDateTime, nullable=False),
)


def _create_v1(conn: sa.Connection) -> None:
    # Version 1 is the tables as first released; later changes come as new migrations.
    metadata.create_all(conn, tables=[sources, items, documents])


MIGRATIONS = (Migration("ingest", 1, "sources, items and documents", _create_v1),)


@dataclass(frozen=True)
class SourceState:
    """A source's fetch state as stored, for the fetch loop and ``trendpapers status``."""

    id: int
    name: str
    url: str
    kind: str
    language: str | None
    active: bool
    etag: str | None
    last_modified: str | None
    last_fetch_at: datetime | None
    last_success_at: datetime | None
    last_status: int | None
    last_error: str | None
    last_warning: str | None
    consecutive_failures: int
    not_before: datetime | None
    paused_reason: str | None
    items: int = 0


@dataclass(frozen=True)
class PendingItem:
    """An item that still needs its document (page fetch and extraction)."""

    id: int
    source_name: str
    source_language: str | None
    link: str | None
    title: str
    summary: str
    content: str
    author: str | None
    published_at: datetime | None
    page_attempts: int


def sync_sources(conn: sa.Connection, specs: Sequence[SourceSpec]) -> None:
    """Make the sources table match the configuration, keeping the state of known sources.

    Sources no longer configured are deactivated, not deleted: their items stay. A changed URL
    drops the stored validators, which belonged to the old URL.
    """
    known = {row.name: row for row in conn.execute(sa.select(sources))}
    for spec in specs:
        row = known.pop(spec.name, None)
        values: dict[str, object] = {
            "url": spec.url,
            "kind": spec.kind,
            "language": spec.language,
            "active": True,
        }
        if row is None:
            conn.execute(sources.insert().values(name=spec.name, consecutive_failures=0, **values))
        elif (row.url, row.kind, row.language, row.active) != (spec.url, spec.kind, spec.language, True):
            if row.url != spec.url:  # validators, failures and pause belonged to the old URL
                values |= {
                    "etag": None,
                    "last_modified": None,
                    "consecutive_failures": 0,
                    "not_before": None,
                    "paused_reason": None,
                    "last_error": None,
                }
            conn.execute(sources.update().where(sources.c.id == row.id).values(**values))
    for row in known.values():
        if row.active:
            conn.execute(sources.update().where(sources.c.id == row.id).values(active=False))


def source_states(conn: sa.Connection) -> list[SourceState]:
    counts = sa.select(items.c.source_id, sa.func.count().label("n")).group_by(items.c.source_id).subquery()
    query = (
        sa.select(sources, sa.func.coalesce(counts.c.n, 0).label("items"))
        .select_from(sources.outerjoin(counts, counts.c.source_id == sources.c.id))
        .order_by(sources.c.name)
    )
    return [SourceState(**row._mapping) for row in conn.execute(query)]


def record_fetch_success(
    conn: sa.Connection,
    source_id: int,
    *,
    status: int,
    etag: str | None,
    last_modified: str | None,
    warning: str | None,
    now: datetime,
) -> None:
    conn.execute(
        sources.update()
        .where(sources.c.id == source_id)
        .values(
            etag=etag,
            last_modified=last_modified,
            last_fetch_at=now,
            last_success_at=now,
            last_status=status,
            last_error=None,
            last_warning=warning,
            consecutive_failures=0,
            not_before=None,
            paused_reason=None,
        )
    )


def record_fetch_failure(
    conn: sa.Connection,
    source_id: int,
    *,
    error: str,
    status: int | None,
    now: datetime,
    retry_in: timedelta | None,
    pause_after: int,
) -> bool:
    """Count a failure; pause the source after ``pause_after`` in a row. Returns True if now paused."""
    failures = (
        conn.execute(sa.select(sources.c.consecutive_failures).where(sources.c.id == source_id)).scalar_one()
        + 1
    )
    paused = failures >= pause_after
    conn.execute(
        sources.update()
        .where(sources.c.id == source_id)
        .values(
            last_fetch_at=now,
            last_status=status,
            last_error=error,
            consecutive_failures=failures,
            not_before=now + retry_in if retry_in else None,
            paused_reason=(
                f"paused after {plural(failures, 'failure')} in a row; last: {error}" if paused else None
            ),
        )
    )
    return paused


def resume_sources(conn: sa.Connection, names: Sequence[str] | None) -> list[str]:
    """Clear the pause and back-off of the sources ``names`` (matched regardless of case), or of
    every paused or failing source when None; the names of those resumed, as stored."""
    query = sa.select(sources.c.id, sources.c.name)
    if names is None:
        query = query.where(sa.or_(sources.c.paused_reason.is_not(None), sources.c.consecutive_failures > 0))
    else:
        query = query.where(sa.func.lower(sources.c.name).in_([n.lower() for n in names]))
    found = conn.execute(query.order_by(sources.c.name)).all()
    if found:
        conn.execute(
            sources.update()
            .where(sources.c.id.in_([r.id for r in found]))
            .values(paused_reason=None, not_before=None, consecutive_failures=0)
        )
    return [r.name for r in found]


@dataclass(frozen=True)
class SourceHealth:
    """How a source's items fared: documents by status, pages waiting to be tried again, and why
    the latest one that was not ok was not."""

    ok: int = 0
    fallback: int = 0  # the page failed; the feed's own text was used
    failed: int = 0  # no text at all
    deferred: int = 0  # a transient page failure: tried again in a later run
    last_problem: str | None = None


def source_health(conn: sa.Connection) -> dict[str, SourceHealth]:
    """Per source name, how its items fared."""
    counts: dict[str, dict[str, int]] = {}
    for name, status, n in conn.execute(
        sa.select(sources.c.name, documents.c.status, sa.func.count())
        .join(items, items.c.source_id == sources.c.id)
        .join(documents, documents.c.item_id == items.c.id)
        .group_by(sources.c.name, documents.c.status)
    ):
        counts.setdefault(name, {})[status] = n
    for name, n in conn.execute(
        sa.select(sources.c.name, sa.func.count())
        .join(items, items.c.source_id == sources.c.id)
        .outerjoin(documents, documents.c.item_id == items.c.id)
        .where(documents.c.item_id.is_(None), items.c.page_attempts > 0)
        .group_by(sources.c.name)
    ):
        counts.setdefault(name, {})["deferred"] = n
    # A document's own error once it has one; before that, the page's last transient failure.
    error = sa.case((documents.c.item_id.is_not(None), documents.c.error), else_=items.c.page_error)
    problems = {}
    for name, error_text in conn.execute(
        sa.select(sources.c.name, error)
        .join(items, items.c.source_id == sources.c.id)
        .outerjoin(documents, documents.c.item_id == items.c.id)
        .where(error.is_not(None))
        .order_by(items.c.id)
    ):
        problems[name] = error_text  # the latest item's wins
    return {
        name: SourceHealth(
            n.get("ok", 0), n.get("fallback", 0), n.get("failed", 0), n.get("deferred", 0), problems.get(name)
        )
        for name, n in counts.items()
    }


def _insert_ignore(conn: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, object]]) -> None:
    """Insert rows in one statement, skipping those that violate a unique constraint."""
    if not rows:
        return
    stmt: sa.Insert
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(table).on_conflict_do_nothing()
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table).on_conflict_do_nothing()
    conn.execute(stmt, list(rows))


# Keys per IN (...) query: far below every backend's limit on bound parameters (SQLite: 32,766).
_CHUNK = 500


def chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def unknown_items(conn: sa.Connection, source_id: int, candidates: Sequence[Item]) -> list[Item]:
    """The items of ``candidates`` that this source has not stored yet, in their order."""
    known: set[str] = set()
    for keys in chunks([i.key for i in candidates]):
        query = sa.select(items.c.key).where(items.c.source_id == source_id, items.c.key.in_(keys))
        known.update(conn.execute(query).scalars())
    return [i for i in candidates if i.key not in known]


def insert_items(conn: sa.Connection, source_id: int, new: Iterable[Item], now: datetime) -> int:
    """Insert items not seen before from this source; returns how many were new.

    An item whose canonical URL is already known (from any source, or earlier in this batch) is
    inserted but marked as a duplicate of the earliest item with that URL, so its page is not
    fetched again.
    """
    batch = unknown_items(conn, source_id, list(new))
    rows = [
        {
            "source_id": source_id,
            "key": i.key,
            "guid": i.guid,
            "link": i.link,
            "canonical_url": i.canonical_url,
            "title": i.title,
            "summary": i.summary,
            "content": i.content,
            "author": i.author,
            "published_at": i.published_at,
            "published_raw": i.published_raw,
            "date_clamped": i.date_clamped,
            "first_seen_at": now,
            "duplicate_of": None,
            "page_attempts": 0,
        }
        for i in batch
    ]
    for chunk in chunks(rows):
        _insert_ignore(conn, items, chunk)
    _mark_url_duplicates(conn, sorted({i.canonical_url for i in batch if i.canonical_url}))
    return len(rows)


def _mark_url_duplicates(conn: sa.Connection, urls: Sequence[str]) -> None:
    """Point every later item with one of these canonical URLs at the earliest one."""
    for chunk in chunks(urls):
        rows = conn.execute(
            sa.select(items.c.id, items.c.canonical_url, items.c.duplicate_of)
            .where(items.c.canonical_url.in_(chunk))
            .order_by(items.c.id)
        )
        first: dict[str, int] = {}
        for item_id, url, duplicate_of in rows:
            original = first.setdefault(url, item_id)
            if original != item_id and duplicate_of is None:
                conn.execute(_SET_DUPLICATE, {"item": item_id, "original": original})


_SET_DUPLICATE = (
    items.update().where(items.c.id == sa.bindparam("item")).values(duplicate_of=sa.bindparam("original"))
)


def pending_items(conn: sa.Connection, *, source_names: Sequence[str] | None = None) -> list[PendingItem]:
    """Items without a document that are not URL duplicates, oldest first."""
    query = (
        sa.select(
            items.c.id,
            sources.c.name.label("source_name"),
            sources.c.language.label("source_language"),
            items.c.link,
            items.c.title,
            items.c.summary,
            items.c.content,
            items.c.author,
            items.c.published_at,
            items.c.page_attempts,
        )
        .select_from(items.join(sources).outerjoin(documents, documents.c.item_id == items.c.id))
        .where(documents.c.item_id.is_(None), items.c.duplicate_of.is_(None))
        .order_by(items.c.id)
    )
    if source_names:
        query = query.where(sources.c.name.in_(source_names))
    return [PendingItem(**row._mapping) for row in conn.execute(query)]


def defer_item(conn: sa.Connection, item_id: int, error: str) -> None:
    """Count a transient page failure; the item stays pending for a later run."""
    conn.execute(
        items.update()
        .where(items.c.id == item_id)
        .values(page_attempts=items.c.page_attempts + 1, page_error=error)
    )


def known_signatures(conn: sa.Connection) -> Iterator[tuple[int, bytes]]:
    """(item_id, MinHash) of every original (non-duplicate) document, oldest first."""
    query = (
        sa.select(documents.c.item_id, documents.c.minhash)
        .where(documents.c.duplicate_of.is_(None), documents.c.minhash.is_not(None))
        .order_by(documents.c.item_id)
    )
    for item_id, signature in conn.execute(query):
        yield item_id, bytes(signature)


def item_with_hash(conn: sa.Connection, digest: str) -> int | None:
    """The earliest original document with this content hash, if any."""
    return conn.execute(
        sa.select(sa.func.min(documents.c.item_id)).where(
            documents.c.content_hash == digest, documents.c.duplicate_of.is_(None)
        )
    ).scalar()


_DELETE_DOCUMENT = documents.delete().where(documents.c.item_id == sa.bindparam("item"))


def save_document(conn: sa.Connection, doc: Document, *, minhash: bytes | None, now: datetime) -> None:
    """Insert or replace the document of an item."""
    values = {
        "status": doc.status,
        "error": doc.error,
        "url": doc.url,
        "title": doc.title,
        "text": doc.text,
        "author": doc.author,
        "published_at": doc.published_at,
        "language": doc.language,
        "sitename": doc.sitename,
        "content_hash": doc.content_hash,
        "minhash": minhash,
        "duplicate_of": doc.duplicate_of,
        "duplicate_reason": doc.duplicate_reason,
        "extracted_at": now,
    }
    conn.execute(_DELETE_DOCUMENT, {"item": doc.item_id})
    # Parameters passed to a prepared statement, not .values(...): building a new statement per
    # document cost more than the database work itself.
    conn.execute(documents.insert(), {"item_id": doc.item_id, **values})


def counts(conn: sa.Connection) -> dict[str, int]:
    """Row counts for summaries: items, documents by status, duplicates."""
    result = {
        "sources": conn.execute(sa.select(sa.func.count()).select_from(sources)).scalar_one(),
        "items": conn.execute(sa.select(sa.func.count()).select_from(items)).scalar_one(),
        "url_duplicates": conn.execute(
            sa.select(sa.func.count()).select_from(items).where(items.c.duplicate_of.is_not(None))
        ).scalar_one(),
        "content_duplicates": conn.execute(
            sa.select(sa.func.count()).select_from(documents).where(documents.c.duplicate_of.is_not(None))
        ).scalar_one(),
    }
    for status, n in conn.execute(
        sa.select(documents.c.status, sa.func.count()).group_by(documents.c.status)
    ):
        result[f"documents_{status}"] = n
    return result


def collects_patents(conn: sa.Connection) -> bool:
    """Whether any source, fetched or imported, is of patents."""
    found = conn.execute(sa.select(sources.c.id).where(sources.c.kind == "patent").limit(1)).first()
    return found is not None


def ensure_source(conn: sa.Connection, name: str, kind: str) -> int:
    """The id of a source that is not fetched (e.g. patent files), created if missing."""
    found = conn.execute(sa.select(sources.c.id).where(sources.c.name == name)).scalar()
    if found is not None:
        return int(found)
    result = conn.execute(
        sources.insert().values(name=name, url="local:", kind=kind, active=False, consecutive_failures=0)
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]  # always set for an insert


def item_ids(conn: sa.Connection, source_id: int, keys: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunks(list(keys)):
        query = sa.select(items.c.key, items.c.id).where(
            items.c.source_id == source_id, items.c.key.in_(chunk)
        )
        for key, item_id in conn.execute(query):
            found[key] = item_id
    return found
