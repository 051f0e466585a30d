"""Draft the papers of an edition: render from the store, merge with the editors' file, write safely.

For each industry the new text ("theirs") is three-way merged with the file as the editors left it
("ours"), against the text generated last time ("base", stored). Clean merges of a draft are
written; a conflict, or any change to a paper that is no longer a draft, goes to a proposal file
beside it (``EDITION.proposed.md``) and the paper stays as it is. When nothing new is generated
the paper is not touched at all, so a re-draft without new data leaves every byte as it was.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import sqlalchemy as sa

from ingest.errors import InputError
from ingest.wording import plural
from papers import frontmatter, store
from papers.charts import weekly_svg
from papers.content import PaperData, PaperSettings, collect
from papers.editions import Edition, edition_for, parse_edition
from papers.files import read_paper, utc_stamp, write_atomic, write_if_changed
from papers.footnotes import undefined_footnotes
from papers.i18n import Texts
from papers.merge import conflict_line, merge3
from papers.renames import as_renamed, heading_problems, renamed, take_renames
from papers.render import environment, render_paper
from summarize import store as analysis
from summarize.members import Match
from summarize.records import Industry

log = logging.getLogger(__name__)
_STAMP = re.compile(r"^generated_at: .*$", re.M)


@dataclass(frozen=True)
class DraftOutcome:
    industry: str
    edition: str | None
    path: Path | None
    action: str  # created, updated, unchanged, proposed, skipped, failed
    detail: str = ""


def paper_path(directory: Path, industry: str, edition: str) -> Path:
    return directory / industry / f"{edition}.md"


def proposal_path(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".md") + ".proposed.md")


def write_charts(
    directory: Path, data: PaperData, missing_only: bool = False, texts: Texts | None = None
) -> None:
    """The weekly chart of each trend the paper shows; with ``missing_only``, only the charts that do
    not exist yet (a proposal's new trends; the charts the paper itself shows stay as they are). Their
    words are in the language of ``texts`` (default English)."""
    tr = texts or Texts()
    for section in (*data.trends, *data.weak_signals):
        t = section.trend
        path = directory / data.industry.slug / section.chart
        if missing_only and path.exists():
            continue
        title = tr.gettext("Documents per week: %(name)s") % {"name": t.name}
        svg = weekly_svg(t.weekly, title, t.window_start.isoformat(), tr)
        write_if_changed(path, svg)


def _keep_footnotes(conn: sa.Connection, text: str, texts: Texts) -> str:
    """``text`` with a definition for every footnote mark. A sentence the editors kept may cite a
    document the new data no longer does; the merge then removed its definition with the rest."""
    _, restored = undefined_footnotes(conn, text, texts)
    if not restored:
        return text
    return text.rstrip("\n") + "\n" + "".join(f"{line}\n" for line in restored.values())


def _taken_proposal(conn: sa.Connection, row: store.PaperRow | None, path: Path) -> store.PaperRow | None:
    """The row with a deleted proposal's generated side as its base: the editors took what they
    wanted from the proposal into their file, so the same conflict is not proposed again."""
    if row is None or row.pending is None or proposal_path(path).exists():
        return row
    pending = row.pending
    row = replace(
        row,
        base=pending["base"],
        generated_at=pending["generated_at"],
        trends=tuple(store.TrendRef.from_json(t) for t in pending["trends"]),
        pending=None,
    )
    store.save_paper(conn, row)
    return row


def _generated(
    data: PaperData, row: store.PaperRow | None, env: jinja2.Environment, path: Path, now: datetime
) -> tuple[str, str] | None:
    """The new text and its time stamp; None when the data gave nothing new and the file is there."""
    if row is not None and render_paper(data, row.generated_at, env) == row.base:
        if path.is_file():
            read_paper(path)  # nothing to merge, but a file the next merge could not read is reported now
            return None
        return row.base, row.generated_at  # the editors deleted the file: the last generated text again
    generated_at = utc_stamp(now)
    return render_paper(data, generated_at, env), generated_at


def file_problems(row: store.PaperRow, text: str, path: Path) -> list[str]:
    """What an editor's hand made wrong in a paper's file, told when drafting rather than first at
    approval: unreadable front matter, a status written by hand, merge conflict markers, a trend
    heading without its name or its ``{#id}``."""
    try:
        meta, _ = frontmatter.split(text, str(path))
    except InputError as exc:
        return [str(exc).removeprefix(f"{path}: ")]
    problems = []
    if "status" in meta and meta["status"] != row.status:
        problems.append(
            f"its front matter says status: {meta['status']!r}, but the paper is {row.status}: a status "
            f"changes with `trendpapers papers approve`, `publish` or `withdraw`"
        )
    if (line := conflict_line(text)) is not None:
        problems.append(f"line {line} holds unresolved merge conflict markers ('<<<<<<<')")
    unnamed, unanchored = heading_problems(row.base, text)
    return problems + unnamed + unanchored


def _merged(row: store.PaperRow | None, ours: str | None, theirs: str, texts: Texts) -> tuple[str, int]:
    """The editors' file with the new text merged in, and the number of conflicts (marked in the
    language of ``texts``, as the desk marks them)."""
    if ours is None:
        return theirs, 0
    # The time stamp is ours to set, not the editors': merged as if always the new one. So a file
    # written by a draft that was killed before it could commit merges cleanly into the next.
    stamp = _STAMP.search(theirs)
    base, ours_now = row.base if row else "", ours
    if stamp:
        base, ours_now = (_STAMP.sub(stamp.group(0), text, count=1) for text in (base, ours))
    result = merge3(
        base,
        ours_now,
        theirs,
        ours_label=texts.pgettext("conflict marker", "yours"),
        theirs_label=texts.pgettext("conflict marker", "new"),
    )
    return result.text, result.conflicts


def _propose(
    conn: sa.Connection,
    directory: Path,
    data: PaperData,
    row: store.PaperRow | None,
    path: Path,
    merged: str,
    newline: str,
    pending: dict[str, Any],
    texts: Texts,
) -> Path:
    """Write the merged text beside the paper as its proposal (unless the same one waits there)."""
    proposal = proposal_path(path)
    try:
        waiting = read_paper(proposal)[0]
    except FileNotFoundError:
        waiting = ""
    if _STAMP.sub("", waiting) != _STAMP.sub("", merged):  # the same proposal again: left as it is
        write_atomic(proposal, merged, newline)
    write_charts(
        directory, data, missing_only=True, texts=texts
    )  # so that taking the proposal breaks no link
    if row is not None:
        store.save_paper(conn, replace(row, pending=pending))
    return proposal


def _draft_one(
    conn: sa.Connection,
    directory: Path,
    cluster: str,
    industry: Industry,
    wanted: Edition | None,
    settings: PaperSettings,
    templates: Path | None,
    now: datetime,
    matches: Sequence[Match] = (),
) -> DraftOutcome:
    state = analysis.load_analysis_state(conn, industry.slug)
    if state is None:
        return DraftOutcome(
            industry.slug, None, None, "skipped", "no analysis yet (run `trendpapers analyze`)"
        )
    edition = wanted or edition_for(state.as_of, settings.cadence)
    if not edition.start <= state.as_of <= edition.end:
        why = (
            f"the latest trends end on {state.as_of}, outside {edition.name}; "
            f"analyze with --as-of a day in {edition.start}..{edition.end}"
        )
        return DraftOutcome(industry.slug, edition.name, None, "skipped", why)
    row = store.get_paper(conn, industry.slug, edition.name)
    path = paper_path(directory, industry.slug, edition.name)
    if row is not None and row.status == "draft" and path.is_file():
        for change in take_renames(conn, row.base, read_paper(path)[0], None, now):
            log.info("draft %s %s: %s", industry.slug, edition.name, change)
    data = collect(conn, cluster, industry, edition, state, settings, matches)
    snapshot = tuple(
        store.TrendRef(s.trend.trend_id, s.trend.name, s.trend.current)
        for s in (*data.trends, *data.weak_signals)
    )
    row = _taken_proposal(conn, row, path)
    texts = Texts(settings.language)
    generated = _generated(data, row, environment(templates, settings.language), path, now)
    if generated is None:
        assert row is not None  # nothing new comes only of a paper drafted before
        problems = file_problems(row, read_paper(path)[0], path) if row.status == "draft" else []
        return DraftOutcome(industry.slug, edition.name, path, "unchanged", _to_correct(problems))
    theirs, generated_at = generated

    try:
        ours, newline = read_paper(path)
    except FileNotFoundError:
        ours, newline = None, "\n"
    on_disk = ours
    if row is not None and ours is not None:
        # The editors' renames taken (above, or by approval) are in the new text: merged as if the
        # old text had had them too, and with the new name in their file's other places (as
        # approval does). A rename refused (too long a name) is no new name: their heading stays.
        names = {t.id: t.title for t in snapshot}
        taken = {tid: name for tid, name in renamed(row.base, ours).items() if names.get(tid) == name}
        ours = as_renamed(ours, row.base, taken, headings=False)
        row = replace(row, base=as_renamed(row.base, row.base, taken))
    merged, conflicts = _merged(row, ours, theirs, texts)
    status = row.status if row else "draft"
    if status == "withdrawn" and ours is None:  # off the site and its file gone: a draft again
        status = "draft"
        store.add_event(conn, industry.slug, edition.name, "draft", None, now)
    if status != "draft" and row is not None and _STAMP.sub("", merged) == _STAMP.sub("", on_disk or ""):
        # Nothing for the editors (a rename approval took is all the new text says): no proposal;
        # the new text is the base the next one is merged against.
        store.save_paper(conn, replace(row, base=theirs, generated_at=generated_at, trends=snapshot))
        return DraftOutcome(industry.slug, edition.name, path, "unchanged")
    if status != "draft" or conflicts:
        pending = {"base": theirs, "generated_at": generated_at, "trends": [t.to_json() for t in snapshot]}
        proposal = _propose(conn, directory, data, row, path, merged, newline, pending, texts)
        why = (
            plural(conflicts, "conflicting change")
            if conflicts
            else f"the paper is {status} and never rewritten"
        )
        return DraftOutcome(industry.slug, edition.name, path, "proposed", f"{why}; new version: {proposal}")

    merged = _keep_footnotes(conn, merged, texts)
    write_charts(directory, data, texts=texts)
    if merged != on_disk:
        write_atomic(path, merged, newline)
    relative = path.relative_to(directory).as_posix()
    kept_status = (row.status_by, row.status_at) if row else (None, None)
    store.save_paper(
        conn,
        store.PaperRow(
            industry.slug,
            edition.name,
            edition.start,
            relative,
            "draft",
            theirs,
            generated_at,
            snapshot,
            *kept_status,
        ),
    )
    if row is None:
        store.add_event(conn, industry.slug, edition.name, "draft", None, now)
        return DraftOutcome(industry.slug, edition.name, path, "created")
    if ours is None:
        gone = "the file was gone: written again from the latest analysis, without the editors' changes"
        return DraftOutcome(industry.slug, edition.name, path, "updated", gone)
    kept = "; editors' changes kept" if ours != row.base else ""
    # Against the new text: a trend gone from it took its heading along.
    to_correct = _to_correct(file_problems(replace(row, base=theirs), merged, path))
    return DraftOutcome(
        industry.slug,
        edition.name,
        path,
        "updated",
        f"the latest analysis merged in{kept}" + (to_correct and f"; {to_correct}"),
    )


def _to_correct(problems: Sequence[str]) -> str:
    return "to correct before approval: " + "; ".join(problems) if problems else ""


def draft_papers(
    engine: sa.Engine,
    directory: Path,
    cluster: str,
    industries: Sequence[Industry],
    settings: PaperSettings | None = None,
    *,
    edition: str | None = None,
    only: str | None = None,
    templates: Path | None = None,
    now: datetime | None = None,
    matches: Sequence[Match] = (),
) -> list[DraftOutcome]:
    """Draft the paper of every industry (or ``only`` one) for ``edition`` (default: the latest trends').

    ``templates`` is a folder whose ``paper.md.j2`` replaces the package's; ``matches`` are members
    matched to trends and opportunities, shown to the editors in each paper. Each paper is committed
    on its own, after its file is written: a crash leaves every paper whole, and a re-run finishes.
    """
    settings = settings or PaperSettings()
    wanted = parse_edition(edition, settings.cadence) if edition else None
    for stale in directory.rglob(".*.tmp"):  # left by writes that were killed (we hold the lock)
        stale.unlink()
    now = now or datetime.now(UTC)
    outcomes = []
    for industry in industries:
        if only and industry.slug != only:
            continue
        try:
            with engine.begin() as conn:
                outcome = _draft_one(
                    conn, directory, cluster, industry, wanted, settings, templates, now, matches
                )
        except InputError as exc:  # one unreadable paper file: the other industries' papers go on
            outcome = DraftOutcome(industry.slug, None, None, "failed", str(exc))
        log.info(
            "draft %s %s: %s%s",
            outcome.industry,
            outcome.edition or "-",
            outcome.action,
            f" ({outcome.detail})" if outcome.detail else "",
        )
        outcomes.append(outcome)
    return outcomes
