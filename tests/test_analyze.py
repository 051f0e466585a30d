"""The analysis stage on a store filled by the real ingest from the bundled demo feeds, real model.

Runs on SQLite and, when a server is given, PostgreSQL.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from ingest import store as ingest_store
from ingest.records import Document, Item
from summarize import store
from summarize.analyze import AnalysisSettings, run_analysis
from summarize.assign import reasons_text
from summarize.embed import TransformersEmbedder, default_model_path
from summarize.members import load_members
from tests.conftest import hints, ingest_demo

# The whole demo through the real ingest and the real model: the full suite's (`make test`).
pytestmark = pytest.mark.slow

AS_OF = date(2026, 11, 20)  # the demo feeds end in November 2026
SETTINGS = AnalysisSettings(as_of=AS_OF)


def _members(engine: sa.Engine) -> dict[int, int]:
    with engine.connect() as conn:
        return {r.item_id: r.story_id for r in conn.execute(sa.select(store.story_members))}


def _titles(engine: sa.Engine) -> dict[int, str]:
    with engine.connect() as conn:
        return {r.item_id: r.title for r in conn.execute(sa.select(ingest_store.documents))}


def _dates(engine: sa.Engine) -> dict[int, date]:
    """Each document's date as the trends count it: published, else first seen."""
    with engine.connect() as conn:
        return {
            r.item_id: (r.published_at or r.first_seen_at).date()
            for r in conn.execute(
                sa.select(
                    ingest_store.documents.c.item_id,
                    ingest_store.documents.c.published_at,
                    ingest_store.items.c.first_seen_at,
                ).join(ingest_store.items, ingest_store.items.c.id == ingest_store.documents.c.item_id)
            )
        }


def test_analysis_of_the_demo(engine: sa.Engine, embedder: TransformersEmbedder, tmp_path: Path) -> None:
    config, _ = ingest_demo(tmp_path / "demo", engine)
    field = config.cluster.field
    assert config.cluster.members_file is not None
    cluster = load_members(config.cluster.members_file, [i.slug for i in config.industries]).members
    report = run_analysis(
        engine, embedder, config.industries, hints(config), SETTINGS, field=field, members=cluster
    )
    assert report.members_embedded == len(cluster) == 7  # their competences, cached for matching

    titles = _titles(engine)
    members = _members(engine)
    dates = _dates(engine)
    assert report.documents == len(titles) == len(members) == 45
    assert report.embedded == 44  # the near-duplicate borrows its original's vector
    with engine.connect() as conn:
        duplicates = conn.execute(
            sa.select(ingest_store.documents.c.item_id, ingest_store.documents.c.duplicate_of).where(
                ingest_store.documents.c.duplicate_of.is_not(None)
            )
        ).all()
        assert duplicates and all(members[d] == members[o] for d, o in duplicates)
        scores = conn.execute(sa.select(store.assignments)).all()
    assert len(scores) == 45 * 4  # every document scored for every industry and the field, assigned or not
    assigned = {(titles[r.item_id], r.industry): r for r in scores if r.assigned}
    recycling = assigned["Nordweave Fibres opens fibre-to-fibre recycling line in Kalvstad", "textile"]
    why = reasons_text(recycling.reasons)
    assert why.startswith("similarity 0.") and why.endswith("; the source serves this industry")
    assert ("Voxmira raises €14 million for AI mammography software", "medtech") in assigned
    party = "Summer party 2026: 230 members celebrate on the Aske riverside"
    assert not any(title == party for title, _ in assigned)  # off-topic: kept, assigned to none

    with engine.connect() as conn:
        trends = store.load_trends(conn)
        assert {t.industry for t in trends} == {"textile", "medtech", "logistics"}
        etrucks = next(t for t in trends if t.industry == "logistics")
        assert any("electric" in titles[d].lower() or "charg" in titles[d].lower() for d in etrucks.doc_ids)
        assert any(t.previous for t in trends)  # documents of the window before are left out below
        for trend in trends:
            assert trend.status in {"new", "rising", "steady", "fading"}
            assert sum(n for _, n in trend.weekly) == trend.current + trend.previous
            # A trend's narrative tells its window: it cites only the documents dated in it.
            in_window = {d for d in trend.doc_ids if dates[d] >= trend.window_start}
            _check_summary(conn, f"trend:{trend.trend_id}", in_window)
            for story_id in trend.story_ids[: SETTINGS.stories_summarized]:
                story_docs = {i for i, s in members.items() if s == story_id}
                _check_summary(conn, f"story:{trend.industry}:{story_id}", story_docs)

    # The stories written to cross sectors: the sock's clinical study and the knitted textiles meet
    # medical technology; the warehouse digital twin meets the cluster's field (virtual engineering).
    with engine.connect() as conn:
        found = store.load_opportunities(conn)
    assert report.opportunities == len(found) >= 2
    by_sides = {frozenset(o.slugs): o for o in found}
    textiles = by_sides[frozenset({"textile", "medtech"})]
    cited = {titles[d] for d in textiles.documents}
    assert "Diabetes clinic starts patient study of knitted pressure-sensing sock" in cited
    assert "Knitted sensor sock from Textura Labs targets diabetic foot care" in cited
    assert all(textiles.side(s).documents for s in ("textile", "medtech"))  # evidence from both sides
    twin = by_sides[frozenset({"logistics", "field"})]
    assert "Warehouse operators test robot fleets in a digital twin before they buy" in {
        titles[d] for d in twin.documents
    }
    assert any("also reads as the cluster's field Virtual engineering" in r for r in twin.reasons)
    assert all(o.opportunity_id.startswith("opp-") for o in found)

    # A second run with nothing new: no model call, nothing rewritten, the same trends and opportunities.
    again = run_analysis(
        engine, embedder, config.industries, hints(config), SETTINGS, field=field, members=cluster
    )
    assert (again.documents, again.model_calls, again.summaries, again.members_embedded) == (0, 0, 0, 0)
    with engine.connect() as conn:
        assert store.load_trends(conn) == trends
        assert store.load_opportunities(conn) == found


