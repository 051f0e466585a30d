"""The ``trendpapers`` command line: each command parses its options and calls one library function.

Exit codes: 0 ok; 1 finished, but some items (feeds, pages) had errors; 2 configuration or
usage error; 3 storage or other fatal error; 75 another process is writing to the workspace
(EX_TEMPFAIL: try again later). Every command that writes holds the workspace lock.
"""

from __future__ import annotations

import errno
import getpass
import logging
import sys
import traceback
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from ingest import store as ingest_store
from ingest.errors import ConfigError, InputError, LockError, TrendpapersError
from ingest.patentimport import ImportReport, import_patents
from trendpapers import runs
from trendpapers.backup import backup
from trendpapers.config import CONFIG_NAME, Config, load_config
from trendpapers.db import close_stores, open_store, store_problem
from trendpapers.lock import EXIT_LOCKED, workspace_lock
from trendpapers.logs import setup_logging
from trendpapers.pipeline import (
    StageResult,
    analyze_stage,
    build_stage,
    draft_stage,
    ingest_stage,
    recorded,
    run_all,
    run_job,
)
from trendpapers.scheduler import STATE_NAME, Outcome, Scheduler, install_signal_handlers, read_state
from trendpapers.workspace import init_workspace

EXIT_OK, EXIT_ITEM_ERRORS, EXIT_CONFIG, EXIT_FATAL = 0, 1, 2, 3


_ENVIRONMENT_ERRORS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT}


_GROUP_VALUES = {"-c", "--config", "--log-format", "--log-file"}  # the group's options that take a value


class _Group(click.Group):
    """Turns our errors into messages and exit codes instead of tracebacks; takes ``-c`` after the
    command too (``trendpapers check -c ws``), as ``mkdocs build -f`` does."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        front: list[str] = []
        rest: list[str] = []
        command_seen = False
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                rest += args[i:]
                break
            if command_seen and arg in ("-c", "--config") and i + 1 < len(args):
                front += args[i : i + 2]
                i += 2
                continue
            if command_seen and arg.startswith("--config="):
                front.append(arg)
            else:
                if not command_seen and not arg.startswith("-") and not (rest and rest[-1] in _GROUP_VALUES):
                    command_seen = True
                rest.append(arg)
            i += 1
        return super().parse_args(ctx, front + rest)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (ConfigError, InputError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_CONFIG)
        except LockError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_LOCKED)
        except TrendpapersError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_FATAL)
        except SQLAlchemyError as exc:
            click.echo(f"error: the store failed: {exc}", err=True)
            sys.exit(EXIT_FATAL)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise  # usage errors and their exit codes are click's
        except Exception as exc:  # a bug: show where, and exit as a fatal error, never as "item errors"
            if isinstance(exc, OSError) and exc.errno in _ENVIRONMENT_ERRORS:
                # Not a bug but the machine: a full disk, a read-only file system, missing rights.
                where = f"{exc.filename}: " if exc.filename else ""
                click.echo(f"error: {where}{exc.strerror}; fix that and run the command again", err=True)
                sys.exit(EXIT_FATAL)
            traceback.print_exc()
            click.echo("error: unexpected failure (a bug; please report it with the trace above)", err=True)
            sys.exit(EXIT_FATAL)
        finally:
            close_stores()  # no connection outlives the command (nor keeps a SQLite file and its WAL open)


@click.group(cls=_Group)
@click.option(
    "-c",
    "--config",
    "config_file",
    type=click.Path(path_type=Path),
    default=CONFIG_NAME,
    show_default=True,
    help=f"The workspace's configuration file or folder (with {CONFIG_NAME}); here or after the command.",
)
@click.option("-v", "--verbose", count=True, help="More log output (repeatable).")
@click.option("-q", "--quiet", count=True, help="Less log output (repeatable).")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Log lines for people, or JSON lines for log collectors.",
)
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the log to this file, rotated at 10 MB (default: stderr, for journald or cron).",
)
@click.version_option(package_name="trendpapers")
@click.pass_context
def cli(
    ctx: click.Context, config_file: Path, verbose: int, quiet: int, log_format: str, log_file: Path | None
) -> None:
    """Trendpapers: sector news and patent feeds into trend white papers."""
    setup_logging(logging.INFO + 10 * (quiet - verbose), log_format, log_file)
    if config_file.is_dir():
        config_file = config_file / CONFIG_NAME
    ctx.obj = _Options(config_file, log_format, log_file)


@dataclass(frozen=True)
class _Options:
    """The group's options, for the commands."""

    config_file: Path
    log_format: str
    log_file: Path | None


