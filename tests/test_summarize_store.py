"""The analysis stage's store (``summarize.store``) on a real, migrated store holding the newsroom's
documents: vectors per model, stories, scores, trends and their names, summaries, the latest analysis,
cross-sector opportunities, members' cached vectors and what matching sees."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import numpy as np
import pytest
import sqlalchemy as sa

from ingest.errors import InputError
from summarize import store
from summarize.assign import Assignment, reasons_text
from summarize.opportunities import Opportunity, Side
from summarize.stories import StoryState
from summarize.summarizer import CitedSentence, Summary
from summarize.trends import Trend
from tests.conftest import LATE, add_news

AT = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


@pytest.fixture
def news(engine: sa.Engine) -> dict[str, int]:
    """The newsroom's documents, stored as ingest stores them: key → item id."""
    return add_news(engine, LATE)


def _trend(number: int, doc_ids: tuple[int, ...], **values: object) -> Trend:
    fields: dict[str, object] = {
        "trend_id": f"textile-{number:04d}",
        "industry": "textile",
        "window_start": date(2026, 8, 23),
        "window_end": LATE,
        "label": "fibre · recycling",
        "name": f"Theme {number}",
        "title": f"Headline {number}",
        "title_doc": doc_ids[0],
        "story_ids": (number,),
        "doc_ids": doc_ids,
        "current": len(doc_ids),
        "previous": 0,
        "weekly": (("2026-11-02", len(doc_ids)),),
        "sources": 1,
        "patent_share": 0.0,
        "novelty": 0.5,
        "status": "new",
        "weak_signal": False,
    }
    fields.update(values)
    return Trend(**fields)  # type: ignore[arg-type]


def _assignment(item_id: int, industry: str, score: float) -> Assignment:
    return Assignment(item_id, industry, score, score >= 0.35, score, (), False, ())


def test_vectors_are_kept_per_model_as_float32(engine: sa.Engine, news: dict[str, int]) -> None:
    ids = sorted(news.values())
    rng = np.random.default_rng(7)
    vectors = {i: rng.standard_normal(384).astype(np.float32) for i in ids}
    with engine.begin() as conn:
        store.save_embeddings(conn, "model-a", vectors)
        store.save_embeddings(conn, "model-b", {ids[0]: np.ones(384, dtype=np.float64)})
        store.save_embeddings(conn, "model-c", {})
        loaded = store.load_embeddings(conn, "model-a", [*ids, 99_999])
        assert loaded.keys() == vectors.keys()
        assert all(v.dtype == np.float32 and np.array_equal(v, vectors[i]) for i, v in loaded.items())
        assert store.load_embeddings(conn, "model-b", ids).keys() == {ids[0]}
        assert store.load_embeddings(conn, "model-c", ids) == {}


