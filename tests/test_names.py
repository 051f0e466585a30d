"""Trend names from the phrases their documents share, ranked with the real model."""

from __future__ import annotations

import numpy as np

from summarize.embed import TransformersEmbedder
from summarize.multilingual import UseEmbedder
from summarize.names import NameSettings, NamingInput, candidates, name_trends, text_of

TRUCKS = [
    (
        "Port of Hallsund orders 40 electric trucks",
        "The port of Hallsund has ordered 40 electric trucks for container drayage. Charging starts in May.",
    ),
    (
        "Haulier Fenmark switches its fleet",
        "Fenmark Logistics will run electric trucks on all its port routes from 2027, the company said.",
    ),
    (
        "Megawatt charging for electric trucks opens",
        "The first megawatt charging park for electric trucks opened beside the A7 motorway in Kalvstad.",
    ),
]
ROBOTS = [
    (
        "Kivara opens warehouse with 300 robots",
        "Kivara's new warehouse in Brenholm uses 300 mobile robots for order picking.",
    ),
    (
        "Order picking robots cut walking by half",
        "Mobile robots for order picking halved the walking time of staff in a trial at Restrand.",
    ),
    (
        "Grocer automates its warehouse",
        "Valmark Foods installs mobile robots for order picking in its frozen-goods warehouse.",
    ),
]


def _input(trend_id: str, docs: list[tuple[str, str]], embedder: TransformersEmbedder) -> NamingInput:
    texts = tuple(text_of(title, text, 400) for title, text in docs)
    centroid = embedder.embed(list(texts)).sum(0)
    return NamingInput(trend_id, texts, centroid / np.linalg.norm(centroid), "fallback")


def test_each_trend_is_named_by_a_phrase_its_documents_share(embedder: TransformersEmbedder) -> None:
    inputs = [_input("logistics-0001", TRUCKS, embedder), _input("logistics-0002", ROBOTS, embedder)]
    titles = {t.lower() for t, _ in TRUCKS + ROBOTS}
    names = name_trends(inputs, [], titles, embedder.embed)
    assert "electric trucks" in names[0].lower()
    assert "robots" in names[1].lower() or "order picking" in names[1].lower()
    assert names[0] != names[1] and not {n.lower() for n in names} & titles
    assert all(2 <= len(n.split()) <= 8 for n in names)


def test_candidates_come_from_two_documents_and_stop_at_names_and_event_words() -> None:
    texts = [
        "Weftronic weaves heat-stress sensors into workwear.\nTechnical textiles\nHollin Textil buys looms.",
        "Heat-stress sensors for foundry workers: Nordweave's jackets pass the test.",
        "A State of the Union address on heat-stress sensors.",
    ]
    found = {p.text for p in candidates([texts], [], NameSettings())[0]}
    assert "heat-stress sensors" in found  # in all three
    assert "workwear" not in found  # in one text only
    assert not any(p.startswith("weaves") or "textiles Hollin" in p for p in found)
    # A contraction belongs to a clause: no "chilly temperatures don't mean".
    cold = ["Chilly temperatures don't mean the end of foraging.", "Why chilly temperatures don't mean less."]
    found = {p.text.lower() for p in candidates([cold], [], NameSettings())[0]}
    assert "chilly temperatures" in found and not any("don't" in p for p in found)
    single = candidates([["The State of the Union address was long."]], [], NameSettings())[0]
    assert "State of the Union address" in {p.text for p in single}  # "of the" joins inside a phrase


def test_a_phrase_ends_on_a_head_not_on_a_word_that_only_qualifies_another() -> None:
    texts = [
        "Clinical study of wearable sensors. The clinical trial of the knitted sock starts.",
        "Clinical results for wearable sensors. A knitted shirt with sensors.",
        "A clinical trial of knitted sensors.",
    ]
    found = {p.text.lower() for p in candidates([texts], [], NameSettings())[0]}
    assert "wearable sensors" in found
    assert not {"clinical", "knitted"} & found  # each always stands before another word
    assert not any(p.endswith(("clinical", "knitted")) for p in found)


def test_a_second_phrase_is_no_name() -> None:
    texts = [
        "Sensors at Ravensholt University hospital. Sensors measure the heart rate.",
        "Ravensholt University hospital tests sensors for the heart rate.",
    ]
    found = candidates([texts], [], NameSettings())[0]
    assert {p.text for p in found if p.named} >= {"Ravensholt University hospital"}
    assert not any(p.named for p in found if p.text in {"sensors", "heart rate"})


LKW = [
    (
        "Hafen Hallsund bestellt 40 elektrische Lkw",
        "Der Hafen Hallsund hat 40 elektrische Lkw für den Containerverkehr bestellt. Das Laden beginnt im Mai.",
    ),
    (
        "Spedition Fenmark stellt ihre Flotte um",
        "Fenmark Logistik will ab 2027 auf allen Hafenrouten elektrische Lkw einsetzen, aber nicht im Fernverkehr.",
    ),
    (
        "Megawatt-Ladepark für elektrische Lkw eröffnet",
        "Der erste Megawatt-Ladepark für elektrische Lkw hat an der A7 bei Kalvstad eröffnet.",
    ),
]


def test_german_candidates_keep_adjective_and_noun_together_without_stop_words() -> None:
    texts = [text_of(title, text, 400, "de") for title, text in LKW]
    found = candidates([texts], [], NameSettings(), [["de"] * 3])[0]
    phrases = {p.text for p in found}
    assert "elektrische Lkw" in phrases  # a capitalised noun after an adjective is no name in German
    stop = {"aber", "der", "für", "im", "ab", "auf", "nicht", "an", "bei", "hat"}
    assert not any(set(p.lower().split()) & stop for p in phrases)
    assert not any(p.split()[0].lower() in {"eröffnet", "bestellt", "stellt"} for p in phrases)


def test_a_german_trend_is_named_in_german(use_embedder: UseEmbedder) -> None:
    use = use_embedder
    texts = tuple(text_of(title, text, 400, "de") for title, text in LKW)
    centroid = use.embed(list(texts)).sum(0)
    item = NamingInput("logistik-0001", texts, centroid / np.linalg.norm(centroid), "fallback", ("de",) * 3)
    assert item.language() == "de"
    (name,) = name_trends([item], [], {t.lower() for t, _ in LKW}, use.embed)
    assert "elektrische lkw" in name.lower() and " and " not in name
