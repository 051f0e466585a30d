"""Cross-sector opportunities from trends, scores, stories and patent classes (``summarize.opportunities``).

The rules on small hand-made inputs whose answer is known; the pipeline on the demo is tested in
``test_analyze`` and the quality on labelled cases in ``test_opportunity_quality``.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date

import numpy as np

from summarize.opportunities import (
    DocScore,
    Evidence,
    OpportunitySettings,
    find_opportunities,
    number_opportunities,
    renamed,
)
from summarize.records import FIELD, Industry
from summarize.store import opportunity_dict, opportunity_from_dict
from summarize.trends import Trend

TEXTILE = Industry("textile", "Textile", patent_classes=("D04",))
MEDTECH = Industry("medtech", "Medical technology", patent_classes=("A61B",))
LOGISTICS = Industry("logistics", "Logistics", patent_classes=("B65G",))
THE_FIELD = Industry(FIELD, "Virtual engineering")
SIDES = [TEXTILE, MEDTECH, LOGISTICS, THE_FIELD]


def _trend(trend_id: str, docs: tuple[int, ...], stories: tuple[int, ...] = (), current: int = 3) -> Trend:
    return Trend(
        trend_id=trend_id,
        industry=trend_id.rsplit("-", 1)[0],
        window_start=date(2026, 8, 23),
        window_end=date(2026, 11, 20),
        label="",
        name=f"Trend {trend_id}",
        title="",
        title_doc=docs[0],
        story_ids=stories or tuple(100 + d for d in docs),
        doc_ids=docs,
        current=current,
        previous=0,
        weekly=(),
        sources=1,
        patent_share=0.0,
        novelty=1.0,
        status="new",
        weak_signal=False,
    )


def _vectors(groups: dict[tuple[int, ...], int], dim: int = 8) -> dict[int, np.ndarray]:
    """Unit vectors: documents of a group point along the group's own axis, slightly apart."""
    out = {}
    for docs, axis in groups.items():
        for k, d in enumerate(docs):
            v = np.zeros(dim)
            v[axis] = 1.0
            v[(axis + 1) % dim] = 0.1 * k
            out[d] = v / np.linalg.norm(v)
    return out


def _scores(rows: dict[int, dict[str, float]], threshold: float = 0.35) -> dict[tuple[int, str], DocScore]:
    return {
        (d, slug): DocScore(score, score >= threshold, f"similarity {score:.2f} to the industry profile")
        for d, by_slug in rows.items()
        for slug, score in by_slug.items()
    }


def test_documents_that_score_for_another_side_make_an_opportunity_with_reasons_and_both_sides() -> None:
    textile = _trend("textile-0001", (1, 2, 3, 4))
    medtech = _trend("medtech-0001", (11, 12, 13))
    scores = _scores(
        {
            1: {"textile": 0.6, "medtech": 0.32},
            2: {"textile": 0.5, "medtech": 0.31},
            3: {"textile": 0.5, "medtech": 0.1},
            4: {"textile": 0.5, "medtech": 0.29},  # just below "touch": not evidence
            11: {"medtech": 0.6, "textile": 0.1},
            12: {"medtech": 0.6, "textile": 0.05},
            13: {"medtech": 0.5, "textile": 0.0},
        }
    )
    vectors = _vectors({(1, 2, 3, 4): 0, (11, 12, 13): 0})  # both trends about the same thing
    found = find_opportunities([textile, medtech], SIDES, Evidence(scores, {}, {}, vectors))
    assert len(found) == 1
    o = found[0]
    assert o.name == "Trend textile-0001 meets Medical technology"
    assert o.keys == ("textile-0001>medtech",)
    assert o.sides[0].documents == (1, 2)  # the bridge documents, best first
    # Medtech's documents nearest the textile trend first (its centroid lies between 12 and 13).
    assert o.sides[1].trend_id == "medtech-0001" and o.sides[1].documents == (12, 13, 11)
    assert o.reasons[0] == (
        "2 of the 4 documents of Trend textile-0001 (this window and the one before) also read as Medical technology"
    )
    assert "closest Medical technology trend: Trend medtech-0001" in o.reasons
    assert not any(re.search(r"\d\.\d", r) for r in o.reasons)  # no scores: members read these
    assert o.score == 0.315
    # The threshold is the workspace's ([cluster] touch): lower, and the fourth document counts too.
    (lower,) = find_opportunities(
        [textile, medtech], SIDES, Evidence(scores, {}, {}, vectors), OpportunitySettings(touch=0.25)
    )
    assert lower.sides[0].documents == (1, 2, 4)


