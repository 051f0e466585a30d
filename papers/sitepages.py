"""The site's Markdown pages, generated from the store and the papers: home, industries, trend pages,
archive, sources and tags (ours, not the theme's plugin: it must work in incremental builds).
Everything that came from a feed goes through ``md_text``/``md_link``.

``compose`` returns the whole docs tree as {relative path: bytes}; the caller syncs it to disk.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from ingest import store as ingest_store
from ingest.errors import InputError, SiteError
from ingest.wording import plural
from papers import frontmatter, store
from papers.charts import weekly_svg
from papers.content import cited_id
from papers.escape import Md, md_link, md_text
from papers.files import read_paper
from papers.privacy import strip_member_blocks
from papers.render import citation_link, footnote, footnote_definition, yaml_value
from summarize import store as analysis
from summarize.records import Industry
from summarize.trends import Trend

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SitePaper:
    row: store.PaperRow
    title: str
    tags: tuple[str, ...]
    text: str  # the paper's Markdown as the editors left it


def _page(title: str, body: list[str], **meta: object) -> bytes:
    head = [f"title: {yaml_value(title)}", *(f"{k}: {yaml_value(v)}" for k, v in meta.items())]
    return ("---\n" + "\n".join(head) + "\n---\n\n" + "\n".join(body).rstrip("\n") + "\n").encode("utf-8")


def included_papers(
    conn: sa.Connection, papers_dir: Path, preview: bool, force: bool = False, show_members: bool = False
) -> list[SitePaper]:
    """Published papers (a preview adds drafts and approved ones), newest edition first; their member
    blocks taken out unless ``show_members`` (see ``privacy``).

    A published paper whose file is missing or unreadable stops the site's build (members would lose
    it without anyone deciding so); a preview, or a forced build, leaves it out with a warning.
    """
    wanted = {"published"} | ({"draft", "approved"} if preview else set())
    found = []
    for row in store.list_papers(conn):
        if row.status not in wanted:
            continue
        path = papers_dir / row.path
        try:
            text, _ = read_paper(path)
            meta, _ = frontmatter.split(text, str(path))
        except (OSError, InputError) as exc:
            problem = "the file is missing" if isinstance(exc, FileNotFoundError) else str(exc)
            if row.status == "published" and not (preview or force):
                raise SiteError(
                    f"{row.industry} {row.edition} is published but {problem}; restore {path}, or take the "
                    f"paper off the site with `trendpapers papers withdraw {row.industry} {row.edition}` "
                    "(or `build --force`)"
                ) from None
            log.warning("%s: left out of the site: %s", path, problem)
            continue
        text = strip_member_blocks(text, str(path), keep=show_members)
        tags = meta.get("tags")
        tags = tags if isinstance(tags, list) else []
        title = str(meta.get("title") or f"{row.industry} {row.edition}")
        found.append(SitePaper(row, title, tuple(str(t) for t in tags), text))
    return sorted(found, key=lambda p: (p.row.edition_start, p.row.industry), reverse=True)


def _paper_link(paper: SitePaper, relative_to: str = "") -> Md:
    return Md(f"[{md_text(paper.title)}]({relative_to}papers/{paper.row.industry}/{paper.row.edition}.md)")


def _cited(c: store.Citation) -> str:
    return f"{citation_link(c)} ({md_text(c.source)}, {c.day.isoformat() if c.day else 'undated'})"


def _trend_pages(
    conn: sa.Connection, trends: dict[str, Trend], papers: Sequence[SitePaper]
) -> dict[str, bytes]:
    pages: dict[str, bytes] = {}
    refs = store.citations(conn, [i for t in trends.values() for i in t.doc_ids])
    stories = analysis.story_of(conn, list(refs))
    for trend_id, t in sorted(trends.items()):
        stored = analysis.load_summary(conn, f"trend:{trend_id}")
        summary = [s for s in stored[1].sentences if s.source_id in refs] if stored else []
        body = [
            f"# {md_text(t.name)}",
            "",
            f"*{t.status.capitalize()}*: {plural(t.current, 'document')} in the window "
            f"{t.window_start.isoformat()} to {t.window_end.isoformat()}, {t.previous} in the window before; "
            f"{plural(t.sources, 'source')}; "
            f"keywords: {md_text(t.label)}.",
            f"Most central report: *{md_text(t.title)}*.",
            "",
            *(f"{md_text(s.text)}{footnote(cited_id(s))}" for s in summary),
            "",
            f"![Documents per week]({trend_id}.svg)",
            "",
            "## History",
            "",
            "| Window ending | Documents | Before | Status |",
            "| --- | ---: | ---: | --- |",
        ]
        body += [
            f"| {end} | {now} | {before} | {md_text(status)} |"
            for end, now, before, status in analysis.trend_windows(conn, trend_id)
        ]
        body += ["", "## In the papers", ""]
        body += [f"- {_paper_link(p, '../')}" for p in papers if any(x.id == trend_id for x in p.row.trends)]
        body += ["", "## Stories", ""]
        by_story: dict[int, list[int]] = {}
        for doc_id in t.doc_ids:
            if doc_id in refs:
                by_story.setdefault(stories.get(doc_id, -doc_id), []).append(doc_id)
        for n, (_, ids) in enumerate(sorted(by_story.items(), key=lambda s: -len(s[1])), start=1):
            body.append(f"{n}. " + "; ".join(_cited(refs[i]) for i in ids))
        sources = sorted({refs[i].source for i in t.doc_ids if i in refs})
        body += ["", "## Sources", "", *(f"- {md_text(s)}" for s in sources), ""]
        body += [footnote_definition(refs[i]) for i in sorted({cited_id(s) for s in summary})]
        pages[f"trends/{trend_id}.md"] = _page(t.name, body, tags=[t.industry])
        pages[f"trends/{trend_id}.svg"] = weekly_svg(
            t.weekly, f"Documents per week: {t.name}", t.window_start.isoformat()
        ).encode("utf-8")
    return pages


def compose(
    conn: sa.Connection,
    papers_dir: Path,
    hand_written: Path | None,
    industries: Sequence[Industry],
    cluster: str,
    preview: bool,
    force: bool = False,
    show_members: bool = False,
) -> tuple[dict[str, bytes], list[SitePaper]]:
    """The docs tree of the site, and the papers in it (``force``, ``show_members``: see
    ``included_papers``)."""
    pages, intro = _hand_written(hand_written, f"# {md_text(cluster)}\n")
    papers = included_papers(conn, papers_dir, preview, force, show_members)
    pages.update(_paper_files(papers_dir, papers))
    names = {i.slug: i.name for i in industries}
    pages.update(_industry_pages(papers, names))
    # The trends of the papers on the site, as last analysed (also those no longer found).
    trend_ids = {t.id for p in papers for t in p.row.trends}
    trends = {t.trend_id: t for t in analysis.load_trends(conn, active_only=False) if t.trend_id in trend_ids}
    pages.update(_trend_pages(conn, trends, papers))
    pages["index.md"] = _home(intro, papers, trends, names)
    pages["trends/index.md"] = _trend_index(trends, names)
    pages["archive.md"] = _archive(papers)
    pages["sources.md"] = _sources(conn)
    pages["tags.md"] = _tags(papers)
    pages["opportunities.md"] = _opportunities(conn, trend_ids)
    return pages, papers


def _hand_written(folder: Path | None, intro: str) -> tuple[dict[str, bytes], str]:
    """The workspace's own pages, and the text the home page starts with (its index.md, if any)."""
    pages: dict[str, bytes] = {}
    if folder and folder.is_dir():
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder).as_posix()
            if path.is_file() and rel != "index.md":
                pages[rel] = path.read_bytes()
        if (folder / "index.md").is_file():
            intro = (folder / "index.md").read_text(encoding="utf-8")
    return pages, intro