def _check_summary(conn: sa.Connection, subject: str, allowed: set[int]) -> None:
    stored = store.load_summary(conn, subject)
    assert stored is not None, subject
    summary = stored[1]
    assert summary.sentences, subject
    assert len(summary.text.split()) <= SETTINGS.summary.max_words
    texts = {
        r.item_id: r.text
        for r in conn.execute(
            sa.select(ingest_store.documents).where(ingest_store.documents.c.item_id.in_(list(allowed)))
        )
    }
    for sentence in summary.sentences:
        assert sentence.source_id in allowed
        assert sentence.text in texts[sentence.source_id]  # verbatim from the cited document


def test_new_documents_never_move_old_ones(
    engine: sa.Engine, embedder: TransformersEmbedder, tmp_path: Path
) -> None:
    config, _ = ingest_demo(tmp_path / "demo", engine)
    run_analysis(engine, embedder, config.industries, hints(config), SETTINGS)
    before = _members(engine)
    with engine.connect() as conn:
        trends_before = {t.trend_id: set(t.story_ids) for t in store.load_trends(conn)}

    # A follow-up report on the Kalvstad recycling line arrives from a new source.
    now = datetime(2026, 10, 16, 10, tzinfo=UTC)  # two days after the opening
    text = (
        "Nordweave Fibres has started the second shift at its fibre-to-fibre recycling line in Kalvstad. "
        "The plant now recycles post-consumer garments into new fibre around the clock, the company said."
    )
    with engine.begin() as conn:
        source_id = ingest_store.ensure_source(conn, "Late News", "news")
        item = Item(
            "late-1",
            None,
            "https://late.example/1",
            "https://late.example/1",
            "Nordweave Fibres adds second shift at Kalvstad recycling line",
            "",
            text,
            None,
            now,
            None,
        )
        ingest_store.insert_items(conn, source_id, [item], now)
        (item_id,) = ingest_store.item_ids(conn, source_id, ["late-1"]).values()
        ingest_store.save_document(
            conn,
            Document(item_id, "ok", None, item.link, item.title, text, None, now, "en", None, None),
            minhash=None,
            now=now,
        )
    report = run_analysis(engine, embedder, config.industries, hints(config), SETTINGS)
    assert report.documents == 1 and report.embedded == 1
    titles = _titles(engine)
    original = next(
        i
        for i, t in titles.items()
        if t == "Nordweave Fibres opens fibre-to-fibre recycling line in Kalvstad"
    )
    with engine.connect() as conn:
        root = store.originals(conn, [original]).get(original, original)  # ingest links copies to a root
        old_size = conn.execute(
            sa.select(store.stories.c.size).where(store.stories.c.id == before[original])
        ).scalar_one()
    # A syndicated copy of the opening report, weeks later: it joins the (old) story of its original.
    later = datetime(2026, 11, 19, 10, tzinfo=UTC)
    with engine.begin() as conn:
        copy = Item(
            "late-2",
            None,
            "https://late.example/2",
            "https://late.example/2",
            titles[original],
            "",
            text,
            None,
            later,
            None,
        )
        ingest_store.insert_items(conn, source_id, [copy], later)
        copy_id = ingest_store.item_ids(conn, source_id, ["late-2"])["late-2"]
        doc = Document(
            copy_id,
            "ok",
            None,
            copy.link,
            copy.title,
            text,
            None,
            later,
            "en",
            None,
            None,
            duplicate_of=root,
        )
        ingest_store.save_document(conn, doc, minhash=None, now=later)
    report = run_analysis(engine, embedder, config.industries, hints(config), SETTINGS)
    assert report.documents == 1 and report.embedded == 0  # the copy borrows its original's vector
    after = _members(engine)
    assert after[copy_id] == before[original]
    with engine.connect() as conn:
        new_size = conn.execute(
            sa.select(store.stories.c.size).where(store.stories.c.id == before[original])
        ).scalar_one()
    assert new_size == old_size + 1  # grown by the copy, not replaced by it
    assert {k: after[k] for k in before} == before  # no old document moved or renumbered
    assert after[item_id] == before[original]  # the follow-up joined the story of the event
    with engine.connect() as conn:
        trends_after = {t.trend_id: set(t.story_ids) for t in store.load_trends(conn)}
    assert set(trends_after) == set(trends_before)  # every trend kept its id