def test_one_touching_document_is_not_enough_but_one_assigned_to_both_is() -> None:
    trend = _trend("textile-0001", (1, 2, 3))
    vectors = _vectors({(1, 2, 3): 0})
    weak = _scores({1: {"textile": 0.6, "medtech": 0.33}, 2: {"textile": 0.5}, 3: {"textile": 0.5}})
    assert find_opportunities([trend], SIDES, Evidence(weak, {}, {}, vectors)) == []
    strong = _scores({1: {"textile": 0.6, "medtech": 0.4}, 2: {"textile": 0.5}, 3: {"textile": 0.5}})
    (o,) = find_opportunities([trend], SIDES, Evidence(strong, {}, {}, vectors))
    (why,) = (r for r in o.reasons if "also reads as" in r)  # one reason, not two that repeat each other
    assert why.endswith("also reads as Medical technology; of these, 1 is assigned to both sides")
    assert o.sides[1].trend_id is None  # medtech has no trend here: its side cites nothing else


def test_a_story_shared_with_another_sides_documents_counts() -> None:
    trend = _trend("logistics-0001", (1, 2, 3), stories=(50, 51, 52))
    scores = _scores(
        {
            1: {"logistics": 0.5, "medtech": 0.1},
            2: {"logistics": 0.5},
            3: {"logistics": 0.5},
            7: {"logistics": 0.2, "medtech": 0.5},  # the same events, reported for medtech
            8: {"logistics": 0.1, "medtech": 0.45},
        }
    )
    stories = {50: (1, 7), 51: (2, 8), 52: (3,)}
    (o,) = find_opportunities([trend], SIDES, Evidence(scores, {}, stories, _vectors({(1, 2, 3): 0})))
    assert "2 stories of the trend also hold 2 documents assigned to Medical technology" in o.reasons
    assert o.sides[1].documents == (7, 8)


def test_co_classified_patents_make_an_opportunity_by_themselves() -> None:
    trend = _trend("textile-0001", (1, 2, 3))
    scores = _scores({d: {"textile": 0.5, "medtech": 0.0} for d in (1, 2, 3)})
    classes = {2: ("D04B1/26", "A61B5/1038"), 3: ("D04B1/26",)}
    (o,) = find_opportunities([trend], SIDES, Evidence(scores, classes, {}, _vectors({(1, 2, 3): 0})))
    assert o.slugs == ("textile", "medtech")
    assert o.reasons == ("1 patent classified under both sides' classes (A61B5/1038, D04B1/26)",)
    assert o.sides[0].documents == (2,)


def test_the_field_gets_its_close_documents_as_evidence() -> None:
    trend = _trend("logistics-0001", (1, 2, 3))
    scores = _scores(
        {
            1: {"logistics": 0.5, FIELD: 0.55},
            2: {"logistics": 0.5, FIELD: 0.1},
            3: {"logistics": 0.5, FIELD: 0.1},
            20: {FIELD: 0.6},
            21: {FIELD: 0.6},
        }
    )
    vectors = _vectors({(1, 2, 3): 0, (20,): 0, (21,): 3})  # 20 is about the trend's subject, 21 not
    evidence = Evidence(scores, {}, {}, vectors, field_documents=(20, 21))
    (o,) = find_opportunities([trend], SIDES, evidence)
    assert o.name == "Trend logistics-0001 meets Virtual engineering"
    assert "also reads as the cluster's field " in o.reasons[0]
    assert o.sides[1].slug == FIELD and o.sides[1].documents == (20,)


def test_two_trends_touching_each_other_are_one_opportunity() -> None:
    textile = _trend("textile-0001", (1, 2, 3))
    medtech = _trend("medtech-0001", (11, 12, 13))
    scores = _scores(
        {
            1: {"textile": 0.6, "medtech": 0.4},
            2: {"textile": 0.5},
            3: {"textile": 0.5},
            11: {"medtech": 0.6, "textile": 0.38},
            12: {"medtech": 0.5, "textile": 0.31},
            13: {"medtech": 0.5},
        }
    )
    vectors = _vectors({(1, 2, 3): 0, (11, 12, 13): 0})
    (o,) = find_opportunities([textile, medtech], SIDES, Evidence(scores, {}, {}, vectors))
    assert o.keys == ("medtech-0001>textile", "textile-0001>medtech")
    assert o.name == "Trend medtech-0001 meets Trend textile-0001"  # the stronger link first
    assert o.sides[0].documents[:2] == (11, 12) and 1 in o.sides[1].documents
    assert not set(o.sides[0].documents) & set(o.sides[1].documents)
    assert len(o.reasons) >= 4  # from both sides