def _config(ctx: click.Context) -> Config:
    return load_config(ctx.obj.config_file)


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--name", default="Our Cluster", show_default=True, help="The cluster's name, shown on the site."
)
@click.option("--force", is_flag=True, help="Overwrite existing workspace files.")
def init(directory: Path, name: str, force: bool) -> None:
    """Create a workspace in DIRECTORY: configuration, MkDocs project, site skeleton, database."""
    written = init_workspace(directory, name, force=force)
    config = load_config(directory / CONFIG_NAME)
    open_store(config.storage_url)
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"database ready: {config.storage_url}")
    path = directory / CONFIG_NAME
    click.echo(f"next: add [[sources]] to {path}, then `trendpapers -c {path} check`")


@cli.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Validate the configuration file; report every problem at once, then what looks unintended."""
    config = _config(ctx)
    problem = store_problem(config.storage_url)
    if problem:
        raise ConfigError([f"storage.url: {problem}"], str(config.path))
    for warning in config.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"{config.path}: OK ({len(config.industries)} industries, {len(config.sources)} sources, "
        f"storage {config.storage_url})"
    )


def _print(result: StageResult) -> None:
    for line in result.details:
        click.echo(f"  {line}")
    click.echo(f"{result.stage}: {result.summary}")


def _ingest(config: Config, only: tuple[str, ...]) -> int:
    unknown = sorted(set(only) - {s.name for s in config.sources})
    if unknown:
        raise click.UsageError(f"unknown source(s): {', '.join(unknown)}")
    with workspace_lock(config.root, "ingest"):
        engine = open_store(config.storage_url)
        result = recorded(engine, "ingest", lambda: ingest_stage(config, engine, only))
    _print(result)
    return EXIT_ITEM_ERRORS if result.errors else EXIT_OK


@cli.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run every stage once, in order, and report what each did."""
    config = _config(ctx)
    with workspace_lock(config.root, "run"):
        engine = open_store(config.storage_url)
        results = run_all(config, engine)
    for result in results:
        _print(result)
    sys.exit(EXIT_ITEM_ERRORS if any(r.errors for r in results) else EXIT_OK)


@cli.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def backup_command(ctx: click.Context, dest: Path) -> None:
    """Back up the store and the workspace into a new folder under DEST (safe while running).

    Restore: stop Trendpapers, copy the files back into the workspace, and put the store back
    (SQLite: store.db becomes the database file; PostgreSQL: pg_restore store.dump).
    """
    config = _config(ctx)
    target = backup(config, dest)
    click.echo(f"backup written to {target}")


@cli.command("schedule")
@click.pass_context
def schedule_command(ctx: click.Context) -> None:
    """Run the jobs of [schedule.jobs] when they are due, until SIGTERM or Ctrl-C.

    Each job runs in a child process, stopped at [schedule] timeout; a failing job is logged,
    recorded and simply comes round again. `trendpapers status` shows the next due times.
    """
    config = _config(ctx)
    if not config.schedule:
        raise click.UsageError(f"{config.path}: no [schedule.jobs] configured")
    engine = open_store(config.storage_url)

    def record(outcome: Outcome) -> None:
        run_id = runs.start(engine, f"job {outcome.job}")
        errors = [outcome.detail] if outcome.detail else []
        runs.finish(engine, run_id, outcome.status, {"seconds": round(outcome.seconds)}, errors)

    scheduler = Scheduler(
        config.schedule,
        partial(run_job, str(config.path)),
        record=record,
        state_file=config.root / STATE_NAME,
        log_settings=(ctx.obj.log_format, ctx.obj.log_file),
    )
    install_signal_handlers(scheduler)
    for spec in config.schedule:
        click.echo(f"job {spec.name}: {spec.when} (timeout {spec.timeout:g}s)")
    scheduler.loop()


@cli.command()
@click.option("--source", "only", multiple=True, metavar="NAME", help="Only this source (repeatable).")
@click.pass_context
def ingest(ctx: click.Context, only: tuple[str, ...]) -> None:
    """Fetch due feeds, store new items, extract their articles and mark duplicates."""
    sys.exit(_ingest(_config(ctx), only))


