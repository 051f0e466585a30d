"""The analysis stage: new documents → embeddings, industry scores, stories; then trends and summaries.

Documents are taken in batches, oldest first; each batch is committed on its own (embeddings first,
then scores and story memberships), so a killed run loses at most one batch and resumes with it.
Nothing is embedded twice: vectors are stored per (document, model), a near-duplicate borrows its
original's, and a re-run with no new documents makes no model call at all.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime

import numpy as np
import sqlalchemy as sa

from summarize import store
from summarize.abstractive import Rewriter, rewrite_summary
from summarize.assign import AssignInput, AssignSettings, assign, profile_text
from summarize.embed import Embedder, EmbedSettings, document_text
from summarize.lexical import names, story_vectors, terms, word_and_name_vectors
from summarize.members import Member, embed_members, member_fingerprint
from summarize.names import NamingInput, name_trends, text_of
from summarize.opportunities import Evidence, Opportunity, find_opportunities, number_opportunities
from summarize.records import FIELD, Industry
from summarize.settings import AnalysisSettings
from summarize.stories import StoryDoc, group_stories
from summarize.summarizer import SourceDoc, Summary, summarize
from summarize.trends import (
    PreviousTrend,
    Trend,
    TrendDoc,
    build_trends,
    trend_number,
    window_start,
)
from summarize.wording import ENGLISH, Wording

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnalysisReport:
    documents: int = 0  # grouped in this run
    embedded: int = 0  # of which needed the model
    model_calls: int = 0
    new_stories: int = 0
    trends: dict[str, int] = field(default_factory=dict)  # industry → trends found
    weak_signals: dict[str, int] = field(default_factory=dict)  # industry → of which weak signals
    summaries: int = 0  # written (unchanged ones are kept)
    opportunities: int = 0  # cross-sector opportunities found
    members_embedded: int = 0  # members whose competences needed the model (the others are cached)
    seconds: dict[str, float] = field(default_factory=dict)


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _score(
    conn: sa.Connection,
    docs: Sequence[tuple[int, str, str, str]],
    vectors: Mapping[int, np.ndarray],
    industries: Sequence[Industry],
    profiles: np.ndarray,
    hints: Mapping[str, tuple[str, ...]],
    settings: AssignSettings,
) -> None:
    classes = store.patent_classes(conn, [d[0] for d in docs])
    inputs = [
        AssignInput(i, title, text, vectors[i], hints.get(source, ()), classes.get(i, ()))
        for i, title, text, source in docs
        if i in vectors
    ]
    store.save_assignments(conn, assign(inputs, industries, profiles, settings))


def profile_vectors(
    engine: sa.Engine,
    embedder: Embedder,
    industries: Sequence[Industry],
    hints: Mapping[str, tuple[str, ...]],
    settings: AnalysisSettings,
) -> np.ndarray:
    """One unit row per industry; a changed profile is embedded and every document rescored for it."""
    with engine.begin() as conn:
        stored = store.load_profiles(conn)
    hinted = sorted((source, tuple(sorted(slugs))) for source, slugs in hints.items())
    prints = {
        i.slug: _fingerprint(
            embedder.model_id, profile_text(i), i.keywords, i.patent_classes, hinted, settings.assign
        )
        for i in industries
    }
    changed = [i for i in industries if i.slug not in stored or stored[i.slug][0] != prints[i.slug]]
    if changed:
        fresh = embedder.embed([profile_text(i) for i in changed])
        with engine.begin() as conn:
            docs = store.grouped_documents(conn)
            for start in range(0, len(docs), settings.batch):
                part = docs[start : start + settings.batch]
                vectors, _ = document_vectors(
                    conn, embedder, settings.embed, [(d[0], d[1], d[2]) for d in part]
                )
                _score(conn, part, vectors, changed, fresh, hints, settings.assign)
            for k, industry in enumerate(changed):
                store.save_profile(conn, industry.slug, prints[industry.slug], fresh[k])
                stored[industry.slug] = (prints[industry.slug], fresh[k])
    if not industries:
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack([stored[i.slug][1] for i in industries])


def document_vectors(
    conn: sa.Connection, embedder: Embedder, settings: EmbedSettings, docs: Sequence[tuple[int, str, str]]
) -> tuple[dict[int, np.ndarray], int]:
    """Vectors of (id, title, text) documents, and how many had to be embedded now.

    Stored vectors are used; a near-duplicate borrows its original's; the rest are embedded and
    stored (originals first, so that a copy in the same call borrows). A document grouped under
    another model is embedded here too, so a model change re-embeds the store bit by bit.
    """
    ids = [d[0] for d in docs]
    vectors = store.load_embeddings(conn, embedder.model_id, ids)
    originals = store.originals(conn, [i for i in ids if i not in vectors])
    vectors.update(
        store.load_embeddings(conn, embedder.model_id, sorted(set(originals.values()) - set(vectors)))
    )
    embedded = 0
    for wanted in (lambda i: i not in originals, lambda i: True):
        for copy, original in originals.items():
            if copy not in vectors and original in vectors:
                vectors[copy] = vectors[original]
        missing = [d for d in docs if d[0] not in vectors and wanted(d[0])]
        if missing:
            fresh = embedder.embed(
                [document_text(title, text, settings.lead_chars) for _, title, text in missing]
            )
            new = {d[0]: fresh[k] for k, d in enumerate(missing)}
            store.save_embeddings(conn, embedder.model_id, new)
            vectors.update(new)
            embedded += len(missing)
    for original in set(originals.values()) - set(ids):
        vectors.pop(original, None)  # loaded only to be borrowed
    return vectors, embedded


def story_docs(
    docs: Sequence[store.PendingDocument],
    vectors: Mapping[int, np.ndarray],
    counts: Sequence[Counter[str]],
    df: Mapping[str, int],
    n_before: int,
    settings: AnalysisSettings,
) -> list[StoryDoc]:
    """The grouping's view of documents: embedding, words and names side by side (see ``lexical``).

    ``counts`` are the documents' terms (words and names, as ``story_terms`` gives them), ``df`` and
    ``n_before`` the document frequencies and the number of documents grouped before them; the IDF
    counts these documents too.
    """
    batch_df = Counter(t for c in counts for t in c)
    frequencies = {t: df.get(t, 0) + n for t, n in batch_df.items()}
    words, named = word_and_name_vectors(counts, frequencies, n_before + len(docs))
    embedded = np.stack([vectors[d.id] for d in docs])
    combined = story_vectors([embedded, words, named], settings.stories.weights)
    return [StoryDoc(d.id, combined[k], d.when, d.duplicate_of) for k, d in enumerate(docs)]


def story_terms(title: str, text: str, language: str | None = None) -> Counter[str]:
    """The words and names of a document's title and whole text, as the grouping counts them."""
    whole = f"{title}\n{text}" if title else text
    return terms(whole, language) + names(whole, language)


