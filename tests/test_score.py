"""Scores on small hand-made cases whose values were worked out by hand."""

from __future__ import annotations

import pytest

from summarize.score import rouge_recall, rouge_tokens, score_clustering, truncate_words


def test_perfect_clustering_scores_one() -> None:
    gold = {"a": 1, "b": 1, "c": 2, "d": 3}
    s = score_clustering(gold, {"a": "x", "b": "x", "c": "y", "d": "z"})
    assert (s.pairwise.precision, s.pairwise.recall, s.pairwise.f1) == (1.0, 1.0, 1.0)
    assert s.bcubed.f1 == 1.0
    assert s.adjusted_rand == pytest.approx(1.0)


def test_one_big_cluster() -> None:
    # gold {a,b} {c,d}; predicted all four together: 2 of 6 predicted pairs are right.
    s = score_clustering({"a": 1, "b": 1, "c": 2, "d": 2}, dict.fromkeys("abcd", 0))
    assert s.pairwise.precision == pytest.approx(2 / 6)
    assert s.pairwise.recall == 1.0
    assert s.pairwise.f1 == pytest.approx(0.5)
    # BCubed precision: each item's cluster (4) holds 2 of its gold class: 0.5 for all.
    assert s.bcubed.precision == pytest.approx(0.5)
    assert s.bcubed.recall == 1.0
    # ARI: index 2, expected 2*6/6 = 2, max (2+6)/2 = 4 → (2-2)/(4-2) = 0.
    assert s.adjusted_rand == pytest.approx(0.0)


def test_all_singletons_against_pairs() -> None:
    s = score_clustering({"a": 1, "b": 1, "c": 2}, {"a": 1, "b": 2, "c": 3})
    assert s.pairwise.precision == 1.0  # no predicted pairs: nothing wrong
    assert s.pairwise.recall == 0.0
    assert s.bcubed.precision == 1.0
    assert s.bcubed.recall == pytest.approx((0.5 + 0.5 + 1) / 3)


def test_known_adjusted_rand_value() -> None:
    # gold [0,0,0,1,1,1], predicted [0,0,1,1,2,2]: index 2, gold pairs 6, predicted pairs 3,
    # expected 6*3/15 = 1.2, max 4.5 → ARI = 0.8/3.3.
    gold = dict(enumerate([0, 0, 0, 1, 1, 1]))
    pred = dict(enumerate([0, 0, 1, 1, 2, 2]))
    assert score_clustering(gold, pred).adjusted_rand == pytest.approx(0.8 / 3.3)


def test_mismatched_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="1 missing"):
        score_clustering({"a": 1, "b": 1}, {"a": 1})


def test_rouge_tokens_stem_words_longer_than_three_letters() -> None:
    assert rouge_tokens("The ministers were meeting, cats ran!") == [
        "the",
        "minist",
        "were",
        "meet",
        "cat",
        "ran",
    ]


def test_rouge_recall_by_hand() -> None:
    reference = "the cat sat on the mat"
    # Bigrams of the reference: the cat, cat sat, sat on, on the, the mat (5); the summary has 2.
    assert rouge_recall("a cat sat on a rug", [reference], 2) == pytest.approx(2 / 5)
    # Unigrams: the(2) cat sat on mat → summary "the cat" matches the(1) + cat(1) = 2 of 6.
    assert rouge_recall("the cat", [reference], 1) == pytest.approx(2 / 6)
    # Two references pool their n-grams: 2 matches of 5 + 0 of 2.
    assert rouge_recall("a cat sat on a rug", [reference, "dogs bark"], 2) == pytest.approx(2 / 6)


def test_rouge_counts_are_clipped() -> None:
    assert rouge_recall("the the the the", ["the cat"], 1) == pytest.approx(1 / 2)


def test_truncate_words() -> None:
    assert truncate_words("one two  three\nfour", 3) == "one two three"
