"""`trendpapers digest`: the members' e-mail digests of what was published (see ``papers.digest``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ingest.errors import ConfigError, InputError
from papers import frontmatter
from papers.digest import DigestReport, published_papers, send_digests
from papers.files import read_paper
from papers.store import PaperRow
from trendpapers.config import Config
from trendpapers.db import open_store
from trendpapers.lock import workspace_lock
from trendpapers.members import current_matches, member_file, side_names


def _title(config: Config, row: PaperRow) -> str:
    """A paper's title as its file says (the editors may have changed it)."""
    names = side_names(config)
    fallback = f"{names.get(row.industry, row.industry)}: trends {row.edition}"
    path = config.papers_dir / row.path
    try:
        meta, _ = frontmatter.split(read_paper(path)[0], str(path))
    except (OSError, InputError):
        return fallback
    return str(meta.get("title") or fallback)


def run_digests(config: Config, dry_run: Path | None = None, now: datetime | None = None) -> DigestReport:
    """Send each member who wants it the papers published since their last digest (under the workspace
    lock: deliveries are recorded), or with ``dry_run`` write them there as ``.eml`` files."""
    found = member_file(config)
    if found is None:
        raise ConfigError(['cluster.members: no member file is configured (e.g. members = "members.toml")'])
    if not config.site.url:
        raise ConfigError(
            [
                "site.url: is not set; a digest links to the site, so it needs its address "
                '(e.g. url = "https://cluster.example/papers/")'
            ]
        )
    if dry_run is None and config.mail is None:
        raise ConfigError(
            ["mail: no [mail] section; set host and from to send digests (or use --dry-run DIR)"]
        )
    now = now or datetime.now(UTC)
    names = side_names(config)

    def work() -> DigestReport:
        engine = open_store(config.storage_url)
        with engine.begin() as conn:
            wanting = [m for m in found.members if m.digest and m.email]
            matches = current_matches(config, conn, wanting, save=dry_run is None)
            papers = published_papers(conn, str(config.site.url), names, lambda row: _title(config, row))
        return send_digests(
            engine, found.members, matches, papers, config.name, str(config.site.url), config.mail,
            now=now, dry_run=dry_run,
        )  # fmt: skip

    if dry_run is not None:
        return work()
    with workspace_lock(config.root, "digest"):
        return work()
