"""``trendpapers build``: the members' site from the store and the papers, built by MkDocs and swapped
into place atomically.

Steps: compose the Markdown tree (``sitepages``) and the Atom feed into ``build/docs-site``; run
``mkdocs build --strict`` with the Material theme, from the base configuration in ``site/mkdocs.yml``
(``sitefiles``), into a fresh folder under ``build/site-builds``; harden and check every page
(``sitecheck``); then point the ``build/site`` symlink at the new folder with one rename. A failed
build or a broken rule raises ``SiteError`` and the previous site is untouched. A change to the body
of pages only is built incrementally (see ``build_site``). A preview (drafts with a PREVIEW banner)
goes to ``build/preview``, never to the site.
When nothing that goes into the site changed, nothing is built at all.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ingest.errors import SiteError
from papers.files import write_atomic
from papers.i18n import Texts
from papers.privacy import leaks, member_addresses
from papers.sitecheck import check_and_harden
from papers.sitefeed import atom_feed, industry_feeds
from papers.sitefiles import SiteSettings, Workspace, base_config, markdown_extensions
from papers.sitepages import SitePaper, compose
from summarize.records import Industry

log = logging.getLogger(__name__)
NAV_EDITIONS = 4  # editions per industry in the navigation; older ones via the industry page and archive


@dataclass(frozen=True)
class BuildReport:
    site: Path
    action: str  # built, unchanged
    pages: int
    papers: int
    seconds: float


def _sync(folder: Path, pages: dict[str, bytes]) -> None:
    """Make ``folder`` hold exactly ``pages``; unchanged files keep their bytes and times (MkDocs'
    dirty mode rebuilds what is newer than its page)."""
    for rel, data in pages.items():
        path = folder / rel
        try:
            if path.read_bytes() == data:
                continue
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")  # renamed, not fsynced: the next build redoes it
        tmp.write_bytes(data)
        tmp.replace(path)
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file() and path.relative_to(folder).as_posix() not in pages:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def _nav(papers: Sequence[SitePaper], industries: Sequence[Industry], tr: Texts) -> list[Any]:
    nav: list[Any] = [{tr.gettext("Home"): "index.md"}]
    for industry in industries:
        own = [p for p in papers if p.row.industry == industry.slug]
        if own:
            editions = [{p.row.edition: f"papers/{p.row.path}"} for p in own[:NAV_EDITIONS]]
            # Titles here, not from the pages: an incremental build does not read unchanged pages.
            all_editions = {tr.gettext("All editions"): f"papers/{industry.slug}/index.md"}
            nav.append({industry.name: [all_editions, *editions]})
    nav += [
        {tr.gettext("Trends"): "trends/index.md"},
        {tr.gettext("Opportunities"): "opportunities.md"},
        {tr.gettext("Archive"): "archive.md"},
        {tr.gettext("Sources"): "sources.md"},
        {tr.gettext("Tags"): "tags.md"},
    ]
    return nav


def _theme_texts(ws: Workspace, tr: Texts) -> dict[str, Any]:
    """What the theme's overrides (``site/overrides/main.html``) say, in the site's language."""
    return {
        "feed": tr.gettext("%(site)s: new papers") % {"site": ws.name},
        "draft": tr.gettext("PREVIEW: not published (status: %(status)s)"),
        "published": tr.gettext("Published %(date)s"),
        "approved_by": tr.gettext(", approved by %(name)s"),
        "not_found": tr.gettext("404 - Not found"),
        "statuses": {s: tr.paper_status(s) for s in ("draft", "approved", "published", "withdrawn")},
    }


def _workspace_extra(config_file: Path | None) -> dict[str, Any]:
    """The ``extra`` of the workspace's mkdocs.yml (ours is added to it, not put in its place)."""
    if config_file is None or not config_file.is_file():
        return {}
    from mkdocs.utils.yaml import yaml_load

    try:
        with config_file.open("rb") as fh:
            loaded = yaml_load(fh)
    except Exception:  # MkDocs reports a broken file itself when it loads it
        return {}
    extra = loaded.get("extra") if isinstance(loaded, dict) else None
    return dict(extra) if isinstance(extra, dict) else {}