def test_a_trend_without_documents_in_the_window_touches_nothing() -> None:
    trend = _trend("textile-0001", (1, 2), current=0)
    scores = _scores({1: {"textile": 0.6, "medtech": 0.5}, 2: {"textile": 0.6, "medtech": 0.5}})
    assert find_opportunities([trend], SIDES, Evidence(scores, {}, {}, _vectors({(1, 2): 0}))) == []


def test_ids_follow_the_links_across_editions() -> None:
    textile = _trend("textile-0001", (1, 2, 3))
    scores = _scores({d: {"textile": 0.5, "medtech": 0.4, FIELD: 0.4} for d in (1, 2, 3)})
    evidence = Evidence(scores, {}, {}, _vectors({(1, 2, 3): 0}))
    first = number_opportunities(find_opportunities([textile], SIDES, evidence), [])
    assert sorted(o.opportunity_id for o in first) == ["opp-0001", "opp-0002"]
    ids = {o.keys: o.opportunity_id for o in first}

    # Next edition: the medtech link is gone, a new logistics one appears, the field one stays.
    scores = _scores({d: {"textile": 0.5, "logistics": 0.4, FIELD: 0.4} for d in (1, 2, 3)})
    evidence = Evidence(scores, {}, {}, _vectors({(1, 2, 3): 0}))
    previous = [(o.opportunity_id, frozenset(o.keys)) for o in first]
    second = number_opportunities(find_opportunities([textile], SIDES, evidence), previous)
    again = {o.keys: o.opportunity_id for o in second}
    assert again[("textile-0001>field",)] == ids[("textile-0001>field",)]
    assert again[("textile-0001>logistics",)] == "opp-0003"  # new: the next free number, never reused


def test_renamed_trends_rename_their_opportunities() -> None:
    textile = _trend("textile-0001", (1, 2, 3))
    scores = _scores({d: {"textile": 0.5, "medtech": 0.4} for d in (1, 2, 3)})
    (o,) = find_opportunities([textile], SIDES, Evidence(scores, {}, {}, _vectors({(1, 2, 3): 0})))
    again = renamed(o, {"textile-0001": "Smart textiles"})
    assert again.name == "Smart textiles meets Medical technology"
    assert again.reasons[0].startswith("3 of the 3 documents of Smart textiles (this window")
    assert not any("Trend textile-0001" in r for r in again.reasons)
    # Only a trend's place in a reason: not where an industry's name begins with the old name.
    named_medical = replace(o, sides=(replace(o.sides[0], trend_name="Medical"), o.sides[1]))
    reasons = " ".join(renamed(named_medical, {"textile-0001": "Smart socks"}).reasons)
    assert "also read as Medical technology" in reasons and "Smart socks technology" not in reasons


def test_a_german_workspace_names_its_opportunities_in_german_and_the_store_keeps_it() -> None:
    textile = _trend("textile-0001", (1, 2, 3))
    scores = _scores({d: {"textile": 0.5, "medtech": 0.4} for d in (1, 2, 3)})
    evidence = Evidence(scores, {}, {}, _vectors({(1, 2, 3): 0}))
    (o,) = find_opportunities([textile], SIDES, evidence, OpportunitySettings(language="de"))
    assert o.name == "Trend textile-0001 trifft Medical technology"
    stored = opportunity_from_dict(json.loads(json.dumps(opportunity_dict(o))))
    assert (
        renamed(stored, {"textile-0001": "Smarte Textilien"}).name
        == "Smarte Textilien trifft Medical technology"
    )


def test_reasons_are_worded_in_the_workspaces_language() -> None:
    from papers.i18n import Texts

    textile = _trend("textile-0001", (1, 2, 3))
    scores = _scores({d: {"textile": 0.5, "medtech": 0.4} for d in (1, 2, 3)})
    evidence = Evidence(scores, {}, {}, _vectors({(1, 2, 3): 0}))
    (english,) = find_opportunities([textile], SIDES, evidence)
    (german,) = find_opportunities(
        [textile], SIDES, evidence, OpportunitySettings(language="de"), Texts("de")
    )
    assert english.reasons[0] == (
        "3 of the 3 documents of Trend textile-0001 (this window and the one before) also read as "
        "Medical technology; of these, 3 are assigned to both sides"
    )
    assert german.reasons[0] == (
        "3 der 3 Dokumente zu „Trend textile-0001“ (dieser und der vorige Zeitraum) gehören auch zu "
        "Medical technology; davon sind 3 beiden Seiten zugeordnet"
    )