def _paper_files(papers_dir: Path, papers: Sequence[SitePaper]) -> dict[str, bytes]:
    """Each paper's Markdown and its charts."""
    pages: dict[str, bytes] = {}
    for paper in papers:
        pages[f"papers/{paper.row.path}"] = paper.text.encode("utf-8")
        charts = papers_dir / paper.row.industry / "charts" / paper.row.edition
        if charts.is_dir():
            for chart in sorted(charts.glob("*.svg")):
                pages[f"papers/{paper.row.industry}/charts/{paper.row.edition}/{chart.name}"] = (
                    chart.read_bytes()
                )
    return pages


def _industry_pages(papers: Sequence[SitePaper], names: dict[str, str]) -> dict[str, bytes]:
    """A page per industry listing its papers."""
    pages = {}
    for slug in sorted({p.row.industry for p in papers}):
        own = [p for p in papers if p.row.industry == slug]
        body = [
            f"# {md_text(names.get(slug, slug))}",
            "",
            "| Edition | Paper | Status |",
            "| --- | --- | --- |",
        ]
        body += [
            f"| {p.row.edition} | [{md_text(p.title)}]({p.row.edition}.md) | {p.row.status} |" for p in own
        ]
        body += ["", "[Feed of new papers in this industry](feed.xml)"]  # written beside it by sitebuild
        pages[f"papers/{slug}/index.md"] = _page(names.get(slug, slug), body)
    return pages


