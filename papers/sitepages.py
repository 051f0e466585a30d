"""The site's Markdown pages, generated from the store and the papers: home, industries, trend pages,
archive, sources and tags (ours, not the theme's plugin: it must work in incremental builds).
Everything that came from a feed goes through ``md_text``/``md_link``. The pages' own texts are in
the site's language (``papers.i18n``).

``compose`` returns the whole docs tree as {relative path: bytes}; the caller syncs it to disk.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from ingest import store as ingest_store
from ingest.errors import InputError, SiteError
from papers import frontmatter, store
from papers.charts import weekly_svg
from papers.content import cited_id
from papers.escape import FOOTNOTE_MARK, Md, md_link, md_text
from papers.files import read_paper
from papers.footnotes import (
    footnotes_as_read,
    split_footnotes,
    undefined_footnote_warnings,
    undefined_footnotes,
)
from papers.i18n import Texts
from papers.lifecycle import without_prompts
from papers.merge import conflict_line
from papers.privacy import strip_member_blocks
from papers.renames import renamed
from papers.render import citation_link, footnote, footnote_definition, quoted, yaml_value
from summarize import store as analysis
from summarize.records import Industry
from summarize.text import base_language
from summarize.trends import Trend

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SitePaper:
    row: store.PaperRow
    title: str
    tags: tuple[str, ...]
    text: str  # the paper's Markdown as the editors left it
    changed_at: dt.datetime | None = None  # when its file last changed (a correction after publication)

    @property
    def updated(self) -> dt.datetime | None:
        """When the paper last changed for its readers: its status, or a later correction (a change
        of its file more than a minute later: publishing writes the file too)."""
        status, changed = self.row.status_at, self.changed_at
        if status is None or (changed is not None and changed - status > dt.timedelta(minutes=1)):
            return changed or status
        return status


def _page(title: str, body: list[str], **meta: object) -> bytes:
    head = [f"title: {yaml_value(title)}", *(f"{k}: {yaml_value(v)}" for k, v in meta.items())]
    return ("---\n" + "\n".join(head) + "\n---\n\n" + "\n".join(body).rstrip("\n") + "\n").encode("utf-8")


def included_papers(
    conn: sa.Connection,
    papers_dir: Path,
    preview: bool,
    force: bool = False,
    show_members: bool = False,
    texts: Texts | None = None,
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
            if not preview and (line := conflict_line(text)) is not None:
                raise InputError(f"{path}:{line}: holds unresolved merge conflict markers ('<<<<<<<')")
        except (OSError, InputError) as exc:
            problem = "the file is missing" if isinstance(exc, FileNotFoundError) else str(exc)
            if row.status == "published" and not (preview or force):
                raise SiteError(
                    f"{row.industry} {row.edition} is published but {problem}; correct or restore {path}, "
                    f"or take the paper off the site with `trendpapers papers withdraw {row.industry} "
                    f"{row.edition}` (or `build --force`)"
                ) from None
            log.warning("%s: left out of the site: %s", path, problem.removeprefix(f"{path}: "))
            continue
        text = without_prompts(strip_member_blocks(text, str(path), keep=show_members))
        missing, restored = undefined_footnotes(conn, text, texts)
        for warning in undefined_footnote_warnings(path, missing, restored):
            log.warning("%s", warning)
        text = footnotes_as_read(text, restored)
        tags = meta.get("tags")
        tags = tags if isinstance(tags, list) else []
        title = str(meta.get("title") or f"{row.industry} {row.edition}")
        changed = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
        found.append(SitePaper(row, title, tuple(str(t) for t in tags), text, changed))
    return sorted(found, key=lambda p: (p.row.edition_start, p.row.industry), reverse=True)


# A trend's heading in a paper, "### Recycling {#textile-0001}", not one an editor made a link.
_TREND_HEADING = re.compile(r"^(#{2,4}) (?!\[)(.+?) \{#([a-z0-9_-]+-\d{4})\}[ \t]*$", re.M)


def _linked_headings(text: str, trend_pages: set[str]) -> str:
    """``text`` with each trend heading a link to its trend page (two folders up from a paper)."""

    def link(m: re.Match[str]) -> str:
        level, name, trend_id = m.groups()
        if trend_id not in trend_pages or "]" in name.replace("\\]", ""):
            return m.group()
        return f"{level} [{name}](../../trends/{trend_id}.md) {{#{trend_id}}}"

    return _TREND_HEADING.sub(link, text)


def _row(cells: Sequence[str]) -> str:
    """A table row of Markdown cells."""
    return "| " + " | ".join(cells) + " |"


def _paper_link(paper: SitePaper, relative_to: str = "") -> Md:
    return Md(f"[{md_text(paper.title)}]({relative_to}papers/{paper.row.industry}/{paper.row.edition}.md)")


def _cited(c: store.Citation, tr: Texts, window_start: dt.date | None = None) -> str:
    """A cited report: its link, source and date (and, given the window it is listed for, whether it
    came before it, as the papers say)."""
    before = "; " + tr.md("before this window") if window_start and c.day and c.day < window_start else ""
    return f"{citation_link(c)} ({md_text(c.source)}, {md_text(tr.date(c.day), starts_line=False)}{before})"


def central_title(t: Trend, refs: dict[int, store.Citation], language: str) -> str:
    """The headline of the trend's most central report of its window in the site's language, as its
    paper names it (``papers.content``), else of its most central report."""
    cited = (refs[i] for i in t.doc_ids if i in refs)
    own = (
        c.title
        for c in cited
        if not c.patent
        and c.day is not None
        and c.day >= t.window_start
        and base_language(c.language) == base_language(language)
    )
    return next(own, t.title)


# What follows a trend's narrative in its section: its chart, the evidence, a list, a table, a footnote.
_AFTER_NARRATIVE = ("![", "**", "- ", "* ", "1. ", "|", "<", "[^")


def published_narrative(papers: Sequence[SitePaper], trend_id: str) -> tuple[list[str], list[str]] | None:
    """A trend's narrative as the newest of ``papers`` with its heading prints it, the editors'
    corrections included: the paragraphs of its section after the status lines and before its chart
    or evidence; and the footnote definitions they cite. None where no paper has the heading."""
    for paper in papers:  # newest edition first
        body, definitions = split_footnotes(paper.text)
        start = next(
            (
                k
                for k, line in enumerate(body)
                if (m := _TREND_HEADING.match(line)) and m.group(3) == trend_id
            ),
            None,
        )
        if start is None:
            continue
        section = []
        for line in body[start + 1 :]:
            if line.startswith("#"):
                break
            section.append(line)
        paragraphs = [p.strip("\n") for p in "\n".join(section).split("\n\n") if p.strip()]
        if paragraphs and paragraphs[0].startswith("*") and not paragraphs[0].startswith("**"):
            paragraphs = paragraphs[1:]  # "*Rising*: 4 documents ...", "Most central report: ..."
        narrative = list(
            itertools.takewhile(lambda p: not p.lstrip().startswith(_AFTER_NARRATIVE), paragraphs)
        )
        cited = dict.fromkeys(FOOTNOTE_MARK.findall("\n".join(narrative)))
        return "\n\n".join(narrative).split("\n"), [
            line for label in cited for line in definitions.get(label, [])
        ]
    return None


def _trend_pages(
    conn: sa.Connection,
    trends: dict[str, Trend],
    papers: Sequence[SitePaper],
    names: dict[str, str],
    tr: Texts,
) -> dict[str, bytes]:
    pages: dict[str, bytes] = {}
    refs = store.citations(conn, [i for t in trends.values() for i in t.doc_ids])
    stories = analysis.story_of(conn, list(refs))
    for trend_id, t in sorted(trends.items()):
        # Members read the narrative as the editors published it (corrections and all); the
        # generated one where no paper on the site has the trend.
        published = published_narrative(papers, trend_id)
        stored = analysis.load_summary(conn, f"trend:{trend_id}") if published is None else None
        summary = [s for s in stored[1].sentences if s.source_id in refs] if stored else []
        narrative = (
            published[0]
            if published
            else [
                f"{quoted(s.text, refs[cited_id(s)].language, tr.language)}{footnote(cited_id(s))}"
                for s in summary
            ]
        )
        status = tr.status(t.status)
        counts = {
            "current": tr.nmd("%(num)d document", "%(num)d documents", t.current) % {"num": t.current},
            "start": tr.short_date(t.window_start),
            "end": tr.short_date(t.window_end),
            "previous": t.previous,
            "sources": tr.nmd("%(num)d source", "%(num)d sources", t.sources) % {"num": t.sources},
            "label": t.label,
        }
        body = [
            f"# {md_text(t.name)}",
            "",
            f"*{md_text(status[:1].upper() + status[1:])}*: "
            + tr.md(
                "%(current)s in the window %(start)s to %(end)s, %(previous)s in the window before; "
                "%(sources)s; keywords: %(label)s."
            )
            % counts,
            tr.md("Most central report: *%(title)s*.") % {"title": central_title(t, refs, tr.language)},
            "",
            *narrative,
            "",
            "![" + tr.md("Documents per week") + f"]({trend_id}.svg)",
            "",
            "## " + tr.md("History"),
            "",
            _row([tr.md("Window ending"), tr.md("Documents"), tr.md("Before"), tr.md("Status")]),
            "| --- | ---: | ---: | --- |",
        ]
        body += [
            _row([tr.short_date(dt.date.fromisoformat(end)), str(now), str(then), md_text(tr.status(status))])
            for end, now, then, status in analysis.trend_windows(conn, trend_id)
        ]
        body += ["", "## " + tr.md("In the papers"), ""]
        body += [f"- {_paper_link(p, '../')}" for p in papers if any(x.id == trend_id for x in p.row.trends)]
        body += ["", "## " + tr.md("Stories"), ""]
        by_story: dict[int, list[int]] = {}
        for doc_id in t.doc_ids:
            if doc_id in refs:
                by_story.setdefault(stories.get(doc_id, -doc_id), []).append(doc_id)
        # The largest stories first, then the latest; a story's reports newest first.
        newest = [
            sorted(ids, key=lambda i: (refs[i].day or dt.date.min, i), reverse=True)
            for ids in by_story.values()
        ]
        newest.sort(key=lambda ids: (-len(ids), -(refs[ids[0]].day or dt.date.min).toordinal(), ids[0]))
        for n, ids in enumerate(newest, start=1):
            body.append(f"{n}. " + "; ".join(_cited(refs[i], tr, t.window_start) for i in ids))
        sources = sorted({refs[i].source for i in t.doc_ids if i in refs})
        body += ["", "## " + tr.md("Sources"), "", *(f"- {md_text(s)}" for s in sources), ""]
        body += (
            published[1]
            if published
            else [footnote_definition(refs[i], tr) for i in dict.fromkeys(cited_id(s) for s in summary)]
        )
        # Tagged as its papers are: by the industry's name ("Textile", not the slug "textile").
        pages[f"trends/{trend_id}.md"] = _page(t.name, body, tags=[names.get(t.industry, t.industry)])
        pages[f"trends/{trend_id}.svg"] = weekly_svg(
            t.weekly,
            tr.gettext("Documents per week: %(name)s") % {"name": t.name},
            t.window_start.isoformat(),
            tr,
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
    texts: Texts | None = None,
) -> tuple[dict[str, bytes], list[SitePaper]]:
    """The docs tree of the site, and the papers in it (``force``, ``show_members``: see
    ``included_papers``); the pages' texts in the language of ``texts`` (default English)."""
    tr = texts or Texts()
    pages, intro = _hand_written(hand_written, f"# {md_text(cluster)}\n")
    papers = included_papers(conn, papers_dir, preview, force, show_members, tr)
    # The trends of the papers on the site, as last analysed (also those no longer found).
    trend_ids = {t.id for p in papers for t in p.row.trends}
    trends = {t.trend_id: t for t in analysis.load_trends(conn, active_only=False) if t.trend_id in trend_ids}
    for warning in _unnamed_renames(papers, trends):
        log.warning("%s", warning)
    pages.update(_paper_files(papers_dir, papers, set(trends), tr))
    names = {i.slug: i.name for i in industries}
    pages.update(_industry_pages(papers, names, tr))
    pages.update(_trend_pages(conn, trends, papers, names, tr))
    pages["index.md"] = _home(intro, papers, trends, tr)
    pages["trends/index.md"] = _trend_index(trends, names, tr)
    pages["archive.md"] = _archive(papers, tr)
    pages["sources.md"] = _sources(conn, tr)
    pages["tags.md"] = _tags(papers, tr)
    pages["opportunities.md"] = _opportunities(conn, trend_ids, tr)
    return pages, papers


