"""What a paper says, gathered from the store (``papers.content.collect``): the newsroom analysed as
of LATE, with two key trends of textile and a weak signal that carries a patent."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
import sqlalchemy as sa

from ingest import store as ingest_store
from papers.content import Change, PaperData, PaperSettings, chart_path, cited_id, collect
from papers.editions import parse_edition
from papers.store import PaperRow, TrendRef, save_paper
from summarize import store as analysis
from summarize.summarizer import CitedSentence
from tests.conftest import LATE, Newsroom

Q4 = parse_edition("2026-Q4")


@pytest.fixture
def room(newsroom: Newsroom) -> Newsroom:
    newsroom.analyse(LATE)
    return newsroom


def _collect(room: Newsroom, industry: str = "textile", settings: PaperSettings | None = None) -> PaperData:
    (found,) = [i for i in room.config.industries if i.slug == industry]
    with room.engine.connect() as conn:
        state = analysis.load_analysis_state(conn, industry)
        assert state is not None
        return collect(conn, "Test Cluster", found, Q4, state, settings or PaperSettings())


def _texts(room: Newsroom) -> dict[int, str]:
    with room.engine.connect() as conn:
        rows = conn.execute(sa.select(ingest_store.documents.c.item_id, ingest_store.documents.c.text))
        return {r.item_id: r.text for r in rows}


def test_a_paper_holds_its_window_documents_and_sources_and_the_largest_trends_first(room: Newsroom) -> None:
    data = _collect(room)
    assert (data.cluster, data.industry.slug, data.edition, data.state.as_of) == (
        "Test Cluster",
        "textile",
        Q4,
        LATE,
    )
    assert data.documents == 10  # dated 23 August to 20 November, assigned to textile
    assert data.sources == (("Textile Times", 5), ("Fibre Weekly", 4), ("Patent Watch", 1))
    assert (data.first_day, data.last_day) == (date(2026, 8, 24), date(2026, 11, 16))
    assert [(s.trend.trend_id, s.trend.current) for s in data.trends] == [
        ("textile-0001", 4),
        ("textile-0002", 2),
    ]
    assert [s.trend.trend_id for s in data.weak_signals] == ["textile-0003"]
    texts = _texts(room)
    with room.engine.connect() as conn:
        for section in (*data.trends, *data.weak_signals):
            trend = section.trend
            assert section.chart == chart_path(Q4, trend.trend_id) == f"charts/2026-Q4/{trend.trend_id}.svg"
            stored = analysis.load_summary(conn, f"trend:{trend.trend_id}")
            assert stored is not None and section.summary == stored[1].sentences and section.summary
            assert {cited_id(s) for s in section.summary} <= set(trend.doc_ids) <= set(data.citations)
            # Beside the name: a sentence of the trend's most central report, cited.
            assert section.lead is not None and section.lead.source_id == trend.title_doc
            assert section.lead.text in texts[trend.title_doc]
    assert data.compared_with is None  # the first paper: compared with the 90 days before
    assert data.changes == (
        Change("grown", "textile-0001", data.trends[0].trend.name, 2, 4),
        Change("new", "textile-0003", "Waterless dyeing", 0, 4),
    )


def test_evidence_is_the_most_central_news_newest_first_and_patents_are_listed_apart(room: Newsroom) -> None:
    data = _collect(room, settings=PaperSettings(evidence=2))
    recycling, dyeing = data.trends[0], data.weak_signals[0]
    assert [c.title for c in recycling.evidence] == [  # the two most central, the newer first
        "Nordweave doubles textile recycling capacity",
        "Textile recycling pilot turns old garments into polyester fibre",
    ]
    assert recycling.trend.doc_ids[:2] == tuple(sorted(c.doc_id for c in recycling.evidence))
    assert [(c.day, c.source, c.url) for c in recycling.evidence] == [
        (date(2026, 11, 5), "Fibre Weekly", "https://fibre-weekly.example/r5"),
        (date(2026, 6, 20), "Fibre Weekly", "https://fibre-weekly.example/r0"),
    ]
    assert recycling.patents == ()
    (patent,) = dyeing.patents
    assert (patent.patent, patent.title, patent.source, patent.day) == (
        "EP4100001A1",
        "Method for dyeing polyester fabric in supercritical carbon dioxide",
        "Patent Watch",
        date(2026, 11, 12),
    )
    assert patent.doc_id not in {c.doc_id for c in dyeing.evidence}
    assert all(c.patent is None for c in dyeing.evidence)
    assert _collect(room, settings=PaperSettings(patents=0)).weak_signals[0].patents == ()


def test_max_trends_caps_the_key_trends_and_leaves_the_weak_signals(room: Newsroom) -> None:
    data = _collect(room, settings=PaperSettings(max_trends=1))
    assert [s.trend.trend_id for s in data.trends] == ["textile-0001"]
    assert [s.trend.trend_id for s in data.weak_signals] == ["textile-0003"]


def test_a_trend_without_documents_in_the_window_is_told_as_faded_not_shown_as_a_key_trend(
    room: Newsroom,
) -> None:
    with room.engine.begin() as conn:
        trends = analysis.load_trends(conn, "textile")
        faded = [
            replace(t, current=0, status="fading") if t.trend_id == "textile-0002" else t for t in trends
        ]
        analysis.save_trends(conn, "textile", faded, LATE)
    data = _collect(room)
    assert [s.trend.trend_id for s in data.trends] == ["textile-0001"]
    sensing = next(t for t in trends if t.trend_id == "textile-0002")
    assert Change("faded", "textile-0002", sensing.name, 2, 0) in data.changes


def test_changes_are_told_against_the_previous_edition_when_there_is_one(room: Newsroom) -> None:
    snapshot = (
        TrendRef("textile-0001", "Recycled polyester fibre", 1),
        TrendRef("textile-0002", "Sensor fabric", 2),
        TrendRef("textile-0009", "Bio-based dyes", 3),
    )
    with room.engine.begin() as conn:
        for edition, start in (("2026-Q3", date(2026, 7, 1)), ("2027-Q1", date(2027, 1, 1))):
            row = PaperRow("textile", edition, start, f"textile/{edition}.md", "published", "", "", snapshot)
            save_paper(conn, row)
    data = _collect(room)
    assert data.compared_with == "2026-Q3"  # the latest edition before this one, not a later one
    assert sorted(data.changes, key=lambda c: c.trend_id) == [
        Change("grown", "textile-0001", data.trends[0].trend.name, 1, 4),
        Change("new", "textile-0003", "Waterless dyeing", 0, 4),
        Change("faded", "textile-0009", "Bio-based dyes", 3, 0),
    ]  # the sensor trend has as many documents as then: no change


def test_an_industry_without_documents_has_an_empty_paper(room: Newsroom) -> None:
    data = _collect(room, "medtech")
    assert (data.documents, data.sources, data.trends, data.weak_signals) == (0, (), (), ())
    assert (data.first_day, data.last_day, data.changes, data.citations) == (None, None, (), {})


def test_a_paper_cites_documents_by_their_item_id_only() -> None:
    assert cited_id(CitedSentence("Restrand spins yarn.", 7)) == 7
    with pytest.raises(TypeError, match="a paper cites documents by item id, not 'story:7'"):
        cited_id(CitedSentence("Restrand spins yarn.", "story:7"))
