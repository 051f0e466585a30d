"""What a paper says, gathered from the store: trends with summaries, evidence, patents and changes.

Everything here is data (frozen records); ``render`` turns it into Markdown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from datetime import time as dtime

import sqlalchemy as sa

from ingest.store import collects_patents
from papers import store
from papers.editions import Edition, PaperSettings
from papers.store import Citation
from summarize import store as analysis
from summarize.members import Match, by_subject
from summarize.opportunities import Opportunity, Side
from summarize.records import FIELD, Industry
from summarize.summarizer import CitedSentence, SourceDoc, Summary, lead_sentence
from summarize.text import base_language
from summarize.trends import Trend, window_start


@dataclass(frozen=True)
class TrendSection:
    trend: Trend
    summary: tuple[CitedSentence, ...]
    evidence: tuple[Citation, ...]
    patents: tuple[Citation, ...]
    chart: str  # path of its weekly chart, relative to the paper
    # What stands beside the trend's name in the executive summary: a sentence of its most central
    # current document that reads on its own.
    lead: CitedSentence | None = None
    central: str = ""  # the headline of that document (the trend's example headline when none)


@dataclass(frozen=True)
class OpportunitySection:
    """An opportunity as one industry's paper shows it: that industry's side first."""

    opportunity: Opportunity
    own: Side
    other: Side
    own_evidence: tuple[Citation, ...]
    other_evidence: tuple[Citation, ...]

    @property
    def for_field(self) -> bool:
        """Whether the other side is the cluster's own field."""
        return self.other.slug == FIELD


@dataclass(frozen=True)
class MemberLine:
    """The members whose competences match one trend or opportunity of the paper (for the editors)."""

    kind: str  # "trend" or "opportunity"
    name: str
    matches: tuple[Match, ...]


OPPORTUNITY_EVIDENCE = 3  # documents a paper cites per side of an opportunity (the site page: all)


@dataclass(frozen=True)
class Change:
    kind: str  # "new", "grown", "faded"
    trend_id: str
    title: str
    before: int  # documents then (0 for new)
    now: int  # documents now (0 for faded)


@dataclass(frozen=True)
class PaperData:
    cluster: str
    industry: Industry
    edition: Edition
    state: analysis.AnalysisState
    documents: int  # in the current window
    sources: tuple[tuple[str, int], ...]  # name, documents; most first
    first_day: date | None
    last_day: date | None
    trends: tuple[TrendSection, ...]
    weak_signals: tuple[TrendSection, ...]
    changes: tuple[Change, ...]
    compared_with: str | None  # the previous edition's name, or None: compared with the window before
    citations: dict[int, Citation]
    # Where this industry's trends touch another industry or the cluster's field; the field's first.
    opportunities: tuple[OpportunitySection, ...] = ()
    # Members matched to the trends and opportunities above: drafts show them to the editors in a
    # block the site leaves out (``papers.privacy``).
    members: tuple[MemberLine, ...] = ()
    # Whether the workspace collects patents (feeds or imports): else the paper leaves out patent figures.
    with_patents: bool = True

    @property
    def field_opportunities(self) -> tuple[OpportunitySection, ...]:
        return tuple(o for o in self.opportunities if o.for_field)


def cited_id(sentence: CitedSentence) -> int:
    """The document a pipeline summary sentence cites (the pipeline cites by item id)."""
    if not isinstance(sentence.source_id, int):
        raise TypeError(f"a paper cites documents by item id, not {sentence.source_id!r}")
    return sentence.source_id


def chart_path(edition: Edition, trend_id: str) -> str:
    return f"charts/{edition.name}/{trend_id}.svg"


def _changes(found: list[Trend], previous: store.PaperRow | None) -> tuple[Change, ...]:
    if previous is None:  # first paper: the analysis's own comparison with the window before
        return tuple(
            Change(
                {"new": "new", "rising": "grown", "fading": "faded"}[t.status],
                t.trend_id,
                t.name,
                t.previous,
                t.current,
            )
            for t in found
            if t.status in ("new", "rising", "fading")
        )
    before = {t.id: t for t in previous.trends}
    now = {t.trend_id: t for t in found if t.current}  # a trend with nothing in the window has faded
    changes = []
    for t in now.values():
        if t.trend_id not in before:
            changes.append(Change("new", t.trend_id, t.name, 0, t.current))
        elif t.current > before[t.trend_id].documents:
            changes.append(Change("grown", t.trend_id, t.name, before[t.trend_id].documents, t.current))
    for tid, old in before.items():
        if tid not in now:
            changes.append(Change("faded", tid, old.title, old.documents, 0))
    return tuple(changes)


def _lead_document(
    trend: Trend, texts: Mapping[int, analysis.IndustryDocument], language: str
) -> analysis.IndustryDocument | None:
    """The document whose lead stands beside the trend in the executive summary: its most central
    document of this window in the paper's language, else its most central of this window (the
    trend's example). A German paper quoted an English report beside the German one of the event."""
    own = (
        texts[i]
        for i in trend.doc_ids
        if i in texts
        and not texts[i].is_patent
        and base_language(texts[i].language) == base_language(language)
    )
    return next(own, None) or texts.get(trend.title_doc)