def _unnamed_renames(papers: Sequence[SitePaper], trends: dict[str, Trend]) -> list[str]:
    """A published paper's trend heading the editors renamed after publication: the trend keeps its
    name on its own page, the index and the feed until it is renamed (approval took the rest)."""
    return [
        f"{p.row.industry} {p.row.edition}: its heading calls {trend_id} {name!r}, the site's other "
        f"pages {trends[trend_id].name!r}; `trendpapers rename-trend {trend_id} {name!r}` renames it there"
        for p in papers
        if p.row.status == "published"
        for trend_id, name in sorted(renamed(p.row.base, p.text).items())
        if trend_id in trends and trends[trend_id].name != name
    ]


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


def _paper_files(
    papers_dir: Path, papers: Sequence[SitePaper], trend_pages: set[str], tr: Texts
) -> dict[str, bytes]:
    """Each paper's Markdown and its charts; a published one also says its day of publication as
    the site's language writes dates (``published_on``, which the theme shows), and a trend's heading
    links to the trend's page (``trend_pages``: the ids of those the site has)."""
    pages: dict[str, bytes] = {}
    for paper in papers:
        text = _linked_headings(paper.text, trend_pages)
        if paper.row.status == "published" and paper.row.status_at is not None:
            day = tr.date(paper.row.status_at.date())
            text = frontmatter.update(text, paper.row.path, {"published_on": day})
        pages[f"papers/{paper.row.path}"] = text.encode("utf-8")
        charts = papers_dir / paper.row.industry / "charts" / paper.row.edition
        if charts.is_dir():
            for chart in sorted(charts.glob("*.svg")):
                pages[f"papers/{paper.row.industry}/charts/{paper.row.edition}/{chart.name}"] = (
                    chart.read_bytes()
                )
    return pages