def group_batch(
    engine: sa.Engine,
    embedder: Embedder,
    batch: Sequence[store.PendingDocument],
    settings: AnalysisSettings,
    industries: Sequence[Industry],
    profiles: np.ndarray,
    hints: Mapping[str, tuple[str, ...]],
) -> tuple[int, int]:
    """Embed, score and group one batch of pending documents; returns (embedded, new stories)."""
    with engine.begin() as conn:  # embeddings are kept even if the grouping below fails
        known = store.story_of(conn, [d.duplicate_of for d in batch if d.duplicate_of is not None])
        vectors, embedded = document_vectors(
            conn, embedder, settings.embed, [(d.id, d.title, d.text) for d in batch]
        )

    counts = [story_terms(d.title, d.text, d.language) for d in batch]
    with engine.begin() as conn:
        df = store.document_frequencies(conn, {t for c in counts for t in c})
        docs = story_docs(batch, vectors, counts, df, store.grouped_count(conn), settings)
        dated = [d.when for d in batch if d.when is not None]
        oldest = min(dated) - timedelta(days=settings.stories.max_days) if dated else None
        next_id = store.max_story_id(conn) + 1
        existing = store.load_stories(conn, embedder.model_id, oldest)
        # A near-duplicate of an older document joins its story, however old: that story must be
        # loaded whole, or saving it would overwrite it with the newcomer alone.
        existing.update(store.stories_by_id(conn, [s for s in known.values() if s not in existing]))
        grouping = group_stories(docs, existing, settings.stories, known=known, next_id=next_id)
        store.save_stories(conn, embedder.model_id, grouping.stories, grouping.assignments)
        store.add_document_frequencies(conn, Counter(t for c in counts for t in c), df)
        _score(
            conn,
            [(d.id, d.title, d.text, d.source) for d in batch],
            vectors,
            industries,
            profiles,
            hints,
            settings.assign,
        )
    new = len({s for s in grouping.assignments.values() if s >= next_id})
    return embedded, new


