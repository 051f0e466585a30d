"""Documents about the same event → stories, incrementally and with stable ids.

New documents are taken in date order, in chunks. Within a chunk they are clustered by average
linkage on the similarity of their story vectors, less penalties for the time between two
documents (documents more than ``max_days`` apart never link), for too few shared names, and for a
crowded neighbourhood (``crowding``); each cluster then joins the existing story with the highest
mean similarity between their documents (the same average-linkage criterion, computed from the
story's vector sum, with the time and names penalties), when that reaches the threshold, or opens
a new story with the next free id. Existing stories are only
ever extended: no run renumbers, splits or merges them. A near-duplicate joins its original's story.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from summarize.lexical import names_part


@dataclass(frozen=True)
class StorySettings:
    # Mean similarity of story vectors (embedding, words and names; see ``lexical``), less the time
    # and names penalties below, for documents to be one story, and for a new group to join an
    # existing story: the same average-linkage criterion both ways, so a story comes out the same
    # whether its documents arrive in one run or in several.
    threshold: float = 0.30
    # Shares of the three cosines in a story vector: embedding, words of the whole text, names and
    # numbers. Of the mixes tried (one part at 1.5), none did better on both sets.
    weights: tuple[float, float, float] = (1.0, 1.0, 1.0)
    # Two reports of one event name the same people, places and figures. Where both documents have
    # names but their names' cosine is below ``names_floor``, the shortfall times ``names_penalty``
    # is taken off their similarity: two acquisitions by one company, two title fights of one boxer,
    # two shootings in one town differ in the other names. With it (and the threshold at 0.29, was
    # 0.32) pairwise F1 went from 0.864 to 0.894 on ECB+, 0.940 to 0.942 on the Gun Violence Corpus
    # and 0.714 to 0.800 on the Reuters set, and moving the threshold by 0.05 costs at most 0.048 on
    # the first two (was 0.057; benchmarks/analysis_bench.py).
    names_floor: float = 0.25
    names_penalty: float = 1.0
    # Within a batch, a document in a crowded neighbourhood must be more alike to join, one that
    # stands apart less (``crowding``): ``crowding`` times how far the mean similarity to its
    # ``neighbours`` most similar documents lies above the batch's average, the mean of two
    # documents', is taken off their similarity. Two same-kind events (two title fights of one
    # boxer) crowd each other; a report in an odd format (a dateline and a URL) stands apart. A
    # group joining an existing story is compared without it: the story's neighbourhood is not
    # kept.
    crowding: float = 1.0
    neighbours: int = 9
    # The penalty side stops at this excess; the bonus side has no limit. An event's own reports
    # crowd it too: among single reports (what an industry's window mostly holds) a big event
    # counts as crowded and, uncapped, fell apart. ECB+ streams of 5 whole events among 60 single
    # reports: pairwise F1 0.40 uncapped, 0.91 capped; 5 big events among 11 small: 0.81, 0.95.
    # With the cap, ECB+ 0.903 (0.894 without crowding, 0.920 uncapped), the Gun Violence Corpus
    # 0.944, the Reuters set 0.800 (0.870 uncapped): one event of four companies' price cuts stays
    # apart (benchmarks/analysis_bench.py).
    crowded_at_most: float = 0.02
    # Time between two documents lowers their similarity by ``decay`` for each doubling beyond
    # ``close_days``: 0.05 at two weeks, 0.15 at two months. Reports of one event cluster in its
    # first days, but a trial or an anniversary brings follow-ups months later, and those still
    # join when their words and names agree; a recurring kind of event (a strike, a quarterly
    # report, another shooting in the same town) must agree much more to join an older one. On the
    # Gun Violence Corpus this soft penalty did better than any hard cut-off (0.940 against at best
    # 0.921 before the names penalty); at 0.03 a doubling the demo's consortium application joined
    # the opening of one of its members' plants four weeks before. Two dated documents closer than
    # ``close_days`` gain up to ``close_bonus`` (all of it on the same day, nothing at
    # ``close_days``): reports of one event come out within days of each other, which is evidence
    # of its own (Miranda et al. 2018 weigh time so too). Undated documents get neither. With the
    # bonus, the Gun Violence Corpus went from 0.944 to 0.946, and five draws of 34 of its incidents
    # (about 74 reports each, the size of an industry's window) from 0.940 to 0.950 on average
    # (each draw the same or better), precision staying 1.00; ECB+ is undated. 0.02 did a little
    # better there (0.949, 0.957), but where every report is of the same few days (the Reuters
    # set) the bonus is a lower threshold: with the story threshold at 0.25, the Reuters set fell
    # from 0.769 to 0.606 (0.769 at 0.01; benchmarks/analysis_bench.py).
    decay: float = 0.05
    close_days: float = 7.0
    close_bonus: float = 0.01
    # Documents further apart than this never link, and older stories are not candidates: bounds
    # the stories a run has to load. Half a year did a little better on the Gun Violence Corpus
    # (0.944 against 0.938: a trial's report three months on), but joined the demo's two reports on
    # hospitals' cold chains five months apart.
    max_days: float = 90.0
    chunk: int = 2000  # documents clustered together; bounds memory (chunk² floats)


@dataclass(frozen=True)
class StoryDoc:
    id: Hashable
    vector: np.ndarray  # unit length
    published: datetime | None
    duplicate_of: Hashable | None = None


@dataclass(frozen=True)
class StoryState:
    """A story as the grouping needs it: the sum of its member vectors, its size and date span."""

    story_id: int
    vector_sum: np.ndarray
    size: int
    first: datetime | None
    last: datetime | None


@dataclass(frozen=True)
class Grouping:
    assignments: dict[Any, int]  # new document id → story id
    stories: dict[int, StoryState]  # every story touched or opened, in its new state


def _span(dates: Sequence[datetime | None]) -> tuple[datetime | None, datetime | None]:
    known = [d for d in dates if d is not None]
    return (min(known), max(known)) if known else (None, None)


def _gap_days(spans: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Days between each of ``spans`` and each of ``others`` (rows of first and last timestamp):
    0 where they overlap; NaN where a date is unknown."""
    after = others[None, :, 0] - spans[:, None, 1]
    before = spans[:, None, 0] - others[None, :, 1]
    return np.maximum(np.maximum(after, before), 0.0) / 86400


