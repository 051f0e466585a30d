"""Cross-sector opportunities: where a trend of one target industry touches another target industry
or the cluster's own field ("Smart textiles meets Medical technology").

Innovation happens at the borders of sectors, so the papers point these out. A current trend of
industry A touches a side B (another industry, or the field) when

- some of its documents also score for B (bridge documents: the assignment's own score, with its
  reasons): two at ``touch`` or more, or one that is assigned to B outright;
- its stories hold documents assigned to B (the same event reported for both sectors);
- its patents are classified under both A's and B's class prefixes (co-classification).

Each opportunity says why it was found, in words a member reads, and cites documents from both
sides: the bridge documents on A's side; on B's, the documents of the shared stories, then those
of B's closest trend nearest A's trend (or, for the field, the field's documents closest to the
trend). When the closest B trend touches A in turn and its own closest A trend is this one, the
two are one opportunity seen from both sides.

Ids are stable across editions as trend ids are: an opportunity is known by the (trend, side)
links it covers ("textile-0002>medtech"), and keeps the id of the earlier opportunity it shares
the most links with; one that shares none gets the next free number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from ingest.patents import classes_match
from summarize.records import FIELD, Industry
from summarize.text import base_language
from summarize.trends import Trend
from summarize.wording import ENGLISH, Wording

_MEETS = {"de": "trifft"}  # "Chemistry meets ...": the word between an opportunity's two sides


@dataclass(frozen=True)
class OpportunitySettings:
    # A document touches a side it is not assigned to when it scores at least this for it: a little
    # below the assignment threshold (0.35). Measured on the demo with all-MiniLM-L6-v2: documents
    # that serve one industry score 0.2 at most for the others (off-topic news up to 0.25), while
    # those written for two sectors score 0.3-0.5 for the second.
    touch: float = 0.3
    min_documents: int = 2  # bridge or shared-story documents that make an opportunity by themselves
    # The other side's closest trend (or field document) is evidence only when at least this similar
    # to the trend (cosine of centroids). Measured: smart textiles and wearable monitoring 0.66 on the
    # demo; the AdWords API and Google's testing posts 0.31 on real feeds; the field's documents that
    # are about something else 0.32-0.35 from a trend, those on its subject 0.5-0.9.
    related: float = 0.4
    evidence: int = 10  # documents kept per side, best first (a paper cites the first few)
    language: str | None = None  # of the names ("X meets Y"): the workspace's, as trend names are


@dataclass(frozen=True)
class DocScore:
    """A document's score for an industry (or the field), as the assignment stored it."""

    score: float
    assigned: bool
    reasons: str


@dataclass(frozen=True)
class Side:
    """One side of an opportunity: an industry (or the field), its trend if it has one, its evidence."""

    slug: str
    name: str
    trend_id: str | None
    trend_name: str | None
    documents: tuple[int, ...]  # evidence, best first; none that the first side holds


@dataclass(frozen=True)
class Opportunity:
    opportunity_id: str  # "opp-0001"; empty until numbered
    name: str  # "Smart textiles meets Medical technology"
    sides: tuple[Side, Side]  # the first holds the trend it was found from
    reasons: tuple[str, ...]  # why it was found, in words
    keys: tuple[str, ...]  # the (trend, side) links it covers: "textile-0002>medtech"
    score: float  # for ranking: the bridge documents' mean score for the other side
    strength: int  # documents and patents that show the crossing
    language: str | None = None  # of its name

    @property
    def slugs(self) -> tuple[str, str]:
        return self.sides[0].slug, self.sides[1].slug

    def concerns(self, slug: str) -> bool:
        return slug in self.slugs

    def side(self, slug: str) -> Side:
        return self.sides[0] if self.sides[0].slug == slug else self.sides[1]

    def other(self, slug: str) -> Side:
        """The side that is not ``slug`` (the second when neither is)."""
        return self.sides[1] if self.sides[0].slug == slug else self.sides[0]

    @property
    def documents(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys((*self.sides[0].documents, *self.sides[1].documents)))


