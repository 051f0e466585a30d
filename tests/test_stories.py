"""Story grouping on controlled vectors: what joins, what stays apart, and ids that never change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from summarize.lexical import LEXICAL_DIM, story_vectors
from summarize.stories import StoryDoc, StorySettings, group_stories

T0 = datetime(2026, 10, 1, 9, tzinfo=UTC)


def _event_docs(rng: np.random.Generator, events: int, per_event: int, noise: float = 0.25) -> list[StoryDoc]:
    """Documents around random event centres (cosine to their centre ~0.9), spread over two days.

    Events are three days apart; their centres are nearly orthogonal (cosine within about ±0.2).
    """
    dim = 256
    centres = rng.standard_normal((events, dim))
    docs = []
    for e in range(events):
        for k in range(per_event):
            v = centres[e] / np.linalg.norm(centres[e]) + noise * rng.standard_normal(dim) / np.sqrt(dim)
            when = T0 + timedelta(days=3 * e, hours=12 * k)
            docs.append(StoryDoc(f"e{e}-{k}", (v / np.linalg.norm(v)).astype(np.float32), when))
    return docs


def _truth(doc_id: str) -> str:
    return doc_id.split("-")[0]


def test_documents_of_one_event_share_a_story_and_events_stay_apart() -> None:
    docs = _event_docs(np.random.default_rng(1), events=8, per_event=5)
    grouping = group_stories(docs, {})
    by_event: dict[str, set[int]] = {}
    for doc_id, story in grouping.assignments.items():
        by_event.setdefault(_truth(doc_id), set()).add(story)
    assert all(len(stories) == 1 for stories in by_event.values())
    assert len({next(iter(s)) for s in by_event.values()}) == 8
    assert sorted(grouping.stories) == list(range(1, 9))
    assert sum(s.size for s in grouping.stories.values()) == 40


def test_adding_documents_never_renumbers_existing_stories() -> None:
    rng = np.random.default_rng(7)
    docs = _event_docs(rng, events=10, per_event=4)
    order = rng.permutation(len(docs))
    stories: dict = {}
    placed: dict[str, int] = {}
    for batch in np.array_split(order, 5):  # five runs, each with a few new documents
        grouping = group_stories([docs[i] for i in batch], stories, known=placed)
        for doc_id, story in grouping.assignments.items():
            assert doc_id not in placed
            placed[doc_id] = story
        for story_id, state in grouping.stories.items():
            if story_id in stories:  # an old story only grows
                assert state.size > stories[story_id].size
        stories.update(grouping.stories)
        # every earlier assignment still holds: nothing was moved or renumbered
        assert all(placed[d] == s for d, s in placed.items())
    events: dict[str, set[int]] = {}
    for doc_id, story in placed.items():
        events.setdefault(_truth(doc_id), set()).add(story)
    assert all(len(s) == 1 for s in events.values()), events


def _pair(cosine: float) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.eye(8, dtype=np.float32)[:2]
    return a, (cosine * a + np.sqrt(1 - cosine**2) * b).astype(np.float32)


@pytest.mark.parametrize("runs", [1, 2])
def test_time_apart_lowers_similarity_and_beyond_max_days_nothing_links(runs: int) -> None:
    def together(cosine: float, days: float | None) -> bool:
        a, b = _pair(cosine)
        docs = [StoryDoc("a", a, T0), StoryDoc("b", b, None if days is None else T0 + timedelta(days=days))]
        if runs == 1:
            grouping = group_stories(docs, {})
            return grouping.assignments["a"] == grouping.assignments["b"]
        first = group_stories(docs[:1], {})
        return group_stories(docs[1:], first.stories).assignments["b"] == first.assignments["a"]

    assert together(0.4, 1) and together(0.4, None)  # within a week, or undated: no penalty
    assert not together(0.4, 60)  # two months take 0.15 off: 0.25 is under the threshold
    assert together(0.9, 60)  # a follow-up that says the same still joins
    assert not together(1.0, 100)  # beyond max_days (90) nothing links
    # Reports of one day gain 0.01 (0.292 reaches the threshold of 0.30), half of it three and a
    # half days apart, none a week apart or where a date is unknown.
    assert together(0.292, 0) and not together(0.292, None) and not together(0.292, 7)
    assert together(0.297, 3.5) and not together(0.292, 3.5)


@pytest.mark.parametrize("runs", [1, 2])
def test_reports_that_name_other_actors_stay_apart(runs: int) -> None:
    """Same kind of event in like words (one boxer's two title fights): what tells them apart are
    the names, so a names cosine below ``names_floor`` (0.25) takes its shortfall off."""

    def pair(names: float | None) -> list[StoryDoc]:
        """Two documents whose embeddings are at cosine 0.7, words at 0.3, names at ``names``
        (None: the second has no names): 0.33 + names / 3 before any penalty."""

        def rows(cosine: float, width: int) -> np.ndarray:
            a, b = np.eye(width, dtype=np.float32)[:2]
            return np.stack([a, cosine * a + np.sqrt(1 - cosine**2) * b])

        named = rows(names or 0.0, LEXICAL_DIM)
        if names is None:
            named[1] = 0.0
        vectors = story_vectors([rows(0.7, 8), rows(0.3, LEXICAL_DIM), named], (1.0, 1.0, 1.0))
        return [StoryDoc("a", vectors[0], T0), StoryDoc("b", vectors[1], T0)]

    def together(docs: list[StoryDoc]) -> bool:
        if runs == 1:
            grouping = group_stories(docs, {})
            return grouping.assignments["a"] == grouping.assignments["b"]
        first = group_stories(docs[:1], {})
        return group_stories(docs[1:], first.stories).assignments["b"] == first.assignments["a"]

    assert together(pair(0.5))  # the same boxer named: 0.5, no penalty
    assert not together(pair(0.0))  # 0.33 - 0.25: apart, where 0.33 alone would join
    assert together(pair(None))  # no names on one side: nothing to compare, 0.33 joins


def test_a_near_duplicate_follows_its_original_even_if_its_vector_differs() -> None:
    a = np.eye(4, dtype=np.float32)[0]
    b = np.eye(4, dtype=np.float32)[1]
    first = group_stories([StoryDoc(1, a, T0)], {})
    later = group_stories([StoryDoc(2, b, T0, duplicate_of=1)], first.stories, known=first.assignments)
    assert later.assignments[2] == first.assignments[1]
    same_run = group_stories([StoryDoc(3, b, T0, duplicate_of=4), StoryDoc(4, a, T0)], {})
    assert same_run.assignments[3] == same_run.assignments[4]


def test_new_story_ids_start_where_asked() -> None:
    v = np.eye(4, dtype=np.float32)[0]
    grouping = group_stories([StoryDoc("x", v, T0)], {}, next_id=42)
    assert grouping.assignments == {"x": 42}


@pytest.mark.parametrize("threshold", [0.3, 0.6, 0.9])
def test_the_threshold_is_monotone(threshold: float) -> None:
    docs = _event_docs(np.random.default_rng(3), events=5, per_event=4, noise=0.8)
    loose = len(set(group_stories(docs, {}, StorySettings(threshold - 0.2)).assignments.values()))
    tight = len(set(group_stories(docs, {}, StorySettings(threshold)).assignments.values()))
    assert loose <= tight


def test_intermediates_cannot_chain_two_events_into_one_story() -> None:
    # Two events, and a bridge document halfway between them: close to either (cosine 0.71), but
    # the events' documents are unrelated to each other (cosine 0), so the mean similarity of any
    # story holding both stays below the threshold.
    a, b = np.eye(2, dtype=np.float32)
    bridge = (a + b) / np.linalg.norm(a + b)
    docs = [StoryDoc(f"a{k}", a, T0) for k in range(3)] + [StoryDoc(f"b{k}", b, T0) for k in range(3)]
    docs.append(StoryDoc("bridge", bridge, T0))
    grouping = group_stories(docs, {}, StorySettings(threshold=0.5))
    assert grouping.assignments["a0"] != grouping.assignments["b0"]
    assert len({grouping.assignments[f"a{k}"] for k in range(3)}) == 1


def test_a_story_grows_the_same_whether_its_documents_come_in_one_run_or_several() -> None:
    docs = _event_docs(np.random.default_rng(11), events=6, per_event=6, noise=0.6)
    settings = StorySettings(threshold=0.5)
    at_once = group_stories(docs, {}, settings).assignments
    stories: dict = {}
    placed: dict = {}
    for part in (docs[::3], docs[1::3], docs[2::3]):  # every run brings a third of each event
        grouping = group_stories(part, stories, settings, known=placed)
        stories.update(grouping.stories)
        placed.update(grouping.assignments)

    def partition(assignments: dict) -> set[frozenset]:
        groups: dict = {}
        for doc_id, story in assignments.items():
            groups.setdefault(story, set()).add(doc_id)
        return {frozenset(g) for g in groups.values()}

    assert partition(placed) == partition(at_once)
    assert len(partition(at_once)) == 6


def test_two_events_of_one_kind_crowd_each_other_apart() -> None:
    """Two title fights of one boxer: reports of a fight are alike at 0.5, across the fights at 0.31;
    eight other reports stand apart (0.05). At a threshold of 0.30 the fights would be one story;
    their crowded neighbourhood keeps them two, and the reports that stand apart stay alone."""
    gram = np.full((14, 14), 0.05)
    gram[:6, :6] = 0.31
    gram[:3, :3] = gram[3:6, 3:6] = 0.5
    np.fill_diagonal(gram, 1.0)
    vectors = np.linalg.cholesky(gram).astype(np.float32)  # rows with exactly these dot products
    docs = [StoryDoc(k, v, None) for k, v in enumerate(vectors)]
    stories = group_stories(docs, {}, StorySettings(threshold=0.30)).assignments
    assert len({stories[k] for k in range(3)}) == len({stories[k] for k in range(3, 6)}) == 1
    assert stories[0] != stories[3]
    assert len({stories[k] for k in range(6, 14)}) == 8
    merged = group_stories(docs, {}, StorySettings(threshold=0.30, crowding=0.0)).assignments
    assert merged[0] == merged[3]


def test_a_big_event_among_single_reports_stays_one_story() -> None:
    """Fifteen reports of one event, alike at 0.36, among forty reports that stand apart (0.05), as
    an industry's window holds them: the event's own reports make it look crowded, and an uncapped
    penalty (0.23 here) would break it up. Capped at ``crowded_at_most`` it stays one story."""
    gram = np.full((55, 55), 0.05)
    gram[:15, :15] = 0.36
    np.fill_diagonal(gram, 1.0)
    vectors = np.linalg.cholesky(gram).astype(np.float32)
    docs = [StoryDoc(k, v, None) for k, v in enumerate(vectors)]
    stories = group_stories(docs, {}, StorySettings(threshold=0.30)).assignments
    assert len({stories[k] for k in range(15)}) == 1
    assert len({stories[k] for k in range(15, 55)}) == 40
    uncapped = group_stories(docs, {}, StorySettings(threshold=0.30, crowded_at_most=np.inf)).assignments
    assert len({uncapped[k] for k in range(15)}) > 1
