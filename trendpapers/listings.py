"""What the commands about trends, documents and papers print, and renaming a trend.

The listing functions read the store (opened read-only) and return lines for people. What they say
about trends and papers is in the workspace's language (``papers.i18n``); identifiers, file paths
and status codes a script may read stay as they are.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from ingest.errors import StorageError
from papers.i18n import Texts
from trendpapers.config import Config
from trendpapers.db import open_store
from trendpapers.lock import workspace_lock

if TYPE_CHECKING:
    from summarize.trends import Trend


def trend_lines(config: Config, industry: str | None, show_all: bool) -> list[str]:
    """Trends with status, growth, documents, sources, name and example; for an industry without
    any, why."""
    from ingest.store import collects_patents
    from papers.sitepages import central_title
    from papers.store import citations
    from summarize.explain import why_no_trends
    from summarize.store import load_trends

    analysis = config.analysis
    tr = Texts(config.language)
    lines = []
    with open_store(config.storage_url, read_only=True).connect() as conn:
        found = load_trends(conn, industry, active_only=not show_all)
        with_patents = collects_patents(conn)  # else "patents 0%" on every line says nothing
        refs = citations(conn, [i for t in found for i in t.doc_ids])
        for slug in sorted({i.slug for i in config.industries if industry in (None, i.slug)}):
            if not any(t.industry == slug for t in found):
                why = why_no_trends(conn, slug, analysis.assign, analysis.trends, tr)
                lines.append(tr.gettext("%(industry)s: no trends: %(why)s") % {"industry": slug, "why": why})
    status_width = max(len(tr.status(s)) for s in ("new", "rising", "steady", "fading"))  # columns line up
    for t in found:
        growth = tr.percent(t.growth, signed=True) if t.growth is not None else "–"  # new: its status says so
        weak = ", " + tr.gettext("weak signal") if t.weak_signal else ""
        counts = tr.gettext("%(current)3d docs (%(previous)d before)") % {
            "current": t.current,
            "previous": t.previous,
        }
        sources = tr.ngettext("%(num)d source", "%(num)d sources", t.sources) % {"num": t.sources}
        patents = ", " + tr.gettext("patents %(share)s") % {"share": tr.percent(t.patent_share)}
        lines.append(
            f"{t.trend_id:<18} {tr.status(t.status):<{status_width}} {growth:>7}  {counts}, {sources}"
            f"{patents if with_patents else ''}{weak}  {t.name}  [{t.label}]"
        )
        lines.append(
            f"{'':<18} " + tr.gettext("example: %(title)s") % {"title": central_title(t, refs, tr.language)}
        )
    return lines


def document_lines(config: Config, industry: str | None, unassigned: bool, near: bool) -> list[str]:
    """Documents with their industry scores and reasons: a line with the document's id, date and
    title, then one per industry, best score first. Newest first, or, for one ``industry``, its best
    scores first (what it took, then the near misses). ``unassigned``: only those no industry took;
    ``near``: only scores within 0.05 below the assignment threshold."""
    from summarize.assign import reasons_text
    from summarize.records import FIELD
    from summarize.store import document_scores

    tr = Texts(config.language)
    threshold = config.analysis.assign.threshold
    with open_store(config.storage_url, read_only=True).connect() as conn:
        rows = document_scores(conn, industry)
    taken = {r.item_id for r in rows if r.assigned and r.industry != FIELD}  # the field is no industry
    shown = [
        r
        for r in rows
        if (not unassigned or r.item_id not in taken)
        and (not near or threshold - 0.05 <= r.score < threshold)
    ]
    if not shown:
        return [
            tr.gettext("no such documents")
            if rows
            else tr.gettext("no documents scored yet (run `trendpapers analyze`)")
        ]
    if industry:
        shown.sort(key=lambda r: -r.score)  # stable: the newest first among equal scores
    by_document: dict[int, list] = {}
    for r in shown:
        by_document.setdefault(r.item_id, []).append(r)
    taken_word, field = tr.gettext("assigned"), tr.gettext("(the cluster's own field, no industry)")
    width = max(len(taken_word), 8)
    lines = []
    for scores in by_document.values():
        first = scores[0]
        when = tr.short_date(first.when.date()) if first.when else tr.gettext("undated")
        lines.append(f"{first.item_id:>6} {when} {first.title}")
        lines += [
            f"{'':>6} {r.industry:<12} {tr.decimal(round(r.score, 2) + 0.0):>5} "  # + 0.0: no "-0.00"
            f"{taken_word if r.assigned else '-':<{width}} {reasons_text(r.reasons, tr)}"
            + (f" {field}" if r.industry == FIELD else "")
            for r in sorted(scores, key=lambda r: (-r.score, r.industry))
        ]
    return lines


def paper_industries(config: Config) -> set[str]:
    """The industries that have papers in the store, configured or not any more."""
    from papers.store import list_papers

    try:
        with open_store(config.storage_url, read_only=True).connect() as conn:
            return {row.industry for row in list_papers(conn)}
    except StorageError:  # no store yet: no papers
        return set()


def paper_list_lines(config: Config, industry: str | None, status: str | None) -> list[str]:
    """Papers with edition, status and file; flags those the editors changed, and proposals."""
    from papers.lifecycle import paper_flags
    from papers.store import list_papers

    with open_store(config.storage_url, read_only=True).connect() as conn:
        rows = list_papers(conn, industry, status)
    tr = Texts(config.language)
    if not rows:
        return [tr.gettext("no papers yet (run `trendpapers draft`)")]
    status_width = max(len(tr.paper_status(s)) for s in ("draft", "approved", "published", "withdrawn"))
    lines = []
    for row in rows:
        flags = [_flag(flag, tr) for flag in paper_flags(config.papers_dir, row)]
        extra = f" [{', '.join(flags)}]" if flags else ""
        lines.append(
            f"{row.industry:<16} {row.edition:<8} {tr.paper_status(row.status):<{status_width}} "
            f"{config.papers_dir / row.path}{extra}"
        )
    return lines


def _flag(flag: str, tr: Texts) -> str:
    """A paper's flag (``papers.lifecycle.paper_flags``) in the workspace's language; a reading
    error stays as the file's reader said it."""
    words = {
        "edited": tr.pgettext("paper flag", "edited"),
        "file missing": tr.pgettext("paper flag", "file missing"),
        "proposal waiting": tr.pgettext("paper flag", "proposal waiting"),
        "status in the file differs": tr.pgettext("paper flag", "status in the file differs"),
    }
    return words.get(flag, flag)