def _home(intro: str, papers: Sequence[SitePaper], trends: dict[str, Trend], names: dict[str, str]) -> bytes:
    """The home page: the workspace's introduction, the latest papers, the fastest-rising trends."""
    rising = sorted(
        (t for t in trends.values() if t.status in ("new", "rising")),
        key=lambda t: (-t.current + t.previous, t.trend_id),
    )
    home = [intro.rstrip("\n"), "", "## Latest papers", ""]
    home += [
        f"- {_paper_link(p)} ({p.row.edition}, {md_text(names.get(p.row.industry, p.row.industry))})"
        for p in papers[:10]
    ] or ["No paper is published yet."]
    home += ["", "## Fastest-rising trends", ""]
    home += [
        f"- [{md_text(t.name)}](trends/{t.trend_id}.md): "
        f"{t.previous} → {plural(t.current, 'document')} ({t.status})"
        for t in rising[:5]
    ] or ["None yet."]
    home += [
        "",
        "[All trends](trends/index.md) · [Cross-sector opportunities](opportunities.md) · "
        "[Archive](archive.md) · [Sources](sources.md) · [Feed of new papers](feed.xml)",
    ]
    return ("\n".join(home) + "\n").encode("utf-8")


def _trend_index(trends: dict[str, Trend], names: dict[str, str]) -> bytes:
    body = ["# Trends", ""]
    for slug in sorted({t.industry for t in trends.values()}):
        body += [f"## {md_text(names.get(slug, slug))}", ""]
        body += [
            f"- [{md_text(t.name)}]({t.trend_id}.md) ({md_text(t.status)}, {plural(t.current, 'document')})"
            for t in sorted(trends.values(), key=lambda t: (-t.current, t.trend_id))
            if t.industry == slug
        ]
        body.append("")
    return _page("Trends", body if trends else [*body, "No trends yet."])


def _archive(papers: Sequence[SitePaper]) -> bytes:
    body = ["# Archive", ""]
    for edition in sorted({p.row.edition for p in papers}, reverse=True):
        body += [
            f"## {edition}",
            "",
            *(f"- {_paper_link(p)}" for p in papers if p.row.edition == edition),
            "",
        ]
    return _page("Archive", body)


def _sources(conn: sa.Connection) -> bytes:
    """Every source the papers are drawn from, and how its last fetch went."""
    body = [
        "# Sources",
        "",
        "Every source the papers are drawn from, and how its last fetch went.",
        "",
        "| Source | Kind | State | Last success | Items |",
        "| --- | --- | --- | --- | ---: |",
    ]
    for s in ingest_store.source_states(conn):
        state = (
            "inactive"
            if not s.active
            else "paused"
            if s.paused_reason
            else "failing"
            if s.last_error
            else "ok"
        )
        when = s.last_success_at.date().isoformat() if s.last_success_at else "never"
        body.append(f"| {md_link(s.name, s.url)} | {md_text(s.kind)} | {state} | {when} | {s.items} |")
    return _page("Sources", body)


def _tags(papers: Sequence[SitePaper]) -> bytes:
    body = ["# Tags", ""]
    tagged: dict[str, list[SitePaper]] = {}
    for paper in papers:
        for tag in paper.tags:
            tagged.setdefault(tag, []).append(paper)
    for tag in sorted(tagged, key=str.lower):
        body += [f"## {md_text(tag)}", "", *(f"- {_paper_link(p)}" for p in tagged[tag]), ""]
    return _page("Tags", body)


def _opportunities(conn: sa.Connection, on_site: set[str]) -> bytes:
    """The cross-sector page: the latest analysis's opportunities whose trends are in a paper on the
    site (the editors published them), each with its reasons and every document of both sides."""
    found = [
        o
        for o in analysis.load_opportunities(conn)
        if any(s.trend_id in on_site for s in o.sides if s.trend_id)
    ]
    refs = store.citations(conn, [d for o in found for d in o.documents])
    body = [
        "# Cross-sector opportunities",
        "",
        "Where a trend of one industry touches another industry or the cluster's own field: why it "
        "was found, and documents from both sides.",
        "",
    ]
    for o in found:
        first, second = o.sides
        body += [
            f"## {md_text(o.name)} {{#{o.opportunity_id}}}",
            "",
            f"*{md_text(first.name)} × {md_text(second.name)}*",
            "",
        ]
        body += [f"Why: {md_text('; '.join(o.reasons))}.", ""]
        for side in o.sides:
            trend = (
                f" (trend: [{md_text(side.trend_name or side.trend_id)}](trends/{side.trend_id}.md))"
                if side.trend_id in on_site
                else ""
            )
            body += [f"**From {md_text(side.name)}**{trend}", ""]
            shown = [refs[d] for d in side.documents if d in refs]
            body += [f"- {_cited(c)}" for c in shown] or ["- The documents above also score for it."]
            body.append("")
    if not found:
        body.append("None yet.")
    return _page("Cross-sector opportunities", body)
