"""Atom feeds of the published papers, newest first: one for the site (``feed.xml``) and one per
industry beside its index page (``papers/<industry>/feed.xml``); generated, so the site needs no plugin.

An entry summarizes the paper as published, not the draft's data: the paper's "Executive summary" in
the editors' words (or, where they removed or renamed it, the first text after the title), as plain
text. Everything taken from a paper is stripped of control characters, which XML does not allow.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import quote

import markdown

from ingest.clean import strip_controls
from ingest.errors import InputError
from papers import frontmatter
from papers.escape import FOOTNOTE_DEFINITION, FOOTNOTE_MARK
from papers.files import utc_stamp
from papers.i18n import Texts, all_translations
from papers.sitepages import SitePaper

ATOM = "http://www.w3.org/2005/Atom"
SUMMARY_CHARS = 600  # a reader's preview of the paper (about five lines), not the paper itself
_MARKDOWN_CHARS = 50_000  # of a section converted to text: far more than a summary needs

# Python-Markdown's hash headings (the site's renderer): "#" to "######" at the start of a line.
_HEADING = re.compile(r"^(#{1,6})(.*?)#*[ \t]*$")
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")  # code points XML 1.0 has no place for
_SPACE = re.compile(r"\s+")
_BLOCKS = {"p", "li", "br", "div", "tr", "td", "th", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"}
_HIDDEN = {"script", "style"}  # their text is code, not prose


class _Text(HTMLParser):
    """The text of an HTML fragment: tags dropped, entities decoded, blocks apart by a space."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag == "li":  # the text is on one line: the bullets keep the items apart
            self.parts.append(" • ")
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _line(text: str) -> str:
    """``text`` fit for XML, on one line."""
    return _SPACE.sub(" ", _NOT_XML.sub("", strip_controls(text))).strip()


def plain_text(md: str) -> str:
    """Markdown as the plain text a reader sees: no footnote marks, markup or HTML tags; one line."""
    md = "\n".join(line for line in md.splitlines() if not FOOTNOTE_DEFINITION.match(line))
    md = FOOTNOTE_MARK.sub("", md)
    parser = _Text()
    # attr_list: a quotation's language mark ({lang=de}) is an attribute, not text.
    parser.feed(markdown.markdown(md[:_MARKDOWN_CHARS], extensions=["attr_list"]))
    parser.close()
    return _line("".join(parser.parts))


def _cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if (space := cut.rfind(" ")) > limit // 2:  # a word boundary, unless the text has few spaces
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


def paper_summary(text: str, limit: int = SUMMARY_CHARS) -> str:
    """The plain-text summary of a paper's Markdown (front matter or not), at most ``limit``
    characters and "…": its executive summary, else the first text after its title."""
    try:
        _, body = frontmatter.split(text, "paper")
    except InputError:
        body = text
    lines = body.splitlines()
    heads = [(n, len(m[1]), m[2]) for n, line in enumerate(lines) if (m := _HEADING.match(line))]
    for k, (n, level, heading) in enumerate(heads):
        # The executive summary's heading in any language the papers are written in.
        if plain_text(heading).rstrip(":").casefold() in {
            h.casefold() for h in all_translations("Executive summary")
        }:
            end = next((h for h, lv, _ in heads[k + 1 :] if lv <= level), len(lines))
            if summary := plain_text("\n".join(lines[n + 1 : end])):
                return _cap(summary, limit)
            break  # emptied by the editors: what they left after the title stands in
    start = next((n + 1 for n, level, _ in heads if level == 1), 0)
    for end in [*(n for n, _, _ in heads if n >= start), len(lines)]:
        if summary := plain_text("\n".join(lines[start:end])):
            return _cap(summary, limit)
        start = end + 1
    return ""


def _stamp(when: datetime | None) -> str:
    return utc_stamp(when or datetime(1970, 1, 1, tzinfo=UTC))


