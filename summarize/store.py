"""The analysis stage's tables: embeddings, term counts, industry scores, stories, trends, summaries.

Vectors are stored as raw little-endian float32 (embeddings) or float64 (story sums) bytes.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import numpy as np
import sqlalchemy as sa

from ingest import store as ingest_store
from ingest.clean import strip_controls
from ingest.errors import InputError
from ingest.migrations import Migration, UTCDateTime
from ingest.patentstore import documents_with_sources, patents
from ingest.store import chunks, documents, items, sources
from summarize.assign import Assignment
from summarize.members import Subject
from summarize.opportunities import DocScore, Opportunity, Side, renamed
from summarize.stories import StoryState
from summarize.summarizer import CitedSentence, Summary
from summarize.trends import Trend

metadata = ingest_store.metadata  # one MetaData, so foreign keys to items resolve

embeddings = sa.Table(
    "embeddings",
    metadata,
    sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id"), primary_key=True),
    sa.Column("model", sa.String(300), primary_key=True),
    sa.Column("vector", sa.LargeBinary, nullable=False),
)

lexicon = sa.Table(  # document frequency of each stemmed term, over every grouped document
    "lexicon",
    metadata,
    sa.Column("term", sa.String(200), primary_key=True),
    sa.Column("df", sa.Integer, nullable=False),
)

assignments = sa.Table(
    "assignments",
    metadata,
    sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id"), primary_key=True),
    sa.Column("industry", sa.String(100), primary_key=True),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("assigned", sa.Boolean, nullable=False),
    sa.Column("reasons", sa.Text, nullable=False),
)

profiles = sa.Table(  # what industry scores were computed against: rescored when it changes
    "industry_profiles",
    metadata,
    sa.Column("industry", sa.String(100), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("vector", sa.LargeBinary, nullable=False),
)

stories = sa.Table(
    "stories",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("model", sa.String(300), nullable=False),
    sa.Column("vector_sum", sa.LargeBinary, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("first_at", UTCDateTime),
    sa.Column("last_at", UTCDateTime, index=True),
)

story_members = sa.Table(
    "story_members",
    metadata,
    sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id"), primary_key=True),
    sa.Column("story_id", sa.Integer, sa.ForeignKey("stories.id"), nullable=False, index=True),
)

trends = sa.Table(
    "trends",
    metadata,
    sa.Column("id", sa.String(120), primary_key=True),
    sa.Column("industry", sa.String(100), nullable=False, index=True),
    sa.Column("active", sa.Boolean, nullable=False),  # found in the latest analysis
    sa.Column("first_seen", sa.String(10), nullable=False),  # window end when it first appeared
    sa.Column("data", sa.JSON, nullable=False),  # the latest Trend, as a dict
)

trend_history = sa.Table(
    "trend_history",
    metadata,
    sa.Column("trend_id", sa.String(120), sa.ForeignKey("trends.id"), primary_key=True),
    sa.Column("window_end", sa.String(10), primary_key=True),
    sa.Column("current", sa.Integer, nullable=False),
    sa.Column("previous", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
)

summaries = sa.Table(
    "summaries",
    metadata,
    sa.Column("subject", sa.String(240), primary_key=True),  # "trend:ID" or "story:INDUSTRY:ID"
    sa.Column("fingerprint", sa.String(64), nullable=False),  # of the documents it was made from
    sa.Column("method", sa.String(300), nullable=False),
    sa.Column("sentences", sa.JSON, nullable=False),  # [{"text", "source_id"}]
)


analyses = sa.Table(  # the latest trend analysis of each industry: what a paper is drafted from
    "industry_analyses",
    metadata,
    sa.Column("industry", sa.String(100), primary_key=True),
    sa.Column("as_of", sa.String(10), nullable=False),  # last day of the trend window
    sa.Column("window_days", sa.Integer, nullable=False),
    sa.Column("model", sa.String(300), nullable=False),  # embedding model id
    sa.Column("summarizer", sa.String(300), nullable=False),
)

trend_names = sa.Table(  # the generated name of each trend, and the editors' name that replaces it
    "trend_names",
    metadata,
    sa.Column("trend_id", sa.String(120), sa.ForeignKey("trends.id"), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),  # of what the generated name was made from
    sa.Column("generated", sa.String(300), nullable=False),
    sa.Column("chosen", sa.String(300)),  # by the editors; holds for as long as the trend keeps its id
    sa.Column("chosen_by", sa.String(200)),
    sa.Column("chosen_at", UTCDateTime),
)


opportunities = sa.Table(  # cross-sector opportunities (see ``summarize.opportunities``)
    "opportunities",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("links", sa.JSON, nullable=False),  # the (trend, side) links (keys) it covered when last found
    sa.Column("sides", sa.String(210), nullable=False),  # "medtech textile": the two slugs, sorted
    sa.Column("active", sa.Boolean, nullable=False),  # found in the latest analysis
    sa.Column("first_seen", sa.String(10), nullable=False),  # window end when it first appeared
    sa.Column("window_end", sa.String(10), nullable=False),  # window end when last found
    sa.Column("data", sa.JSON, nullable=False),  # the latest Opportunity, as a dict
)


member_vectors = sa.Table(  # members' competences, embedded: by the hash of (model, text), nothing else
    "member_vectors",
    metadata,
    sa.Column("fingerprint", sa.String(64), primary_key=True),
    sa.Column("vector", sa.LargeBinary, nullable=False),
)


def _create_v1(conn: sa.Connection) -> None:
    metadata.create_all(
        conn,
        tables=[
            embeddings,
            lexicon,
            assignments,
            profiles,
            stories,
            story_members,
            trends,
            trend_history,
            summaries,
        ],
    )


MIGRATIONS = (
    Migration("summarize", 1, "embeddings, scores, stories, trends and summaries", _create_v1),
    Migration("summarize", 2, "the latest analysis per industry", lambda c: analyses.create(c)),
    Migration("summarize", 3, "trend names, generated and chosen", lambda c: trend_names.create(c)),
    Migration("summarize", 4, "cross-sector opportunities", lambda c: opportunities.create(c)),
    Migration("summarize", 5, "members' competences, embedded", lambda c: member_vectors.create(c)),
)


@dataclass(frozen=True)
class PendingDocument:
    """A document the analysis has not grouped yet."""

    id: int
    title: str
    text: str
    when: datetime | None  # published; None if the source gave no date (no time limit on its story)
    source: str
    duplicate_of: int | None
    language: str | None = None  # as ingest detected it


def pending_documents(conn: sa.Connection, limit: int) -> list[PendingDocument]:
    """Documents without a story, oldest item first."""
    when = sa.func.coalesce(documents.c.published_at, items.c.first_seen_at)
    rows = conn.execute(
        sa.select(
            documents.c.item_id,
            documents.c.title,
            documents.c.text,
            documents.c.published_at,
            sources.c.name,
            sa.func.coalesce(documents.c.duplicate_of, items.c.duplicate_of).label("duplicate_of"),
            documents.c.language,
        )
        .join(items, items.c.id == documents.c.item_id)
        .join(sources, sources.c.id == items.c.source_id)
        .outerjoin(story_members, story_members.c.item_id == documents.c.item_id)
        .where(story_members.c.item_id.is_(None))
        .order_by(when, documents.c.item_id)
        .limit(limit)
    ).all()
    return [
        PendingDocument(r.item_id, r.title, r.text, r.published_at, r.name, r.duplicate_of, r.language)
        for r in rows
    ]


def _vector(blob: bytes, dtype: Any = np.float32) -> np.ndarray:
    return np.frombuffer(blob, dtype=dtype).copy()


def load_embeddings(conn: sa.Connection, model: str, item_ids: Sequence[int]) -> dict[int, np.ndarray]:
    out: dict[int, np.ndarray] = {}
    for chunk in chunks(list(item_ids)):
        for row in conn.execute(
            sa.select(embeddings.c.item_id, embeddings.c.vector).where(
                embeddings.c.model == model, embeddings.c.item_id.in_(chunk)
            )
        ):
            out[row.item_id] = _vector(row.vector)
    return out


def save_embeddings(conn: sa.Connection, model: str, vectors: Mapping[int, np.ndarray]) -> None:
    if vectors:
        conn.execute(
            sa.insert(embeddings),
            [{"item_id": i, "model": model, "vector": v.astype("<f4").tobytes()} for i, v in vectors.items()],
        )


def document_frequencies(conn: sa.Connection, terms: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for chunk in chunks(sorted(set(terms))):
        out.update(
            conn.execute(sa.select(lexicon.c.term, lexicon.c.df).where(lexicon.c.term.in_(chunk))).all()
        )
    return out


def add_document_frequencies(
    conn: sa.Connection, counts: Mapping[str, int], known: Mapping[str, int]
) -> None:
    """Add ``counts`` to the stored frequencies (``known``: the stored values of those terms)."""
    updates = [{"t": t, "df": known[t] + n} for t, n in counts.items() if t in known]
    inserts = [{"term": t, "df": n} for t, n in counts.items() if t not in known]
    if updates:
        conn.execute(
            lexicon.update().where(lexicon.c.term == sa.bindparam("t")).values(df=sa.bindparam("df")), updates
        )
    if inserts:
        conn.execute(sa.insert(lexicon), inserts)


def grouped_languages(conn: sa.Connection) -> dict[str, int]:
    """How many grouped documents ingest found in each language (those it could not tell left out)."""
    rows = conn.execute(
        sa.select(documents.c.language, sa.func.count())
        .join(story_members, story_members.c.item_id == documents.c.item_id)
        .where(documents.c.language.is_not(None))
        .group_by(documents.c.language)
    ).all()
    return {str(language): int(n) for language, n in rows}


def grouped_count(conn: sa.Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(story_members)).scalar_one())


def load_stories(conn: sa.Connection, model: str, since: datetime | None) -> dict[int, StoryState]:
    """Stories of ``model`` that were still open at ``since`` (or have no dates)."""
    query = sa.select(stories).where(stories.c.model == model)
    if since is not None:
        query = query.where(sa.or_(stories.c.last_at.is_(None), stories.c.last_at >= since))
    return {
        r.id: StoryState(r.id, _vector(r.vector_sum, np.float64), r.size, r.first_at, r.last_at)
        for r in conn.execute(query)
    }


def stories_by_id(conn: sa.Connection, story_ids: Sequence[int]) -> dict[int, StoryState]:
    """Stories by id, whatever their dates (those near-duplicates follow)."""
    out: dict[int, StoryState] = {}
    for chunk in chunks(sorted(set(story_ids))):
        for r in conn.execute(sa.select(stories).where(stories.c.id.in_(chunk))):
            out[r.id] = StoryState(r.id, _vector(r.vector_sum, np.float64), r.size, r.first_at, r.last_at)
    return out


def max_story_id(conn: sa.Connection) -> int:
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(stories.c.id), 0))).scalar_one())


def story_of(conn: sa.Connection, item_ids: Sequence[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for chunk in chunks(list(item_ids)):
        out.update(
            conn.execute(
                sa.select(story_members.c.item_id, story_members.c.story_id).where(
                    story_members.c.item_id.in_(chunk)
                )
            ).all()
        )
    return out


def save_stories(
    conn: sa.Connection, model: str, states: Mapping[int, StoryState], members: Mapping[int, int]
) -> None:
    """Upsert the touched stories and insert the new memberships (item → story)."""
    existing = set()
    for chunk in chunks(sorted(states)):
        existing |= set(conn.execute(sa.select(stories.c.id).where(stories.c.id.in_(chunk))).scalars())
    rows = [
        {
            "sid": s.story_id,
            "model": model,
            "vector_sum": s.vector_sum.astype("<f8").tobytes(),
            "size": s.size,
            "first_at": s.first,
            "last_at": s.last,
        }
        for s in states.values()
    ]
    if new := [r for r in rows if r["sid"] not in existing]:
        conn.execute(
            sa.insert(stories), [{**{k: v for k, v in r.items() if k != "sid"}, "id": r["sid"]} for r in new]
        )
    if old := [r for r in rows if r["sid"] in existing]:
        conn.execute(
            stories.update()
            .where(stories.c.id == sa.bindparam("sid"))
            .values(
                vector_sum=sa.bindparam("vector_sum"),
                size=sa.bindparam("size"),
                first_at=sa.bindparam("first_at"),
                last_at=sa.bindparam("last_at"),
            ),
            [{k: v for k, v in r.items() if k != "model"} for r in old],
        )
    if members:
        conn.execute(sa.insert(story_members), [{"item_id": i, "story_id": s} for i, s in members.items()])


def save_assignments(conn: sa.Connection, rows: Sequence[Assignment]) -> None:
    """Replace the scores of these documents for these industries."""
    industries = sorted({a.industry for a in rows})
    for chunk in chunks(sorted({a.item_id for a in rows})):
        conn.execute(
            assignments.delete().where(
                assignments.c.item_id.in_(chunk), assignments.c.industry.in_(industries)
            )
        )
    if rows:
        conn.execute(
            sa.insert(assignments),
            [
                {
                    "item_id": a.item_id,
                    "industry": a.industry,
                    "score": a.score,
                    "assigned": a.assigned,
                    "reasons": a.reasons,
                }
                for a in rows
            ],
        )


def load_profiles(conn: sa.Connection) -> dict[str, tuple[str, np.ndarray]]:
    """Industry slug → (fingerprint of the profile, its vector)."""
    return {r.industry: (r.fingerprint, _vector(r.vector)) for r in conn.execute(sa.select(profiles))}


def save_profile(conn: sa.Connection, industry: str, fingerprint: str, vector: np.ndarray) -> None:
    conn.execute(profiles.delete().where(profiles.c.industry == industry))
    conn.execute(
        sa.insert(profiles),
        [{"industry": industry, "fingerprint": fingerprint, "vector": vector.astype("<f4").tobytes()}],
    )


def originals(conn: sa.Connection, item_ids: Sequence[int]) -> dict[int, int]:
    """Near-duplicate → its original, for those of ``item_ids`` that are near-duplicates."""
    out: dict[int, int] = {}
    original = sa.func.coalesce(documents.c.duplicate_of, items.c.duplicate_of)
    for chunk in chunks(list(item_ids)):
        out.update(
            conn.execute(
                sa.select(documents.c.item_id, original)
                .join(items, items.c.id == documents.c.item_id)
                .where(documents.c.item_id.in_(chunk), original.is_not(None))
            ).all()
        )
    return out


@dataclass(frozen=True)
class IndustryDocument:
    id: int
    story_id: int
    when: datetime
    source: str
    title: str
    text: str
    is_patent: bool
    language: str | None = None  # as ingest detected it


def industry_documents(conn: sa.Connection, industry: str, since: datetime) -> list[IndustryDocument]:
    """Grouped documents assigned to ``industry`` dated ``since`` or later (published, else first seen)."""
    when = sa.func.coalesce(documents.c.published_at, items.c.first_seen_at)
    rows = conn.execute(
        sa.select(
            documents.c.item_id,
            story_members.c.story_id,
            documents.c.published_at,  # coalesced below: a SQL coalesce loses the column's date type
            items.c.first_seen_at,
            sources.c.name,
            documents.c.title,
            documents.c.text,
            patents.c.number,
            documents.c.language,
        )
        .select_from(
            documents_with_sources()
            .join(story_members, story_members.c.item_id == documents.c.item_id)
            .join(assignments, assignments.c.item_id == documents.c.item_id)
        )
        .where(assignments.c.industry == industry, assignments.c.assigned.is_(True), when >= since)
        .order_by(documents.c.item_id)
    ).all()
    return [
        IndustryDocument(
            r.item_id,
            r.story_id,
            r.published_at or r.first_seen_at,
            r.name,
            r.title,
            r.text,
            r.number is not None,
            r.language,
        )
        for r in rows
    ]


def previous_trends(conn: sa.Connection, industry: str) -> list[tuple[str, frozenset[int]]]:
    """Every trend of the industry with its stories as last stored."""
    return [
        (r.id, frozenset(r.data["story_ids"]))
        for r in conn.execute(sa.select(trends.c.id, trends.c.data).where(trends.c.industry == industry))
    ]


def trend_dict(trend: Trend) -> dict[str, Any]:
    data: dict[str, Any] = {f: getattr(trend, f) for f in trend.__dataclass_fields__}
    data["window_start"] = trend.window_start.isoformat()
    data["window_end"] = trend.window_end.isoformat()
    data["story_ids"] = list(trend.story_ids)
    data["doc_ids"] = list(trend.doc_ids)
    data["weekly"] = [list(w) for w in trend.weekly]
    return data


def trend_from_dict(data: Mapping[str, Any]) -> Trend:
    return Trend(
        **{
            "name": data["title"],  # stored before trends had names
            **data,
            "window_start": date.fromisoformat(data["window_start"]),
            "window_end": date.fromisoformat(data["window_end"]),
            "story_ids": tuple(data["story_ids"]),
            "doc_ids": tuple(data["doc_ids"]),
            "weekly": tuple((w, n) for w, n in data["weekly"]),
        }
    )


def save_trends(conn: sa.Connection, industry: str, found: Sequence[Trend], as_of: date) -> None:
    """Store this analysis's trends of ``industry``; earlier ones not found again become inactive."""
    conn.execute(trends.update().where(trends.c.industry == industry).values(active=False))
    known = set(conn.execute(sa.select(trends.c.id).where(trends.c.industry == industry)).scalars())
    for trend in found:
        data = trend_dict(trend)
        if trend.trend_id in known:
            conn.execute(trends.update().where(trends.c.id == trend.trend_id).values(active=True, data=data))
        else:
            conn.execute(
                sa.insert(trends),
                [
                    {
                        "id": trend.trend_id,
                        "industry": industry,
                        "active": True,
                        "first_seen": as_of.isoformat(),
                        "data": data,
                    }
                ],
            )
        conn.execute(
            trend_history.delete().where(
                trend_history.c.trend_id == trend.trend_id, trend_history.c.window_end == as_of.isoformat()
            )
        )
        conn.execute(
            sa.insert(trend_history),
            [
                {
                    "trend_id": trend.trend_id,
                    "window_end": as_of.isoformat(),
                    "current": trend.current,
                    "previous": trend.previous,
                    "status": trend.status,
                }
            ],
        )