@dataclass(frozen=True)
class Evidence:
    """What detection reads, gathered from the store by the analysis."""

    scores: Mapping[tuple[int, str], DocScore]  # (document, slug) → its score, for every side
    classes: Mapping[int, tuple[str, ...]]  # patent classes of the documents that are patents
    stories: Mapping[int, tuple[int, ...]]  # story → its documents (of both windows)
    vectors: Mapping[int, np.ndarray]  # unit embeddings of the trends' and the field's documents
    field_documents: tuple[int, ...] = ()  # documents of the window assigned to the field


@dataclass(frozen=True)
class _Link:
    """A trend of one side touching another side: one direction of an opportunity."""

    trend: Trend
    side: Industry
    own: tuple[int, ...]  # the trend's documents that show it: bridge documents, co-classified patents
    theirs: tuple[int, ...]  # the other side's evidence
    other_trend: Trend | None
    reasons: tuple[str, ...]
    score: float
    strength: int

    @property
    def key(self) -> str:
        return f"{self.trend.trend_id}>{self.side.slug}"


def _unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm else v


def _centroid(doc_ids: Iterable[int], vectors: Mapping[int, np.ndarray]) -> np.ndarray | None:
    found = [vectors[d] for d in doc_ids if d in vectors]
    return _unit(np.sum(found, axis=0)) if found else None


def find_opportunities(
    trends: Sequence[Trend],
    sides: Sequence[Industry],
    evidence: Evidence,
    settings: OpportunitySettings | None = None,
    wording: Wording = ENGLISH,
) -> list[Opportunity]:
    """The opportunities of the current trends (not yet numbered), strongest first.

    ``sides`` are the target industries and, when the cluster has one, its field (slug ``FIELD``);
    ``wording`` words the reasons.
    """
    settings = settings or OpportunitySettings()
    centroids = {t.trend_id: c for t in trends if (c := _centroid(t.doc_ids, evidence.vectors)) is not None}
    links = [
        link
        for trend in trends
        if trend.current
        for side in sides
        if side.slug != trend.industry
        and (link := _link(trend, side, sides, trends, centroids, evidence, settings, wording)) is not None
    ]
    found = [renamed(replace(o, language=settings.language), {}) for o in _merge(links, sides)]
    return sorted(found, key=lambda o: (-o.strength, -o.score, o.keys))


