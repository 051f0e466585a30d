"""The patents table (owned by the ingest stage) and its reads and writes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ingest.migrations import Migration, UTCDateTime
from ingest.patents import Party, PatentRecord, PublicationNumber
from ingest.store import chunks, documents, items, metadata, sources

patents = sa.Table(
    "patents",
    metadata,
    sa.Column("number", sa.String(40), primary_key=True),  # canonical publication number
    sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id"), nullable=False, unique=True),
    sa.Column("base", sa.String(40), nullable=False, index=True),  # the number without its kind code
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("kind", sa.String(4)),
    sa.Column("application_number", sa.Text),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("applicants", sa.JSON, nullable=False),  # [[name as written, comparable key], ...]
    sa.Column("inventors", sa.JSON, nullable=False),
    sa.Column("publication_date", sa.String(10)),
    sa.Column("filing_date", sa.String(10)),
    sa.Column("priority_date", sa.String(10)),
    sa.Column("cpc", sa.JSON, nullable=False),
    sa.Column("ipc", sa.JSON, nullable=False),
    sa.Column("classes", sa.JSON, nullable=False),  # scheme not stated by the source
    sa.Column("language", sa.String(20)),
    sa.Column("origin", sa.Text, nullable=False),  # "file: PATH" or "feed: SOURCE"
    sa.Column("updated_at", UTCDateTime, nullable=False),
)


def _create(conn: sa.Connection) -> None:
    metadata.create_all(conn, tables=[patents])


MIGRATIONS = (Migration("ingest", 2, "patents", _create),)


def patent_items(conn: sa.Connection, numbers: Sequence[PublicationNumber]) -> dict[str, int]:
    """Item ids of the publications already known, keyed by ``str(number)``.

    A number without a kind code (as feeds often write it) is the same publication as the known
    one with that number and any kind, and the other way round; with both kinds given they must
    be equal (EP1234567A1 and EP1234567B1 are two publications).
    """
    wanted: dict[str, list[PublicationNumber]] = {}
    for n in numbers:
        wanted.setdefault(n.base, []).append(n)
    found: dict[str, int] = {}
    for chunk in chunks(sorted(wanted)):
        rows = conn.execute(
            sa.select(patents.c.base, patents.c.number, patents.c.kind, patents.c.item_id).where(
                patents.c.base.in_(chunk)
            )
        )
        for base, number, kind, item_id in rows:
            for n in wanted[base]:
                if n.kind is None or kind is None or str(n) == number:
                    found.setdefault(str(n), item_id)
    return found


def with_known_fields(conn: sa.Connection, record: PatentRecord, item_id: int) -> PatentRecord:
    """``record`` with every field it lacks taken from the publication's stored row: a truncated
    copy or a leniently read file never empties what a better reading stored."""
    old = conn.execute(sa.select(patents).where(patents.c.item_id == item_id)).first()
    if old is None:
        return record

    def parties(rows: list[list[str]]) -> tuple[Party, ...]:
        return tuple(Party(name, key) for name, key in rows)

    known = {
        "title": old.title,
        "application_number": old.application_number,
        "applicants": parties(old.applicants),
        "inventors": parties(old.inventors),
        "publication_date": old.publication_date,
        "filing_date": old.filing_date,
        "priority_date": old.priority_date,
        "cpc": tuple(old.cpc),
        "ipc": tuple(old.ipc),
        "classes": tuple(old.classes),
        "language": old.language,
    }
    return replace(record, **{k: v for k, v in known.items() if v and not getattr(record, k)})


def _values(record: PatentRecord, item_id: int, origin: str) -> dict[str, object]:
    """A publication's patent row, but for when it was written."""
    return {
        "number": str(record.number),
        "item_id": item_id,
        "base": record.number.base,
        "country": record.number.country,
        "kind": record.number.kind,
        "application_number": record.application_number,
        "title": record.title,
        "applicants": [[p.name, p.key] for p in record.applicants],
        "inventors": [[p.name, p.key] for p in record.inventors],
        "publication_date": record.publication_date,
        "filing_date": record.filing_date,
        "priority_date": record.priority_date,
        "cpc": list(record.cpc),
        "ipc": list(record.ipc),
        "classes": list(record.classes),
        "language": record.language,
        "origin": origin,
    }


def is_stored(conn: sa.Connection, record: PatentRecord, item_id: int, origin: str) -> bool:
    """Whether the publication's patent row already says all that ``record`` says, from ``origin``."""
    values = _values(record, item_id, origin)
    row = conn.execute(sa.select(*(patents.c[k] for k in values)).where(patents.c.item_id == item_id)).first()
    return row is not None and dict(row._mapping) == values


def save_patent(conn: sa.Connection, record: PatentRecord, item_id: int, origin: str, now: datetime) -> None:
    """Insert or replace the patent row of a publication."""
    # One row per item and per number: a file's "US9999901B2" replaces a feed's "US9999901".
    conn.execute(
        patents.delete().where(sa.or_(patents.c.number == str(record.number), patents.c.item_id == item_id))
    )
    conn.execute(patents.insert(), {**_values(record, item_id, origin), "updated_at": now})


@dataclass(frozen=True)
class RelatedPatent:
    number: str
    title: str
    first_applicant: str | None
    publication_date: str | None
    url: str


@dataclass(frozen=True)
class PatentEvidence:
    """The patents among a set of documents (a trend's evidence): list, top applicants, share."""

    patents: tuple[RelatedPatent, ...]
    top_applicants: tuple[tuple[str, int], ...]  # (name as most often written, number of patents)
    share: float  # patents / documents


def patent_evidence(conn: sa.Connection, item_ids: Sequence[int], *, top: int = 5) -> PatentEvidence:
    """Patents among ``item_ids``, newest first, with their most frequent applicants."""
    rows: list[sa.Row[Any]] = []
    for chunk in chunks(list(item_ids)):
        rows += conn.execute(sa.select(patents).where(patents.c.item_id.in_(chunk))).all()
    rows.sort(key=lambda r: (r.publication_date or "", r.number), reverse=True)
    counts: Counter[str] = Counter()  # patents per applicant, by comparable name
    spellings: dict[str, Counter[str]] = {}
    for row in rows:
        for key, name in {key: name for name, key in reversed(row.applicants)}.items():
            counts[key] += 1
            spellings.setdefault(key, Counter())[name] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return PatentEvidence(
        patents=tuple(
            RelatedPatent(
                number=row.number,
                title=row.title,
                first_applicant=row.applicants[0][0] if row.applicants else None,
                publication_date=row.publication_date,
                url=PublicationNumber(row.country, row.base[2:], row.kind).register_url,
            )
            for row in rows
        ),
        top_applicants=tuple((spellings[key].most_common(1)[0][0], n) for key, n in ranked),
        share=len(rows) / len(item_ids) if item_ids else 0.0,
    )


def documents_with_sources() -> sa.Join:
    """Documents joined to their items, sources and (where they are patents) patent rows: what
    the analysis and the papers read documents from."""
    return (
        documents.join(items, items.c.id == documents.c.item_id)
        .join(sources, sources.c.id == items.c.source_id)
        .outerjoin(patents, patents.c.item_id == documents.c.item_id)
    )