def test_changing_an_industry_profile_rescores_without_embedding_documents(
    engine: sa.Engine, embedder: TransformersEmbedder, tmp_path: Path
) -> None:
    config, _ = ingest_demo(tmp_path / "demo", engine)
    run_analysis(engine, embedder, config.industries, hints(config), SETTINGS)
    calls = embedder.calls
    industries = tuple(
        replace(i, keywords=(*i.keywords, "party")) if i.slug == "logistics" else i for i in config.industries
    )
    report = run_analysis(engine, embedder, industries, hints(config), SETTINGS)
    # No document embedded: one call for the changed profile, one for the phrases that name the
    # logistics trends, whose documents changed with the new keyword.
    assert report.embedded == 0 and embedder.calls == calls + 2
    with engine.connect() as conn:
        reasons = conn.execute(
            sa.select(store.assignments.c.reasons)
            .join(ingest_store.documents, ingest_store.documents.c.item_id == store.assignments.c.item_id)
            .where(
                store.assignments.c.industry == "logistics",
                ingest_store.documents.c.title.like("Summer party%"),
            )
        ).scalar_one()
    assert "keywords: party" in reasons_text(reasons)


def test_a_new_model_reembeds_instead_of_dropping_history(engine: sa.Engine, tmp_path: Path) -> None:
    config, _ = ingest_demo(tmp_path / "demo", engine)
    first = TransformersEmbedder(SETTINGS.embed)
    run_analysis(engine, first, config.industries, hints(config), SETTINGS)
    with engine.connect() as conn:
        before = {t.trend_id: t.current + t.previous for t in store.load_trends(conn)}
    # The same weights under another id (a local folder): to the store, a different model.
    other = replace(SETTINGS, embed=replace(SETTINGS.embed, model=str(default_model_path())))
    second = TransformersEmbedder(other.embed)
    report = run_analysis(engine, second, config.industries, hints(config), other)
    assert report.documents == 0 and second.calls > 0  # nothing new to group, old documents re-embedded
    with engine.connect() as conn:
        after = {t.trend_id: t.current + t.previous for t in store.load_trends(conn)}
        models = set(conn.execute(sa.select(store.embeddings.c.model).distinct()).scalars())
    assert after == before  # the same trends, none lost for want of vectors
    assert models == {SETTINGS.embed.model, other.embed.model}