def _mkdocs_options(ws: Workspace, site: SiteSettings, docs: Path, nav: list[Any]) -> dict[str, Any]:
    """The base configuration (``site/mkdocs.yml``) with the workspace's settings, pages and navigation."""
    options = base_config()
    theme = options["theme"]
    theme["language"] = site.language
    theme["palette"] = {"primary": site.primary, "accent": site.accent}
    if site.logo:
        theme["logo"] = f"assets/logo{site.logo.suffix}"
    options["markdown_extensions"] = markdown_extensions(site.texts)
    # The theme's own words (overrides/main.html) in the site's language, beside what the workspace's
    # mkdocs.yml keeps in ``extra`` (the options given here replace the file's keys whole).
    options["extra"] = {
        **options.get("extra", {}),
        **_workspace_extra(ws.mkdocs_file),
        "trendpapers": _theme_texts(ws, site.texts),
    }
    return {**options, "site_name": ws.name, "site_url": site.url, "docs_dir": str(docs), "nav": nav}


class _DirtyNotice(logging.Filter):
    """Drops MkDocs' warning that a dirty build may leave navigation stale: ours is dirty only when
    no page, title or setting changed, and in strict mode that warning would fail the build."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "'dirty' build" not in record.getMessage()


def _mkdocs_build(options: dict[str, Any], config_file: Path | None, *, dirty: bool = False) -> None:
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material's banner is not a problem of this site
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    try:
        config = load_config(config_file=str(config_file) if config_file else None, **options)
        # MkDocs keeps plugin instances for the whole process, and Material's search plugin, when told
        # of a dirty build, keeps that build's index and merges the next dirty build into it: another
        # workspace's, or an old one of this site (a withdrawn paper's entries came back). Ours merges
        # the copied index itself (``_merge_search_index``), so the plugin is told of no dirty build.
        config.plugins.on_startup(command="build", dirty=False)
        for plugin in config.plugins.values():
            if getattr(plugin, "search_index_prev", None) is not None:
                plugin.search_index_prev = None
        notice = _DirtyNotice()
        logging.getLogger("mkdocs.commands.build").addFilter(notice)
        try:
            build(config, dirty=dirty)
        finally:
            logging.getLogger("mkdocs.commands.build").removeFilter(notice)
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
    engine: sa.Engine, ws: Workspace, site: SiteSettings, preview: bool, force: bool = False
) -> tuple[dict[str, bytes], list[SitePaper], dict[str, Any]]:
    """Compose the Markdown tree into ``build/docs-site`` (``-preview``); returns it and MkDocs' options."""
    tr = site.texts
    with engine.connect() as conn:
        pages, papers = compose(
            conn, ws.papers_dir, ws.hand_written, ws.industries, ws.name, preview, force, ws.show_members, tr
        )
    if site.logo:
        pages[f"assets/logo{site.logo.suffix}"] = site.logo.read_bytes()
    pages["feed.xml"] = atom_feed(papers, ws.name, site.url, texts=tr)  # MkDocs copies the feeds as they are
    names = {i.slug: i.name for i in ws.industries}
    pages.update(industry_feeds(papers, ws.name, site.url, names, texts=tr))
    if not ws.show_members:
        found = leaks(pages, member_addresses(ws.members_file))
        if found:
            shown = "\n  ".join(found[:20])
            raise SiteError(f"the site would show member data; it was not built:\n  {shown}")
    docs = ws.build_dir / f"docs-{'preview' if preview else 'site'}"
    docs.mkdir(parents=True, exist_ok=True)
    _sync(docs, pages)
    return pages, papers, _mkdocs_options(ws, site, docs, _nav(papers, ws.industries, tr))


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


def _fingerprints(pages: dict[str, bytes], options: dict[str, Any], mkdocs_yml: bytes) -> dict[str, str]:
    """ "content": of everything that goes into the site; "structure": of what every page shows (the
    set of pages, their front matter: titles and tags; the settings and versions)."""
    versions = [metadata.version(p) for p in ("trendpapers", "mkdocs", "mkdocs-material")]
    structure = hashlib.sha256(repr((options, versions)).encode() + mkdocs_yml)
    # The theme's files shape every page; a checkout's edit of them bumps no version.
    theme = Path(options["theme"].get("custom_dir") or "")
    for path in sorted(theme.rglob("*")) if theme.is_dir() else ():
        if path.is_file():
            structure.update(path.relative_to(theme).as_posix().encode() + b"\0" + path.read_bytes())
    content = structure.copy()
    for rel in sorted(pages):
        data = pages[rel]
        content.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
        head = data.split(b"\n---\n", 1)[0] if rel.endswith(".md") and data.startswith(b"---\n") else b""
        structure.update(rel.encode() + b"\0" + head)
    return {"content": content.hexdigest(), "structure": structure.hexdigest()}