def _newest(papers: Sequence[SitePaper], limit: int) -> list[SitePaper]:
    return sorted(
        (p for p in papers if p.row.status == "published"),
        key=lambda p: (p.row.status_at or datetime.min.replace(tzinfo=UTC), p.row.edition, p.row.industry),
        reverse=True,
    )[:limit]


def _feed(
    papers: Sequence[SitePaper],
    name: str,
    feed_title: str,
    site_url: str | None,
    industry: str | None,
    tr: Texts,
) -> bytes:
    """One feed; ``industry`` None: the site's, at its root, else that industry's, in its folder.
    Links are absolute when the site's URL is configured, else relative to the feed."""
    ET.register_namespace("", ATOM)
    base = site_url.rstrip("/") + "/" if site_url else ""
    folder = f"papers/{industry}/" if industry else ""
    tag = f"tag:trendpapers,2026:{quote(name)}"  # ids that stay when the site moves
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = _line(feed_title)
    ET.SubElement(feed, f"{{{ATOM}}}id").text = (
        f"{base}{folder}feed.xml" if base else f"{tag}/{quote(industry)}/feed.xml" if industry else tag
    )
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=f"{base}{folder}feed.xml" if base else "feed.xml")
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=f"{base}{folder}" if base else "./")
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _stamp(
        max((p.updated for p in papers if p.updated), default=None)
    )
    ET.SubElement(ET.SubElement(feed, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = _line(name)
    for paper in papers:
        row = paper.row
        page = f"papers/{row.industry}/{row.edition}/"
        link = base + page if base else page.removeprefix(folder)  # relative to the feed's folder
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = _line(paper.title)
        # The same entry has the same id in the site's feed and its industry's.
        ET.SubElement(entry, f"{{{ATOM}}}id").text = (
            base + page if base else f"{tag}/{row.industry}/{row.edition}"
        )
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=link)
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _stamp(paper.updated)
        ET.SubElement(entry, f"{{{ATOM}}}summary", type="text").text = paper_summary(
            paper.text
        ) or tr.gettext("Edition %(edition)s.") % {"edition": _line(row.edition)}
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def atom_feed(
    papers: Sequence[SitePaper], title: str, site_url: str | None, limit: int = 50, texts: Texts | None = None
) -> bytes:
    """The site's feed (``feed.xml``): the newest ``limit`` published papers of all industries; its
    own texts in the language of ``texts`` (default English)."""
    tr = texts or Texts()
    feed_title = tr.gettext("%(site)s: new papers") % {"site": title}
    return _feed(_newest(papers, limit), title, feed_title, site_url, None, tr)


def _industry_name(papers: Sequence[SitePaper], slug: str, names: Mapping[str, str]) -> str:
    if slug in names:
        return names[slug]
    for paper in papers:  # an industry no longer configured: the name its papers give
        try:
            meta, _ = frontmatter.split(paper.text, paper.row.path)
        except InputError:
            continue
        if isinstance(meta.get("industry_name"), str) and meta["industry_name"].strip():
            return str(meta["industry_name"])
    return slug


def industry_feeds(
    papers: Sequence[SitePaper],
    title: str,
    site_url: str | None,
    names: Mapping[str, str],
    limit: int = 50,
    texts: Texts | None = None,
) -> dict[str, bytes]:
    """{``papers/<industry>/feed.xml``: feed} for every industry with a paper on the site (each has an
    index page there), holding that industry's newest ``limit`` published papers; ``names``: the
    industries' names by slug."""
    tr = texts or Texts()
    feeds = {}
    for slug in sorted({p.row.industry for p in papers}):
        own = [p for p in papers if p.row.industry == slug]
        name = _industry_name(own, slug, names)
        feed_title = tr.gettext("%(site)s: %(industry)s papers") % {"site": title, "industry": name}
        feeds[f"papers/{slug}/feed.xml"] = _feed(_newest(own, limit), title, feed_title, site_url, slug, tr)
    return feeds
