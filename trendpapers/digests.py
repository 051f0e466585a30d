"""`trendpapers digest`: the members' e-mail digests of what was published (see ``papers.digest``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from ingest.errors import ConfigError, InputError
from ingest.wording import plural
from papers import frontmatter
from papers.digest import DigestReport, published_papers, send_digests
from papers.files import read_paper
from papers.i18n import Texts
from papers.store import PaperRow
from summarize.members import MemberFile
from trendpapers.config import Config
from trendpapers.db import open_store
from trendpapers.lock import workspace_lock
from trendpapers.members import current_matches, member_file, side_names

if TYPE_CHECKING:
    from trendpapers.pipeline import StageResult


def _title(config: Config, row: PaperRow) -> str:
    """A paper's title as its file says (the editors may have changed it)."""
    names = side_names(config)
    fallback = Texts(config.language).gettext("%(industry)s: trends %(edition)s") % {
        "industry": names.get(row.industry, row.industry),
        "edition": row.edition,
    }
    path = config.papers_dir / row.path
    try:
        meta, _ = frontmatter.split(read_paper(path)[0], str(path))
    except (OSError, InputError):
        return fallback
    return str(meta.get("title") or fallback)


def run_digests(config: Config, dry_run: Path | None = None, now: datetime | None = None) -> DigestReport:
    """Send each member who wants it the papers published since their last digest (under the workspace
    lock: deliveries are recorded), or with ``dry_run`` write them there as ``.eml`` files."""
    if dry_run is not None:
        return deliver(config, open_store(config.storage_url), dry_run, now)
    with workspace_lock(config.root, "digest"):
        return deliver(config, open_store(config.storage_url), None, now)


def _ready(config: Config, dry_run: Path | None) -> MemberFile:
    """The member file, once the workspace has what digests need (a ``ConfigError`` otherwise)."""
    found = member_file(config)
    problems = []
    if found is None:
        problems.append('cluster.members: no member file is configured (e.g. members = "members.toml")')
    if not config.site.url:
        problems.append(
            "site.url: is not set; a digest links to the site, so it needs its address "
            '(e.g. url = "https://cluster.example/papers/")'
        )
    if dry_run is None and config.mail is None:
        problems.append("mail: no [mail] section; set host and from to send digests (or use --dry-run DIR)")
    if problems or found is None:
        raise ConfigError(problems, str(config.path) if config.path else None)
    if dry_run is not None:
        try:
            dry_run.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"--dry-run {dry_run}: cannot write the digests there: {exc.strerror or exc}"
            ) from None
    return found


def deliver(
    config: Config, engine: sa.Engine, dry_run: Path | None = None, now: datetime | None = None
) -> DigestReport:
    """The digests of ``run_digests``, on an opened store (the caller holds the lock when sending)."""
    found = _ready(config, dry_run)
    site_url = str(config.site.url)
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        wanting = [m for m in found.members if m.digest and m.email]
        matches = current_matches(config, conn, wanting, save=dry_run is None)
        papers = published_papers(conn, site_url, side_names(config), lambda row: _title(config, row))
    return send_digests(
        engine,
        found.members,
        matches,
        papers,
        config.name,
        site_url,
        config.mail,
        now=now,
        dry_run=dry_run,
        texts=Texts(config.language),
    )


def outcome_lines(report: DigestReport) -> list[str]:
    """What `trendpapers digest` says: a line per member it wrote to, then the summary."""
    lines = [
        f"{o.action:<10} {o.member} <{o.recipient}>"
        + (f": {plural(o.papers, 'paper')}" if o.papers else "")
        + (f" ({o.detail})" if o.detail else "")
        for o in report.outcomes
    ]
    n = len(report.skipped)
    verbs = ("wants", "has") if n == 1 else ("want", "have")
    skipped = f"; {plural(n, 'member')} {verbs[0]} no digest or {verbs[1]} no address" if n else ""
    return [*lines, f"digest: {_summary(report)}{skipped}"]


def failures(report: DigestReport) -> list[str]:
    """Each digest not sent, by the member's name and address, and why (retried on the next run)."""
    return [f"digest to {o.member} <{o.recipient}> not sent: {o.detail}" for o in report.failed]


def _summary(report: DigestReport) -> str:
    counts = {
        a: sum(o.action == a for o in report.outcomes) for a in ("sent", "written", "failed", "up to date")
    }
    return ", ".join(f"{n} {a}" for a, n in counts.items() if n) or "no member wants a digest"


def digest_stage(config: Config, engine: sa.Engine) -> StageResult:
    """The scheduled job ``digest`` (not part of `run`): as `trendpapers digest`, under the job's lock."""
    from trendpapers.pipeline import StageResult  # the pipeline imports this module lazily, not at load

    report = deliver(config, engine)
    details = tuple(
        f"{o.action:<10} {o.member}" + (f" ({o.detail})" if o.detail else "") for o in report.outcomes
    )
    counts = {a: sum(o.action == a for o in report.outcomes) for a in ("sent", "failed", "up to date")}
    return StageResult("digest", counts, tuple(failures(report)), details, _summary(report))
