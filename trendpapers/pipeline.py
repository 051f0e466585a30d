"""The pipeline's stages in order, each run recorded in the runs table.

``trendpapers run`` and the scheduler run whatever is listed in ``STAGES``, in order.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from ingest.errors import LockError, SiteError, TrendpapersError
from ingest.runner import MAX_PAGE_ATTEMPTS, SourceOutcome, run_ingest
from ingest.wording import plural
from trendpapers import runs
from trendpapers.config import Config, load_config
from trendpapers.db import open_store
from trendpapers.lock import EXIT_LOCKED, workspace_lock

if TYPE_CHECKING:
    from papers.lifecycle import StatusChange


@dataclass(frozen=True)
class StageResult:
    stage: str
    counts: dict[str, int] = field(default_factory=dict)
    errors: tuple[str, ...] = ()
    details: tuple[str, ...] = ()  # lines for people: what happened to each source, file, paper
    summary: str = ""  # one line for people


def source_line(outcome: SourceOutcome) -> str:
    """What ingest says of one source: its status, name, and what came or went wrong."""
    detail = f"{outcome.new_items} new" if outcome.status == "ok" else (outcome.error or "")
    if outcome.warning:
        detail += f" (warning: {outcome.warning})"
    return f"{outcome.status:<13} {outcome.name}" + (f": {detail}" if detail else "")


def ingest_stage(config: Config, engine: sa.Engine, only: Sequence[str] = ()) -> StageResult:
    report = run_ingest(engine, config.sources, config.fetch, config.ingest, only=only or None)
    details = [source_line(outcome) for outcome in report.sources]
    if deferred := report.documents.get("deferred"):  # else a first run seems to have got nothing
        details.append(
            f"{plural(deferred, 'page')} not fetched this time (`trendpapers -v ingest` tells why): the "
            f"next ingest tries again, and after {MAX_PAGE_ATTEMPTS} tries keeps the feed's own text"
        )
    docs = ", ".join(f"{n} {status}" for status, n in sorted(report.documents.items())) or "none"
    summary = (
        f"{plural(len(report.sources), 'source')}, {plural(report.new_items, 'new item')}, "
        f"documents: {docs}, {plural(report.requests, 'request')}, {plural(len(report.errors), 'error')}"
    )
    return StageResult("ingest", report.counts, report.errors, tuple(details), summary)


def analyze_stage(config: Config, engine: sa.Engine, industry: str | None = None) -> StageResult:
    from papers.i18n import Texts
    from summarize.abstractive import TransformersRewriter
    from summarize.analyze import run_analysis  # torch and scipy load only when analysing
    from summarize.embed import english_model_warning, load_embedder
    from summarize.explain import why_no_trends
    from summarize.store import grouped_languages
    from trendpapers.members import member_file

    hints = {s.name: s.industries for s in config.sources}
    embedder = load_embedder(config.analysis.embed)
    members = member_file(config)
    model = config.analysis.abstractive
    rewriter = TransformersRewriter(model) if model else None
    report = run_analysis(
        engine,
        embedder,
        config.industries,
        hints,
        config.analysis,
        only=industry,
        rewriter=rewriter,
        field=config.cluster.field,
        members=members.members if members else (),
        wording=Texts(config.language),
    )
    with engine.connect() as conn:
        details = tuple(
            f"{slug}: {plural(n, 'trend')}"
            + (f" ({plural(weak, 'weak signal')})" if (weak := report.weak_signals.get(slug, 0)) else "")
            + ("" if n else f" ({why_no_trends(conn, slug, config.analysis.assign, config.analysis.trends)})")
            for slug, n in report.trends.items()
        )
        warning = english_model_warning(embedder.model_id, grouped_languages(conn))
    if warning:
        details += (f"warning: {warning}",)
    summary = (
        f"{plural(report.documents, 'document')} grouped ({report.embedded} embedded, "
        f"{plural(report.model_calls, 'model call')}), "
        f"{plural(report.new_stories, 'new story', 'new stories')}, "
        f"{plural(sum(report.trends.values()), 'trend')}, "
        f"{plural(report.summaries, 'summary', 'summaries')} written, "
        f"{plural(report.opportunities, 'cross-sector opportunity', 'cross-sector opportunities')}, "
        f"{report.seconds['total']:.1f} s"
    )
    counts = {
        "documents": report.documents,
        "embedded": report.embedded,
        "model_calls": report.model_calls,
        "new_stories": report.new_stories,
        "trends": sum(report.trends.values()),
        "summaries": report.summaries,
        "opportunities": report.opportunities,
    }
    return StageResult("analyze", counts, (), details, summary)


def draft_stage(
    config: Config, engine: sa.Engine, industry: str | None = None, edition: str | None = None
) -> StageResult:
    from papers.draft import draft_papers
    from trendpapers.members import current_matches, member_file

    members = member_file(config)
    with engine.begin() as conn:  # the drafts show the editors which members match (cached vectors)
        matches = current_matches(config, conn, members.members if members else (), save=True)
    outcomes = draft_papers(
        engine,
        config.papers_dir,
        config.name,
        config.industries,
        config.papers,
        edition=edition,
        only=industry,
        templates=config.templates_dir,
        matches=matches,
    )
    details = tuple(
        f"{o.action:<9} {o.industry} {o.edition or ''}{': ' + str(o.path) if o.path else ''}"
        + (f" ({o.detail})" if o.detail else "")
        for o in outcomes
    )
    counts = dict(Counter(o.action for o in outcomes))
    summary = ", ".join(f"{n} {action}" for action, n in sorted(counts.items())) or "no industries"
    errors = tuple(f"{o.industry}: {o.detail}" for o in outcomes if o.action == "failed")
    return StageResult("draft", counts, errors, details, f"papers: {summary}")


def build_stage(config: Config, engine: sa.Engine, preview: bool = False, force: bool = False) -> StageResult:
    from papers.sitebuild import build_site

    report = build_site(engine, config.workspace, config.site, preview=preview, force=force)
    summary = (
        f"{report.action} {report.site}: {plural(report.papers, 'paper')}, {plural(report.pages, 'file')}, "
        f"{report.seconds:.1f} s"
    )
    return StageResult(
        "build", {"papers": report.papers, "built": int(report.action == "built")}, (), (), summary
    )


STAGES: dict[str, Callable[[Config, sa.Engine], StageResult]] = {
    "ingest": ingest_stage,
    "analyze": analyze_stage,
    "draft": draft_stage,
    "build": build_stage,
}


def recorded(engine: sa.Engine, stage: str, work: Callable[[], StageResult]) -> StageResult:
    """Run ``work`` with a row in the runs table: started, then ok/errors, or failed with the exception."""
    run_id = runs.start(engine, stage)
    try:
        result = work()
    except BaseException as exc:  # recorded, then raised on: a crash must show in `status`
        if isinstance(exc, (SystemExit, KeyboardInterrupt)):  # SIGTERM (a stopped schedule), Ctrl-C
            runs.finish(engine, run_id, "stopped", {}, ["stopped before it finished"])
        else:
            runs.finish(engine, run_id, "failed", {}, [f"{type(exc).__name__}: {exc}"])
        raise
    runs.finish(engine, run_id, "errors" if result.errors else "ok", result.counts, result.errors)
    return result


def run_all(config: Config, engine: sa.Engine) -> list[StageResult]:
    """Every stage once, in order."""
    return [recorded(engine, name, partial(stage, config, engine)) for name, stage in STAGES.items()]


def run_job(config_path: str, job: str) -> int:
    """A scheduled job, in its own process: ``job`` is a stage name or "run" (all stages).

    Returns the exit code the CLI would: 0 ok, 1 item errors, 75 the workspace was busy.
    """
    config = load_config(Path(config_path))
    try:
        with workspace_lock(config.root, f"schedule: {job}"):
            engine = open_store(config.storage_url)
            if job == "run":
                results = run_all(config, engine)
            elif job == "digest":  # a job of its own, never part of `run`: it sends e-mail
                from trendpapers.digests import digest_stage

                results = [recorded(engine, job, partial(digest_stage, config, engine))]
            else:
                results = [recorded(engine, job, partial(STAGES[job], config, engine))]
    except LockError as exc:
        logging.getLogger(__name__).warning("%s", exc)
        return EXIT_LOCKED
    return 1 if any(r.errors for r in results) else 0


def locked_stage(config: Config, stage: str, work: Callable[[sa.Engine], StageResult]) -> StageResult:
    """``work`` under the workspace lock, on the opened store, recorded in the runs table."""
    with workspace_lock(config.root, stage):
        engine = open_store(config.storage_url)
        return recorded(engine, stage, lambda: work(engine))


def run_locked(config: Config) -> list[StageResult]:
    """Every stage once, in order, under the workspace lock (``trendpapers run``)."""
    with workspace_lock(config.root, "run"):
        return run_all(config, open_store(config.storage_url))


def import_stage(config: Config, engine: sa.Engine, paths: Sequence[Path]) -> StageResult:
    """Patent files imported; a line per file: the publications read from it, or why not."""
    from ingest.patentimport import import_patents

    report = import_patents(engine, paths)
    details = []
    for file in report.files:
        if file.error:
            details.append(f"{'unsupported' if file.unsupported else 'failed':<12} {file.path}: {file.error}")
        else:
            numbers = ", ".join(str(r.number) for r in file.records[:3]) + (
                " ..." if len(file.records) > 3 else ""
            )
            details.append(
                f"{'imported':<12} {file.path}: {numbers}" + (" (read leniently)" if file.warning else "")
            )
    summary = (
        f"{plural(len(report.files), 'file')}, {plural(report.new, 'new patent')}, {report.updated} updated, "
        f"{report.unchanged} unchanged, {len(report.errors)} not read"
    )
    counts = {
        "files": len(report.files),
        "new": report.new,
        "updated": report.updated,
        "unchanged": report.unchanged,
    }
    return StageResult("import-patents", counts, report.errors, tuple(details), summary)


@dataclass(frozen=True)
class PaperAction:
    change: StatusChange
    build: StageResult | None  # the site's rebuild after publishing or withdrawing


def paper_action(
    config: Config,
    industry: str,
    edition: str | None,
    action: str,
    by: str | None,
    *,
    force: bool = False,
    build: bool = True,
    engine: sa.Engine | None = None,
) -> PaperAction:
    """Approve, publish or withdraw a paper; publishing and withdrawing rebuild the site at once
    (unless not ``build``). A publication whose build fails is undone: not on the site, so not
    published (a ``SiteError`` says so). ``engine``: the store already opened (a long-running
    process such as the editors' desk), else it is opened from the configuration."""
    from papers.i18n import Texts
    from papers.lifecycle import change_status, undo_status

    with workspace_lock(config.root, f"papers {action}"):
        engine = engine or open_store(config.storage_url)
        change = change_status(
            engine,
            config.papers_dir,
            industry,
            edition,
            action,
            by,
            force=force,
            site_url=config.site.url,
            texts=Texts(config.language),
        )
        # Only a paper that goes on or off the site changes it: withdrawing a draft builds nothing.
        on_or_off = action == "publish" or (action == "withdraw" and change.before.status == "published")
        if not build or not on_or_off:
            return PaperAction(change, None)
        try:
            return PaperAction(change, recorded(engine, "build", lambda: build_stage(config, engine)))
        except TrendpapersError as exc:
            if action != "publish":
                raise
            undo_status(engine, change)
            name = f"{change.row.industry} {change.row.edition}"
            raise SiteError(
                f"{name}: not published, the site's build failed; the paper is {change.before.status} "
                f"again: {exc}"
            ) from exc
