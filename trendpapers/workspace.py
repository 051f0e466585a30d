"""``trendpapers init``: scaffold a workspace for a cluster (config, MkDocs project, site skeleton).

The configuration and the workspace's ``mkdocs.yml`` come from ``templates/workspace/``; the pages
under ``site/docs/`` are the site's default pages (the package's ``site/docs/``), for editors to change.

A cluster keeps its workspace (configuration, database, papers, site) in a directory of its
own, under version control if it likes, and never edits this code repository.
"""

from __future__ import annotations

import html
import json
import shutil
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from ingest.errors import InputError
from papers.files import write_atomic
from papers.i18n import LANGUAGES
from papers.sitefiles import site_folder
from trendpapers.config import CONFIG_NAME, load_config

_TEMPLATE = resources.files("trendpapers") / "templates" / "workspace"
_LANGUAGE_LINE = 'language = "%s"            # of the papers'  # [workspace] in the template


INIT_BACKUP = ".trendpapers-init-backup"  # where `init --force` keeps the files it replaced


def _walk(node: Traversable, prefix: Path) -> list[tuple[Path, Traversable]]:
    files: list[tuple[Path, Traversable]] = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.is_dir():
            files.extend(_walk(child, prefix / child.name))
        else:
            files.append((prefix / child.name, child))
    return files


def init_workspace(directory: Path, name: str, *, language: str = "en", force: bool = False) -> list[Path]:
    """Write the workspace files into ``directory``; refuses to overwrite unless ``force``, which
    keeps each file it replaces by another text under ``.trendpapers-init-backup/`` (outside what
    the site publishes).

    Returns the files written, the kept ones too. In the templates ``{name}`` becomes the cluster's
    name as a quoted string (valid in TOML and YAML alike), ``{title}`` the name as Markdown text;
    the configuration's ``[workspace] language`` is ``language``.
    """
    if language not in LANGUAGES:
        raise InputError(f"no workspace language {language!r} (there are: {', '.join(LANGUAGES)})")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file where a folder of the path should be; no permission
        raise InputError(f"{directory}: cannot make the workspace folder there: {exc.strerror}") from None
    files = sorted(
        _walk(_TEMPLATE, Path()) + _walk(site_folder() / "docs", Path("site", "docs")), key=lambda f: f[0]
    )
    existing = [rel for rel, _ in files if (directory / rel).exists()]
    if existing and not force:
        raise InputError(  # a usage error: the command was pointed at the wrong place
            f"{directory}: already holds {', '.join(map(str, existing))}; use --force to overwrite"
        )
    written = []
    for rel, source in files:
        target = directory / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        text = source.read_text(encoding="utf-8")
        text = text.replace("{name}", json.dumps(name, ensure_ascii=False)).replace(
            "{title}", html.escape(name)
        )
        if rel == Path(CONFIG_NAME):
            text = text.replace(_LANGUAGE_LINE % "en", _LANGUAGE_LINE % language, 1)
        if target.is_file() and target.read_bytes() != text.encode("utf-8"):  # the cluster's own settings
            kept = directory / INIT_BACKUP / rel
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(target, kept)
            written.append(kept)
        write_atomic(target, text)
        written.append(target)
    (directory / "papers").mkdir(exist_ok=True)
    return written


def config_path(directory: Path) -> Path:
    return directory / CONFIG_NAME


def create_workspace(directory: Path, name: str, *, language: str = "en", force: bool = False) -> list[str]:
    """``trendpapers init``: the workspace files and a migrated store; what was done, line by line."""
    from trendpapers.db import open_store

    written = init_workspace(directory, name, language=language, force=force)
    config = load_config(config_path(directory))
    open_store(config.storage_url)
    path = config_path(directory)
    return [
        *(
            f"kept the old {directory / p.relative_to(directory / INIT_BACKUP)} as {p}"
            if p.is_relative_to(directory / INIT_BACKUP)
            else f"wrote {p}"
            for p in written
        ),
        f"database ready: {config.storage_url}",
        f"next: add [[sources]] to {path}, then `trendpapers -c {path} check`",
    ]