def _industry_pages(papers: Sequence[SitePaper], names: dict[str, str], tr: Texts) -> dict[str, bytes]:
    """A page per industry listing its papers."""
    pages = {}
    for slug in sorted({p.row.industry for p in papers}):
        own = [p for p in papers if p.row.industry == slug]
        body = [
            f"# {md_text(names.get(slug, slug))}",
            "",
            _row([tr.md("Edition"), tr.md("Paper"), tr.md("Status")]),
            "| --- | --- | --- |",
        ]
        body += [
            f"| {p.row.edition} | [{md_text(p.title)}]({p.row.edition}.md) "
            f"| {md_text(tr.paper_status(p.row.status))} |"
            for p in own
        ]
        # The feed is written beside the page by sitebuild.
        body += ["", "[" + tr.md("Feed of new papers in this industry") + "](feed.xml)"]
        pages[f"papers/{slug}/index.md"] = _page(names.get(slug, slug), body)
    return pages


def _home(intro: str, papers: Sequence[SitePaper], trends: dict[str, Trend], tr: Texts) -> bytes:
    """The home page: the workspace's introduction, the latest papers, the fastest-rising trends."""
    rising = sorted(
        (t for t in trends.values() if t.status in ("new", "rising")),
        key=lambda t: (-t.current + t.previous, t.trend_id),
    )
    home = [intro.rstrip("\n"), "", "## " + tr.md("Latest papers"), ""]
    newest = sorted(
        papers, key=lambda p: p.row.status_at or dt.datetime.min.replace(tzinfo=dt.UTC), reverse=True
    )
    home += [
        f"- {_paper_link(p)}"
        + (f" ({md_text(tr.date(p.row.status_at.date()), starts_line=False)})" if p.row.status_at else "")
        for p in newest[:10]
    ] or [tr.md("No paper is published yet.")]
    home += ["", "## " + tr.md("Fastest-rising trends"), ""]
    home += [
        f"- [{md_text(t.name)}](trends/{t.trend_id}.md): "
        + tr.nmd(
            "%(before)s → %(num)d document (%(status)s)",
            "%(before)s → %(num)d documents (%(status)s)",
            t.current,
        )
        % {"before": t.previous, "num": t.current, "status": tr.status(t.status)}
        for t in rising[:5]
    ] or [tr.md("None yet.")]
    home += [
        "",
        " · ".join(
            [
                "[" + tr.md("All trends") + "](trends/index.md)",
                "[" + tr.md("Cross-sector opportunities") + "](opportunities.md)",
                "[" + tr.md("Archive") + "](archive.md)",
                "[" + tr.md("Sources") + "](sources.md)",
                "[" + tr.md("Feed of new papers") + "](feed.xml)",
            ]
        ),
    ]
    return ("\n".join(home) + "\n").encode("utf-8")


