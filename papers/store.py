"""The papers' tables: each paper's lifecycle status, its last generated text (the merge base), and
the trends it was drafted from (to say what changed in the next edition); plus status history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from ingest import store as ingest_store
from ingest.dedupe import without_tracking
from ingest.migrations import Migration, UTCDateTime
from ingest.patentstore import documents_with_sources, patents
from ingest.store import chunks, documents, items, sources

metadata = ingest_store.metadata

papers = sa.Table(
    "papers",
    metadata,
    sa.Column("industry", sa.String(100), primary_key=True),
    sa.Column("edition", sa.String(20), primary_key=True),
    sa.Column("edition_start", sa.String(10), nullable=False),  # orders editions
    sa.Column("path", sa.Text, nullable=False),  # relative to the papers folder
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("base", sa.Text, nullable=False),  # the last generated text merged into the file
    sa.Column("generated_at", sa.String(40), nullable=False),
    sa.Column("trends", sa.JSON, nullable=False),  # [{"id", "title", "documents"}] drafted from
    sa.Column("status_by", sa.Text),
    sa.Column("status_at", UTCDateTime),
    # A proposal's generated side while it waits: {"base", "generated_at", "trends"}. When the editors
    # delete the proposal (they took what they wanted), it becomes the base and trends above.
    sa.Column("pending", sa.JSON),
)

paper_events = sa.Table(
    "paper_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("industry", sa.String(100), nullable=False),
    sa.Column("edition", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("by", sa.Text),
    sa.Column("at", UTCDateTime, nullable=False),
)

digest_deliveries = sa.Table(  # each published paper sent to each member's address, or the last failure
    "digest_deliveries",
    metadata,
    sa.Column("recipient", sa.String(320), primary_key=True),  # the address, lower-cased
    sa.Column("paper", sa.String(140), primary_key=True),  # "INDUSTRY/EDITION"
    sa.Column("member", sa.Text, nullable=False),  # the member's name when last tried
    sa.Column("status", sa.String(10), nullable=False),  # sent, failed
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("error", sa.Text),  # why the last try failed
    sa.Column("message_id", sa.String(300)),  # of the message that carried it
    sa.Column("at", UTCDateTime, nullable=False),
)

MIGRATIONS = (
    Migration(
        "papers",
        1,
        "papers and their status history",
        lambda c: metadata.create_all(c, tables=[papers, paper_events]),
    ),
    Migration("papers", 2, "the generated side of a waiting proposal", lambda c: _add_pending(c)),
    Migration("papers", 3, "digests sent to members", lambda c: digest_deliveries.create(c)),
)


def _add_pending(conn: sa.Connection) -> None:
    # A database created at version 1 by today's code already has the column.
    if "pending" not in {c["name"] for c in sa.inspect(conn).get_columns("papers")}:
        conn.execute(sa.text("ALTER TABLE papers ADD COLUMN pending JSON"))


@dataclass(frozen=True)
class TrendRef:
    """A trend as a paper showed it when drafted: what the next edition compares with."""

    id: str
    title: str  # its name then
    documents: int  # in the window then

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TrendRef:
        return cls(str(data["id"]), str(data["title"]), int(data.get("documents", 0)))

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "documents": self.documents}


@dataclass(frozen=True)
class PaperRow:
    industry: str
    edition: str
    edition_start: date
    path: str
    status: str
    base: str
    generated_at: str
    trends: tuple[TrendRef, ...]
    status_by: str | None = None
    status_at: datetime | None = None
    pending: dict[str, Any] | None = None


def _row(r: Any) -> PaperRow:
    return PaperRow(
        r.industry,
        r.edition,
        date.fromisoformat(r.edition_start),
        r.path,
        r.status,
        r.base,
        r.generated_at,
        tuple(TrendRef.from_json(t) for t in r.trends),
        r.status_by,
        r.status_at,
        r.pending,
    )


def get_paper(conn: sa.Connection, industry: str, edition: str) -> PaperRow | None:
    r = conn.execute(
        sa.select(papers).where(papers.c.industry == industry, papers.c.edition == edition)
    ).first()
    return _row(r) if r else None


def list_papers(
    conn: sa.Connection, industry: str | None = None, status: str | None = None
) -> list[PaperRow]:
    query = sa.select(papers).order_by(papers.c.industry, papers.c.edition_start)
    if industry:
        query = query.where(papers.c.industry == industry)
    if status:
        query = query.where(papers.c.status == status)
    return [_row(r) for r in conn.execute(query)]


def previous_paper(conn: sa.Connection, industry: str, before: date) -> PaperRow | None:
    """The latest paper of ``industry`` whose edition starts before ``before``."""
    r = conn.execute(
        sa.select(papers)
        .where(papers.c.industry == industry, papers.c.edition_start < before.isoformat())
        .order_by(papers.c.edition_start.desc())
        .limit(1)
    ).first()
    return _row(r) if r else None


def save_paper(conn: sa.Connection, row: PaperRow) -> None:
    values = {
        **row.__dict__,
        "edition_start": row.edition_start.isoformat(),
        "trends": [t.to_json() for t in row.trends],
    }
    conn.execute(papers.delete().where(papers.c.industry == row.industry, papers.c.edition == row.edition))
    conn.execute(sa.insert(papers), [values])


def add_event(
    conn: sa.Connection, industry: str, edition: str, status: str, by: str | None, at: datetime
) -> None:
    conn.execute(
        sa.insert(paper_events),
        [{"industry": industry, "edition": edition, "status": status, "by": by, "at": at}],
    )


def drop_last_event(conn: sa.Connection, industry: str, edition: str) -> None:
    last = sa.select(sa.func.max(paper_events.c.id)).where(
        paper_events.c.industry == industry, paper_events.c.edition == edition
    )
    conn.execute(paper_events.delete().where(paper_events.c.id == last.scalar_subquery()))


def events(conn: sa.Connection, industry: str, edition: str) -> list[tuple[str, str | None, datetime]]:
    rows = conn.execute(
        sa.select(paper_events.c.status, paper_events.c.by, paper_events.c.at)
        .where(paper_events.c.industry == industry, paper_events.c.edition == edition)
        .order_by(paper_events.c.id)
    )
    return [(r.status, r.by, r.at) for r in rows]


@dataclass(frozen=True)
class Citation:
    """A document as a paper cites it."""

    doc_id: int
    title: str
    url: str | None  # as stored; made safe (http(s) only) when rendered
    source: str
    day: date | None
    patent: str | None  # publication number, for patents
    language: str | None = None  # of its text, as ingest detected it


def citations(conn: sa.Connection, doc_ids: Sequence[int]) -> dict[int, Citation]:
    out: dict[int, Citation] = {}
    url = sa.func.coalesce(documents.c.url, items.c.canonical_url, items.c.link)
    for chunk in chunks(sorted(set(doc_ids))):
        rows = conn.execute(
            sa.select(
                documents.c.item_id,
                documents.c.title,
                url.label("url"),
                sources.c.name,
                documents.c.published_at,
                items.c.first_seen_at,
                patents.c.number,
                documents.c.language,
            )
            .select_from(documents_with_sources())
            .where(documents.c.item_id.in_(chunk))
        )
        for r in rows:
            when = r.published_at or r.first_seen_at
            out[r.item_id] = Citation(
                r.item_id,
                r.title,
                without_tracking(r.url) if r.url else None,
                r.name,
                when.date() if when else None,
                r.number,
                r.language,
            )
    return out


def delivered(conn: sa.Connection, recipient: str) -> set[str]:
    """The papers ("INDUSTRY/EDITION") a digest already carried to ``recipient``."""
    rows = conn.execute(
        sa.select(digest_deliveries.c.paper).where(
            digest_deliveries.c.recipient == recipient.lower(), digest_deliveries.c.status == "sent"
        )
    )
    return set(rows.scalars())


def record_delivery(
    conn: sa.Connection,
    recipient: str,
    member: str,
    papers: Sequence[str],
    *,
    message_id: str | None,
    error: str | None,
    at: datetime,
) -> None:
    """Record a digest to ``recipient`` carrying ``papers``: sent (``error`` None) or failed."""
    for paper in papers:
        key = (digest_deliveries.c.recipient == recipient.lower()) & (digest_deliveries.c.paper == paper)
        attempts = conn.execute(sa.select(digest_deliveries.c.attempts).where(key)).scalar()
        values = {
            "member": member,
            "status": "failed" if error else "sent",
            "attempts": (attempts or 0) + 1,
            "error": error,
            "message_id": message_id,
            "at": at,
        }
        if attempts is None:
            conn.execute(
                sa.insert(digest_deliveries), [{"recipient": recipient.lower(), "paper": paper, **values}]
            )
        else:
            conn.execute(digest_deliveries.update().where(key).values(**values))


def delivery_rows(conn: sa.Connection) -> list[dict[str, Any]]:
    """Every delivery record, for `status` and the tests."""
    return [
        dict(r._mapping)
        for r in conn.execute(sa.select(digest_deliveries).order_by(*digest_deliveries.primary_key))
    ]
