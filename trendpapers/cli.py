"""The ``trendpapers`` command line: each command parses its options and calls one library function.

Exit codes: 0 ok; 1 finished, but some items (feeds, pages) had errors; 2 configuration or
usage error; 3 storage or other fatal error; 75 another process is writing to the workspace
(EX_TEMPFAIL: try again later). Every command that writes holds the workspace lock.
"""

from __future__ import annotations

import errno
import getpass
import logging
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ingest.errors import ConfigError, InputError, LockError, TrendpapersError
from ingest.wording import plural
from papers.i18n import LANGUAGES, Texts
from trendpapers.config import CONFIG_NAME, Config, future_day, load_config
from trendpapers.lock import EXIT_LOCKED
from trendpapers.logs import setup_logging

if TYPE_CHECKING:
    from trendpapers.pipeline import StageResult

# The heavy modules (the stores, numpy, the model) load inside the commands that need them, so that
# `--help`, `papers list` and `status` start fast.

EXIT_OK, EXIT_ITEM_ERRORS, EXIT_CONFIG, EXIT_FATAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C


_ENVIRONMENT_ERRORS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT}


_GROUP_VALUES = {"-c", "--config", "--log-format", "--log-file"}  # the group's options that take a value
_LOUDNESS = re.compile(r"-v+|-q+|--verbose|--quiet")  # the group's flags, also taken after the command


class _Group(click.Group):
    """Turns our errors into messages and exit codes instead of tracebacks; takes ``-c``, ``-v``
    and ``-q`` after the command too (``trendpapers check -c ws``), as ``mkdocs build -f`` does."""

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
            if command_seen and (arg.startswith("--config=") or _LOUDNESS.fullmatch(arg)):
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
        except (click.ClickException, click.exceptions.Exit):
            raise  # usage errors and their exit codes are click's
        except (KeyboardInterrupt, click.Abort):  # Ctrl-C (at a prompt: Abort): the shell's code for it
            click.echo(
                "\ninterrupted: what was stored stays stored; run the command again to go on", err=True
            )
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            # The reader went away (`trendpapers status | head`): stop quietly, as Unix tools do. The
            # rest of the output goes nowhere, so that flushing it at exit raises nothing either.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_OK)
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
            from trendpapers.db import close_stores

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
    level = logging.INFO + 10 * (quiet - verbose)
    try:
        setup_logging(level, log_format, log_file)
    except OSError as exc:  # a file where a folder of the path should be; no permission
        blocking = next((p for p in (log_file or Path()).parents if p.exists() and not p.is_dir()), None)
        reason = f"{blocking} is a file, not a folder" if blocking else exc.strerror
        raise click.BadParameter(f"{log_file}: {reason}", param_hint="'--log-file'") from None
    if config_file.is_dir():
        config_file = config_file / CONFIG_NAME
    ctx.obj = _Options(config_file, log_format, log_file, quiet > 0, level)


@dataclass(frozen=True)
class _Options:
    """The group's options, for the commands."""

    config_file: Path
    log_format: str
    log_file: Path | None
    quiet: bool = False  # -q: nothing on stdout when all is well (cron mails what is printed)
    log_level: int = logging.INFO


def _config(ctx: click.Context) -> Config:
    return load_config(ctx.obj.config_file)


def _say(ctx: click.Context, lines: Iterable[str]) -> None:
    """Lines for people on stdout, unless -q (then only what is wrong reaches the user, on stderr)."""
    if not ctx.find_root().obj.quiet:
        for line in lines:
            click.echo(line)


def _print(ctx: click.Context, result: StageResult) -> None:
    """A stage's lines and summary; under -q only its errors, on stderr."""
    if ctx.find_root().obj.quiet:
        for error in result.errors:
            click.echo(f"error: {error}", err=True)
        return
    _say(ctx, [*(f"  {line}" for line in result.details), f"{result.stage}: {result.summary}"])


def _exit(results: Iterable[StageResult]) -> None:
    sys.exit(EXIT_ITEM_ERRORS if any(r.errors for r in results) else EXIT_OK)