def _link(
    trend: Trend,
    side: Industry,
    sides: Sequence[Industry],
    trends: Sequence[Trend],
    centroids: Mapping[str, np.ndarray],
    evidence: Evidence,
    settings: OpportunitySettings,
    wording: Wording,
) -> _Link | None:
    """How ``trend`` touches ``side``, or None when it does not."""
    scores = evidence.scores
    own = next((s for s in sides if s.slug == trend.industry), None)
    mine = set(trend.doc_ids)
    bridge = sorted(
        (
            (s.score, d)
            for d in trend.doc_ids
            if (s := scores.get((d, side.slug))) and s.score >= settings.touch
        ),
        key=lambda x: (-x[0], x[1]),
    )
    both = [d for _, d in bridge if scores[d, side.slug].assigned]
    shared_stories = {}
    for story in trend.story_ids:
        theirs = [
            d
            for d in evidence.stories.get(story, ())
            if d not in mine and (s := scores.get((d, side.slug))) is not None and s.assigned
        ]
        if theirs:
            shared_stories[story] = theirs
    shared = sorted(
        {d for ds in shared_stories.values() for d in ds}, key=lambda d: (-scores[d, side.slug].score, d)
    )
    co_classified = [
        d
        for d in trend.doc_ids
        if d in evidence.classes
        and side.patent_classes
        and own is not None
        and own.patent_classes
        and classes_match(evidence.classes[d], side.patent_classes)
        and classes_match(evidence.classes[d], own.patent_classes)
    ]
    if len(bridge) + len(shared) < settings.min_documents and not both and not co_classified:
        return None

    tr = wording
    where = (
        tr.gettext("the cluster's field %(field)s") % {"field": side.name}
        if side.slug == FIELD
        else side.name
    )
    reasons = []
    if bridge:
        # In words a member reads: which documents cross over; the scores are the editors' to see
        # (`trendpapers documents`), and meant nothing on the site.
        reasons.append(
            tr.ngettext(
                "%(n)s of the %(total)s documents of %(trend)s (this window and the one before) also "
                "reads as %(side)s",
                "%(n)s of the %(total)s documents of %(trend)s (this window and the one before) also "
                "read as %(side)s",
                len(bridge),
            )
            % {"n": len(bridge), "total": len(trend.doc_ids), "trend": trend.name, "side": where}
        )
    if both:  # of those that read as the other side (``both`` is part of ``bridge``)
        reasons[-1] += "; " + tr.ngettext(
            "of these, %(n)s is assigned to both sides",
            "of these, %(n)s are assigned to both sides",
            len(both),
        ) % {"n": len(both)}
    if shared:
        stories = tr.ngettext(
            "%(n)s story of the trend also holds", "%(n)s stories of the trend also hold", len(shared_stories)
        ) % {"n": len(shared_stories)}
        reasons.append(
            tr.ngettext(
                "%(stories)s %(n)s document assigned to %(side)s",
                "%(stories)s %(n)s documents assigned to %(side)s",
                len(shared),
            )
            % {"stories": stories, "n": len(shared), "side": where}
        )
    if co_classified:
        codes = sorted({c for d in co_classified for c in evidence.classes[d]})
        reasons.append(
            tr.ngettext(
                "%(n)s patent classified under both sides' classes (%(codes)s)",
                "%(n)s patents classified under both sides' classes (%(codes)s)",
                len(co_classified),
            )
            % {"n": len(co_classified), "codes": ", ".join(codes)}
        )

    theirs_docs = list(shared)
    other_trend = None
    centroid = centroids.get(trend.trend_id)
    if side.slug == FIELD:
        if centroid is not None:
            near = sorted(
                (
                    (float(evidence.vectors[d] @ centroid), d)
                    for d in evidence.field_documents
                    if d not in mine and d in evidence.vectors
                ),
                key=lambda x: (-x[0], x[1]),
            )
            near = [(s, d) for s, d in near if s >= settings.related]
            if near:
                reasons.append(
                    tr.ngettext(
                        "%(n)s document of the field close to the trend",
                        "%(n)s documents of the field close to the trend",
                        len(near),
                    )
                    % {"n": len(near)}
                )
            theirs_docs += [d for _, d in near]
    elif centroid is not None:
        candidates = [t for t in trends if t.industry == side.slug and t.trend_id in centroids]
        if candidates:
            best_trend = max(
                candidates, key=lambda t: (float(centroids[t.trend_id] @ centroid), t.current, t.trend_id)
            )
            similarity = float(centroids[best_trend.trend_id] @ centroid)
            if similarity >= settings.related:
                other_trend = best_trend
                reasons.append(
                    tr.gettext("closest %(side)s trend: %(trend)s")
                    % {"side": side.name, "trend": best_trend.name}
                )
                # Those nearest this trend first: of a broad theme ("Technical textiles"), its
                # sensor socks meet medical technology, not its car-door fabrics.
                theirs_docs += sorted(
                    (d for d in best_trend.doc_ids if d not in mine),
                    key=lambda d: -float(evidence.vectors[d] @ centroid) if d in evidence.vectors else 0.0,
                )
    cited = [d for _, d in bridge] + [d for d in co_classified if d not in {b for _, b in bridge}]
    return _Link(
        trend=trend,
        side=side,
        own=tuple(cited[: settings.evidence]),
        theirs=tuple(dict.fromkeys(theirs_docs))[: settings.evidence],
        other_trend=other_trend,
        reasons=tuple(reasons),
        score=round(float(np.mean([s for s, _ in bridge])) if bridge else settings.touch, 4),
        strength=len(bridge) + len(shared) + len(co_classified),
    )


