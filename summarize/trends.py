"""Stories of one industry → trends for a window, with stable ids, statistics and a status.

The stories that have documents in the current window or the one before it are clustered into
themes by average linkage continued above the stories: two stories are as similar as their
documents are on average (their story vectors, the embedding weighted up: a theme is a kind of
event, where a story is one), less the same crowding correction as stories get, and a theme needs a
lower mean similarity than a story. A cluster
keeps the id of the earlier trend it shares the most stories with, so a trend keeps its identity
while it grows; a cluster that shares none gets the next free id. Counts in the two windows give
growth and status.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import numpy as np

from summarize.keywords import as_spelt, distinctive_keywords, group_terms
from summarize.lexical import LEXICAL_DIM, lexical_scales
from summarize.stories import StoryState, average_linkage, crowding


@dataclass(frozen=True)
class TrendSettings:
    window_days: int = 90
    # Mean similarity between the documents of two stories, or of two themes (their story vectors,
    # with ``weights``, less the crowding below), for them to be one trend: looser than a story (one
    # event), tighter than an industry (everything in it is related). Comparing stories' centroids
    # instead inflated the similarity of large stories and merged ECB+'s topics (pairwise F1 0.55;
    # benchmarks/analysis_bench.py). The demo's loosest designed theme (wearables for patients)
    # splits at 0.195; ECB+ topics of one kind (murder cases, earthquakes) merge at 0.13.
    threshold: float = 0.19
    # Shares of embedding, words and names (as in ``StorySettings.weights``): the embedding says what
    # kind of event a story is, which is what a theme shares; words and names tell events apart.
    weights: tuple[float, float, float] = (1.25, 1.0, 1.0)
    # A story in a crowded neighbourhood (five murder cases, each much like the others) must be more
    # alike to join than one that stands apart: ``crowding`` times how far the mean similarity to its
    # ``neighbours`` most similar stories lies above the industry's average is taken off (and as
    # much added where it lies below), the mean of the two stories' (local scaling, as CSLS does for
    # hubs). ECB+ topics 0.874 → 0.900 (over stories grouped with their own crowding correction),
    # and moving the threshold by 0.05 costs at most 0.043 (it cost 0.29 at 0.175 without).
    crowding: float = 0.5
    neighbours: int = 8
    # The excess counted stops here (0.04 off at most): a theme's own stories crowd it too, and
    # among stories that stand apart, uncapped, a hot theme (ten stories alike at 0.25 among thirty
    # others) fell apart into no trend at all. The cap keeps a theme whose stories are alike at
    # 0.23 or more; at 0.06 the demo's port digital twin joined the warehouse robots.
    crowded_at_most: float = 0.08
    min_documents: int = 3  # fewer documents are no trend
    max_stories: int = 3000  # the largest stories are clustered; smaller ones join the nearest trend
    rising: float = 1.5  # growth factor (documents now vs before, +1 smoothed) for "rising"
    fading: float = 0.67  # and for "fading"
    # A new trend with at most this many documents is a weak signal, unless it is larger than every
    # trend that was there before (then it is the news of the window, not a weak signal of one).
    weak_signal_max: int = 5


@dataclass(frozen=True)
class TrendDoc:
    id: int
    story_id: int
    when: datetime
    source: str
    title: str
    text: str
    vector: np.ndarray  # unit embedding
    is_patent: bool = False
    language: str | None = None


@dataclass(frozen=True)
class PreviousTrend:
    trend_id: str
    story_ids: frozenset[int]


@dataclass(frozen=True)
class Trend:
    trend_id: str
    industry: str
    window_start: date  # of the current window
    window_end: date
    label: str
    name: str  # a short name of the theme (see ``names``); until it is named, its keywords
    title: str  # the most central current headline: an example beside the name
    title_doc: int
    story_ids: tuple[int, ...]  # by size, largest first
    doc_ids: tuple[int, ...]  # most central first
    current: int  # documents in the current window
    previous: int  # documents in the window before
    weekly: tuple[tuple[str, int], ...]  # (ISO date of the week's Monday, documents), both windows
    sources: int
    patent_share: float
    novelty: float  # 1 - cosine to what the industry talked about in the previous window
    status: str  # new, rising, steady, fading
    weak_signal: bool

    @property
    def growth(self) -> float | None:
        """Relative change of the document count against the previous window; None if it had none."""
        return (self.current - self.previous) / self.previous if self.previous else None


def _unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm else v


def window_start(as_of: date, days: int) -> date:
    """The first day of the window of ``days`` days that ends on ``as_of`` (inclusive)."""
    return as_of - timedelta(days=days - 1)


def _monday(d: datetime) -> date:
    day = d.date()
    return day - timedelta(days=day.weekday())


def build_trends(
    industry: str,
    docs: Sequence[TrendDoc],
    previous: Sequence[PreviousTrend],
    as_of: date,
    settings: TrendSettings | None = None,
    next_number: int = 1,
    stories: Mapping[int, StoryState] | None = None,
    story_weights: Sequence[float] = (1.0, 1.0, 1.0),
) -> list[Trend]:
    """Trends of ``industry`` for the window ending ``as_of`` (inclusive), largest first.

    ``stories`` are the documents' stories as the grouping keeps them, their vectors made with
    ``story_weights``; a story not among them, or kept in another layout (grouped before words and
    names counted, or with a model of another width), is compared by its documents' embeddings
    alone.
    """
    settings = settings or TrendSettings()
    start = window_start(as_of, settings.window_days)
    before = start - timedelta(days=settings.window_days)
    docs = [d for d in docs if before <= d.when.date() <= as_of]
    if not docs:
        return []
    by_story: dict[int, list[TrendDoc]] = {}
    for d in docs:
        by_story.setdefault(d.story_id, []).append(d)
    groups = _themes(by_story, stories or {}, story_weights, settings)
    ids = _match(groups, previous, industry, next_number)

    older = [d for d in docs if d.when.date() < start]
    background = _unit(np.sum([d.vector for d in older], axis=0)) if older else None
    members_of = [[d for s in g for d in by_story[s]] for g in groups]
    in_trends = {d.id for m in members_of for d in m}

    def lead(d: TrendDoc) -> str:  # what a label is made of: title and lead
        return f"{d.title}. {d.text[:500]}"

    keywords = distinctive_keywords(
        [group_terms([(lead(d), d.language) for d in m]) for m in members_of],
        group_terms([(lead(d), d.language) for d in docs if d.id not in in_trends]),
        [len(m) for m in members_of],
    )
    keywords = [
        as_spelt(k, [(d.text[:500], d.language) for d in m])
        for k, m in zip(keywords, members_of, strict=True)
    ]
    first_week = before - timedelta(days=before.weekday())
    weeks = [first_week + timedelta(weeks=w) for w in range((as_of - first_week).days // 7 + 1)]
    trends = [
        _trend(
            trend_id,
            industry,
            (start, as_of),
            sorted(group, key=lambda s: (-len(by_story[s]), s)),
            members,
            words,
            weeks,
            background,
            settings,
        )
        for group, members, words, trend_id in zip(groups, members_of, keywords, ids, strict=True)
    ]
    # A weak signal is a small new theme beside larger established ones. Where no trend that was there
    # before still has documents, nothing says a young theme is more than a weak signal.
    established = max((t.current for t in trends if t.status != "new" and t.current), default=len(docs))
    weak_at_most = min(settings.weak_signal_max, established)
    trends = [replace(t, weak_signal=t.status == "new" and t.current <= weak_at_most) for t in trends]
    trends.sort(key=lambda t: (-t.current, -len(t.doc_ids), t.trend_id))
    return trends


def _story_means(
    story_ids: Sequence[int],
    by_story: dict[int, list[TrendDoc]],
    stories: Mapping[int, StoryState],
    story_weights: Sequence[float],
    settings: TrendSettings,
) -> np.ndarray:
    """Each story's mean document vector for themes (rows in the order of ``story_ids``): the dot
    product of two is the mean similarity between their documents.

    The embedding part is the mean of the documents' embeddings here (the current model's: a story
    may have been grouped with another); words and names come from the story as grouped, and are
    left out (zeros) for a story not in ``stories`` or kept in another layout.
    """
    share = float(np.sqrt(settings.weights[0] / sum(settings.weights)))
    width = len(by_story[story_ids[0]][0].vector)
    grouped = {
        k: stories[s]
        for k, s in enumerate(story_ids)
        if s in stories and stories[s].size and len(stories[s].vector_sum) == width + 2 * LEXICAL_DIM
    }
    # One float32 matrix filled row by row: at 10,000 stories every copy costs 100 MB.
    means = np.zeros((len(story_ids), width + (2 * LEXICAL_DIM if grouped else 0)), dtype=np.float32)
    for k, s in enumerate(story_ids):
        means[k, :width] = share * np.mean([d.vector for d in by_story[s]], axis=0)
    for k, state in grouped.items():
        means[k, width:] = state.vector_sum[width:] / state.size
    if grouped:
        words, named = lexical_scales(story_weights, settings.weights)
        means[:, width : width + LEXICAL_DIM] *= words
        means[:, width + LEXICAL_DIM :] *= named
    return means


def _themes(
    by_story: dict[int, list[TrendDoc]],
    stories: Mapping[int, StoryState],
    story_weights: Sequence[float],
    settings: TrendSettings,
) -> list[list[int]]:
    """The stories clustered into themes of at least ``min_documents``, largest first: average
    linkage on the largest stories' mean vectors; the many small ones join the nearest theme (by
    the mean similarity to its documents), or none."""
    story_ids = sorted(by_story, key=lambda s: (-len(by_story[s]), s))
    vectors = _story_means(story_ids, by_story, stories, story_weights, settings)
    sizes = np.array([len(by_story[s]) for s in story_ids], dtype=np.float32)
    core = min(len(story_ids), settings.max_stories)
    labels = np.full(len(story_ids), -1)
    sims = vectors[:core] @ vectors[:core].T
    crowded = crowding(sims, settings.neighbours, settings.crowding, settings.crowded_at_most)
    labels[:core] = average_linkage(sims, settings.threshold, penalty=crowded)
    del sims, crowded  # 3,000 stories: 36 MB each
    if core < len(story_ids):
        weighted = vectors[:core] * sizes[:core, None]  # a theme's mean is over its documents
        themes = np.stack(
            [
                weighted[in_theme].sum(0) / sizes[:core][in_theme].sum()
                for in_theme in (labels[:core] == k for k in range(labels[:core].max() + 1))
            ]
        )
        sims = vectors[core:] @ themes.T
        best = sims.argmax(1)
        labels[core:] = np.where(sims[np.arange(len(best)), best] >= settings.threshold, best, -1)
    groups = [[story_ids[i] for i in np.flatnonzero(labels == k)] for k in range(int(labels.max()) + 1)]
    groups = [g for g in groups if sum(len(by_story[s]) for s in g) >= settings.min_documents]
    groups.sort(key=lambda g: (-sum(len(by_story[s]) for s in g), min(g)))  # new ids go to big trends first
    return groups


def _trend(
    trend_id: str,
    industry: str,
    window: tuple[date, date],
    story_ids: list[int],
    members: list[TrendDoc],
    words: list[str],
    weeks: list[date],
    background: np.ndarray | None,
    settings: TrendSettings,
) -> Trend:
    """One theme's trend: its central documents, counts in both windows, weekly volume, status."""
    start, as_of = window
    centroid = _unit(np.sum([d.vector for d in members], axis=0))
    central = sorted(members, key=lambda d: (-float(d.vector @ centroid), d.id))
    # The most central news of the current window is its example: a headline from the window before
    # (or a patent's title) would show the trend by what it was, not what it is.
    news = [d for d in central if not d.is_patent]
    title_doc = next((d for d in news if d.when.date() >= start), news[0] if news else central[0])
    now_members = [d for d in members if d.when.date() >= start]
    current, prior = len(now_members), len(members) - len(now_members)
    novelty = 1.0
    if background is not None and now_members:
        novelty = 1.0 - float(_unit(np.sum([d.vector for d in now_members], axis=0)) @ background)
    per_week = Counter(_monday(d.when) for d in members)
    status = _status(current, prior, settings)
    return Trend(
        trend_id=trend_id,
        industry=industry,
        window_start=start,
        window_end=as_of,
        label=" · ".join(words),
        name=_first_upper(", ".join(words)) if words else title_doc.title,
        title=title_doc.title,
        title_doc=title_doc.id,
        story_ids=tuple(story_ids),
        doc_ids=tuple(d.id for d in central),
        current=current,
        previous=prior,
        weekly=tuple((w.isoformat(), per_week.get(w, 0)) for w in weeks),
        sources=len({d.source for d in members}),
        patent_share=round(sum(d.is_patent for d in members) / len(members), 4),
        novelty=round(max(novelty, 0.0), 4),
        status=status,
        weak_signal=False,  # decided beside the industry's other trends (build_trends)
    )