def time_penalty(days: np.ndarray | float, settings: StorySettings) -> np.ndarray:
    """What time apart takes off a similarity: ``decay`` per doubling beyond ``close_days``; closer
    than that, a bonus (a negative penalty) growing to ``close_bonus`` on the same day. Nothing where
    a date is unknown (NaN)."""
    given = np.asarray(days, dtype=np.float64)
    days = np.nan_to_num(given, nan=0.0)
    apart = settings.decay * np.log2(np.maximum(days, settings.close_days) / settings.close_days)
    close = settings.close_bonus * np.clip(1.0 - days / settings.close_days, 0.0, 1.0)
    return apart - np.where(np.isnan(given), 0.0, close)


def average_linkage(
    sims: np.ndarray,
    threshold: float,
    apart: np.ndarray | None = None,
    penalty: np.ndarray | None = None,
) -> np.ndarray:
    """0-based cluster labels: average linkage on a similarity matrix (dot products: cosines of unit
    rows; of mean vectors, the mean similarity of what they average), cut where the mean similarity
    < threshold.

    ``penalty`` (a matrix) is taken off the pairs' similarities (a negative one adds); pairs marked
    in ``apart`` count as opposite (similarity -1), so they pull their clusters apart.
    """
    if len(sims) == 1:
        return np.zeros(1, dtype=int)
    from scipy.cluster.hierarchy import fcluster, linkage  # scipy loads slowly; only when clustering
    from scipy.spatial.distance import squareform

    distance = 1.0 - np.clip(sims, -1.0, 1.0)
    if penalty is not None:
        distance += penalty
        np.maximum(distance, 0.0, out=distance)  # a negative penalty (a bonus) ends at identity
    if apart is not None:
        distance[apart] = 2.0
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    return fcluster(tree, t=1.0 - threshold, criterion="distance") - 1