def _industry(config: Config, industry: str | None) -> None:
    if industry and industry not in {i.slug for i in config.industries}:
        raise click.UsageError(
            f"unknown industry {industry!r} (configured: {', '.join(i.slug for i in config.industries)})"
        )


@cli.command()
@click.option(
    "--industry", metavar="SLUG", help="Trends of this industry only (documents are scored for all)."
)
@click.option(
    "--window", type=click.IntRange(7, 3650), metavar="DAYS", help="Trend window (default from config)."
)
@click.option(
    "--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Last day of the window (default today, UTC)."
)
@click.pass_context
def analyze(ctx: click.Context, industry: str | None, window: int | None, as_of: datetime | None) -> None:
    """Embed new documents, score industries, group stories; then trends and cited summaries."""
    config = _config(ctx)
    _industry(config, industry)
    analysis = config.analysis
    if window:
        analysis = replace(analysis, trends=replace(analysis.trends, window_days=window))
    if as_of:
        analysis = replace(analysis, as_of=as_of.date())
    config = replace(config, analysis=analysis)
    with workspace_lock(config.root, "analyze"):
        engine = open_store(config.storage_url)
        result = recorded(engine, "analyze", lambda: analyze_stage(config, engine, industry))
    _print(result)


@cli.command()
@click.option("--industry", metavar="SLUG", help="Only this industry.")
@click.option("--all", "show_all", is_flag=True, help="Also trends not found in the latest analysis.")
@click.pass_context
def trends(ctx: click.Context, industry: str | None, show_all: bool) -> None:
    """List trends with status, growth, documents and sources; for an industry without any, why."""
    from summarize.explain import why_no_trends
    from summarize.store import load_trends

    config = _config(ctx)
    _industry(config, industry)
    engine = open_store(config.storage_url, read_only=True)
    with engine.connect() as conn:
        found = load_trends(conn, industry, active_only=not show_all)
        analysis = config.analysis
        for slug in sorted({i.slug for i in config.industries if industry in (None, i.slug)}):
            if not any(t.industry == slug for t in found):
                click.echo(
                    f"{slug}: no trends: {why_no_trends(conn, slug, analysis.assign, analysis.trends)}"
                )
    for t in found:
        growth = f"{t.growth:+.0%}" if t.growth is not None else "new"
        weak = " weak signal" if t.weak_signal else ""
        click.echo(
            f"{t.trend_id:<18} {t.status:<7} {growth:>6}  {t.current:>3} docs ({t.previous} before), "
            f"{t.sources} sources, patents {t.patent_share:.0%}{weak}  {t.name}  [{t.label}]"
        )
        click.echo(f"{'':<18} example: {t.title}")


@cli.command("rename-trend")
@click.argument("trend_id")
@click.argument("name", required=False)
@click.option("--reset", is_flag=True, help="Back to the generated name.")
@click.option("--by", metavar="NAME", help="Who renames it (default: the login name).")
@click.pass_context
def rename_trend(ctx: click.Context, trend_id: str, name: str | None, reset: bool, by: str | None) -> None:
    """Give a trend a name of the editors' choosing; it holds for as long as the trend keeps its id.

    The next draft, the site and later editions use it. Renaming a trend's heading in a draft paper
    does the same when the paper is drafted again or approved.
    """
    from summarize.store import rename_trend as rename

    if reset == (name is not None):
        raise click.UsageError("give either a NAME or --reset")
    config = _config(ctx)
    with workspace_lock(config.root, "rename-trend"):
        engine = open_store(config.storage_url)
        with engine.begin() as conn:
            trend = rename(conn, trend_id, name, by or _default_user(), datetime.now(UTC))
    click.echo(f"{trend.trend_id}: {trend.name}")


@cli.command()
@click.option("--industry", metavar="SLUG", help="Only the scores for this industry.")
@click.option("--unassigned", is_flag=True, help="Only documents no industry took.")
@click.option("--near", is_flag=True, help="Only scores within 0.05 below the assignment threshold.")
@click.pass_context
def documents(ctx: click.Context, industry: str | None, unassigned: bool, near: bool) -> None:
    """List documents with their industry scores and the reasons, newest first."""
    from summarize.store import document_scores

    config = _config(ctx)
    _industry(config, industry)
    threshold = config.analysis.assign.threshold
    engine = open_store(config.storage_url, read_only=True)
    with engine.connect() as conn:
        rows = document_scores(conn, industry)
    taken = {r.item_id for r in rows if r.assigned}
    shown = [
        r
        for r in rows
        if (not unassigned or r.item_id not in taken)
        and (not near or threshold - 0.05 <= r.score < threshold)
    ]
    if not shown:
        click.echo("no such documents" if rows else "no documents scored yet (run `trendpapers analyze`)")
    for r in shown:
        day = r.when.date().isoformat() if r.when else "undated"
        mark = "assigned" if r.assigned else "-"
        click.echo(
            f"{r.item_id:>6} {day} {r.industry:<12} {r.score:.2f} {mark:<8} {r.title[:70]}  ({r.reasons})"
        )


