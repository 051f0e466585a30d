"""Story and trend grouping on the shared labelled real news (``../shared/corpora/events``), with
the pipeline's own code and defaults (``trendpapers eval``), held to floors a little below what
``benchmarks/analysis_bench.py`` measured, so that a change that costs quality fails here first.

ECB+ has no dates and half its articles no titles: its input order must not matter."""

from __future__ import annotations

import json
import random
from collections.abc import Hashable
from pathlib import Path

import pytest

from summarize.embed import TransformersEmbedder
from summarize.evaluate import eval_stories, eval_trends, read_articles
from summarize.score import score_clustering
from summarize.settings import AnalysisSettings

pytestmark = [pytest.mark.slow, pytest.mark.corpus]

# Measured with the shipped defaults (pairwise F1): ECB+ events 0.903 and topics 0.900, GVC 0.946.
FLOORS = {"ecbplus": 0.90, "gvc": 0.93}
TOPIC_FLOOR = 0.89


def _gold(path: Path, key: str) -> dict[Hashable, Hashable]:
    return {row["id"]: row[key] for row in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_stories_on_labelled_news_stay_above_their_floor(
    corpora: Path, embedder: TransformersEmbedder, name: str
) -> None:
    path = corpora / "events" / f"{name}.jsonl"
    rows = eval_stories(read_articles(path), embedder, AnalysisSettings())
    scores = score_clustering(_gold(path, "event"), {r["id"]: r["story"] for r in rows})
    assert scores.pairwise.f1 >= FLOORS[name], scores


def test_ecbplus_trends_and_the_order_of_undated_input(corpora: Path, embedder: TransformersEmbedder) -> None:
    path = corpora / "events" / "ecbplus.jsonl"
    articles = read_articles(path)
    rows = eval_trends(articles, embedder, AnalysisSettings())
    topics = score_clustering(_gold(path, "topic"), {r["id"]: r["trend"] for r in rows})
    assert topics.pairwise.f1 >= TOPIC_FLOOR, topics

    shuffled = articles[:]
    random.Random(7).shuffle(shuffled)
    again = {r["id"]: (r["story"], r["trend"]) for r in eval_trends(shuffled, embedder, AnalysisSettings())}
    events = _gold(path, "event")
    first = score_clustering(events, {r["id"]: r["story"] for r in rows}).pairwise.f1
    second = score_clustering(events, {i: s for i, (s, _) in again.items()}).pairwise.f1
    assert abs(first - second) <= 0.01, (first, second)