def _merge(links: Sequence[_Link], sides: Sequence[Industry]) -> list[Opportunity]:
    """One opportunity per link, except where two trends touch each other's side and are each other's
    closest trend: those two links are one opportunity, the stronger first."""
    names = {s.slug: s.name for s in sides}
    by_key = {(link.trend.trend_id, link.side.slug): link for link in links}
    done: set[str] = set()
    out = []
    for link in sorted(links, key=lambda k: (-k.strength, -k.score, k.key)):
        if link.key in done:
            continue
        done.add(link.key)
        other = link.other_trend
        back = by_key.get((other.trend_id, link.trend.industry)) if other is not None else None
        if (
            back is not None
            and back.other_trend is not None
            and back.other_trend.trend_id == link.trend.trend_id
        ):
            done.add(back.key)
            first = Side(
                link.trend.industry,
                names[link.trend.industry],
                link.trend.trend_id,
                link.trend.name,
                tuple(dict.fromkeys((*link.own, *back.theirs))),
            )
            second = Side(
                back.trend.industry,
                names[back.trend.industry],
                back.trend.trend_id,
                back.trend.name,
                tuple(d for d in dict.fromkeys((*back.own, *link.theirs)) if d not in first.documents),
            )
            out.append(
                Opportunity(
                    "",
                    opportunity_name(first, second, mutual=True),
                    (first, second),
                    tuple(dict.fromkeys((*link.reasons, *back.reasons))),  # a reason once
                    tuple(sorted((link.key, back.key))),
                    max(link.score, back.score),
                    link.strength + back.strength,
                )
            )
            continue
        first = Side(
            link.trend.industry, names[link.trend.industry], link.trend.trend_id, link.trend.name, link.own
        )
        second = Side(
            link.side.slug,
            link.side.name,
            other.trend_id if other else None,
            other.name if other else None,
            tuple(d for d in link.theirs if d not in link.own),
        )
        out.append(
            Opportunity(
                "",
                opportunity_name(first, second, mutual=False),
                (first, second),
                link.reasons,
                (link.key,),
                link.score,
                link.strength,
            )
        )
    return out


def opportunity_number(opportunity_id: str) -> int:
    """The running number of an id ("opp-0012" → 12)."""
    return int(opportunity_id.rsplit("-", 1)[1])


def number_opportunities(
    found: Sequence[Opportunity], previous: Sequence[tuple[str, frozenset[str]]]
) -> list[Opportunity]:
    """Ids for ``found``: the earlier opportunity's (id, keys) it shares the most links with, else the
    next free number. Pairs are matched greedily (most shared links, then the earlier id), each
    earlier id at most once."""
    overlaps = sorted(
        (-len(prev_keys & set(o.keys)), prev_id, k)
        for k, o in enumerate(found)
        for prev_id, prev_keys in previous
        if prev_keys & set(o.keys)
    )
    ids: dict[int, str] = {}
    used: set[str] = set()
    for _, prev_id, k in overlaps:
        if k not in ids and prev_id not in used:
            ids[k] = prev_id
            used.add(prev_id)
    number = max((opportunity_number(i) for i, _ in previous), default=0) + 1
    out = []
    for k, opportunity in enumerate(found):
        if k not in ids:
            ids[k] = f"opp-{number:04d}"
            number += 1
        out.append(replace(opportunity, opportunity_id=ids[k]))
    return out


def renamed(opportunity: Opportunity, names: Mapping[str, str]) -> Opportunity:
    """``opportunity`` with its trends' current names (``names``: trend id → name, e.g. the editors'),
    in its name and in the reasons that name them."""
    sides = tuple(
        replace(s, trend_name=names.get(s.trend_id, s.trend_name)) if s.trend_id else s
        for s in opportunity.sides
    )
    first, second = sides
    name = opportunity_name(first, second, len(opportunity.keys) > 1, opportunity.language)
    new = {
        old.trend_name: now.trend_name
        for old, now in zip(opportunity.sides, sides, strict=True)
        if old.trend_name and now.trend_name and old.trend_name != now.trend_name
    }
    reasons = opportunity.reasons
    if new:  # a trend's slot in a reason: its name after a space, before its window in brackets or last
        olds = "|".join(re.escape(n) for n in sorted(new, key=len, reverse=True))
        slot = re.compile(rf"(?<=\s)(?:{olds})(?= \(|$)")
        reasons = tuple(slot.sub(lambda m: new[m.group()], r) for r in reasons)
    return replace(opportunity, sides=(first, second), name=name, reasons=reasons)


def opportunity_name(first: Side, second: Side, mutual: bool, language: str | None = None) -> str:
    """ "Smart textiles meets Medical technology"; when both trends touch each other's side, the
    two trends' names ("Smart textiles meets Wearable monitoring"); in German "... trifft ..."."""
    theirs = second.trend_name if mutual and second.trend_name else second.name
    meets = _MEETS.get(base_language(language) or "", "meets")
    return f"{first.trend_name or first.name} {meets} {theirs}"