def _output_digest(folder: Path) -> str:
    """A digest of the files of a built site: their paths, sizes and modification times."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            info = path.stat()
            digest.update(
                f"{path.relative_to(folder).as_posix()}\0{info.st_size}\0{info.st_mtime_ns}\n".encode()
            )
    return digest.hexdigest()


def _merge_search_index(old: dict[str, Any], out: Path) -> None:
    """A dirty build indexes only the pages it rebuilt: keep the previous entries of the others."""
    path = out / "search" / "search_index.json"
    new = json.loads(path.read_text(encoding="utf-8"))
    rebuilt = {d["location"].split("#")[0] for d in new["docs"]}
    kept = [d for d in old["docs"] if d["location"].split("#")[0] not in rebuilt]
    path.write_text(json.dumps({**new, "docs": kept + new["docs"]}, ensure_ascii=False), encoding="utf-8")


def build_site(
    engine: sa.Engine,
    ws: Workspace,
    site: SiteSettings | None = None,
    *,
    preview: bool = False,
    force: bool = False,
) -> BuildReport:
    """Build the site (or the preview); see the module's description.

    When only the bodies of pages changed (same pages, same front matter, same settings), the build
    is incremental: the previous build is copied and MkDocs renders only the changed pages (its
    dirty mode), whose search entries replace theirs in the copied index.
    """
    started = time.perf_counter()
    site = site or SiteSettings()
    kind = "preview" if preview else "site"
    pages, papers, options = stage_docs(engine, ws, site, preview, force)
    mkdocs_yml = ws.mkdocs_file.read_bytes() if ws.mkdocs_file and ws.mkdocs_file.is_file() else b""
    fingerprint = _fingerprints(pages, options, mkdocs_yml)
    link = ws.build_dir / kind
    stamp = ws.build_dir / f"{kind}.fingerprint"
    try:
        last = json.loads(stamp.read_text(encoding="utf-8")) if link.is_dir() else {}
    except (OSError, ValueError):
        last = {}
    # What was built must still be there as built: a plain `mkdocs build` (or a hand) may have
    # emptied or replaced it; then nothing of it is trusted and it is built again in full.
    intact = link.is_dir() and last.get("output") == _output_digest(link)
    if not force and intact and last.get("content") == fingerprint["content"]:
        return BuildReport(link, "unchanged", len(pages), len(papers), time.perf_counter() - started)
    previous = link.resolve() if link.is_symlink() and link.is_dir() else None
    incremental = (
        not force and intact and previous is not None and last.get("structure") == fingerprint["structure"]
    )

    builds = ws.build_dir / f"{kind}-builds"
    out = builds / str(time.time_ns())
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        old_index: dict[str, Any] = {}
        hardened: dict[Path, int] = {}
        if incremental and previous is not None:
            # copy2 keeps the times: MkDocs rebuilds a page only if its source is newer than its HTML.
            shutil.copytree(previous, out, symlinks=True)
            old_index = json.loads((out / "search" / "search_index.json").read_text(encoding="utf-8"))
            hardened = {path: path.stat().st_mtime_ns for path in out.rglob("*.html")}
        _mkdocs_build({**options, "site_dir": str(out)}, ws.mkdocs_file, dirty=incremental)
        if incremental:
            _merge_search_index(old_index, out)
        problems = check_and_harden(out, site.url, hardened)
        if problems:
            shown = "\n  ".join(problems[:20]) + (
                f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
            )
            raise SiteError(f"the built {kind} breaks the safety rules; it was not put in place:\n  {shown}")
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    _swap(link, out)
    write_atomic(stamp, json.dumps({**fingerprint, "output": _output_digest(out)}))
    action = "built incrementally" if incremental else "built"
    for old in builds.iterdir():  # keep the new build and the one before (a reader may still be on it)
        if old != out and old.resolve() != previous:
            shutil.rmtree(old, ignore_errors=True)
    return BuildReport(link, action, len(pages), len(papers), time.perf_counter() - started)