def group_pending(
    engine: sa.Engine,
    embedder: Embedder,
    settings: AnalysisSettings,
    industries: Sequence[Industry] = (),
    profiles: np.ndarray | None = None,
    hints: Mapping[str, tuple[str, ...]] | None = None,
) -> tuple[int, int, int]:
    """Every pending document embedded, scored and grouped, batch by batch, oldest first.

    Returns (documents, embedded, new stories). ``trendpapers eval stories`` runs this too.
    """
    profiles = profiles if profiles is not None else np.zeros((0, 0), dtype=np.float32)
    grouped = embedded = new_stories = 0
    while True:
        with engine.begin() as conn:
            batch = store.pending_documents(conn, settings.batch)
        if not batch:
            return grouped, embedded, new_stories
        done, opened = group_batch(engine, embedder, batch, settings, industries, profiles, hints or {})
        grouped += len(batch)
        embedded += done
        new_stories += opened
        log.info("analyze: grouped %d documents (%d embedded, %d new stories)", len(batch), done, opened)


def _summaries_for(
    conn: sa.Connection,
    trend: Trend,
    settings: AnalysisSettings,
    docs: Mapping[int, store.IndustryDocument],
    rewriter: Rewriter | None,
) -> int:
    """Summaries of a trend and its largest stories, unless those documents were summarized already."""
    written = 0
    # The most central documents of the current window, read in date order: the paper tells what
    # happened in its window, in order (the window before only for a trend with nothing in it).
    current = [i for i in trend.doc_ids if docs[i].when.date() >= trend.window_start] or list(trend.doc_ids)
    central = sorted(current[: settings.summary_documents], key=lambda i: (docs[i].when, i))
    subjects: list[tuple[str, list[int], bool]] = [(f"trend:{trend.trend_id}", central, True)]
    for story_id in trend.story_ids[: settings.stories_summarized]:
        members = sorted(
            (d.id for d in docs.values() if d.story_id == story_id), key=lambda i: (docs[i].when, i)
        )
        # The industry's documents of the story: one summary per (industry, story).
        subjects.append((f"story:{trend.industry}:{story_id}", members[: settings.summary_documents], False))
    for subject, ids, of_stories in subjects:
        # A trend's summary tells its stories: the reports of one event weigh as one.
        groups = [docs[i].story_id if of_stories else None for i in ids]
        fingerprint = _fingerprint(ids, groups, settings.summary, rewriter.model_id if rewriter else None)
        stored = store.load_summary(conn, subject)
        if stored is not None and stored[0] == fingerprint:
            continue
        sources = [
            SourceDoc(i, docs[i].title, docs[i].text, docs[i].language, g)
            for i, g in zip(ids, groups, strict=True)
        ]
        summary: Summary = summarize(sources, settings.summary)
        if rewriter is not None:
            summary = rewrite_summary(summary, sources, rewriter)
        store.save_summary(conn, subject, fingerprint, summary)
        written += 1
    return written


