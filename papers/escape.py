"""Untrusted text (titles, sentences, names from feeds and models) made inert in Markdown.

A paper is Markdown that MkDocs turns into HTML, so a title such as ``<script>``, ``[x](javascript:..)``,
``# heading`` or ``[^1]`` must come out as those characters, not as markup. ``md_text`` puts text
on one line, turns ``<``, ``>`` and an ``&`` that would start a character reference ("&copy;")
into entities (no raw HTML, no autolinks), backslash-escapes the characters Python-Markdown gives a
meaning anywhere in a line, and those that start a block (heading, list) when they come first.
Dates, "Inc." and "Tessmer & Lang" stay readable for editors.
Links are only made to http(s) URLs. What our own code builds (footnote marks, links) is ``Md``:
text that is Markdown already and is not escaped again.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

# Emphasis, code, links and footnotes ([ ]), attribute lists ({ }) and table cells (|): escaped anywhere.
# "!" and "( )" only act next to "[" or "]", which are escaped.
_INLINE = re.compile(r"([\\`*_{}\[\]|])")
# A heading, list item or numbered item ("4. " but not "04.11.2026") when the text starts a line.
_BLOCK_START = re.compile(r"^(#|\+|-|\d+(?=[.)](?:\s|$)))")
_SPACE = re.compile(r"\s+")
# An "&" that Markdown and HTML would read as a character reference ("&copy;", "&#106;", "&#x6A;").
_REFERENCE = re.compile(r"&(?=#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")
# A footnote's mark in the text ("[^doc-12]", not an escaped "\[^x]") and its definition at a line's
# start ("[^doc-12]: ..."); group 1 is the footnote's label.
FOOTNOTE_MARK = re.compile(r"(?<!\\)\[\^([^\]\s]+)\](?!:)")
FOOTNOTE_DEFINITION = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:")


class Md(str):
    """A string that is already safe Markdown, made by our code."""

    __slots__ = ()


def md_text(value: str, *, starts_line: bool = True) -> Md:
    """``value`` as literal text in Markdown, on one line. ``starts_line=False`` for text that our
    code puts after other text on its line ("bis zum 20. November 2026"): what starts a block there
    means nothing, and editors read the file."""
    text = _SPACE.sub(" ", value).strip()
    text = _REFERENCE.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")
    text = _INLINE.sub(r"\\\1", text)
    if not starts_line:
        return Md(text)
    if m := _BLOCK_START.match(text):  # "1." becomes "1\.", "# x" becomes "\# x"
        end = m.end()
        text = f"{text[:end]}\\{text[end:]}" if text[:1].isdigit() else f"\\{text}"
    if text.startswith("="):  # "===" under a line would make it a heading; "=" has no escape
        text = "&#61;" + text[1:]
    return Md(text)


def safe_url(url: str | None) -> str | None:
    """``url`` fit for a Markdown link target, or None unless it is an absolute http(s) URL."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    # Percent-encode what would end the link target or open markup; keep what URLs need.
    return quote(url, safe=":/?#@!$&*+,;=%~-._[]")


def md_link(text: str, url: str | None) -> Md:
    """A link with escaped text if ``url`` is http(s); the escaped text alone otherwise."""
    target = safe_url(url)
    label = md_text(text) or Md("link")
    return Md(f"[{label}]({target})") if target else label
