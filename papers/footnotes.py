"""A paper's footnotes: listed in the order a reader meets them, and those cited without a
definition found (an editor deleted it, not the sentence), with the cited document to put back."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import sqlalchemy as sa

from papers import store
from papers.escape import FOOTNOTE_DEFINITION, FOOTNOTE_MARK
from papers.i18n import Texts
from papers.render import footnote_definition

_DOCUMENT_LABEL = re.compile(r"doc-(\d+)")  # a footnote our drafts write for a cited document


def split_footnotes(text: str) -> tuple[list[str], dict[str, list[str]]]:
    """``text``'s lines without its footnote definitions, and each definition's lines by its label.

    A definition runs on over the lines right after it and, past blank lines, over indented ones
    (its further paragraphs); nothing inside a fenced code block is one."""
    body: list[str] = []
    definitions: dict[str, list[str]] = {}
    current: list[str] | None = None
    blanks: list[str] = []  # blank lines after a definition: its own if an indented line follows
    fence = ""
    for line in text.split("\n"):
        if fence or (current is None and line.lstrip().startswith(("```", "~~~"))):
            marker = line.lstrip()[:3]
            fence = "" if fence and marker == fence else (fence or marker)
            body.append(line)
            continue
        definition = FOOTNOTE_DEFINITION.match(line)
        if definition:
            body += blanks
            blanks, current = [], definitions.setdefault(definition.group(1), [])
            current.append(line)
        elif current is not None and not line.strip():
            blanks.append(line)
        elif current is not None and (not blanks or line.startswith(("    ", "\t"))):
            current += [*blanks, line]
            blanks = []
        else:
            body += [*blanks, line]
            blanks, current = [], None
    return body + blanks, definitions


def footnotes_as_read(text: str, restored: Mapping[str, str] | None = None) -> str:
    """``text`` with its footnotes listed at the end in the order a reader meets their first mark
    (Markdown numbers footnotes in the order they are defined), and without those that nothing
    cites (an editor deleted the sentence): members would see a link back to nowhere.

    ``restored`` gives a definition line for a label cited but not defined (an editor deleted the
    definition, not the sentence; see ``undefined_footnotes``)."""
    restored = restored or {}
    body, definitions = split_footnotes(text)
    if not definitions and not restored:
        return text
    cited = dict.fromkeys(FOOTNOTE_MARK.findall(text))
    given = {label: [line] for label, line in restored.items()}
    notes = [line for label in cited for line in definitions.get(label) or given.get(label, [])]
    return "\n".join(body).rstrip("\n") + "\n\n" + "".join(f"{line}\n" for line in notes)


def undefined_footnotes(
    conn: sa.Connection, text: str, texts: Texts | None = None
) -> tuple[list[str], dict[str, str]]:
    """The labels of the footnotes ``text`` cites but does not define, in reading order, and for
    those whose cited document the store knows ("doc-12": document 12) the definition a draft writes
    (dates as ``texts`` write them): the quoted sentence still needs its source."""
    _, definitions = split_footnotes(text)
    missing = [label for label in dict.fromkeys(FOOTNOTE_MARK.findall(text)) if label not in definitions]
    ids = {label: int(m.group(1)) for label in missing if (m := _DOCUMENT_LABEL.fullmatch(label))}
    known = store.citations(conn, list(ids.values()))
    return missing, {label: footnote_definition(known[i], texts) for label, i in ids.items() if i in known}


def undefined_footnote_warnings(path: Path, missing: list[str], known: Mapping[str, object]) -> list[str]:
    """What an editor reads about the footnotes a paper cites without defining them."""
    return [
        f"{path}: [^{label}] is cited but its definition is gone; "
        + (
            "the site gives the cited document from the store"
            if label in known
            else "the site shows the mark as typed: define it or remove it"
        )
        for label in missing
    ]


# What opens an executive-summary bullet before its quotation: "- **Recycling** (rising, ...): ".
_BULLET_NAME = re.compile(r"^\s*[-*]\s+\*\*.+?\*\*[^:]*:\s+")


def changed_quotations(generated: str, edited: str) -> list[tuple[int, str]]:
    """The sentences of ``edited`` cited to a document ("...[^doc-12]") that ``generated`` does not
    quote so: (line number, sentence), for the quotations the editors rewrote. What a sentence
    is, is the text from the line's start (after a bullet's trend name, which a rename changes) or
    the mark before it up to its own mark."""
    changed = []
    for number, line in enumerate(edited.split("\n"), start=1):
        if FOOTNOTE_DEFINITION.match(line):
            continue
        start = 0
        for mark in FOOTNOTE_MARK.finditer(line):
            sentence = line[start : mark.start()].strip()
            if start == 0:
                sentence = _BULLET_NAME.sub("", sentence)
            start = mark.end()
            if _DOCUMENT_LABEL.fullmatch(mark.group(1)) and f"{sentence}{mark.group()}" not in generated:
                changed.append((number, sentence))
    return changed
