"""Paper data → Markdown through Jinja2 templates (the package's, or the workspace's own).

Every ``{{ value }}`` a template prints is escaped as Markdown text unless our code made it (``Md``):
a template cannot forget to escape a feed title, and a workspace's own template gets the same
protection. Output is deterministic: the same data and ``generated_at`` give the same bytes.

Templates are written in English and translated with Jinja2's i18n extension (``{% trans %}``,
``_()``, ``ngettext``) from the workspace language's gettext catalog (``papers.i18n``); values put
into a translated text are escaped like any other. A quoted sentence in another language than the
paper's is marked with it: ``*text*{lang=de} (de)`` (an attribute list: inert, read by screen readers).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from papers.content import PaperData, cited_id
from papers.escape import Md, md_link, md_text
from papers.i18n import Texts, language_mark
from papers.store import Citation
from summarize.members import Match
from summarize.summarizer import CitedSentence

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


def footnote_definition(c: Citation, texts: Texts | None = None) -> Md:
    """The footnote a cited sentence points to: the linked document, its source and date."""
    day = (texts or Texts()).date(c.day)
    return Md(
        f"{footnote(c.doc_id)}: {citation_link(c)}, {md_text(c.source)}, {md_text(day, starts_line=False)}"
    )


def quoted(text: str, language: str | None, paper_language: str) -> Md:
    """A sentence quoted from a source, marked with its language when that is not the paper's."""
    mark = language_mark(language, paper_language)
    return Md(f"*{md_text(text)}*{{lang={mark}}} ({mark})") if mark else md_text(text)


def anchor(trend_id: str) -> Md:
    """The attribute list that gives a trend's heading its id: links to it stay, and a renamed
    heading is known by it."""
    return Md(f"{{#{trend_id}}}")


def _percent(value: float | None, texts: Texts | None = None) -> Md:
    texts = texts or Texts()
    return Md(texts.status("new") if value is None else texts.percent(value, signed=True))  # our own text


def _count(n: int, noun: str, many: str | None = None) -> Md:
    """ "1 document", "3 documents" (``many``: the plural when it is not ``noun`` + "s")"""
    return Md(f"{n} {noun}" if n == 1 else f"{n} {many or noun + 's'}")


def member_reason(match: Match, texts: Texts | None = None, scores: bool = True) -> str:
    """Why a member matches, in words, in the language of ``texts``: what its score is made of
    (``scores``: with the figures, for the editors; without, for the member's own digest)."""
    tr = texts or Texts()
    joiner = tr.gettext("and")
    interests = f" {joiner} ".join(match.interests)
    keywords = ", ".join(match.keywords)
    if not scores:
        parts = [
            tr.gettext("its documents and your competences share: %(keywords)s") % {"keywords": keywords}
            if keywords
            else tr.gettext("its documents are close to your competences")
        ]
        if interests:
            parts.append(tr.gettext("you follow %(industries)s") % {"industries": interests})
        return "; ".join(parts)
    parts = [
        tr.gettext("competences similar to its documents (%(similarity)s)")
        % {"similarity": tr.decimal(match.similarity)}
    ]
    if keywords:
        parts.append(tr.gettext("keywords: %(keywords)s") % {"keywords": keywords})
    if interests:
        parts.append(tr.gettext("interested in %(industries)s") % {"industries": interests})
    return tr.gettext("%(parts)s; score %(score)s") % {
        "parts": "; ".join(parts),
        "score": tr.decimal(match.score),
    }


def environment(workspace_templates: Path | None = None, language: str = "en") -> jinja2.Environment:
    """Templates from ``workspace_templates`` first (a cluster's own ``paper.md.j2``), then the package's;
    their texts in ``language``."""
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
        extensions=["jinja2.ext.i18n"],
    )
    texts = Texts(language)
    env.install_gettext_callables(gettext=texts.md, ngettext=texts.nmd, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        yaml=yaml_value,
        percent=lambda value: _percent(value, texts),
        link=citation_link,
        count=_count,
        status=lambda value: md_text(texts.status(value)),
    )
    env.globals.update(
        anchor=anchor,
        cite=footnote,
        footnote_definition=lambda c: footnote_definition(c, texts),
        text=md_text,
        day=lambda d: md_text(texts.date(d)),
        # After other text on its line, "20. November 2026" starts no list: it needs no escape, which
        # editors would read in the file. A list item opens with a short date ("04.11.2026").
        day_in_text=lambda d: md_text(texts.date(d), starts_line=False),
        short_day=lambda d: md_text(texts.short_date(d) if d else texts.date(None)),
        member_reason=lambda m: md_text(member_reason(m, texts)),
        language=language,
    )
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
        cited = [i for i in dict.fromkeys(cited_id(s) for s in sentences if s) if i not in defined]
        defined.update(cited)
        footnotes[section.trend.trend_id] = [data.citations[i] for i in cited]
    language = env.globals.get("language", "en")
    texts = Texts(language if isinstance(language, str) else "en")

    def quote(sentence: CitedSentence) -> Md:
        cited = data.citations.get(cited_id(sentence))
        return quoted(sentence.text, cited.language if cited else None, texts.language)

    text = env.get_template(TEMPLATE).render(
        data=data,
        title=texts.gettext("%(industry)s: trends %(edition)s")
        % {"industry": data.industry.name, "edition": data.edition.name},
        generated_at=generated_at,
        footnotes=footnotes,
        quote=quote,
    )
    # One blank line at most, one newline at the end: templates stay readable, output stays tidy.
    lines = [line.rstrip() for line in text.splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy).strip("\n") + "\n"
