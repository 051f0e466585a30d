"""Trends from controlled stories: clusters, counts per window, status and ids stable across runs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import numpy as np

from summarize.lexical import LEXICAL_DIM
from summarize.stories import StoryState
from summarize.trends import PreviousTrend, TrendDoc, TrendSettings, build_trends

AS_OF = date(2026, 11, 20)
SETTINGS = TrendSettings(window_days=28, threshold=0.3, min_documents=3)


def _docs(
    topic: int, story_ids: list[int], days_ago: list[int], source: str = "A", patent: bool = False
) -> list[TrendDoc]:
    v = np.eye(16, dtype=np.float32)[topic]
    out = []
    for k, (story, ago) in enumerate(zip(story_ids, days_ago, strict=True)):
        when = datetime.combine(AS_OF - timedelta(days=ago), datetime.min.time(), tzinfo=UTC)
        out.append(
            TrendDoc(
                topic * 1000 + k,
                story,
                when,
                f"{source}{k % 2}",
                f"Topic {topic} news {k}",
                f"Recycled fibre topic{topic} plant opens. Story {story}.",
                v,
                patent,
            )
        )
    return out


def test_rising_new_and_fading_trends() -> None:
    rising = _docs(0, [1, 2, 3, 4, 5, 6], [40, 5, 6, 7, 8, 9])  # 1 before, 5 now
    new = _docs(1, [10, 10, 11], [1, 2, 3])  # nothing before
    fading = _docs(2, [20, 21, 22, 23], [30, 35, 40, 3])  # 3 before, 1 now
    tiny = _docs(3, [30, 31], [1, 2])  # two documents: no trend
    trends = build_trends("textile", rising + new + fading + tiny, [], AS_OF, SETTINGS)
    by_status = {t.status: t for t in trends}
    assert set(by_status) == {"rising", "new", "fading"}
    assert (by_status["rising"].current, by_status["rising"].previous) == (5, 1)
    assert by_status["rising"].growth == 4.0
    assert by_status["new"].growth is None and by_status["new"].weak_signal
    assert (by_status["fading"].current, by_status["fading"].previous) == (1, 3)
    for t in trends:
        assert sum(n for _, n in t.weekly) == t.current + t.previous
        assert all(date.fromisoformat(w).weekday() == 0 for w, _ in t.weekly)
        assert t.sources == 2 and t.window_end == AS_OF
    assert sorted(t.trend_id for t in trends) == ["textile-0001", "textile-0002", "textile-0003"]
    assert by_status["rising"].trend_id == "textile-0001"  # new ids go to the largest trends first


def test_a_new_trend_larger_than_any_that_was_there_before_is_no_weak_signal() -> None:
    """Weak signals are small new themes beside larger established ones; a new theme of five
    documents beside fading ones of one document each leads the window."""
    new = _docs(1, [10, 10, 11, 11, 12], [1, 2, 3, 4, 5])
    fading = _docs(2, [20, 21, 22, 23], [30, 35, 40, 3])  # 3 before, 1 now
    trends = build_trends("textile", new + fading, [], AS_OF, SETTINGS)
    assert [(t.status, t.current, t.weak_signal) for t in trends] == [("new", 5, False), ("fading", 1, False)]
    alone = build_trends("textile", new, [], AS_OF, SETTINGS)  # nothing to measure it against: young
    assert [(t.status, t.weak_signal) for t in alone] == [("new", True)]
    gone = _docs(2, [20, 21, 22], [30, 35, 40])  # a theme of the window before, with nothing now
    beside = build_trends("textile", new[:3] + gone, [], AS_OF, SETTINGS)
    assert [(t.status, t.current, t.weak_signal) for t in beside] == [("new", 3, True), ("fading", 0, False)]


def test_a_trend_keeps_its_id_while_it_grows() -> None:
    first = build_trends(
        "medtech", _docs(0, [1, 2, 3], [3, 4, 5]) + _docs(1, [7, 8, 9], [3, 4, 5]), [], AS_OF, SETTINGS
    )
    previous = [PreviousTrend(t.trend_id, frozenset(t.story_ids)) for t in first]
    grown = (
        _docs(0, [1, 2, 3, 4, 5], [3, 4, 5, 1, 1])
        + _docs(1, [7, 8, 9], [3, 4, 5])
        + _docs(5, [50, 51, 52], [1, 1, 1])
    )
    second = build_trends("medtech", grown, previous, AS_OF, SETTINGS, next_number=3)
    ids = {frozenset(t.story_ids): t.trend_id for t in second}
    old = {frozenset(t.story_ids): t.trend_id for t in first}
    assert ids[frozenset({1, 2, 3, 4, 5})] == old[frozenset({1, 2, 3})]
    assert ids[frozenset({7, 8, 9})] == old[frozenset({7, 8, 9})]
    assert ids[frozenset({50, 51, 52})] == "medtech-0003"


def test_patent_share_labels_and_central_title() -> None:
    patent = replace(_docs(0, [4], [4], patent=True)[0], id=999, title="Method for recycling fibres")
    docs = [*_docs(0, [1, 2, 3], [1, 2, 3]), patent, *_docs(1, [5, 6, 7], [1, 2, 3])]
    trends = build_trends("textile", docs, [], AS_OF, SETTINGS)
    first = next(t for t in trends if 1 in t.story_ids)
    assert first.patent_share == 0.25
    assert "topic0" in first.label.split(" · ")[0]  # the word only this trend's documents use
    assert first.title != patent.title  # the title comes from a news document, not the patent


def test_documents_outside_both_windows_are_ignored() -> None:
    assert build_trends("textile", _docs(0, [1, 2, 3], [60, 70, 80]), [], AS_OF, SETTINGS) == []


def test_a_keyword_of_a_trend_is_shared_by_several_of_its_documents() -> None:
    """One article's odd word ("bathrooms") once became a trend's keyword."""
    docs = _docs(0, [1, 2, 3], [1, 2, 3]) + _docs(1, [5, 6, 7], [1, 2, 3])
    docs[0] = replace(docs[0], text=docs[0].text + " Bathrooms bathrooms bathrooms everywhere.")
    trends = build_trends("textile", docs, [], AS_OF, SETTINGS)
    first = next(t for t in trends if 1 in t.story_ids)
    assert "bathrooms" not in first.label and "topic0" in first.label


def test_a_trend_is_named_by_news_of_the_current_window() -> None:
    """A 2026-06 headline once named a trend of a 2026-Q4 paper."""
    old = _docs(0, [1, 2], [40, 41])  # the window before: nearer the centre of the trend
    recent = [
        replace(d, vector=d.vector * 0.9 + np.eye(16, dtype=np.float32)[3] * 0.44) for d in _docs(0, [3], [2])
    ]
    trends = build_trends("textile", old + recent, [], AS_OF, SETTINGS)
    (trend,) = trends
    assert trend.title_doc == recent[0].id and trend.title == recent[0].title


def test_stories_are_as_alike_as_their_documents_not_their_centroids() -> None:
    """Two large stories of unrelated documents that share only a common drift: their centroids
    point the same way (cosine 0.9 here), but their documents are hardly alike, so they stay apart;
    comparing centroids once merged most of ECB+'s topics."""
    rng = np.random.default_rng(1)
    drift = np.eye(64)[0]
    docs = []
    for story in (1, 2):
        for k in range(40):
            v = 0.5 * drift + rng.standard_normal(64) / 8
            when = datetime.combine(AS_OF - timedelta(days=k % 20 + 1), datetime.min.time(), tzinfo=UTC)
            docs.append(
                TrendDoc(story * 100 + k, story, when, "A", f"News {k}", "Text.", v / np.linalg.norm(v))
            )
    centroids = [np.mean([d.vector for d in docs if d.story_id == s], axis=0) for s in (1, 2)]
    cosine = centroids[0] @ centroids[1] / np.linalg.norm(centroids[0]) / np.linalg.norm(centroids[1])
    assert cosine > 0.9
    trends = build_trends("textile", docs, [], AS_OF, SETTINGS)
    assert sorted(t.story_ids for t in trends) == [(1,), (2,)]