@cli.command()
@click.option("--industry", metavar="SLUG", help="Only this industry's paper.")
@click.option(
    "--edition", metavar="NAME", help="Edition such as 2026-Q4 or 2026-11 (default: the latest trends')."
)
@click.pass_context
def draft(ctx: click.Context, industry: str | None, edition: str | None) -> None:
    """Draft the papers of an edition, merging new data into the editors' files.

    A paper the editors changed keeps every change; where new data touches the same lines, or the
    paper is approved or published, the new version goes to EDITION.proposed.md beside it.
    """
    config = _config(ctx)
    _industry(config, industry)
    with workspace_lock(config.root, "draft"):
        engine = open_store(config.storage_url)
        result = recorded(engine, "draft", lambda: draft_stage(config, engine, industry, edition))
    _print(result)
    sys.exit(EXIT_ITEM_ERRORS if result.errors else EXIT_OK)


@cli.command("build")
@click.option("--preview", is_flag=True, help="Include drafts (with a DRAFT banner), into build/preview.")
@click.option(
    "--force",
    is_flag=True,
    help="Build even if nothing changed, leaving out published papers whose file is gone.",
)
@click.pass_context
def build_command(ctx: click.Context, preview: bool, force: bool) -> None:
    """Build the members' site (published papers, trends, feed) and swap it into build/site.

    MkDocs runs with --strict; the result is checked for scripts, event handlers, javascript:
    links and anything loaded from other hosts. A failed build leaves the previous site in place.
    """
    config = _config(ctx)
    with workspace_lock(config.root, "build"):
        engine = open_store(config.storage_url)
        result = recorded(engine, "build", lambda: build_stage(config, engine, preview, force))
    _print(result)
    folder = config.root / "build" / ("preview" if preview else "site")
    click.echo(f"view it: python -m http.server -d {folder} -b 127.0.0.1 8000")


@cli.command("serve-preview")
@click.option("--address", default="127.0.0.1:8000", show_default=True, help="Where to serve.")
@click.pass_context
def serve_preview_command(ctx: click.Context, address: str) -> None:
    """Serve the site with drafts for editors (MkDocs dev server); saved edits appear on reload."""
    from papers.sitebuild import serve_preview

    config = _config(ctx)
    serve_preview(open_store(config.storage_url), config.workspace, config.site, address)


@cli.group("papers")
def papers_group() -> None:
    """List papers and move them through draft → approved → published (or withdrawn)."""


@papers_group.command("list")
@click.option("--industry", metavar="SLUG", help="Only this industry.")
@click.option("--status", type=click.Choice(["draft", "approved", "published", "withdrawn"]))
@click.pass_context
def papers_list(ctx: click.Context, industry: str | None, status: str | None) -> None:
    """List papers with status, edition and file; flags papers edited since drafting, and proposals."""
    from papers.draft import proposal_path
    from papers.files import read_paper
    from papers.store import list_papers

    config = _config(ctx)
    engine = open_store(config.storage_url, read_only=True)
    with engine.connect() as conn:
        rows = list_papers(conn, industry, status)
    if not rows:
        click.echo("no papers yet (run `trendpapers draft`)")
    for row in rows:
        path = config.papers_dir / row.path
        flags = []
        try:
            if read_paper(path)[0] != row.base:
                flags.append("edited")
        except FileNotFoundError:
            flags.append("file missing")
        except InputError as exc:
            flags.append(str(exc).removeprefix(f"{path}: "))
        if proposal_path(path).exists():
            flags.append("proposal waiting")
        extra = f" [{', '.join(flags)}]" if flags else ""
        click.echo(f"{row.industry:<16} {row.edition:<8} {row.status:<10} {path}{extra}")