def _trend_index(trends: dict[str, Trend], names: dict[str, str], tr: Texts) -> bytes:
    title = tr.gettext("Trends")
    body = [f"# {md_text(title)}", ""]
    for slug in sorted({t.industry for t in trends.values()}):
        body += [f"## {md_text(names.get(slug, slug))}", ""]
        body += [
            f"- [{md_text(t.name)}]({t.trend_id}.md) ("
            + tr.nmd("%(status)s, %(num)d document", "%(status)s, %(num)d documents", t.current)
            % {"status": tr.status(t.status), "num": t.current}
            + ")"
            for t in sorted(trends.values(), key=lambda t: (-t.current, t.trend_id))
            if t.industry == slug
        ]
        body.append("")
    return _page(title, body if trends else [*body, tr.md("No trends yet.")])


def _archive(papers: Sequence[SitePaper], tr: Texts) -> bytes:
    title = tr.gettext("Archive")
    body = [f"# {md_text(title)}", ""]
    for edition in sorted({p.row.edition for p in papers}, reverse=True):
        body += [
            f"## {edition}",
            "",
            *(f"- {_paper_link(p)}" for p in papers if p.row.edition == edition),
            "",
        ]
    return _page(title, body)


def _sources(conn: sa.Connection, tr: Texts) -> bytes:
    """Every source the papers are drawn from, and how its last fetch went."""
    title = tr.gettext("Sources")
    body = [
        f"# {md_text(title)}",
        "",
        tr.md("Every source the papers are drawn from, and how its last fetch went."),
        "",
        _row([tr.md("Source"), tr.md("Kind"), tr.md("State"), tr.md("Last success"), tr.md("Items")]),
        "| --- | --- | --- | --- | ---: |",
    ]
    for s in ingest_store.source_states(conn):
        state = (
            tr.pgettext("source state", "inactive")
            if not s.active
            else tr.pgettext("source state", "paused")
            if s.paused_reason
            else tr.pgettext("source state", "failing")
            if s.last_error
            else tr.pgettext("source state", "ok")
        )
        kind = {"news": tr.pgettext("source kind", "news"), "patent": tr.pgettext("source kind", "patent")}
        when = tr.short_date(s.last_success_at.date()) if s.last_success_at else tr.gettext("never")
        body.append(
            f"| {md_link(s.name, s.url)} | {md_text(kind.get(s.kind, s.kind))} | {md_text(state)} "
            f"| {md_text(when)} | {s.items} |"
        )
    return _page(title, body)


