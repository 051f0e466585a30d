"""A paper's preview in the desk: its Markdown rendered as the site renders it (Python-Markdown with
the site's extensions: footnotes for citations, tables, attribute lists, admonitions), then
sanitized with an allowlist (nh3, the ammonia sanitizer): no script, style, form, frame or event
handler survives, links only to http(s), mailto and places in the page, and images only from the
paper's own folder (its charts), served by the desk. The desk's pages allow no script at all
(Content-Security-Policy), so the sanitizer is the second of two walls.
"""

from __future__ import annotations

import html as html_text
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import nh3

from ingest.errors import InputError
from papers import frontmatter
from papers.footnotes import footnotes_as_read
from papers.i18n import Texts
from papers.sitecheck import content_problems
from papers.sitefiles import render_markdown

IMAGE_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".webp": "image/webp"}  # fmt: skip

ID_PREFIX = "paper-"  # before every id in a preview (the desk's own ids start with "desk-")
_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details",
    "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "summary",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "*": {"id", "title", "lang"},  # lang: a quotation in another language than the paper's
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}
# Classes the site's Markdown uses; any other class is dropped (no dressing up as the desk's own UI).
_CLASSES = {
    "a": {"footnote-ref", "footnote-backref", "headerlink"},
    "div": {"footnote", "admonition", "note", "warning", "tip", "info", "danger"},
    "p": {"admonition-title"},
}


_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")  # "en", "de-AT"
_IMG = re.compile(r"<img\b([^>]*)>")
_ALT = re.compile(r'\balt="([^"]*)"')


def _images(sanitized: str) -> str:
    """Images the sanitizer left without a source (another host's, or not in the paper's folder)
    become a note with their alternative text; images without one get an empty alt (decorative)."""

    def one(match: re.Match[str]) -> str:
        attributes = match.group(1)
        alt = _ALT.search(attributes)
        if ' src="' not in attributes:
            # The serializer leaves "<" raw inside attribute values: unescape, then escape as text.
            text = html_text.escape(html_text.unescape(alt.group(1))) if alt else ""
            return f'<span class="desk-left-out">[image left out{": " + text if text else ""}]</span>'
        return match.group(0) if alt else f'<img alt=""{attributes}>'

    return _IMG.sub(one, sanitized)


@dataclass(frozen=True)
class Preview:
    """Sanitized HTML of a paper, and what is wrong with its text (front matter) in words."""

    html: str
    problems: tuple[str, ...]


def local_file(folder: Path, src: str) -> str | None:
    """``src`` as a path relative to the paper's ``folder`` if it names an image file inside it
    (a chart), else None (another host, an absolute path, a way out of the folder, no such file)."""
    parts = urlsplit(src)
    if parts.scheme or parts.netloc or parts.query or not parts.path or parts.path.startswith("/"):
        return None
    rel = posixpath.normpath(parts.path)
    if rel.startswith("../") or rel == ".." or Path(rel).suffix.lower() not in IMAGE_TYPES:
        return None
    path = folder / rel
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:  # a symlink out of the folder
        return None
    return rel if path.is_file() else None


def render_preview(
    text: str,
    name: str,
    folder: Path,
    file_url: Callable[[str], str],
    restored: Mapping[str, str] | None = None,
    site_url: str | None = None,
    texts: Texts | None = None,
) -> Preview:
    """The preview of a paper's ``text`` (``name`` for messages); images inside ``folder`` are shown
    from ``file_url(relative path)``, others are left out; ``restored``: the definitions the site
    puts back for footnotes cited without one (``papers.footnotes``); ``site_url``: the site's
    address, from which the site may show images (the preview does not); ``texts``: the desk's
    language (default English)."""
    tr = texts or Texts()
    problems: list[str] = []
    try:
        _, body = frontmatter.split(text, name)
    except InputError as exc:
        said = tr.gettext(
            "%(problem)s (approving and publishing need it; the site shows the text without it)"
        )
        problems.append(said % {"problem": exc})
        body = text
    # Footnotes numbered as the site numbers them: in reading order, none that nothing cites.
    raw = render_markdown(footnotes_as_read(body, restored), tr)
    refused = tr.gettext("the site refuses %(problem)s")
    problems += [refused % {"problem": problem} for problem in content_problems(raw, site_url)]

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            rel = local_file(folder, value)
            return file_url(rel) if rel is not None else None
        if attribute == "lang":
            return value if _LANGUAGE_TAG.match(value) else None
        if attribute == "id":  # never the same as one of the desk's own ids (its labels, headings)
            return ID_PREFIX + value
        if attribute == "href":
            if value.startswith("#"):
                return f"#{ID_PREFIX}{value[1:]}"
            scheme = urlsplit(value.strip()).scheme.lower()
            return value if scheme in ("", "http", "https", "mailto") else None
        return value

    html = nh3.clean(
        raw,
        tags=_TAGS,
        clean_content_tags={"script", "style", "template", "noscript"},
        attributes=_ATTRIBUTES,
        attribute_filter=keep,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        allowed_classes=_CLASSES,
    )
    return Preview(_images(html), tuple(problems))