@papers_group.command("show")
@click.argument("industry")
@click.argument("edition", required=False)
@click.option("--text", is_flag=True, help="Also print the paper's Markdown.")
@click.pass_context
def papers_show(ctx: click.Context, industry: str, edition: str | None, text: bool) -> None:
    """Show a paper (default: the industry's latest edition): status, history, file, trends."""
    from papers.draft import proposal_path
    from papers.files import read_paper
    from papers.lifecycle import find_paper
    from papers.store import events

    config = _config(ctx)
    engine = open_store(config.storage_url, read_only=True)
    with engine.connect() as conn:
        row = find_paper(conn, industry, edition)
        history = events(conn, row.industry, row.edition)
    path = config.papers_dir / row.path
    click.echo(f"{row.industry} {row.edition}: {row.status}")
    click.echo(f"  file: {path}" + ("" if path.exists() else " (missing)"))
    if proposal_path(path).exists():
        click.echo(f"  proposal waiting: {proposal_path(path)}")
    click.echo(f"  generated: {row.generated_at}")
    for status, by, at in history:
        click.echo(f"  {at:%Y-%m-%d %H:%M} {status}" + (f" by {by}" if by else ""))
    click.echo(f"  trends: {len(row.trends)}")
    for trend in row.trends:
        click.echo(f"    {trend['id']}: {trend['title']} ({trend['documents']} documents)")
    if text and path.exists():
        click.echo("")
        click.echo(read_paper(path)[0], nl=False)


def _default_user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password database
        return None


def _status_command(action: str, help_text: str) -> None:
    changes_site = action in ("publish", "withdraw")

    @papers_group.command(action, help=help_text)
    @click.argument("industry")
    @click.argument("edition", required=False)
    @click.option("--by", metavar="NAME", help="Who does this (default: the login name).")
    @click.option("--no-build", is_flag=True, hidden=not changes_site, help="Do not rebuild the site now.")
    @click.option(
        "--force",
        is_flag=True,
        hidden=action == "withdraw",
        help="Also an empty paper (no documents, the editors' prompts still in it).",
    )
    @click.pass_context
    def command(
        ctx: click.Context, industry: str, edition: str | None, by: str | None, no_build: bool, force: bool
    ) -> None:
        from papers.lifecycle import change_status, undo_status

        config = _config(ctx)
        with workspace_lock(config.root, f"papers {action}"):
            engine = open_store(config.storage_url)
            change = change_status(
                engine, config.papers_dir, industry, edition, action, by or _default_user(), force=force
            )
            for warning in change.warnings:
                click.echo(f"warning: {warning}", err=True)
            click.echo(f"{change.row.industry} {change.row.edition}: {change.row.status} ({change.path})")
            if changes_site and not no_build:  # what members see follows at once
                try:
                    _print(recorded(engine, "build", lambda: build_stage(config, engine)))
                except TrendpapersError:
                    if action == "publish":  # all or nothing: not on the site, so not published
                        undo_status(engine, change)
                        click.echo(
                            f"{change.row.industry} {change.row.edition}: not published, the site's build "
                            f"failed; the paper is {change.before.status} again",
                            err=True,
                        )
                    raise


_status_command("approve", "Approve a draft (default: the industry's latest edition).")
_status_command("publish", "Publish an approved paper and rebuild the site (unless --no-build).")
_status_command("withdraw", "Withdraw a paper and rebuild the site without it (unless --no-build).")


@cli.group("eval")
def eval_group() -> None:
    """Run the analysis on JSONL corpora and score it (same code and defaults as the pipeline)."""


def _analysis_settings(ctx: click.Context) -> Any:
    """The workspace's analysis settings if a configuration file exists, else the defaults."""
    from summarize.analyze import AnalysisSettings

    path = ctx.find_root().obj.config_file
    return load_config(path).analysis if path.exists() else AnalysisSettings()


def _group_corpus(ctx: click.Context, corpus: Path, output: Path, trends: bool) -> None:
    """Stories (and trends) of a JSONL corpus written to ``output``, with a one-line summary."""
    from summarize import evaluate
    from summarize.embed import TransformersEmbedder

    settings = _analysis_settings(ctx)
    grouping = evaluate.eval_trends if trends else evaluate.eval_stories
    rows = grouping(evaluate.read_articles(corpus), TransformersEmbedder(settings.embed), settings)
    evaluate.write_jsonl(output, rows)
    found = [f"{len({r['story'] for r in rows})} stories"]
    if trends:
        found.append(f"{len({r['trend'] for r in rows})} trends")
    click.echo(f"{len(rows)} documents in {' and '.join(found)}: {output}")