def _tags(papers: Sequence[SitePaper], tr: Texts) -> bytes:
    title = tr.gettext("Tags")
    body = [f"# {md_text(title)}", ""]
    tagged: dict[str, list[SitePaper]] = {}
    for paper in papers:
        for tag in paper.tags:
            tagged.setdefault(tag, []).append(paper)
    for tag in sorted(tagged, key=str.lower):
        body += [f"## {md_text(tag)}", "", *(f"- {_paper_link(p)}" for p in tagged[tag]), ""]
    return _page(title, body)


def _opportunities(conn: sa.Connection, on_site: set[str], tr: Texts) -> bytes:
    """The cross-sector page: the latest analysis's opportunities whose trends are in a paper on the
    site (the editors published them), each with its reasons (the analysis's words, in the
    workspace's language) and every document of both sides."""
    found = [
        o
        for o in analysis.load_opportunities(conn)
        if any(s.trend_id in on_site for s in o.sides if s.trend_id)
    ]
    refs = store.citations(conn, [d for o in found for d in o.documents])
    title = tr.gettext("Cross-sector opportunities")
    body = [
        f"# {md_text(title)}",
        "",
        tr.md(
            "Where a trend of one industry touches another industry or the cluster's own field: why it "
            "was found, and documents from both sides."
        ),
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
        body += [tr.md("Why:"), "", *(f"- {md_text(r)}" for r in o.reasons), ""]
        for side in o.sides:
            trend = (
                " ("
                + tr.md("trend: %(link)s")
                % {"link": Md(f"[{md_text(side.trend_name or side.trend_id)}](trends/{side.trend_id}.md)")}
                + ")"
                if side.trend_id in on_site
                else ""
            )
            body += ["**" + tr.md("From %(side)s") % {"side": side.name} + f"**{trend}", ""]
            shown = [refs[d] for d in side.documents if d in refs]
            body += [f"- {_cited(c, tr)}" for c in shown] or [
                "- " + tr.md("The documents above also score for it.")
            ]
            body.append("")
    if not found:
        body.append(tr.md("None yet."))
    return _page(title, body)