def test_words_and_names_of_the_grouped_stories_join_a_theme() -> None:
    """Stories whose embeddings alone stay below the threshold join when their words agree (as
    the grouping kept them: the story's vector sum), and stay apart when they do not."""
    docs = _docs(0, [1, 2, 3], [1, 2, 3])
    docs = [
        replace(d, vector=(d.vector + np.eye(16, dtype=np.float32)[d.story_id]) / np.sqrt(2)) for d in docs
    ]
    alone = build_trends("textile", docs, [], AS_OF, SETTINGS)
    assert alone == []  # embeddings at cosine 0.5: mean similarity 0.21 after their share

    def story(story_id: int, words: np.ndarray) -> StoryState:
        embedded = np.zeros(16)
        return StoryState(story_id, np.concatenate([embedded, words, np.zeros(LEXICAL_DIM)]), 1, None, None)

    shared = np.sqrt(1 / 3) * np.eye(LEXICAL_DIM)[7]  # one word, in its share of a story vector
    agree = {s: story(s, shared) for s in (1, 2, 3)}
    (trend,) = build_trends("textile", docs, [], AS_OF, SETTINGS, stories=agree)
    assert trend.story_ids == (1, 2, 3)
    differ = {s: story(s, np.sqrt(1 / 3) * np.eye(LEXICAL_DIM)[s]) for s in (1, 2, 3)}
    assert build_trends("textile", docs, [], AS_OF, SETTINGS, stories=differ) == []