def _named(
    conn: sa.Connection,
    embedder: Embedder,
    found: Sequence[Trend],
    docs: Sequence[TrendDoc],
    as_of: date,
    settings: AnalysisSettings,
) -> tuple[list[Trend], str | None]:
    """The trends with their generated names, and the fingerprint of what new names were made from
    (None: names made from the same documents before are reused, so a re-run calls no model)."""
    start = window_start(as_of, settings.trends.window_days)
    current = [d for d in docs if d.when.date() >= start]
    fingerprint = _fingerprint(
        embedder.model_id,
        settings.names,
        [(t.trend_id, t.doc_ids) for t in found],
        sorted(d.id for d in current),
    )
    stored = store.generated_names(conn, [t.trend_id for t in found])
    if all(stored.get(t.trend_id, ("",))[0] == fingerprint for t in found):
        return [replace(t, name=stored[t.trend_id][1]) for t in found], None

    by_id = {d.id: d for d in docs}
    in_trends: set[int] = set()
    inputs = []
    for t in found:
        members = [by_id[i] for i in t.doc_ids if i in by_id]
        named_from = [d for d in members if d.when.date() >= start]
        if len(named_from) < 2:  # one document names only itself; a theme is what its documents share
            named_from = members
        in_trends.update(d.id for d in members)
        summed = np.sum([d.vector for d in named_from], axis=0)
        inputs.append(
            NamingInput(
                t.trend_id,
                tuple(text_of(d.title, d.text, settings.names.lead_chars, d.language) for d in named_from),
                summed / (np.linalg.norm(summed) or 1.0),
                t.name,
                tuple(d.language for d in named_from),
            )
        )
    background = [d for d in current if d.id not in in_trends]
    names = name_trends(
        inputs,
        [(text_of(d.title, d.text, settings.names.lead_chars, d.language), d.vector) for d in background],
        {d.title.lower() for d in docs},
        embedder.embed,
        settings.names,
        [d.language for d in background],
    )
    return [replace(t, name=n) for t, n in zip(found, names, strict=True)], fingerprint


def industry_trends(
    engine: sa.Engine,
    embedder: Embedder,
    industry: Industry,
    as_of: date,
    settings: AnalysisSettings,
    rewriter: Rewriter | None = None,
) -> tuple[list[Trend], int]:
    """The trends of one industry for the window ending ``as_of``, and how many summaries were written."""
    window = settings.trends.window_days
    since = datetime.combine(as_of - timedelta(days=2 * window - 1), dtime.min, tzinfo=UTC)
    with engine.begin() as conn:
        docs = {d.id: d for d in store.industry_documents(conn, industry.slug, since)}
        # A near-duplicate counts through its original only.
        copies = store.originals(conn, list(docs))
        vectors, _ = document_vectors(
            conn,
            embedder,
            settings.embed,
            [(d.id, d.title, d.text) for d in docs.values() if d.id not in copies],
        )
        previous = [
            PreviousTrend(tid, stories) for tid, stories in store.previous_trends(conn, industry.slug)
        ]
        trend_docs = [
            TrendDoc(
                d.id, d.story_id, d.when, d.source, d.title, d.text, vectors[d.id], d.is_patent, d.language
            )
            for d in docs.values()
            if d.id in vectors and d.when.date() <= as_of
        ]
        next_number = max((trend_number(p.trend_id) for p in previous), default=0) + 1
        stories = store.stories_by_id(conn, [d.story_id for d in trend_docs])
        found = build_trends(
            industry.slug,
            trend_docs,
            previous,
            as_of,
            settings.trends,
            next_number,
            stories,
            settings.stories.weights,
        )
        found, fresh = _named(conn, embedder, found, trend_docs, as_of, settings)
        store.save_trends(conn, industry.slug, found, as_of)
        if fresh:
            store.save_generated_names(conn, {t.trend_id: t.name for t in found}, fresh)
        summarizer = f"extractive, rewritten by {rewriter.model_id}" if rewriter else "extractive"
        state = store.AnalysisState(industry.slug, as_of, window, embedder.model_id, summarizer)
        store.save_analysis_state(conn, state)
        written = sum(_summaries_for(conn, t, settings, docs, rewriter) for t in found)
    return found, written