def test_document_frequencies_add_up_across_runs(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        store.add_document_frequencies(conn, {"fibr": 2, "yarn": 1}, {})
        known = store.document_frequencies(conn, ["fibr", "yarn", "dye"])
        assert known == {"fibr": 2, "yarn": 1}
        store.add_document_frequencies(conn, {"fibr": 3, "dye": 1}, known)
        assert store.document_frequencies(conn, ["fibr", "yarn", "dye"]) == {"fibr": 5, "yarn": 1, "dye": 1}


def test_stories_are_upserted_and_the_open_ones_of_a_model_are_loaded(
    engine: sa.Engine, news: dict[str, int]
) -> None:
    old = datetime(2026, 6, 20, tzinfo=UTC)
    states = {
        1: StoryState(1, np.array([1.0, 2.0]), 1, old, old),
        2: StoryState(2, np.array([0.5, 0.5]), 1, AT, AT),
        3: StoryState(3, np.array([0.0, 1.0]), 1, None, None),  # undated: never closes
    }
    with engine.begin() as conn:
        assert store.max_story_id(conn) == 0
        store.save_stories(conn, "m", states, {news["r0"]: 1, news["r1"]: 2, news["s0"]: 3})
        store.save_stories(conn, "m", {2: StoryState(2, np.array([1.5, 0.5]), 2, AT, AT)}, {news["r2"]: 2})
        store.save_stories(
            conn, "other", {4: StoryState(4, np.array([1.0, 1.0]), 1, AT, AT)}, {news["d1"]: 4}
        )
        assert store.max_story_id(conn) == 4 and store.grouped_count(conn) == 5
        open_ = store.load_stories(conn, "m", since=datetime(2026, 8, 1, tzinfo=UTC))
        assert sorted(open_) == [2, 3]
        assert open_[2].size == 2 and np.array_equal(open_[2].vector_sum, [1.5, 0.5])
        assert open_[2].vector_sum.dtype == np.float64 and open_[2].first == AT
        assert sorted(store.load_stories(conn, "m", since=None)) == [1, 2, 3]
        assert sorted(store.stories_by_id(conn, [1, 4, 9])) == [1, 4]
        assert store.story_of(conn, [news["r1"], news["r2"], news["e0"]]) == {news["r1"]: 2, news["r2"]: 2}
        pending = store.pending_documents(conn, limit=3)
    grouped = {news[k] for k in ("r0", "r1", "s0", "r2", "d1")}
    assert len(pending) == 3 and not grouped & {p.id for p in pending}
    assert [p.title for p in pending][:2] == [  # the oldest first
        "Port of Hallsund tests electric trucks for freight shuttles",
        "Hallsund freight hauliers order electric trucks for port logistics",
    ]


def test_scores_of_the_given_documents_and_industries_are_replaced_and_explain_a_window(
    engine: sa.Engine, news: dict[str, int]
) -> None:
    r1, r5, e1 = news["r1"], news["r5"], news["e1"]
    with engine.begin() as conn:
        store.save_assignments(conn, [_assignment(r1, "textile", 0.7), _assignment(r1, "logistics", 0.1)])
        store.save_assignments(conn, [_assignment(r5, "textile", 0.3), _assignment(e1, "textile", 0.33)])
        store.save_assignments(conn, [_assignment(r1, "textile", 0.6)])  # textile rescored, logistics kept
        scores = {(s.item_id, s.industry): s for s in store.document_scores(conn)}
        assert {k: round(s.score, 2) for k, s in scores.items()} == {
            (r1, "textile"): 0.6,
            (r1, "logistics"): 0.1,
            (r5, "textile"): 0.3,
            (e1, "textile"): 0.33,
        }
        assert reasons_text(scores[r1, "textile"].reasons) == "similarity 0.60 to the industry profile"
        assert [s.item_id for s in store.document_scores(conn, "logistics")] == [r1]
        store.save_stories(conn, "m", {1: StoryState(1, np.ones(2), 1, AT, AT)}, {r1: 1})
        counts = store.window_counts(conn, "textile", datetime(2026, 8, 1, tzinfo=UTC), AT)
    assert (counts.scored, counts.assigned, counts.stories) == (3, 1, 1)
    assert counts.best_unassigned == pytest.approx(0.33)
    assert counts.latest == datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # the newest document, as a date


def test_industry_documents_are_the_assigned_grouped_ones_of_the_window(
    engine: sa.Engine, news: dict[str, int]
) -> None:
    r0, r5, patent, e4 = news["r0"], news["r5"], news["EP4100001A1"], news["e4"]
    with engine.begin() as conn:
        store.save_assignments(
            conn,
            [_assignment(i, "textile", 0.6) for i in (r0, r5, patent)] + [_assignment(e4, "textile", 0.2)],
        )
        members = {r0: 1, r5: 1, patent: 2, e4: 3}  # r0: too old; e4: scored, not assigned
        states = {s: StoryState(s, np.ones(2), 1, AT, AT) for s in (1, 2, 3)}
        store.save_stories(conn, "m", states, members)
        found = store.industry_documents(conn, "textile", datetime(2026, 8, 23, tzinfo=UTC))
    assert [(d.id, d.story_id, d.is_patent) for d in found] == [(r5, 1, False), (patent, 2, True)]
    assert found[0].when == datetime(2026, 11, 5, 9, 0, tzinfo=UTC) and found[0].source == "Fibre Weekly"


def test_trends_are_stored_with_their_history_and_those_not_found_again_become_inactive(
    engine: sa.Engine, news: dict[str, int]
) -> None:
    first = _trend(1, (news["r1"], news["r2"], news["r3"]))
    second = _trend(2, (news["s1"], news["s2"], news["s3"]), weak_signal=True)
    early = date(2026, 10, 2)
    with engine.begin() as conn:
        store.save_trends(conn, "textile", [first, second], early)
        grown = replace(first, current=5, previous=3, status="rising", window_end=LATE)
        store.save_trends(conn, "textile", [grown], LATE)
        store.save_trends(conn, "textile", [grown], LATE)  # the same analysis again: one history row
        assert store.load_trends(conn) == [grown]
        assert store.load_trends(conn, "textile", active_only=False) == [grown, second]
        assert store.load_trends(conn, "logistics") == []
        assert store.previous_trends(conn, "textile") == [
            ("textile-0001", frozenset({1})),
            ("textile-0002", frozenset({2})),
        ]
        rows = conn.execute(
            sa.select(store.trends.c.id, store.trends.c.first_seen).order_by(store.trends.c.id)
        ).all()
        assert [tuple(r) for r in rows] == [("textile-0001", "2026-10-02"), ("textile-0002", "2026-10-02")]
        history = conn.execute(
            sa.select(store.trend_history).where(store.trend_history.c.trend_id == "textile-0001")
        ).all()
    assert [(h.window_end, h.current, h.previous, h.status) for h in history] == [
        ("2026-10-02", 3, 0, "new"),
        ("2026-11-20", 5, 3, "rising"),
    ]
    old = store.trend_dict(first)
    del old["name"]  # stored before trends had names: named by their headline
    assert store.trend_from_dict(old) == replace(first, name=first.title)


def test_the_editors_name_of_a_trend_holds_over_generated_names(
    engine: sa.Engine, news: dict[str, int]
) -> None:
    trend = _trend(1, (news["r1"], news["r2"]))
    with engine.begin() as conn:
        store.save_trends(conn, "textile", [trend], LATE)
        store.save_generated_names(conn, {"textile-0001": "Recycled fibre"}, "print-1")
        assert store.generated_names(conn, ["textile-0001", "textile-0009"]) == {
            "textile-0001": ("print-1", "Recycled fibre")
        }
        renamed = store.rename_trend(conn, "textile-0001", "  Circular\tfibres \x07 ", "Ann", AT)
        assert renamed.name == "Circular fibres"
        store.save_generated_names(conn, {"textile-0001": "Polyester recycling"}, "print-2")
        assert store.chosen_names(conn) == {"textile-0001": "Circular fibres"}
        assert store.load_trends(conn)[0].name == "Circular fibres"
        assert store.generated_names(conn, ["textile-0001"])["textile-0001"] == (
            "print-2",
            "Polyester recycling",
        )
        chosen_by = conn.execute(
            sa.select(store.trend_names.c.chosen_by, store.trend_names.c.chosen_at)
        ).one()
        assert tuple(chosen_by) == ("Ann", AT)
        for bad, message in (
            ("", "must have 1 to 120 characters"),
            ("x" * 121, "must have 1 to 120"),
            ("Electric <img src=x onerror=alert(1)> trucks", "must be plain text, without HTML tags"),
        ):
            with pytest.raises(InputError, match=message):
                store.rename_trend(conn, "textile-0001", bad, "Ann", AT)
        with pytest.raises(InputError, match="no trend 'textile-0042'"):
            store.rename_trend(conn, "textile-0042", "Name", "Ann", AT)
        assert store.rename_trend(conn, "textile-0001", None, "Ann", AT).name == trend.name  # as stored
        assert store.chosen_names(conn) == {}


def test_summaries_profiles_and_the_latest_analysis_are_replaced_whole(engine: sa.Engine) -> None:
    first = Summary((CitedSentence("Nordweave opened a line.", 1), CitedSentence("It recycles.", 2)))
    second = Summary((CitedSentence("Restrand spins yarn.", 3),), "extractive+rewritten")
    state = store.AnalysisState("textile", LATE, 90, "model-a", "extractive")
    with engine.begin() as conn:
        assert store.load_summary(conn, "trend:textile-0001") is None
        store.save_summary(conn, "trend:textile-0001", "print-1", first)
        store.save_summary(conn, "trend:textile-0001", "print-2", second)
        assert store.load_summary(conn, "trend:textile-0001") == ("print-2", second)
        store.save_profile(conn, "textile", "p1", np.full(4, 0.5, dtype=np.float32))
        store.save_profile(conn, "textile", "p2", np.ones(4, dtype=np.float32))
        ((fingerprint, vector),) = store.load_profiles(conn).values()
        assert fingerprint == "p2" and np.array_equal(vector, np.ones(4))
        assert store.load_analysis_state(conn, "textile") is None
        store.save_analysis_state(conn, replace(state, as_of=date(2026, 10, 2)))
        store.save_analysis_state(conn, state)
        assert store.load_analysis_state(conn, "textile") == state


def test_near_duplicates_lead_to_their_originals(engine: sa.Engine, news: dict[str, int]) -> None:
    from ingest import store as ingest_store

    with engine.begin() as conn:
        conn.execute(
            ingest_store.documents.update()
            .where(ingest_store.documents.c.item_id == news["r5"])
            .values(duplicate_of=news["r1"])
        )
        assert store.originals(conn, [news["r1"], news["r5"]]) == {news["r5"]: news["r1"]}
        pending = {p.id: p.duplicate_of for p in store.pending_documents(conn, limit=100)}
    assert pending[news["r5"]] == news["r1"] and pending[news["r1"]] is None


def _opportunity(trend: Trend, docs: tuple[int, ...], other: tuple[int, ...]) -> Opportunity:
    own = Side("textile", "Textile", trend.trend_id, trend.name, docs)
    field = Side("field", "Virtual engineering", None, None, other)
    name = f"{trend.name} meets Virtual engineering"
    return Opportunity(
        "opp-0001", name, (own, field), ("2 documents also score",), (f"{trend.trend_id}>field",), 0.4, 2
    )


def test_opportunities_are_stored_whole_named_as_their_trends_are_and_inactive_when_gone(
    engine: sa.Engine, news: dict[str, int]
) -> None:
    trend = _trend(1, (news["r1"], news["r2"], news["r3"]))
    found = _opportunity(trend, (news["r1"], news["r2"]), (news["s1"],))
    with engine.begin() as conn:
        store.save_trends(conn, "textile", [trend], LATE)
        store.save_opportunities(conn, [found], date(2026, 10, 2))
        store.save_opportunities(conn, [found], LATE)  # found again: the same row
        assert store.load_opportunities(conn) == [found]
        assert store.load_opportunities(conn, "field") == [found]  # either side
        assert store.load_opportunities(conn, "logistics") == []
        assert store.previous_opportunities(conn) == [("opp-0001", frozenset({"textile-0001>field"}))]
        store.rename_trend(conn, "textile-0001", "Circular fibres", "Ann", AT)
        renamed = store.load_opportunities(conn)[0]
        assert renamed.name == "Circular fibres meets Virtual engineering"
        assert renamed.sides[0].trend_name == "Circular fibres"
        store.save_opportunities(conn, [], LATE)
        assert store.load_opportunities(conn) == []
        assert [o.opportunity_id for o in store.load_opportunities(conn, active_only=False)] == ["opp-0001"]
        first_seen = conn.execute(sa.select(store.opportunities.c.first_seen)).scalar()
    assert first_seen == "2026-10-02"


def test_member_vectors_are_cached_by_fingerprint_only(engine: sa.Engine) -> None:
    vector = np.array([0.6, 0.8], dtype=np.float32)
    with engine.begin() as conn:
        store.save_member_vectors(conn, {"a" * 64: vector})
        store.save_member_vectors(conn, {"a" * 64: vector * 0, "b" * 64: vector[::-1]})  # the first is kept
        found = store.load_member_vectors(conn, ["a" * 64, "b" * 64, "c" * 64])
        columns = [c.name for c in store.member_vectors.columns]
    assert sorted(found) == ["a" * 64, "b" * 64]
    assert found["a" * 64].tolist() == pytest.approx([0.6, 0.8]) and found["b" * 64][0] == pytest.approx(0.8)
    assert columns == ["fingerprint", "vector"]  # no name, no address: nothing else of a member


def test_subjects_are_the_current_trends_and_the_opportunities_with_their_centroids(
    engine: sa.Engine, news: dict[str, int]
) -> None:
    trend = _trend(1, (news["r1"], news["r2"]))
    old = _trend(2, (news["s1"],), current=0, previous=1)
    with engine.begin() as conn:
        store.save_embeddings(conn, "m", {news["r1"]: np.array([1.0, 0.0]), news["r2"]: np.array([0.0, 1.0])})
        store.save_trends(conn, "textile", [trend, old], LATE)
        store.save_opportunities(conn, [_opportunity(trend, (news["r1"],), ())], LATE)
        subjects = store.load_subjects(conn, "m", {"textile": "Textile", "field": "Virtual engineering"})
        assert store.load_subjects(conn, "other model", {"textile": "Textile"}) == []
    by_id = {s.subject_id: s for s in subjects}
    assert sorted(by_id) == ["opp-0001", "textile-0001"]  # not the trend without current documents
    assert by_id["textile-0001"].vector == pytest.approx([2**-0.5, 2**-0.5])
    assert by_id["opp-0001"].industries == ("textile", "field") and by_id["opp-0001"].kind == "opportunity"
    assert by_id["textile-0001"].text.startswith(
        "Theme 1\n"
    )  # its name, then its documents' titles and leads