def collect(
    conn: sa.Connection,
    cluster: str,
    industry: Industry,
    edition: Edition,
    state: analysis.AnalysisState,
    settings: PaperSettings,
    matches: Sequence[Match] = (),
    per_subject: int = 3,
) -> PaperData:
    """The content of ``industry``'s paper for ``edition`` from the latest analysis (``state``);
    ``matches``: members matched to trends and opportunities (the best ``per_subject`` are shown)."""
    found = analysis.load_trends(conn, industry.slug)
    since = datetime.combine(window_start(state.as_of, state.window_days), dtime.min, tzinfo=UTC)
    docs = [
        d for d in analysis.industry_documents(conn, industry.slug, since) if d.when.date() <= state.as_of
    ]
    ranked = sorted(found, key=lambda t: (-t.current, t.trend_id))
    # A key trend has documents in this window; one without is told among the changes, as faded.
    key = [t for t in ranked if not t.weak_signal and t.current][: settings.max_trends]
    weak = [t for t in ranked if t.weak_signal]

    texts = {d.id: d for d in docs}
    sections: dict[str, TrendSection] = {}
    cited: set[int] = set()
    for trend in (*key, *weak):
        stored = analysis.load_summary(conn, f"trend:{trend.trend_id}")
        summary = stored[1] if stored else Summary(())
        central = _lead_document(trend, texts, settings.language)
        lead = None
        if central:
            lead = lead_sentence(SourceDoc(central.id, central.title, central.text, central.language))
        cited |= {cited_id(s) for s in summary.sentences} | set(trend.doc_ids)
        sections[trend.trend_id] = TrendSection(
            trend,
            summary.sentences,
            (),
            (),
            chart_path(edition, trend.trend_id),
            lead,
            central.title if central else trend.title,
        )
    refs = store.citations(conn, sorted(cited))
    for tid, section in sections.items():
        members = [refs[i] for i in section.trend.doc_ids if i in refs]
        news = [c for c in members if c.patent is None]
        by_date = sorted(news[: settings.evidence], key=lambda c: (c.day or date.min, c.doc_id), reverse=True)
        patents = tuple(c for c in members if c.patent is not None)[: settings.patents]
        sections[tid] = replace(section, evidence=tuple(by_date), patents=patents)

    previous = store.previous_paper(conn, industry.slug, edition.start)
    days = [d.when.date() for d in docs]
    opportunities = _opportunities(conn, industry)
    return PaperData(
        cluster=cluster,
        industry=industry,
        edition=edition,
        state=state,
        documents=len(docs),
        sources=tuple(sorted(Counter(d.source for d in docs).items(), key=lambda x: (-x[1], x[0]))),
        first_day=min(days, default=None),
        last_day=max(days, default=None),
        trends=tuple(sections[t.trend_id] for t in key),
        weak_signals=tuple(sections[t.trend_id] for t in weak),
        changes=_changes(ranked, previous),
        compared_with=previous.edition if previous else None,
        citations=refs,
        opportunities=opportunities,
        members=_member_lines(
            [s.trend for s in sections.values()], [o.opportunity for o in opportunities], matches, per_subject
        ),
        with_patents=collects_patents(conn),
    )


def _member_lines(
    trends: Sequence[Trend], opportunities: Sequence[Opportunity], matches: Sequence[Match], per_subject: int
) -> tuple[MemberLine, ...]:
    """The paper's trends, then its opportunities, each with its best members (those with any)."""
    best = by_subject(matches, per_subject)
    subjects = [("trend", t.trend_id, t.name) for t in trends] + [
        ("opportunity", o.opportunity_id, o.name) for o in opportunities
    ]
    return tuple(MemberLine(kind, name, best[sid]) for kind, sid, name in subjects if sid in best)


def _opportunities(conn: sa.Connection, industry: Industry) -> tuple[OpportunitySection, ...]:
    """The industry's opportunities of the latest analysis, the field's first, each with the first
    documents of both sides as citations."""
    found = analysis.load_opportunities(conn, industry.slug)
    found.sort(key=lambda o: (o.other(industry.slug).slug != FIELD, -o.strength, -o.score, o.opportunity_id))
    wanted = [d for o in found for s in o.sides for d in s.documents[:OPPORTUNITY_EVIDENCE]]
    refs = store.citations(conn, wanted)
    out = []
    for o in found:
        own, other = o.side(industry.slug), o.other(industry.slug)
        out.append(
            OpportunitySection(
                o,
                own,
                other,
                tuple(refs[d] for d in own.documents[:OPPORTUNITY_EVIDENCE] if d in refs),
                tuple(refs[d] for d in other.documents[:OPPORTUNITY_EVIDENCE] if d in refs),
            )
        )
    return tuple(out)
