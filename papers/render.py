"""Paper data → Markdown through Jinja2 templates (the package's, or the workspace's own).

Every ``{{ value }}`` a template prints is escaped as Markdown text unless our code made it (``Md``):
a template cannot forget to escape a feed title, and a workspace's own template gets the same
protection. Output is deterministic: the same data and ``generated_at`` give the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from papers.content import PaperData, cited_id
from papers.escape import Md, md_link, md_text
from papers.store import Citation

TEMPLATE = "paper.md.j2"


def _finalize(value: Any) -> Any:
    if isinstance(value, Md) or not isinstance(value, str):
        return value  # numbers print as they are
    return md_text(value)


def yaml_value(value: Any) -> Md:
    """A YAML scalar: JSON strings are YAML; the characters YAML alone treats as line breaks are escaped."""
    text = json.dumps(value, ensure_ascii=False)
    for char in ("\u0085", "\u2028", "\u2029"):
        text = text.replace(char, f"\\u{ord(char):04x}")
    return Md(text)


def footnote(doc_id: int) -> Md:
    return Md(f"[^doc-{doc_id}]")


def citation_link(c: Citation) -> Md:
    """The cited document as a link; a patent without a URL links to its Espacenet record."""
    url = c.url
    if not url and c.patent:
        url = f"https://worldwide.espacenet.com/patent/search?q=pn%3D{quote(c.patent)}"
    title = f"{c.patent} {c.title}" if c.patent else c.title
    return md_link(title, url)


def footnote_definition(c: Citation) -> Md:
    """The footnote a cited sentence points to: the linked document, its source and date."""
    day = c.day.isoformat() if c.day else "undated"
    return Md(f"{footnote(c.doc_id)}: {citation_link(c)}, {md_text(c.source)}, {day}")


def anchor(trend_id: str) -> Md:
    """The attribute list that gives a trend's heading its id: links to it stay, and a renamed
    heading is known by it."""
    return Md(f"{{#{trend_id}}}")


def _percent(value: float | None) -> Md:
    return Md("new" if value is None else f"{value:+.0%}")


def _count(n: int, noun: str, many: str | None = None) -> Md:
    """ "1 document", "3 documents" (``many``: the plural when it is not ``noun`` + "s")"""
    return Md(f"{n} {noun}" if n == 1 else f"{n} {many or noun + 's'}")


def environment(workspace_templates: Path | None = None) -> jinja2.Environment:
    """Templates from ``workspace_templates`` first (a cluster's own ``paper.md.j2``), then the package's."""
    loaders: list[jinja2.BaseLoader] = []
    if workspace_templates is not None:
        loaders.append(jinja2.FileSystemLoader(workspace_templates))
    loaders.append(jinja2.PackageLoader("papers", "templates"))
    env = jinja2.Environment(  # noqa: S701 - Markdown, escaped by _finalize; HTML autoescape does not apply
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(yaml=yaml_value, percent=_percent, link=citation_link, count=_count)
    env.globals.update(anchor=anchor, cite=footnote, footnote_definition=footnote_definition, text=md_text)
    return env


def render_paper(data: PaperData, generated_at: str, env: jinja2.Environment | None = None) -> str:
    """The paper's Markdown, front matter included."""
    env = env or environment()
    # Each footnote is defined under the first trend that cites it, not in one list at the end: the
    # end of a paper is where editors add text, and a list there that changes with every new
    # document made each such addition a merge conflict.
    footnotes: dict[str, list[Citation]] = {}
    defined: set[int] = set()
    shown = [(s, (*s.summary, s.lead)) for s in data.trends] + [(s, (s.lead,)) for s in data.weak_signals]
    for section, sentences in shown:  # a key trend's summary and lead; a weak signal's lead only
        cited = sorted({cited_id(s) for s in sentences if s} - defined)
        defined.update(cited)
        footnotes[section.trend.trend_id] = [data.citations[i] for i in cited]
    text = env.get_template(TEMPLATE).render(
        data=data,
        title=f"{data.industry.name}: trends {data.edition.name}",
        generated_at=generated_at,
        footnotes=footnotes,
    )
    # One blank line at most, one newline at the end: templates stay readable, output stays tidy.
    lines = [line.rstrip() for line in text.splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy).strip("\n") + "\n"