def load_trends(conn: sa.Connection, industry: str | None = None, *, active_only: bool = True) -> list[Trend]:
    query = sa.select(trends.c.data)
    if industry:
        query = query.where(trends.c.industry == industry)
    if active_only:
        query = query.where(trends.c.active.is_(True))
    found = [trend_from_dict(d) for d in conn.execute(query).scalars()]
    chosen = chosen_names(conn)
    found = [replace(t, name=chosen[t.trend_id]) if t.trend_id in chosen else t for t in found]
    return sorted(found, key=lambda t: (t.industry, -t.current, t.trend_id))


def chosen_names(conn: sa.Connection) -> dict[str, str]:
    """The editors' names of trends (trend id → name)."""
    rows = conn.execute(
        sa.select(trend_names.c.trend_id, trend_names.c.chosen).where(trend_names.c.chosen.is_not(None))
    )
    return {r.trend_id: r.chosen for r in rows}


def generated_names(conn: sa.Connection, trend_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """The generated names of these trends: trend id → (fingerprint of their input, name)."""
    rows = conn.execute(
        sa.select(trend_names.c.trend_id, trend_names.c.fingerprint, trend_names.c.generated).where(
            trend_names.c.trend_id.in_(list(trend_ids))
        )
    )
    return {r.trend_id: (r.fingerprint, r.generated) for r in rows}


def save_generated_names(conn: sa.Connection, names: Mapping[str, str], fingerprint: str) -> None:
    """Store generated names; an editors' name stays as it is."""
    known = set(generated_names(conn, list(names)))
    for trend_id, name in names.items():
        values = {"fingerprint": fingerprint, "generated": name}
        if trend_id in known:
            conn.execute(trend_names.update().where(trend_names.c.trend_id == trend_id).values(**values))
        else:
            conn.execute(sa.insert(trend_names), [{"trend_id": trend_id, **values}])


def rename_trend(conn: sa.Connection, trend_id: str, name: str | None, by: str | None, at: datetime) -> Trend:
    """Give a trend the editors' ``name`` (None: back to the generated one); the renamed trend.

    An ``InputError`` when no trend has that id or the name is empty or too long.
    """
    if name is not None:
        name = " ".join(strip_controls(name).split())
        if not name or len(name) > 120:
            raise InputError(f"trend name {name!r}: must have 1 to 120 characters")
        if re.search(r"<[A-Za-z/!?]", name):
            raise InputError(f"trend name {name!r}: must be plain text, without HTML tags")
    row = conn.execute(sa.select(trends.c.data).where(trends.c.id == trend_id)).first()
    if row is None:
        raise InputError(f"no trend {trend_id!r} (see `trendpapers trends --all` for the ids)")
    trend = trend_from_dict(row.data)
    values = {"chosen": name, "chosen_by": by if name else None, "chosen_at": at if name else None}
    if conn.execute(sa.select(trend_names.c.trend_id).where(trend_names.c.trend_id == trend_id)).first():
        conn.execute(trend_names.update().where(trend_names.c.trend_id == trend_id).values(**values))
    else:
        conn.execute(
            sa.insert(trend_names),
            [{"trend_id": trend_id, "fingerprint": "", "generated": trend.name, **values}],
        )
    return replace(trend, name=name or trend.name)


def load_summary(conn: sa.Connection, subject: str) -> tuple[str, Summary] | None:
    """The stored summary of a subject and the fingerprint of what it was made from."""
    row = conn.execute(sa.select(summaries).where(summaries.c.subject == subject)).first()
    if row is None:
        return None
    cited = tuple(CitedSentence(s["text"], s["source_id"]) for s in row.sentences)
    return row.fingerprint, Summary(cited, row.method)


def save_summary(conn: sa.Connection, subject: str, fingerprint: str, summary: Summary) -> None:
    conn.execute(summaries.delete().where(summaries.c.subject == subject))
    conn.execute(
        sa.insert(summaries),
        [
            {
                "subject": subject,
                "fingerprint": fingerprint,
                "method": summary.method,
                "sentences": [{"text": s.text, "source_id": s.source_id} for s in summary.sentences],
            }
        ],
    )


@dataclass(frozen=True)
class AnalysisState:
    """What the latest trends of an industry were computed from."""

    industry: str
    as_of: date
    window_days: int
    model: str
    summarizer: str


def save_analysis_state(conn: sa.Connection, state: AnalysisState) -> None:
    conn.execute(analyses.delete().where(analyses.c.industry == state.industry))
    row = {**state.__dict__, "as_of": state.as_of.isoformat()}
    conn.execute(sa.insert(analyses), [row])


def load_analysis_state(conn: sa.Connection, industry: str) -> AnalysisState | None:
    row = conn.execute(sa.select(analyses).where(analyses.c.industry == industry)).first()
    if row is None:
        return None
    return AnalysisState(
        row.industry, date.fromisoformat(row.as_of), row.window_days, row.model, row.summarizer
    )


@dataclass(frozen=True)
class WindowCounts:
    """What an industry's window held, to explain an empty result."""

    scored: int  # documents of the window scored for the industry
    assigned: int  # of those, assigned to it
    stories: int  # stories the assigned ones belong to
    best_unassigned: float | None  # the highest score below the assignment threshold
    latest: datetime | None  # the latest document date in the whole store (None: no document at all)


def window_counts(conn: sa.Connection, industry: str, since: datetime, until: datetime) -> WindowCounts:
    """Documents dated ``since`` up to before ``until`` (published, else first seen) for ``industry``."""
    when = sa.func.coalesce(documents.c.published_at, items.c.first_seen_at)
    scored = (
        sa.select(assignments.c.assigned, assignments.c.score, story_members.c.story_id)
        .join(documents, documents.c.item_id == assignments.c.item_id)
        .join(items, items.c.id == documents.c.item_id)
        .outerjoin(story_members, story_members.c.item_id == assignments.c.item_id)
        .where(assignments.c.industry == industry, when >= since, when < until)
    )
    rows = conn.execute(scored).all()
    # Typed columns, not the coalesce: SQLite would hand the maximum back as text.
    latest = (
        conn.execute(sa.select(sa.func.max(documents.c.published_at))).scalar()
        or conn.execute(
            sa.select(sa.func.max(items.c.first_seen_at)).join(documents, documents.c.item_id == items.c.id)
        ).scalar()
    )  # of documents only: items still waiting for their text are nothing to analyse
    below = [r.score for r in rows if not r.assigned]
    return WindowCounts(
        scored=len(rows),
        assigned=sum(1 for r in rows if r.assigned),
        stories=len({r.story_id for r in rows if r.assigned and r.story_id is not None}),
        best_unassigned=max(below) if below else None,
        latest=latest,
    )


@dataclass(frozen=True)
class DocumentScore:
    item_id: int
    title: str
    when: datetime | None
    industry: str
    score: float
    assigned: bool
    reasons: str


def document_scores(conn: sa.Connection, industry: str | None = None) -> list[DocumentScore]:
    """Every scored document with its score, decision and reasons for each industry (or one)."""
    query = (
        sa.select(
            assignments.c.item_id,
            documents.c.title,
            documents.c.published_at,
            assignments.c.industry,
            assignments.c.score,
            assignments.c.assigned,
            assignments.c.reasons,
        )
        .join(documents, documents.c.item_id == assignments.c.item_id)
        .order_by(documents.c.published_at.desc(), assignments.c.item_id, assignments.c.industry)
    )
    if industry:
        query = query.where(assignments.c.industry == industry)
    return [DocumentScore(*row) for row in conn.execute(query)]


def patent_classes(conn: sa.Connection, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """The CPC, IPC and other classes of the documents that are patents."""
    out: dict[int, tuple[str, ...]] = {}
    for chunk in chunks(list(ids)):
        for row in conn.execute(
            sa.select(patents.c.item_id, patents.c.cpc, patents.c.ipc, patents.c.classes).where(
                patents.c.item_id.in_(chunk)
            )
        ):
            out[row.item_id] = tuple(dict.fromkeys([*row.cpc, *row.ipc, *row.classes]))
    return out


def grouped_documents(conn: sa.Connection) -> list[tuple[int, str, str, str]]:
    """(id, title, text, source name) of every grouped document, by id: what a changed industry
    profile rescores."""
    rows = conn.execute(
        sa.select(documents.c.item_id, documents.c.title, documents.c.text, sources.c.name)
        .select_from(
            documents.join(items, items.c.id == documents.c.item_id)
            .join(sources, sources.c.id == items.c.source_id)
            .join(story_members, story_members.c.item_id == documents.c.item_id)
        )
        .order_by(documents.c.item_id)
    )
    return [(r.item_id, r.title, r.text, r.name) for r in rows]


def story_members_by_item(conn: sa.Connection) -> dict[int, int]:
    """Every grouped document's story (item id → story id)."""
    return dict(conn.execute(sa.select(story_members.c.item_id, story_members.c.story_id)).all())


def trend_windows(conn: sa.Connection, trend_id: str) -> list[tuple[str, int, int, str]]:
    """A trend's history: (window end, documents, documents before, status), oldest first."""
    rows = conn.execute(
        sa.select(trend_history)
        .where(trend_history.c.trend_id == trend_id)
        .order_by(trend_history.c.window_end)
    )
    return [(r.window_end, r.current, r.previous, r.status) for r in rows]


def scores_of(conn: sa.Connection, item_ids: Sequence[int]) -> dict[tuple[int, str], DocScore]:
    """(document, industry or field) → its stored score, for these documents."""
    out: dict[tuple[int, str], DocScore] = {}
    for chunk in chunks(sorted(set(item_ids))):
        for r in conn.execute(sa.select(assignments).where(assignments.c.item_id.in_(chunk))):
            out[r.item_id, r.industry] = DocScore(r.score, r.assigned, r.reasons)
    return out


def story_documents(conn: sa.Connection, story_ids: Sequence[int]) -> dict[int, tuple[int, ...]]:
    """Story → its documents, by id."""
    out: dict[int, list[int]] = {}
    for chunk in chunks(sorted(set(story_ids))):
        for r in conn.execute(
            sa.select(story_members.c.item_id, story_members.c.story_id)
            .where(story_members.c.story_id.in_(chunk))
            .order_by(story_members.c.item_id)
        ):
            out.setdefault(r.story_id, []).append(r.item_id)
    return {k: tuple(v) for k, v in out.items()}


def opportunity_dict(o: Opportunity) -> dict[str, Any]:
    return {
        "opportunity_id": o.opportunity_id,
        "name": o.name,
        "sides": [{**s.__dict__, "documents": list(s.documents)} for s in o.sides],
        "reasons": list(o.reasons),
        "keys": list(o.keys),
        "score": o.score,
        "strength": o.strength,
        "language": o.language,
    }


def opportunity_from_dict(data: Mapping[str, Any]) -> Opportunity:
    first, second = (Side(**{**s, "documents": tuple(s["documents"])}) for s in data["sides"])
    return Opportunity(
        data["opportunity_id"],
        data["name"],
        (first, second),
        tuple(data["reasons"]),
        tuple(data["keys"]),
        data["score"],
        data["strength"],
        data.get("language"),  # stored before names followed the workspace's language: English
    )


def previous_opportunities(conn: sa.Connection) -> list[tuple[str, frozenset[str]]]:
    """Every stored opportunity's id and the links it covered when last found."""
    return [
        (r.id, frozenset(r.links)) for r in conn.execute(sa.select(opportunities.c.id, opportunities.c.links))
    ]


def save_opportunities(conn: sa.Connection, found: Sequence[Opportunity], as_of: date) -> None:
    """Store this analysis's opportunities; earlier ones not found again become inactive."""
    conn.execute(opportunities.update().values(active=False))
    known = set(conn.execute(sa.select(opportunities.c.id)).scalars())
    for o in found:
        values = {
            "links": list(o.keys),
            "sides": " ".join(sorted(o.slugs)),
            "active": True,
            "window_end": as_of.isoformat(),
            "data": opportunity_dict(o),
        }
        if o.opportunity_id in known:
            conn.execute(
                opportunities.update().where(opportunities.c.id == o.opportunity_id).values(**values)
            )
        else:
            conn.execute(
                sa.insert(opportunities),
                [{"id": o.opportunity_id, "first_seen": as_of.isoformat(), **values}],
            )


def load_opportunities(
    conn: sa.Connection, industry: str | None = None, *, active_only: bool = True
) -> list[Opportunity]:
    """Opportunities (of the latest analysis, unless not ``active_only``), strongest first; with
    ``industry``, those with that industry (or the field) on one side. Trend names are the current
    ones: an editors' rename shows here too."""
    query = sa.select(opportunities.c.data)
    if active_only:
        query = query.where(opportunities.c.active.is_(True))
    found = [opportunity_from_dict(d) for d in conn.execute(query).scalars()]
    if industry:
        found = [o for o in found if o.concerns(industry)]
    trend_ids = [s.trend_id for o in found for s in o.sides if s.trend_id]
    names = {t: n for t, (_, n) in generated_names(conn, trend_ids).items()} | chosen_names(conn)
    found = [renamed(o, names) for o in found]
    return sorted(found, key=lambda o: (-o.strength, -o.score, o.opportunity_id))


def load_member_vectors(conn: sa.Connection, fingerprints: Sequence[str]) -> dict[str, np.ndarray]:
    """Cached vectors of members' competence texts, by fingerprint."""
    out: dict[str, np.ndarray] = {}
    for chunk in chunks(sorted(set(fingerprints))):
        for r in conn.execute(sa.select(member_vectors).where(member_vectors.c.fingerprint.in_(chunk))):
            out[r.fingerprint] = _vector(r.vector)
    return out


def save_member_vectors(conn: sa.Connection, vectors: Mapping[str, np.ndarray]) -> None:
    known = set(load_member_vectors(conn, list(vectors)))
    rows = [
        {"fingerprint": f, "vector": v.astype("<f4").tobytes()} for f, v in vectors.items() if f not in known
    ]
    if rows:
        conn.execute(sa.insert(member_vectors), rows)


def document_texts(conn: sa.Connection, item_ids: Sequence[int], lead: int = 600) -> dict[int, str]:
    """Each document's title and the start of its text, by id (what keywords are looked for in)."""
    out: dict[int, str] = {}
    for chunk in chunks(sorted(set(item_ids))):
        for r in conn.execute(
            sa.select(documents.c.item_id, documents.c.title, documents.c.text).where(
                documents.c.item_id.in_(chunk)
            )
        ):
            out[r.item_id] = f"{r.title}\n{r.text[:lead]}"
    return out


def load_subjects(conn: sa.Connection, model: str, industries: Collection[str]) -> list[Subject]:
    """The current trends of ``industries`` and the opportunities of the latest analysis, as member
    matching sees them: the centroid of their documents' embeddings under ``model``, and their text."""
    trends = [t for t in load_trends(conn) if t.industry in industries and t.current]
    found = load_opportunities(conn)
    wanted = {d for t in trends for d in t.doc_ids[:10]} | {d for o in found for d in o.documents}
    vectors = load_embeddings(conn, model, sorted(wanted))
    texts = document_texts(conn, sorted(wanted))
    out = []
    for kind, subject_id, name, slugs, docs in [
        *(("trend", t.trend_id, t.name, (t.industry,), t.doc_ids[:10]) for t in trends),
        *(("opportunity", o.opportunity_id, o.name, o.slugs, o.documents) for o in found),
    ]:
        present = [vectors[d] for d in docs if d in vectors]
        if not present:
            continue
        summed = np.sum(present, axis=0)
        text = "\n".join([name, *(texts[d] for d in docs if d in texts)])
        out.append(
            Subject(kind, subject_id, name, tuple(slugs), summed / (np.linalg.norm(summed) or 1.0), text)
        )
    return out
