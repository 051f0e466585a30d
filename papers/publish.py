"""``trendpapers build``: the members' site from the store and the papers, built by MkDocs and swapped
into place atomically.

Steps: compose the Markdown tree (``sitepages``) and the Atom feed into ``build/docs-site``; run
``mkdocs build --strict`` with the Material theme into a fresh folder under ``build/site-builds``;
harden and check every page (``sitecheck``); then point the ``build/site`` symlink at the new folder
with one rename. A failed build or a broken rule raises ``SiteError`` and the previous site is
untouched. A preview (drafts with a DRAFT banner) goes to ``build/preview``, never to the site.
When nothing that goes into the site changed, nothing is built at all.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ingest.errors import SiteError
from papers.feed import atom_feed
from papers.files import write_atomic
from papers.sitecheck import check_and_harden
from papers.sitepages import SitePaper, compose
from summarize.records import Industry

log = logging.getLogger(__name__)
THEME = resources.files("papers") / "theme"
NAV_EDITIONS = 4  # editions per industry in the navigation; older ones via the industry page and archive
COLOURS = (
    "red", "pink", "purple", "deep-purple", "indigo", "blue", "light-blue", "cyan", "teal", "green",
    "light-green", "lime", "yellow", "amber", "orange", "deep-orange", "brown", "grey", "blue-grey",
    "black", "white",
)  # fmt: skip


@dataclass(frozen=True)
class SiteSettings:
    language: str = "en"  # of the theme's own texts (search, navigation), e.g. "de"
    primary: str = "indigo"  # Material colour names
    accent: str = "indigo"
    logo: Path | None = None  # an image file of the cluster's
    url: str | None = None  # where the site is served, for absolute feed links


@dataclass(frozen=True)
class Workspace:
    """What a site build reads and where it writes, all inside one workspace."""

    root: Path
    name: str
    papers_dir: Path
    industries: tuple[Industry, ...]
    mkdocs_file: Path | None  # the workspace's mkdocs.yml, for whatever the cluster added to it

    @property
    def hand_written(self) -> Path:
        return self.root / "site" / "docs"

    @property
    def build_dir(self) -> Path:
        return self.root / "build"


@dataclass(frozen=True)
class BuildReport:
    site: Path
    action: str  # built, unchanged
    pages: int
    papers: int
    seconds: float


def _sync(folder: Path, pages: dict[str, bytes]) -> int:
    """Make ``folder`` hold exactly ``pages``; unchanged files keep their bytes and times."""
    changed = 0
    for rel, data in pages.items():
        path = folder / rel
        try:
            if path.read_bytes() == data:
                continue
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        changed += 1
    for path in sorted(folder.rglob("*"), reverse=True):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel not in pages:
            path.unlink()
            changed += 1
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return changed


def _nav(papers: Sequence[SitePaper], industries: Sequence[Industry]) -> list[Any]:
    nav: list[Any] = [{"Home": "index.md"}]
    for industry in industries:
        own = [p for p in papers if p.row.industry == industry.slug]
        if own:
            editions = [{p.row.edition: f"papers/{p.row.path}"} for p in own[:NAV_EDITIONS]]
            nav.append({industry.name: [f"papers/{industry.slug}/index.md", *editions]})
    nav += [
        {"Trends": "trends/index.md"},
        {"Archive": "archive.md"},
        {"Sources": "sources.md"},
        {"Tags": "tags.md"},
    ]
    return nav


def _mkdocs_options(ws: Workspace, site: SiteSettings, docs: Path, nav: list[Any]) -> dict[str, Any]:
    theme: dict[str, Any] = {
        "name": "material",
        "custom_dir": str(THEME),
        "language": site.language,
        "font": False,  # no Google Fonts: the system fonts, nothing loaded from elsewhere
        "palette": {"primary": site.primary, "accent": site.accent},
        "features": ["navigation.sections", "navigation.top", "search.suggest"],
    }
    if site.logo:
        theme["logo"] = f"assets/logo{site.logo.suffix}"
    return {
        "site_name": ws.name,
        "site_url": site.url,
        "docs_dir": str(docs),
        "theme": theme,
        "nav": nav,
        "not_in_nav": "/trends/*.md\n/papers/*/*.md",  # minor pages: a full nav is quadratic to build
        "plugins": ["search", "tags"],
        "markdown_extensions": ["footnotes", "tables", {"toc": {"permalink": True}}, "admonition"],
        "extra_css": ["assets/stylesheets/trendpapers.css"],  # from the theme folder
        "strict": True,
        "use_directory_urls": True,
    }


def _mkdocs_build(options: dict[str, Any], config_file: Path | None) -> None:
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material's banner is not a problem of this site
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    try:
        config = load_config(config_file=str(config_file) if config_file else None, **options)
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
        finally:
            config.plugins.on_shutdown()
    except (MkDocsException, SystemExit) as exc:  # mkdocs' Abort is a SystemExit-like click exception
        raise SiteError(f"mkdocs build failed: {exc}") from exc


def _swap(link: Path, target: Path) -> None:
    """Point ``link`` at ``target`` with one rename (readers see the old site or the new one)."""
    if link.exists() and not link.is_symlink():  # a plain folder from elsewhere: keep it beside
        link.rename(link.with_name(f"{link.name}.old-{time.time_ns()}"))
    tmp = link.with_name(f".{link.name}.tmp-link")
    if tmp.is_symlink():
        tmp.unlink()
    tmp.symlink_to(os.path.relpath(target, link.parent))
    tmp.replace(link)


def stage_docs(
    engine: sa.Engine, ws: Workspace, site: SiteSettings, preview: bool
) -> tuple[dict[str, bytes], list[SitePaper], dict[str, Any]]:
    """Compose the Markdown tree into ``build/docs-site`` (``-preview``); returns it and MkDocs' options."""
    with engine.connect() as conn:
        pages, papers = compose(conn, ws.papers_dir, ws.hand_written, ws.industries, ws.name, preview)
    if site.logo:
        pages[f"assets/logo{site.logo.suffix}"] = site.logo.read_bytes()
    pages["feed.xml"] = atom_feed(papers, ws.name, site.url)  # MkDocs copies it as it is
    docs = ws.build_dir / f"docs-{'preview' if preview else 'site'}"
    docs.mkdir(parents=True, exist_ok=True)
    _sync(docs, pages)
    return pages, papers, _mkdocs_options(ws, site, docs, _nav(papers, ws.industries))


