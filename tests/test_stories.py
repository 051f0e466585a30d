"""Story grouping on controlled vectors: what joins, what stays apart, and ids that never change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from summarize.stories import StoryDoc, StorySettings, group_stories

T0 = datetime(2026, 10, 1, 9, tzinfo=UTC)


def _event_docs(rng: np.random.Generator, events: int, per_event: int, noise: float = 0.25) -> list[StoryDoc]:
    """Documents around random event centres (cosine to their centre ~0.9), spread over two days."""
    dim = 64
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


def test_documents_far_apart_in_time_never_share_a_story() -> None:
    v = np.ones(8, dtype=np.float32) / np.sqrt(8)
    docs = [StoryDoc("a", v, T0), StoryDoc("b", v, T0 + timedelta(days=30)), StoryDoc("c", v, None)]
    grouping = group_stories(docs, {}, StorySettings(max_days=7))
    assert grouping.assignments["a"] != grouping.assignments["b"]
    first = group_stories(docs[:1], {})
    later = group_stories(docs[1:2], first.stories)
    assert later.assignments["b"] != first.assignments["a"]


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
    loose = len(
        set(group_stories(docs, {}, StorySettings(threshold - 0.2, threshold - 0.2)).assignments.values())
    )
    tight = len(set(group_stories(docs, {}, StorySettings(threshold, threshold)).assignments.values()))
    assert loose <= tight


def _spread_event(rng: np.random.Generator, centre: np.ndarray, angles: int, per_angle: int) -> np.ndarray:
    """One event covered from several angles. Documents of one angle: cosine ~0.6 to each other;
    of two angles: ~0.33, below the link threshold; the angles' centroids: ~0.5 to each other."""
    dim = len(centre)
    rows = []
    for _ in range(angles):
        angle = centre + 0.9 * rng.standard_normal(dim) / np.sqrt(dim)
        angle /= np.linalg.norm(angle)
        for _ in range(per_angle):
            v = angle + 0.8 * rng.standard_normal(dim) / np.sqrt(dim)
            rows.append(v / np.linalg.norm(v))
    return np.array(rows, dtype=np.float32)


def test_angles_of_one_event_merge_through_their_centroids() -> None:
    rng = np.random.default_rng(5)
    centre = rng.standard_normal(512)
    centre /= np.linalg.norm(centre)
    other = rng.standard_normal(512)
    other /= np.linalg.norm(other)
    vectors = np.vstack([_spread_event(rng, centre, 3, 10), _spread_event(rng, other, 2, 10)])
    docs = [StoryDoc(i, v, T0 + timedelta(hours=i)) for i, v in enumerate(vectors)]
    pairwise_alone = StorySettings(merge_threshold=1.1)  # no merging: average linkage only
    alone = group_stories(docs, {}, pairwise_alone).assignments
    merged = group_stories(docs, {}).assignments
    assert len({alone[i] for i in range(30)}) == 3  # the angles stay apart pair by pair
    assert len({merged[i] for i in range(30)}) == 1  # their centroids bring them together
    assert len({merged[i] for i in range(30, 50)}) == 1
    assert merged[0] != merged[30]  # another event stays another story


def test_merging_respects_the_date_limit() -> None:
    rng = np.random.default_rng(5)
    centre = rng.standard_normal(512)
    centre /= np.linalg.norm(centre)
    vectors = _spread_event(rng, centre, 2, 10)
    days = [0] * 10 + [30] * 10  # the second angle comes a month later
    docs = [
        StoryDoc(i, v, T0 + timedelta(days=d)) for i, (v, d) in enumerate(zip(vectors, days, strict=True))
    ]
    assert len(set(group_stories(docs, {}).assignments.values())) == 2
    undated = [StoryDoc(i, v, None) for i, v in enumerate(vectors)]
    assert len(set(group_stories(undated, {}).assignments.values())) == 1  # no date: no limit