def test_stories_grouped_without_words_or_names_are_themed_by_their_embeddings() -> None:
    docs = _docs(0, [1, 2, 3], [1, 2, 3]) + _docs(1, [5, 6, 7], [1, 2, 3])
    stories = {
        d.story_id: StoryState(
            d.story_id, np.concatenate([d.vector, np.zeros(2 * LEXICAL_DIM)]), 1, None, None
        )
        for d in docs
    }
    trends = build_trends(
        "textile", docs, [], AS_OF, SETTINGS, stories=stories, story_weights=(1.0, 0.0, 0.0)
    )
    assert sorted(t.story_ids for t in trends) == [(1, 2, 3), (5, 6, 7)]


def test_stories_kept_in_an_older_layout_are_themed_by_their_embeddings() -> None:
    """Stories grouped before words and names counted (embedding and lead words side by side)."""
    docs = _docs(0, [1, 2, 3], [1, 2, 3]) + _docs(1, [5, 6, 7], [1, 2, 3])
    older = {d.story_id: StoryState(d.story_id, np.ones(16 + LEXICAL_DIM), 1, None, None) for d in docs}
    trends = build_trends("textile", docs, [], AS_OF, SETTINGS, stories=older)
    assert sorted(t.story_ids for t in trends) == [(1, 2, 3), (5, 6, 7)]


def _stories_with_similarities(gram: np.ndarray) -> list[TrendDoc]:
    """One single-document story per row of ``gram``, whose documents' cosines are its entries."""
    vectors = np.linalg.cholesky(gram).astype(np.float32)  # rows with exactly these dot products
    when = datetime.combine(AS_OF - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    return [TrendDoc(k, k, when, "A", f"Story {k}", "Text.", v) for k, v in enumerate(vectors)]


def test_a_crowded_neighbourhood_must_be_more_alike_to_join() -> None:
    """Three pairs of one kind of event (three murder cases, each with two reports of a trial) are
    alike at 0.3 within a pair and 0.2 across; six other stories stand apart (0.05). At a threshold
    of 0.19 the three pairs would be one theme; their crowded neighbourhood keeps them three."""
    gram = np.full((12, 12), 0.05)
    gram[:6, :6] = 0.2
    for a in (0, 2, 4):
        gram[a, a + 1] = gram[a + 1, a] = 0.3
    np.fill_diagonal(gram, 1.0)
    docs = _stories_with_similarities(gram)
    settings = TrendSettings(window_days=28, threshold=0.19, weights=(1.0, 0.0, 0.0), min_documents=2)
    themes = {t.story_ids for t in build_trends("law", docs, [], AS_OF, settings)}
    assert themes == {(0, 1), (2, 3), (4, 5)}
    merged = {t.story_ids for t in build_trends("law", docs, [], AS_OF, replace(settings, crowding=0.0))}
    assert merged == {(0, 1, 2, 3, 4, 5)}


def test_a_hot_theme_among_stories_that_stand_apart_stays_one_trend() -> None:
    """Ten stories of one theme, alike at 0.25, among thirty that stand apart (0.05): the theme's own
    stories make it look crowded, and an uncapped penalty (0.075 here) would leave no trend at all."""
    gram = np.full((40, 40), 0.05)
    gram[:10, :10] = 0.25
    np.fill_diagonal(gram, 1.0)
    docs = _stories_with_similarities(gram)
    settings = TrendSettings(window_days=28, weights=(1.0, 0.0, 0.0), min_documents=2)
    assert [t.story_ids for t in build_trends("x", docs, [], AS_OF, settings)] == [tuple(range(10))]
    uncapped = replace(settings, crowded_at_most=np.inf)
    assert build_trends("x", docs, [], AS_OF, uncapped) == []