def serve_preview(engine: sa.Engine, ws: Workspace, site: SiteSettings, address: str) -> None:
    """The MkDocs dev server on the preview; papers edited meanwhile show up within seconds."""
    import threading

    from mkdocs.commands.serve import serve

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    options = stage_docs(engine, ws, site, True)[2]
    stop = threading.Event()

    def restage() -> None:  # the server watches the staged tree; keep it in step with the papers
        while not stop.wait(2.0):
            try:
                stage_docs(engine, ws, site, True)
            except Exception:  # a half-saved paper must not end the preview
                log.exception("preview: could not restage the papers")

    thread = threading.Thread(target=restage, daemon=True)
    thread.start()
    try:
        serve(config_file=str(ws.mkdocs_file) if ws.mkdocs_file else None, dev_addr=address, **options)
    finally:
        stop.set()


def build_site(
    engine: sa.Engine,
    ws: Workspace,
    site: SiteSettings | None = None,
    *,
    preview: bool = False,
    force: bool = False,
) -> BuildReport:
    """Build the site (or the preview); see the module's description."""
    started = time.perf_counter()
    site = site or SiteSettings()
    kind = "preview" if preview else "site"
    pages, papers, options = stage_docs(engine, ws, site, preview)

    digest = hashlib.sha256()
    for rel in sorted(pages):
        digest.update(rel.encode() + b"\0" + hashlib.sha256(pages[rel]).digest())
    mkdocs_yml = ws.mkdocs_file.read_bytes() if ws.mkdocs_file and ws.mkdocs_file.is_file() else b""
    versions = [metadata.version(p) for p in ("trendpapers", "mkdocs", "mkdocs-material")]
    digest.update(repr((options, versions)).encode() + mkdocs_yml)
    fingerprint = digest.hexdigest()
    link = ws.build_dir / kind
    stamp = ws.build_dir / f"{kind}.fingerprint"
    if not force and link.is_dir() and stamp.is_file() and stamp.read_text(encoding="utf-8") == fingerprint:
        return BuildReport(link, "unchanged", len(pages), len(papers), time.perf_counter() - started)

    builds = ws.build_dir / f"{kind}-builds"
    out = builds / str(time.time_ns())
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        _mkdocs_build({**options, "site_dir": str(out)}, ws.mkdocs_file)
        problems = check_and_harden(out, site.url)
        if problems:
            shown = "\n  ".join(problems[:20]) + (
                f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
            )
            raise SiteError(f"the built {kind} breaks the safety rules; it was not published:\n  {shown}")
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    previous = link.resolve() if link.is_symlink() else None
    _swap(link, out)
    write_atomic(stamp, fingerprint)
    for old in builds.iterdir():  # keep the new build and the one before (a reader may still be on it)
        if old != out and old.resolve() != previous:
            shutil.rmtree(old, ignore_errors=True)
    return BuildReport(link, "built", len(pages), len(papers), time.perf_counter() - started)
