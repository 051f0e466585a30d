"""Industry scores: similarity plus keyword, source and patent-class evidence, with readable reasons."""

from __future__ import annotations

import numpy as np

from papers.i18n import Texts
from summarize.assign import AssignInput, AssignSettings, assign, profile_text, reasons_text
from summarize.records import Industry

TEXTILE = Industry("textile", "Textile", "Fibres and fabrics", ("recycling", "yarn"), ("D01", "D06M"))
MEDTECH = Industry("medtech", "Medical technology", "Devices", ("implant",), ("A61B",))
PROFILES = np.eye(4, dtype=np.float32)[:2]  # textile = axis 0, medtech = axis 1


def _doc(
    vector: list[float], text: str = "", hints: tuple[str, ...] = (), classes: tuple[str, ...] = ()
) -> AssignInput:
    v = np.array(vector, dtype=np.float32)
    return AssignInput(1, "Title", text, v / np.linalg.norm(v), hints, classes)


def test_similarity_alone_decides_by_threshold() -> None:
    rows = assign([_doc([0.6, 0.1, 0.79, 0])], [TEXTILE, MEDTECH], PROFILES, AssignSettings(threshold=0.35))
    textile, medtech = rows
    assert textile.assigned and textile.similarity > 0.5
    assert not medtech.assigned
    assert reasons_text(textile.reasons).startswith("similarity 0.60")
    (unlike, _) = assign([_doc([-0.001, 0, 1, 0])], [TEXTILE, MEDTECH], PROFILES)
    assert reasons_text(unlike.reasons).startswith("similarity 0.00 ")  # not "-0.00"


def test_evidence_adds_up_and_is_explained() -> None:
    doc = _doc(
        [0.2, 0, 0.98, 0],
        "New yarns from recycling. Recycled yarn.",
        hints=("textile",),
        classes=("D06M15/00", "A61B5/00"),
    )
    textile, medtech = assign([doc], [TEXTILE, MEDTECH], PROFILES)
    assert textile.keywords == ("recycling", "yarn")
    assert textile.source_hint and textile.classes == ("D06M15/00",)
    assert textile.score == round(0.2 + 2 * 0.05 + 0.1 + 0.4, 4)
    assert reasons_text(textile.reasons) == (
        "similarity 0.20 to the industry profile; keywords: recycling, yarn; the source serves this "
        "industry; patent classes: D06M15/00"
    )
    assert medtech.classes == ("A61B5/00",) and medtech.assigned
    # In the workspace's language, and a score stored in words by an earlier version as it was.
    assert reasons_text(textile.reasons, Texts("de")) == (
        "Ähnlichkeit 0,20 zum Branchenprofil; Schlagwörter: recycling, yarn; die Quelle bedient diese "
        "Branche; Patentklassen: D06M15/00"
    )
    assert reasons_text("similarity 0.42 to the industry profile", Texts("de")) == (
        "similarity 0.42 to the industry profile"
    )


def test_off_topic_documents_serve_no_industry() -> None:
    rows = assign([_doc([0, 0, 0, 1])], [TEXTILE, MEDTECH], PROFILES)
    assert rows and not any(r.assigned for r in rows)


def test_keywords_match_whole_words_only() -> None:
    (textile,) = assign([_doc([1, 0, 0, 0], "Polyarnish and yarns")], [TEXTILE], PROFILES[:1])
    assert textile.keywords == ("yarn",)


def test_profile_text_reads_like_a_description() -> None:
    assert profile_text(TEXTILE) == "Textile. Fibres and fabrics. recycling, yarn"


def test_a_keyword_matches_its_inflections_but_not_other_words() -> None:
    """ "car" once counted for "care" and "card": any three letters were taken as an ending."""
    cars = Industry("automotive", "Automotive", "", ("car", "Fahrzeug", "implant"))

    def found(text: str) -> tuple[str, ...]:
        return assign([_doc([1, 0, 0, 0], text)], [cars], PROFILES[:1])[0].keywords

    for other in ("Patient care at home", "A new card payment", "They cared", "carbon fibre", "implantation"):
        assert found(other) == (), other
    assert found("Two cars and the car's owner") == ("car",)
    assert found("Neue Fahrzeuge, mit Fahrzeugen") == ("Fahrzeug",)
    assert found("Implants implanted") == ("implant",)