@eval_group.command("stories")
@click.argument("corpus", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_context
def eval_stories_command(ctx: click.Context, corpus: Path, output: Path) -> None:
    """Group CORPUS lines {"id","title","text","published"} into stories: lines {"id","story"}."""
    _group_corpus(ctx, corpus, output, trends=False)


@eval_group.command("trends")
@click.argument("corpus", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_context
def eval_trends_command(ctx: click.Context, corpus: Path, output: Path) -> None:
    """Group CORPUS lines into stories and trends (one industry, one window): lines {"id","story","trend"}."""
    _group_corpus(ctx, corpus, output, trends=True)


@eval_group.command("summarize")
@click.argument("clusters", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--max-words", type=click.IntRange(1), default=100, show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_context
def eval_summarize_command(ctx: click.Context, clusters: Path, max_words: int, output: Path) -> None:
    """Summarize CLUSTERS lines {"cluster_id","documents":[{"id","title","text"}]}, every sentence cited."""
    from summarize.abstractive import TransformersRewriter
    from summarize.evaluate import eval_summaries, write_jsonl

    settings = _analysis_settings(ctx)
    rewriter = TransformersRewriter(settings.abstractive) if settings.abstractive else None
    rows = eval_summaries(clusters, max_words, settings, rewriter)
    write_jsonl(output, rows)
    click.echo(f"{len(rows)} summaries: {output}")


@eval_group.group("score")
def score_group() -> None:
    """Score predictions against gold labels or reference summaries."""


@score_group.command("stories")
@click.argument("gold", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("predicted", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def score_stories_command(gold: Path, predicted: Path) -> None:
    """Pairwise and BCubed precision/recall/F1 and adjusted Rand index of PREDICTED against GOLD."""
    from summarize.evaluate import score_stories

    s = score_stories(gold, predicted)
    click.echo(f"items {s.items}")
    for name, prf in (("pairwise", s.pairwise), ("bcubed", s.bcubed)):
        click.echo(f"{name:<9} precision {prf.precision:.4f} recall {prf.recall:.4f} f1 {prf.f1:.4f}")
    click.echo(f"adjusted_rand {s.adjusted_rand:.4f}")


@score_group.command("summaries")
@click.argument("references", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("predicted", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--max-words", type=click.IntRange(1), default=100, show_default=True)
def score_summaries_command(references: Path, predicted: Path, max_words: int) -> None:
    """ROUGE-1/2 recall (stemmed) of PREDICTED against REFERENCES lines {"cluster_id","references"}."""
    from summarize.evaluate import score_summaries

    s = score_summaries(references, predicted, max_words)
    click.echo(f"clusters {s.clusters}")
    click.echo(f"rouge1_recall {s.rouge1 * 100:.2f}")
    click.echo(f"rouge2_recall {s.rouge2 * 100:.2f}")


@cli.command("import-patents")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.pass_context
def import_patents_command(ctx: click.Context, paths: tuple[Path, ...]) -> None:
    """Import patent full-text XML files or folders (USPTO 2001+ grants and applications, EPO).

    Each file is reported: the publications read from it, or why it was not read.
    """
    config = _config(ctx)
    reports: list[ImportReport] = []

    def work() -> StageResult:
        report = import_patents(engine, paths)
        reports.append(report)
        counts = {"files": len(report.files), "new": report.new, "updated": report.updated}
        return StageResult("import-patents", counts, report.errors)

    with workspace_lock(config.root, "import-patents"):
        engine = open_store(config.storage_url)
        recorded(engine, "import-patents", work)
    report = reports[0]
    for file in report.files:
        if file.error:
            click.echo(f"  {'unsupported' if file.unsupported else 'failed':<12} {file.path}: {file.error}")
        else:
            numbers = ", ".join(str(r.number) for r in file.records[:3]) + (
                " ..." if len(file.records) > 3 else ""
            )
            click.echo(
                f"  {'imported':<12} {file.path}: {numbers}" + (" (read leniently)" if file.warning else "")
            )
    click.echo(
        f"{len(report.files)} files, {report.new} new patents, {report.updated} updated, "
        f"{len(report.errors)} not read"
    )
    sys.exit(EXIT_ITEM_ERRORS if report.errors else EXIT_OK)


def _ago(when: datetime | None) -> str:
    if when is None:
        return "never"
    seconds = int((datetime.now(UTC) - when).total_seconds())
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


@cli.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """Show each source's fetch state and each stage's last run."""
    config = _config(ctx)
    engine = open_store(config.storage_url, read_only=True)
    with engine.connect() as conn:
        states = ingest_store.source_states(conn)
        totals = ingest_store.counts(conn)
    click.echo("sources:")
    for s in states:
        flags = (
            "inactive"
            if not s.active
            else ("PAUSED" if s.paused_reason else "ok" if not s.last_error else "failing")
        )
        line = (
            f"  {s.name}: {flags}, last fetch {_ago(s.last_fetch_at)}, HTTP {s.last_status or '-'}, "
            f"{s.items} items"
        )
        if s.consecutive_failures:
            line += f", {s.consecutive_failures} failures in a row"
        click.echo(line)
        for label, text in (
            ("paused", s.paused_reason),
            ("error", s.last_error),
            ("warning", s.last_warning),
        ):
            if text and not (label == "error" and s.paused_reason):
                click.echo(f"      {label}: {text}")
    click.echo("store: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
    planned = read_state(config.root)
    if planned:
        click.echo("schedule (as last written by `trendpapers schedule`):")
        for job, state in planned.items():
            click.echo(f"  {job}: {state['when']}, next {state['next'] or '-'}, last {state['last'] or '-'}")
    click.echo("last runs:")
    last = runs.last_runs(engine)
    if not last:
        click.echo("  none yet")
    for run in last:
        took = f", took {(run.finished_at - run.started_at).total_seconds():.1f}s" if run.finished_at else ""
        counts = ", ".join(f"{k} {v}" for k, v in run.counts.items() if v)
        click.echo(
            f"  {run.stage}: {run.status}, started {_ago(run.started_at)}{took}; {counts or 'nothing done'}"
            + (f"; {len(run.errors)} errors" if run.errors else "")
        )


@cli.command()
@click.argument("name")
@click.pass_context
def resume(ctx: click.Context, name: str) -> None:
    """Resume a paused source NAME (clears its failure count and back-off)."""
    config = _config(ctx)
    with workspace_lock(config.root, "resume"):
        engine = open_store(config.storage_url)
        with engine.begin() as conn:
            if not ingest_store.resume_source(conn, name):
                raise click.UsageError(f"no source named {name!r} in the store")
    click.echo(f"{name}: resumed")


@cli.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build/demo"),
    show_default=True,
    help="Where to create the demo workspace.",
)
def demo(directory: Path) -> None:
    """Run the whole pipeline on the bundled demo sources, served from 127.0.0.1.

    Ingest, analyze, draft a paper per industry, approve and publish the first, build the site.
    """
    import resource
    import time

    from papers.lifecycle import change_status
    from trendpapers.demo import serve_demo, write_demo_workspace

    started = time.perf_counter()
    with serve_demo() as base:
        click.echo(f"demo sources served at {base}")
        path = write_demo_workspace(directory, base)
        config = load_config(path)
        code = _ingest(config, ())
    first = config.industries[0].slug
    with workspace_lock(config.root, "demo"):
        engine = open_store(config.storage_url)
        _print(recorded(engine, "analyze", lambda: analyze_stage(config, engine)))
        _print(recorded(engine, "draft", lambda: draft_stage(config, engine)))
        for action in ("approve", "publish"):
            change = change_status(engine, config.papers_dir, first, None, action, "demo")
            click.echo(f"{action}: {change.row.industry} {change.row.edition} is {change.row.status}")
        _print(recorded(engine, "build", lambda: build_stage(config, engine)))
    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    click.echo(f"demo took {time.perf_counter() - started:.1f} s, peak memory {peak / 1024:.0f} MB")
    click.echo(f"demo workspace: {directory}")
    click.echo(f"  site:    python -m http.server -d {config.root / 'build' / 'site'} -b 127.0.0.1 8000")
    click.echo(f"  papers:  {config.papers_dir} (Markdown; edit them, then draft again: edits are kept)")
    click.echo(f"  list:    trendpapers -c {path} papers list")
    click.echo(f"  approve: trendpapers -c {path} papers approve {config.industries[1].slug}")
    click.echo(f"  preview: trendpapers -c {path} serve-preview  (drafts too, with a DRAFT banner)")
    click.echo(f"  again:   trendpapers -c {path} run  (no new data: changes no file)")
    sys.exit(code)


def main() -> None:
    cli(prog_name="trendpapers")