def _first_upper(text: str) -> str:
    """``text`` with a capital first letter, the rest as spelt ("AI, imaging", not "Ai, imaging")."""
    return text[:1].upper() + text[1:]


def _status(current: int, previous: int, settings: TrendSettings) -> str:
    if previous == 0:
        return "new"
    factor = (current + 1) / (previous + 1)
    if factor >= settings.rising:
        return "rising"
    if factor <= settings.fading:
        return "fading"
    return "steady"


def _match(
    groups: Sequence[Sequence[int]], previous: Sequence[PreviousTrend], industry: str, next_number: int
) -> list[str]:
    """Ids for the new clusters: an earlier trend's id where they share stories, else new ones.

    Pairs are matched greedily by the number of shared stories (ties: the earlier trend id), each
    earlier trend at most once.
    """
    overlaps = sorted(
        (
            (-len(prev.story_ids & set(group)), prev.trend_id, k)
            for k, group in enumerate(groups)
            for prev in previous
            if prev.story_ids & set(group)
        ),
    )
    ids: dict[int, str] = {}
    used: set[str] = set()
    for _, trend_id, k in overlaps:
        if k not in ids and trend_id not in used:
            ids[k] = trend_id
            used.add(trend_id)
    out = []
    for k in range(len(groups)):
        if k not in ids:
            ids[k] = f"{industry}-{next_number:04d}"
            next_number += 1
        out.append(ids[k])
    return out


def trend_number(trend_id: str) -> int:
    """The running number in a trend id ("textile-0012" → 12)."""
    return int(trend_id.rsplit("-", 1)[1])