def _industry(config: Config, industry: str | None, field: bool = False, papers: bool = False) -> None:
    """Refuse an industry slug the workspace does not have; with ``field``, the cluster's field
    (``field``) is one where the workspace names it; with ``papers``, so is one no longer configured
    whose papers are in the store (a published one must stay listable and withdrawable)."""
    from summarize.records import FIELD
    from trendpapers.listings import paper_industries

    known = [i.slug for i in config.industries] + ([FIELD] if field and config.cluster.field else [])
    if industry and industry not in known and not (papers and industry in paper_industries(config)):
        raise click.UsageError(f"unknown industry {industry!r} (configured: {', '.join(known)})")


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    """A day as YYYY-MM-DD, today or before; "2026-02-30" is refused as the day it is not, and a
    mistyped year ("2062") before it replaces the analysis with an empty one."""
    try:
        day = date.fromisoformat(value) if value is not None else None
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is no day of the form YYYY-MM-DD ({exc})", ctx, param) from None
    if day is not None and (problem := future_day(day)):
        raise click.BadParameter(problem)
    return day


def _edition(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An edition's name, checked before anything runs: a typo is no failed run."""
    from papers.editions import parse_edition

    if value is not None:
        try:
            parse_edition(value)
        except InputError as exc:
            raise click.BadParameter(str(exc), ctx, param) from None
    return value


def _default_user() -> str | None:
    """Who runs the command, by login name; None for root, which names no person (the site would
    say "approved by root")."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password database
        return None
    return None if name == "root" else name


def _language_option(help_text: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """``--language``: one of the languages the papers have texts in, English by default."""
    return click.option(
        "--language", type=click.Choice(LANGUAGES), default="en", show_default=True, help=help_text
    )


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--name", default="Our Cluster", show_default=True, help="The cluster's name, shown on the site."
)
@_language_option("Of the papers, the site and the digests.")
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite existing files (changed ones are kept in .trendpapers-init-backup).",
)
@click.pass_context
def init(ctx: click.Context, directory: Path, name: str, language: str, force: bool) -> None:
    """Create a workspace in DIRECTORY: configuration, MkDocs project, site skeleton, database."""
    from trendpapers.workspace import create_workspace

    _say(ctx, create_workspace(directory, name, language=language, force=force))


@cli.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Validate the configuration file; report every problem at once, then what looks unintended."""
    from trendpapers.db import check_store
    from trendpapers.members import check_member_file

    config = _config(ctx)
    warnings = check_store(config)
    members = check_member_file(config)  # every problem of the member file at once
    for warning in [*config.warnings, *warnings]:
        click.echo(f"warning: {warning}", err=True)
    _say(
        ctx,
        [
            f"{config.path}: OK ({plural(len(config.industries), 'industry', 'industries')}, "
            f"{plural(len(config.sources), 'source')}, "
            f"storage {config.storage_url})",
            *([members] if members else []),
        ],
    )


@cli.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run every stage once, in order, and report what each did."""
    from trendpapers.pipeline import run_locked

    results = run_locked(_config(ctx))
    for result in results:
        _print(ctx, result)
    _exit(results)


@cli.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def backup_command(ctx: click.Context, dest: Path) -> None:
    """Back up the store and the workspace into a new folder under DEST (safe while running).

    Restore: stop Trendpapers, copy the files back into the workspace (those in outside/ to where
    manifest.json says), and put the store back (SQLite: store.db becomes the database file;
    PostgreSQL: pg_restore store.dump).
    """
    from trendpapers.backup import backup

    _say(ctx, [f"backup written to {backup(_config(ctx), dest)}"])


@cli.command("schedule")
@click.pass_context
def schedule_command(ctx: click.Context) -> None:
    """Run the jobs of [schedule.jobs] when they are due, until SIGTERM or Ctrl-C.

    Each job runs in a child process, stopped at [schedule] timeout; a failing job is logged,
    recorded and simply comes round again. `trendpapers status` shows the next due times.
    """
    from trendpapers.scheduler import run_schedule

    config = _config(ctx)
    if not config.schedule:
        raise click.UsageError(f"{config.path}: no [schedule.jobs] configured")
    _say(ctx, [f"job {spec.name}: {spec.when} (timeout {spec.timeout:g}s)" for spec in config.schedule])
    run_schedule(config, (ctx.obj.log_format, ctx.obj.log_file))


@cli.command()
@click.option("--source", "only", multiple=True, metavar="NAME", help="Only this source (repeatable).")
@click.pass_context
def ingest(ctx: click.Context, only: tuple[str, ...]) -> None:
    """Fetch due feeds, store new items, extract their articles and mark duplicates."""
    from trendpapers.pipeline import ingest_stage, locked_stage

    config = _config(ctx)
    known = {s.name.lower(): s.name for s in config.sources}
    unknown = sorted(n for n in only if n.lower() not in known)
    if unknown:
        what = "unknown source" if len(unknown) == 1 else "unknown sources"
        raise click.UsageError(f"{what}: {', '.join(unknown)}")
    names = tuple(known[n.lower()] for n in only)
    result = locked_stage(config, "ingest", lambda engine: ingest_stage(config, engine, names))
    _print(ctx, result)
    _exit([result])


@cli.command()
@click.option(
    "--industry", metavar="SLUG", help="Trends of this industry only (documents are scored for all)."
)
@click.option(
    "--window", type=click.IntRange(7, 3650), metavar="DAYS", help="Trend window (default from config)."
)
@click.option(
    "--as-of", callback=_day, metavar="YYYY-MM-DD", help="Last day of the window (default today, UTC)."
)
@click.pass_context
def analyze(ctx: click.Context, industry: str | None, window: int | None, as_of: date | None) -> None:
    """Embed new documents, score industries, group stories; then trends and cited summaries."""
    from trendpapers.pipeline import analyze_stage, locked_stage

    config = _config(ctx)
    _industry(config, industry)
    analysis = config.analysis
    if window:
        analysis = replace(analysis, trends=replace(analysis.trends, window_days=window))
    if as_of:
        analysis = replace(analysis, as_of=as_of)
    config = replace(config, analysis=analysis)
    _print(ctx, locked_stage(config, "analyze", lambda engine: analyze_stage(config, engine, industry)))


@cli.command()
@click.option("--industry", metavar="SLUG", help="Only this industry.")
@click.option("--all", "show_all", is_flag=True, help="Also trends not found in the latest analysis.")
@click.pass_context
def trends(ctx: click.Context, industry: str | None, show_all: bool) -> None:
    """List trends with status, growth, documents, sources, name and example; for an industry without
    any, why."""
    from trendpapers.listings import trend_lines

    config = _config(ctx)
    _industry(config, industry)
    _say(ctx, trend_lines(config, industry, show_all))


@cli.command()
@click.option("--industry", metavar="SLUG", help="Only those touching this industry (or 'field').")
@click.pass_context
def opportunities(ctx: click.Context, industry: str | None) -> None:
    """List cross-sector opportunities: where a trend of one industry touches another industry or the
    cluster's own field ([cluster] field), with why and documents from both sides."""
    from trendpapers.listings import opportunity_lines

    config = _config(ctx)
    _industry(config, industry, field=True)
    _say(ctx, opportunity_lines(config, industry))


@cli.group("members")
def members_group() -> None:
    """The cluster's members ([cluster] members): who matches which trends and opportunities."""


@members_group.command("match")
@click.option("--member", "only", metavar="NAME", help="Only this member (any case).")
@click.pass_context
def members_match(ctx: click.Context, only: str | None) -> None:
    """List each member's matched trends and opportunities of the latest analysis, best first, with why
    (similarity of their competences, their keywords, their industries of interest)."""
    from trendpapers.members import match_lines

    _say(ctx, match_lines(_config(ctx), only))


@cli.command("digest")
@click.option(
    "--dry-run",
    "dry_run",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Write each message to DIR as an .eml file instead of sending it; records nothing.",
)
@click.pass_context
def digest_command(ctx: click.Context, dry_run: Path | None) -> None:
    """E-mail each member who wants it the papers published since their last digest, with the trends
    and opportunities matched to them and why, through [mail]'s SMTP server.

    Every delivery is recorded: a re-run sends nothing twice; a failed message (a refused address,
    a dropped connection) is named here and tried again on the next run. Exit code 1 if any failed.
    """
    from trendpapers.digests import failures, outcome_lines, run_digests

    report = run_digests(_config(ctx), dry_run)
    for failure in failures(report):
        click.echo(f"error: {failure}", err=True)
    _say(ctx, outcome_lines(report))
    sys.exit(EXIT_ITEM_ERRORS if report.failed else EXIT_OK)


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
    from trendpapers.listings import rename

    if reset == (name is not None):
        raise click.UsageError("give either a NAME or --reset")
    trend = rename(_config(ctx), trend_id, name, by or _default_user())
    _say(ctx, [f"{trend.trend_id}: {trend.name}"])


@cli.command()
@click.option("--industry", metavar="SLUG", help="Only the scores for this industry.")
@click.option("--unassigned", is_flag=True, help="Only documents no industry took.")
@click.option("--near", is_flag=True, help="Only scores within 0.05 below the assignment threshold.")
@click.pass_context
def documents(ctx: click.Context, industry: str | None, unassigned: bool, near: bool) -> None:
    """List documents with their industry scores and the reasons, newest first (with --industry:
    that industry's best scores first)."""
    from trendpapers.listings import document_lines

    config = _config(ctx)
    _industry(config, industry, field=True)
    _say(ctx, document_lines(config, industry, unassigned, near))


@cli.command()
@click.option("--industry", metavar="SLUG", help="Only this industry's paper.")
@click.option(
    "--edition",
    metavar="NAME",
    callback=_edition,
    help="Edition such as 2026-Q4 or 2026-11 (default: the latest trends').",
)
@click.pass_context
def draft(ctx: click.Context, industry: str | None, edition: str | None) -> None:
    """Draft the papers of an edition, merging new data into the editors' files.

    A paper the editors changed keeps every change; where new data touches the same lines, or the
    paper is approved or published, the new version goes to EDITION.proposed.md beside it.
    """
    from papers.editions import parse_edition
    from trendpapers.pipeline import draft_stage, locked_stage

    config = _config(ctx)
    _industry(config, industry)
    if edition:
        parse_edition(edition, config.papers.cadence)  # refused before any run is recorded
    result = locked_stage(config, "draft", lambda engine: draft_stage(config, engine, industry, edition))
    _print(ctx, result)
    _exit([result])


@cli.command("build")
@click.option("--preview", is_flag=True, help="Include drafts (with a PREVIEW banner), into build/preview.")
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
    from trendpapers.pipeline import build_stage, locked_stage

    config = _config(ctx)
    _print(ctx, locked_stage(config, "build", lambda engine: build_stage(config, engine, preview, force)))
    folder = config.root / "build" / ("preview" if preview else "site")
    _say(ctx, [f"view it: python -m http.server -d {folder} -b 127.0.0.1 8000"])


@cli.command("serve-preview")
@click.option("--address", default="127.0.0.1:8000", show_default=True, help="Where to serve.")
@click.pass_context
def serve_preview_command(ctx: click.Context, address: str) -> None:
    """Serve the site with drafts for editors (MkDocs dev server); saved edits appear on reload."""
    from desk.serve import free_address
    from papers.sitebuild import serve_preview
    from trendpapers.db import open_store

    config = _config(ctx)
    free_address(address)  # MkDocs would fail on a busy port with a traceback
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
    from trendpapers.listings import paper_list_lines

    config = _config(ctx)
    _industry(config, industry, papers=True)
    _say(ctx, paper_list_lines(config, industry, status))


@papers_group.command("show")
@click.argument("industry")
@click.argument("edition", required=False, callback=_edition)
@click.option("--text", is_flag=True, help="Also print the paper's Markdown.")
@click.pass_context
def papers_show(ctx: click.Context, industry: str, edition: str | None, text: bool) -> None:
    """Show a paper (default: the industry's latest edition): status, history, file, trends."""
    from trendpapers.listings import paper_lines

    config = _config(ctx)
    _industry(config, industry, papers=True)
    _say(ctx, paper_lines(config, industry, edition, text))


def _status_command(action: str, help_text: str) -> None:
    changes_site = action in ("publish", "withdraw")

    @papers_group.command(action, help=help_text)
    @click.argument("industry")
    @click.argument("edition", required=False, callback=_edition)
    @click.option(
        "--by",
        metavar="NAME",
        help="Who does this, as the site shows it (default: the login name, unless root).",
    )
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
        from trendpapers.pipeline import paper_action

        config = _config(ctx)
        _industry(config, industry, papers=True)
        done = paper_action(
            config, industry, edition, action, by or _default_user(), force=force, build=not no_build
        )
        warnings = list(done.change.warnings)
        if done.change.row.status_by is None and action != "withdraw":
            warnings.append(
                f"{done.change.row.status} without a name (root names no person), so the site names "
                "nobody; pass --by NAME to name who did it"
            )
        for warning in warnings:
            click.echo(f"warning: {warning}", err=True)
        row = done.change.row
        status = Texts(config.language).paper_status(row.status)  # as `papers list` says it
        _say(ctx, [*done.change.renamed, f"{row.industry} {row.edition}: {status} ({done.change.path})"])
        if done.build:
            _print(ctx, done.build)


_status_command("approve", "Approve a draft (default: the industry's latest edition).")
_status_command("publish", "Publish an approved paper and rebuild the site (unless --no-build).")
_status_command("withdraw", "Withdraw a paper and rebuild the site without it (unless --no-build).")


@cli.group("eval")
def eval_group() -> None:
    """Run the analysis on JSONL corpora and score it (same code and defaults as the pipeline)."""


def _analysis_settings(ctx: click.Context) -> Any:
    """The workspace's analysis settings if a configuration file exists, else the defaults."""
    from summarize.settings import AnalysisSettings

    path = ctx.find_root().obj.config_file
    return load_config(path).analysis if path.exists() else AnalysisSettings()


_MODEL_HELP = (
    'Embedding model: "multilingual", "english", a model id or a local folder (default: the workspace\'s).'
)


def _group_corpus(ctx: click.Context, corpus: Path, output: Path, trends: bool, model: str | None) -> None:
    """Stories (and trends) of a JSONL corpus written to ``output``, with a one-line summary."""
    from dataclasses import replace

    from summarize import evaluate
    from summarize.embed import choose_model, load_embedder

    settings = _analysis_settings(ctx)
    if model:
        settings = replace(settings, embed=replace(settings.embed, model=choose_model(model, ["en"])))
    grouping = evaluate.eval_trends if trends else evaluate.eval_stories
    rows = grouping(evaluate.read_articles(corpus), load_embedder(settings.embed), settings)
    evaluate.write_jsonl(output, rows)
    found = [f"{len({r['story'] for r in rows})} stories"]
    if trends:
        found.append(f"{len({r['trend'] for r in rows})} trends")
    click.echo(f"{len(rows)} documents in {' and '.join(found)}: {output}")


@eval_group.command("stories")
@click.argument("corpus", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--model", help=_MODEL_HELP)
@click.pass_context
def eval_stories_command(ctx: click.Context, corpus: Path, output: Path, model: str | None) -> None:
    """Group CORPUS lines {"id","title","text","published"} into stories: lines {"id","story"}."""
    _group_corpus(ctx, corpus, output, trends=False, model=model)


@eval_group.command("trends")
@click.argument("corpus", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--model", help=_MODEL_HELP)
@click.pass_context
def eval_trends_command(ctx: click.Context, corpus: Path, output: Path, model: str | None) -> None:
    """Group CORPUS lines into stories and trends (one industry, one window): lines {"id","story","trend"}."""
    _group_corpus(ctx, corpus, output, trends=True, model=model)


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
@click.option(
    "--gold-field",
    default="story",
    show_default=True,
    help="GOLD's label field: `event` or `topic` for a labelled corpus itself.",
)
@click.option(
    "--field", default="story", show_default=True, help="PREDICTED's label field: `trend` for eval trends."
)
def score_stories_command(gold: Path, predicted: Path, gold_field: str, field: str) -> None:
    """Pairwise and BCubed precision/recall/F1 and adjusted Rand index of PREDICTED against GOLD
    (lines {"id", label}, over the same ids)."""
    from summarize.evaluate import score_stories

    s = score_stories(gold, predicted, gold_field, field)
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
    from trendpapers.pipeline import import_stage, locked_stage

    config = _config(ctx)
    result = locked_stage(config, "import-patents", lambda engine: import_stage(config, engine, paths))
    _print(ctx, result)
    _exit([result])


@cli.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """Show each source's fetch state, next try and document health, and each stage's last run."""
    from trendpapers.status import status_lines

    for line in status_lines(_config(ctx)):  # asked for: printed even under -q
        click.echo(line)


@cli.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--all", "every", is_flag=True, help="Every paused or failing source.")
@click.pass_context
def resume(ctx: click.Context, names: tuple[str, ...], every: bool) -> None:
    """Resume paused sources NAME... (any case), or --all: clears failure counts and back-off."""
    from trendpapers.status import resume as resume_sources

    if bool(names) == every:
        raise click.UsageError("give source NAMEs or --all")
    _say(ctx, resume_sources(_config(ctx), None if every else names) or ["no paused or failing source"])


@cli.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build/demo"),
    show_default=True,
    help="Where to create the demo workspace.",
)
@_language_option("The workspace's language: de is a German cluster with German and English sources.")
@click.pass_context
def demo(ctx: click.Context, directory: Path, language: str) -> None:
    """Run the whole pipeline on the bundled demo sources, served from 127.0.0.1.

    Ingest, analyze, draft a paper per industry, approve and publish the first, build the site.
    Each step is told; -v adds the log.
    """
    from trendpapers.demo import run_demo

    if ctx.obj.log_level == logging.INFO and ctx.obj.log_file is None:
        # The demo tells each step itself, for a first-time user; -v adds the log (migrations, ...).
        logging.getLogger().setLevel(logging.WARNING)
    sys.exit(run_demo(directory, lambda line: _say(ctx, [line]), language))


@cli.command("serve-editor")
@click.option(
    "--address",
    default="127.0.0.1:8001",
    show_default=True,
    help="Where to serve, HOST:PORT ([::1]:8001 for IPv6; port 0: any free port, printed).",
)
@click.option(
    "--trusted-proxy",
    metavar="IP",
    help="The address of the TLS proxy in front (nginx, Caddy): only from it are X-Forwarded-For "
    "and X-Forwarded-Proto believed.",
)
@click.pass_context
def serve_editor_command(ctx: click.Context, address: str, trusted_proxy: str | None) -> None:
    """Serve the editors' desk in the browser: the papers and what changed, editing with a preview,
    proposals change by change, trend names, approving, publishing and withdrawing.

    Accounts come from `trendpapers editors add NAME`. Runs until SIGTERM or Ctrl-C; see
    docs/operations.md for running it under systemd behind nginx or Caddy with TLS.
    """
    from desk.serve import serve_editor

    serve_editor(_config(ctx), address, trusted_proxy, click.echo)


@cli.group("editors")
def editors_group() -> None:
    """Manage the accounts of the editors' desk: add, remove, list, and set passwords."""


_PASSWORD_STDIN = click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input (scripts).",
)


def _password(from_stdin: bool) -> str:
    """The password typed twice without echo, or the first line of standard input (with
    --password-stdin, or when it is no terminal: nothing is typed to hide, and getpass would warn)."""
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@editors_group.command("add")
@click.argument("name")
@_PASSWORD_STDIN
@click.pass_context
def editors_add(ctx: click.Context, name: str, password_stdin: bool) -> None:
    """Create an account NAME for the desk; asks for its password (at least 12 characters)."""
    from desk.commands import add

    config = _config(ctx)
    _say(ctx, [add(config, name, _password(password_stdin), _default_user() or "the operator")])


@editors_group.command("remove")
@click.argument("name")
@click.pass_context
def editors_remove(ctx: click.Context, name: str) -> None:
    """Delete the account NAME and end its sessions; what it did stays in the record."""
    from desk.commands import remove

    _say(ctx, [remove(_config(ctx), name, _default_user() or "the operator")])


@editors_group.command("list")
@click.pass_context
def editors_list(ctx: click.Context) -> None:
    """List the desk's accounts: when each was added, last signed in, and its open sessions."""
    from desk.commands import listing

    for line in listing(_config(ctx)):  # asked for: printed even under -q
        click.echo(line)


@editors_group.command("passwd")
@click.argument("name")
@_PASSWORD_STDIN
@click.pass_context
def editors_passwd(ctx: click.Context, name: str, password_stdin: bool) -> None:
    """Set a new password for the account NAME; every session of it ends."""
    from desk.commands import passwd

    config = _config(ctx)
    _say(ctx, [passwd(config, name, _password(password_stdin), _default_user() or "the operator")])


def main() -> None:
    cli(prog_name="trendpapers")