def crowding(sims: np.ndarray, neighbours: int, weight: float, cap: float = np.inf) -> np.ndarray | None:
    """What crowding takes off each pair's similarity (negative: adds), for a similarity matrix:
    ``weight`` times the mean of the two items' excess, an item's excess being how far its mean
    similarity to its ``neighbours`` most similar items lies above the average of that over all
    items, at most ``cap``. Local scaling, as CSLS does against hubs: in a crowded neighbourhood
    (many reports of one kind of event) items must be more alike to join, and one that stands apart
    (a report in another format) less. A neighbourhood holds at most half the other items (among
    six stories of a small industry the five nearest are all of them, and their mean says how
    central a story is, which is what forms a theme) and at least four (the mean of fewer is
    noise): None for fewer than nine items, or weight 0."""
    k = min(neighbours, (len(sims) - 1) // 2)
    if k < 4 or not weight:
        return None
    others = np.array(sims, dtype=np.float32)
    np.fill_diagonal(others, -np.inf)
    nearest = -np.partition(-others, k - 1, axis=1)[:, :k]  # each row's k largest, in any order
    excess = np.minimum(nearest.mean(axis=1) - nearest.mean(), cap)
    return (weight / 2 * (excess[:, None] + excess[None, :])).astype(np.float32)


def names_penalty(names: np.ndarray, others: np.ndarray, settings: StorySettings) -> np.ndarray:
    """What too few shared names take off a similarity, between rows of ``names`` and ``others``
    (names parts of story vectors, or of their sums): ``names_penalty`` times the shortfall of
    their cosine below ``names_floor``; nothing where either has no names."""
    norms, other_norms = np.linalg.norm(names, axis=1), np.linalg.norm(others, axis=1)
    cosine = (names @ others.T) / np.maximum(np.outer(norms, other_norms), 1e-12)
    named = (norms[:, None] > 0) & (other_norms[None, :] > 0)
    return settings.names_penalty * np.clip(settings.names_floor - cosine, 0.0, None) * named


def _cluster(vectors: np.ndarray, dates: Sequence[datetime | None], settings: StorySettings) -> np.ndarray:
    """Labels for one chunk of documents, time apart and too few shared names taken off their
    similarity.

    Average linkage only: every pair of a cluster's documents counts, so no chain of intermediates
    can glue two events together (a centroid merge did, on wire copy).
    """
    stamps = np.array([_stamp(d) for d in dates]) / 86400
    days = np.abs(stamps[:, None] - stamps[None, :])
    penalty = time_penalty(days, settings)
    names = names_part(vectors)
    if names is not None:
        penalty = penalty + names_penalty(names, names, settings)
    sims = vectors @ vectors.T
    crowded = crowding(sims, settings.neighbours, settings.crowding, settings.crowded_at_most)
    if crowded is not None:
        penalty = penalty + crowded
    return average_linkage(
        sims,
        settings.threshold,
        np.nan_to_num(days, nan=0.0) > settings.max_days,
        penalty.astype(np.float32),
    )


def _stamp(d: datetime | None) -> float:
    return d.timestamp() if d is not None else np.nan


def group_stories(
    docs: Sequence[StoryDoc],
    existing: Mapping[int, StoryState],
    settings: StorySettings | None = None,
    known: Mapping[Any, int] | None = None,
    next_id: int | None = None,
) -> Grouping:
    """Assign new documents to existing or new stories.

    ``existing`` maps story id → state; ``known`` maps already-grouped document ids → story id (so a
    new near-duplicate can follow its original). Ids of new stories start at ``next_id`` (default:
    after the largest id in ``existing``).
    """
    settings = settings or StorySettings()
    stories = dict(existing)
    doc_story: dict[Hashable, int] = dict(known or {})
    assignments: dict[Hashable, int] = {}
    next_id = next_id or max(stories, default=0) + 1

    def add(story_id: int, members: Sequence[StoryDoc]) -> None:
        stories[story_id] = _grown(stories.get(story_id), story_id, members)
        for m in members:
            assignments[m.id] = doc_story[m.id] = story_id

    pending = sorted(
        docs, key=lambda d: (d.published is None, _stamp(d.published) if d.published else 0.0, str(d.id))
    )
    batch = {d.id for d in pending}
    # Near-duplicates follow their original (grouped earlier or in this batch); the rest are clustered.
    followers = [
        d
        for d in pending
        if d.duplicate_of is not None and (d.duplicate_of in doc_story or d.duplicate_of in batch)
    ]
    following = {d.id for d in followers}
    fresh = [d for d in pending if d.id not in following]

    for start in range(0, len(fresh), settings.chunk):
        chunk = fresh[start : start + settings.chunk]
        vectors = np.stack([d.vector for d in chunk]).astype(np.float32)
        labels = _cluster(vectors, [d.published for d in chunk], settings)
        groups = [[chunk[i] for i in np.flatnonzero(labels == lab)] for lab in range(int(labels.max()) + 1)]
        groups.sort(key=lambda g: chunk.index(g[0]))
        for group, target in zip(groups, _targets(groups, stories, settings), strict=True):
            if target is None:
                target, next_id = next_id, next_id + 1
            add(target, group)

    unplaced = followers
    while unplaced:  # chains (a duplicate of a duplicate) resolve in a few rounds
        waiting = [d for d in unplaced if d.duplicate_of not in doc_story]
        for doc in unplaced:
            if doc.duplicate_of in doc_story:
                add(doc_story[doc.duplicate_of], [doc])
        if len(waiting) == len(unplaced):  # originals that never got a story: group them as new
            for doc in waiting:
                add(next_id, [doc])
                next_id += 1
            break
        unplaced = waiting
    touched = sorted(set(assignments.values()))
    return Grouping(assignments, {i: stories[i] for i in touched})


def _grown(old: StoryState | None, story_id: int, members: Sequence[StoryDoc]) -> StoryState:
    """A story's state with ``members`` added (a new story when ``old`` is None)."""
    first, last = _span([m.published for m in members])
    vector_sum = np.asarray(np.sum([m.vector for m in members], axis=0, dtype=np.float64))
    if old is None:
        return StoryState(story_id, vector_sum, len(members), first, last)
    firsts = [d for d in (old.first, first) if d is not None]
    lasts = [d for d in (old.last, last) if d is not None]
    if len(old.vector_sum) == len(vector_sum):  # else: grouped with another vector layout
        vector_sum = vector_sum + old.vector_sum
    first, last = (min(firsts), max(lasts)) if firsts else (None, None)
    return StoryState(story_id, vector_sum, len(members) + old.size, first, last)


def _targets(
    groups: Sequence[Sequence[StoryDoc]], stories: Mapping[int, StoryState], settings: StorySettings
) -> list[int | None]:
    """For each group of new documents, the existing story it joins, or None for a new one.

    Candidates are the stories whose dates can reach the groups'. A group joins the one it is most
    similar to, if that reaches the threshold: the mean pairwise similarity between the group's and
    the story's documents (the dot product of their vector sums over the product of their sizes, as
    average linkage compares them), less the penalty for the time between their date spans.
    """
    docs = [d for g in groups for d in g]
    stamps = [s for s in (_stamp(d.published) for d in docs) if not np.isnan(s)]
    gap = settings.max_days * 86400
    low, high = (min(stamps) - gap, max(stamps) + gap) if stamps else (-np.inf, np.inf)
    width = len(docs[0].vector)
    ids = [
        i
        for i, st in stories.items()
        if len(st.vector_sum) == width  # stories grouped with another vector layout cannot be compared
        and (
            st.first is None
            or st.last is None
            or (st.last.timestamp() >= low and st.first.timestamp() <= high)
        )
    ]
    if not ids:
        return [None] * len(groups)
    sums = np.stack([stories[i].vector_sum for i in ids])
    sizes = np.array([stories[i].size for i in ids], dtype=np.float64)
    group_sums = np.stack([np.sum([m.vector for m in g], axis=0, dtype=np.float64) for g in groups])
    sims = (group_sums @ sums.T) / np.outer([len(g) for g in groups], sizes)
    spans = [_span([m.published for m in g]) for g in groups]
    gaps = _gap_days(
        np.array([[_stamp(first), _stamp(last)] for first, last in spans]),
        np.array([[_stamp(stories[i].first), _stamp(stories[i].last)] for i in ids]),
    )
    sims = sims - time_penalty(gaps, settings)
    group_names, story_names = names_part(group_sums), names_part(sums)
    if group_names is not None and story_names is not None:  # the same penalty, on their names' sums
        sims = sims - names_penalty(group_names, story_names, settings)
    sims = np.where(gaps > settings.max_days, -1.0, sims)
    return [ids[int(row.argmax())] if row.max() >= settings.threshold else None for row in sims]