def paper_lines(config: Config, industry: str, edition: str | None, text: bool) -> list[str]:
    """One paper: status, file, history, trends; with ``text``, its Markdown too."""
    from papers.draft import proposal_path
    from papers.files import read_paper
    from papers.lifecycle import find_paper
    from papers.store import events

    tr = Texts(config.language)
    with open_store(config.storage_url, read_only=True).connect() as conn:
        row = find_paper(conn, industry, edition)
        history = events(conn, row.industry, row.edition)
    path = config.papers_dir / row.path
    lines = [
        f"{row.industry} {row.edition}: {tr.paper_status(row.status)}",
        "  "
        + tr.gettext("file: %(path)s") % {"path": path}
        + ("" if path.exists() else tr.gettext(" (missing)")),
    ]
    if proposal_path(path).exists():
        lines.append("  " + tr.gettext("proposal waiting: %(path)s") % {"path": proposal_path(path)})
    lines.append("  " + tr.gettext("generated: %(when)s") % {"when": row.generated_at})
    lines += [
        f"  {at:%Y-%m-%d %H:%M} {tr.paper_status(status)}"
        + (tr.gettext(" by %(name)s") % {"name": by} if by else "")
        for status, by, at in history
    ]
    lines.append("  " + tr.gettext("trends: %(count)d") % {"count": len(row.trends)})
    lines += [
        f"    {t.id}: {t.title} ("
        + tr.ngettext("%(num)d document", "%(num)d documents", t.documents) % {"num": t.documents}
        + ")"
        for t in row.trends
    ]
    lines += _paper_members(config, row.industry, {t.id for t in row.trends}, tr)
    if text and path.exists():
        lines += ["", read_paper(path)[0].rstrip("\n")]
    return lines


def opportunity_lines(config: Config, industry: str | None) -> list[str]:
    """Cross-sector opportunities of the latest analysis (those touching ``industry``), strongest
    first: id, name, sides, why, and the documents of both sides."""
    from papers.store import citations
    from summarize.store import load_opportunities

    with open_store(config.storage_url, read_only=True).connect() as conn:
        found = load_opportunities(conn, industry)
        refs = citations(conn, [d for o in found for d in o.documents])
    tr = Texts(config.language)
    if not found:
        why = "" if config.cluster.field else " ([cluster] field is not set: only industries are compared)"
        return [f"no cross-sector opportunities in the latest analysis (run `trendpapers analyze`){why}"]
    lines = []
    for o in found:
        lines.append(f"{o.opportunity_id:<9} {o.name}  [{o.sides[0].slug} × {o.sides[1].slug}]")
        lines += [f"{'':<9} " + tr.gettext("why: %(reason)s") % {"reason": reason} for reason in o.reasons]
        for side in o.sides:
            came = (
                tr.gettext("from %(side)s (trend %(trend)s):")
                if side.trend_id
                else tr.gettext("from %(side)s:")
            )
            lines.append(f"{'':<9} " + came % {"side": side.name, "trend": side.trend_id})
            shown = sorted(
                (refs[d] for d in side.documents if d in refs),
                key=lambda c: (c.day or date.min, c.doc_id),
                reverse=True,
            )
            lines += [
                f"{'':<11} {tr.short_date(c.day) if c.day else tr.gettext('undated')} {c.title[:90]}"
                for c in shown
            ] or [f"{'':<11} (" + tr.gettext("the documents above also score for it") + ")"]
    return lines


def _paper_members(config: Config, industry: str, trend_ids: set[str], tr: Texts) -> list[str]:
    """The members matched to a paper's trends and to its industry's opportunities (for the editors)."""
    from papers.render import member_reason
    from summarize.members import by_subject
    from summarize.store import load_opportunities
    from trendpapers.members import current_matches, member_file

    found = member_file(config)
    if found is None:
        return []
    with open_store(config.storage_url, read_only=True).connect() as conn:
        opportunities = {o.opportunity_id for o in load_opportunities(conn, industry)}
        matches = current_matches(config, conn, found.members)
    wanted = [m for m in matches if m.subject.subject_id in trend_ids | opportunities]
    best = by_subject(wanted, config.cluster.matching.per_subject)
    lines = ["  " + tr.gettext("members matched (for the editors; %(file)s):") % {"file": found.path.name}]
    for subject_id, shown in best.items():
        lines.append(f"    {subject_id}: {shown[0].subject.name}")
        lines += [f"      {m.member.name}: {member_reason(m, tr)}" for m in shown]
    return lines if best else [*lines, "    " + tr.gettext("none reaches the threshold")]


def rename(config: Config, trend_id: str, name: str | None, by: str | None) -> Trend:
    """Give a trend the editors' ``name`` (None: its generated one again), under the workspace lock."""
    from summarize.store import rename_trend

    with workspace_lock(config.root, "rename-trend"), open_store(config.storage_url).begin() as conn:
        return rename_trend(conn, trend_id, name, by, datetime.now(UTC))