def run_analysis(
    engine: sa.Engine,
    embedder: Embedder,
    industries: Sequence[Industry],
    hints: Mapping[str, tuple[str, ...]],
    settings: AnalysisSettings | None = None,
    *,
    only: str | None = None,
    rewriter: Rewriter | None = None,
    field: Industry | None = None,
    members: Sequence[Member] = (),
    wording: Wording = ENGLISH,
) -> AnalysisReport:
    """The whole stage: group every pending document, then trends and summaries per industry, then
    the cross-sector opportunities.

    ``hints`` maps source names to the industries they serve; ``only`` limits the trends to one
    industry slug (documents are still scored for all); ``rewriter`` may rewrite summary sentences;
    ``field`` is the cluster's own field (slug ``FIELD``): scored like an industry, without trends;
    ``members``' competences are embedded and cached for matching (once per text and model);
    ``wording`` words the opportunities' reasons (the workspace's language).
    """
    settings = settings or AnalysisSettings()
    as_of = settings.as_of or datetime.now(UTC).date()
    calls_before = getattr(embedder, "calls", 0)
    started = time.perf_counter()
    scored = [*industries, field] if field else list(industries)
    profiles = profile_vectors(engine, embedder, scored, hints, settings)
    grouped, embedded, new_stories = group_pending(engine, embedder, settings, scored, profiles, hints)
    grouping_seconds = time.perf_counter() - started

    found: dict[str, int] = {}
    weak: dict[str, int] = {}
    written = 0
    for industry in industries:
        if only and industry.slug != only:
            continue
        trends, n = industry_trends(engine, embedder, industry, as_of, settings, rewriter)
        found[industry.slug] = len(trends)
        weak[industry.slug] = sum(t.weak_signal for t in trends)
        written += n
    opportunities = cross_sector(engine, embedder, industries, field, as_of, settings, wording)
    with engine.begin() as conn:
        prints = [member_fingerprint(embedder.model_id, m) for m in members]
        _, fresh = embed_members(embedder, members, store.load_member_vectors(conn, prints))
        store.save_member_vectors(conn, fresh)
    return AnalysisReport(
        documents=grouped,
        embedded=embedded,
        model_calls=getattr(embedder, "calls", 0) - calls_before,
        new_stories=new_stories,
        trends=found,
        weak_signals=weak,
        summaries=written,
        opportunities=len(opportunities),
        members_embedded=len(fresh),
        seconds={"grouping": round(grouping_seconds, 2), "total": round(time.perf_counter() - started, 2)},
    )


def cross_sector(
    engine: sa.Engine,
    embedder: Embedder,
    industries: Sequence[Industry],
    field: Industry | None,
    as_of: date,
    settings: AnalysisSettings,
    wording: Wording = ENGLISH,
) -> list[Opportunity]:
    """The opportunities of the industries' current trends, numbered and stored (see ``opportunities``).

    Reads only what the analysis stored (scores, stories, embeddings): no model call.
    """
    window = settings.trends.window_days
    since = datetime.combine(as_of - timedelta(days=2 * window - 1), dtime.min, tzinfo=UTC)
    current = datetime.combine(window_start(as_of, window), dtime.min, tzinfo=UTC)
    slugs = {i.slug for i in industries}
    with engine.begin() as conn:
        trends = [t for t in store.load_trends(conn) if t.industry in slugs]
        stories = store.story_documents(conn, [s for t in trends for s in t.story_ids])
        field_docs = (
            tuple(d.id for d in store.industry_documents(conn, FIELD, current) if d.when.date() <= as_of)
            if field
            else ()
        )
        ids = (
            {d for t in trends for d in t.doc_ids}
            | {d for ds in stories.values() for d in ds}
            | set(field_docs)
        )
        dated = {
            d.id
            for slug in [*slugs, *([FIELD] if field else [])]
            for d in store.industry_documents(conn, slug, since)
            if d.when.date() <= as_of
        }
        # A story's documents outside the two windows are not evidence of what happens now.
        stories = {s: tuple(d for d in ds if d in dated) for s, ds in stories.items()}
        evidence = Evidence(
            scores=store.scores_of(conn, sorted(ids)),
            classes=store.patent_classes(conn, sorted(ids)),
            stories=stories,
            vectors=store.load_embeddings(conn, embedder.model_id, sorted(ids)),
            field_documents=field_docs,
        )
        sides = [*industries, field] if field else list(industries)
        found = find_opportunities(trends, sides, evidence, settings.opportunities, wording)
        numbered = number_opportunities(found, store.previous_opportunities(conn))
        store.save_opportunities(conn, numbered, as_of)
    log.info("analyze: %d cross-sector opportunities", len(numbered))
    return numbered
