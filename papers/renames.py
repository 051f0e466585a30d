"""Trend names the editors changed in a paper: a trend's heading carries its id (``{#textile-0001}``),
so a heading whose text differs from what was generated is the editors' new name for that trend."""

from __future__ import annotations

import html
import re
from datetime import datetime
from functools import partial

import sqlalchemy as sa

from ingest.errors import InputError
from papers.escape import md_text
from papers.i18n import Texts
from summarize import store as analysis

_HEADING = re.compile(r"^#{2,6}[ \t]+(.+?)[ \t]*\{#([a-z0-9][a-z0-9-]*-\d+)\}[ \t]*$", re.M)
_ANCHOR = re.compile(r"^#{2,6}[ \t].*?\{#([a-z0-9][a-z0-9-]*-\d+)\}[ \t]*$", re.M)  # named or not
_ESCAPE = re.compile(r"\\(.)")


def headings(text: str) -> dict[str, str]:
    """Trend id → the text of its heading, as a reader sees it (Markdown escapes and entities undone)."""
    return {
        m.group(2): html.unescape(_ESCAPE.sub(r"\1", m.group(1))).strip() for m in _HEADING.finditer(text)
    }


def heading_problems(generated: str, edited: str) -> tuple[list[str], list[str]]:
    """What is wrong with the trend headings ``edited`` kept of ``generated``: a heading left with no
    name (refused: members would read "{#textile-0001}"), and, as warnings, a trend whose heading lost
    its ``{#id}`` (its new name, if any, is not taken, and the heading no longer links to the trend)."""
    before = headings(generated)
    kept = {m.group(1) for m in _ANCHOR.finditer(edited)}
    named = headings(edited)
    errors = [
        f"the heading {{#{tid}}} has no name: give the trend one, or put back {before[tid]!r}"
        for tid in sorted(kept)
        if tid in before and not named.get(tid)
    ]
    warnings = [
        f"no heading ends in {{#{tid}}} ({before[tid]!r}) any more: if you renamed the trend, end its "
        f"heading with {{#{tid}}} again, so that the name is taken and links to the trend's page"
        for tid in sorted(before.keys() - kept)
    ]
    return errors, warnings


def renamed(generated: str, edited: str) -> dict[str, str]:
    """Trend id → new name, for each trend heading of ``generated`` whose text the editors changed."""
    before = headings(generated)
    return {
        tid: name for tid, name in headings(edited).items() if tid in before and name and name != before[tid]
    }


def take_renames(
    conn: sa.Connection, generated: str, edited: str, by: str | None, at: datetime, texts: Texts | None = None
) -> list[str]:
    """Store the editors' new trend names found in ``edited``; what was renamed, in words (of
    ``texts``)."""
    tr = texts or Texts()
    done = []
    for trend_id, name in sorted(renamed(generated, edited).items()):
        try:
            trend = analysis.rename_trend(conn, trend_id, name, by, at)
        except InputError as exc:  # a heading too long to be a name: the paper keeps it, the trend not
            done.append(tr.gettext("%(trend)s: not renamed: %(reason)s") % {"trend": trend_id, "reason": exc})
        else:
            done.append(
                tr.gettext("%(trend)s renamed to %(name)s") % {"trend": trend_id, "name": repr(trend.name)}
            )
    return done


def _written_names(text: str) -> dict[str, str]:
    """Trend id → its heading's name as the Markdown writes it (escapes and all)."""
    return {m.group(2): m.group(1).strip() for m in _HEADING.finditer(text)}


def _renamed_places(text: str, old: str, new: str) -> str:
    """``text`` with ``new`` for ``old`` (both as Markdown writes them) where a draft names a
    trend: its executive-summary bullet (``**Old**``), its chart's caption (``: Old](``), the lists
    of what changed (``- Old (``) and the opportunities' bold names (``**Old meets ...**``,
    ``**... meets Old**``). Only there: quoted sentences and the editors' own words stay as they are."""
    quoted = re.escape(old)
    for pattern, replacement in (
        (rf"\*\*{quoted}\*\*", f"**{new}**"),
        (rf": {quoted}\]\(", f": {new}]("),
        (rf"(?m)^- {quoted} \(", f"- {new} ("),
        (rf"(?m)^- \*\*{quoted} ", f"- **{new} "),
        (rf" {quoted}\*\* \(", f" {new}** ("),
    ):
        text = re.sub(pattern, replacement.replace("\\", "\\\\"), text)  # a name may hold "\\"
    return text


def with_new_names(generated: str, edited: str) -> str:
    """``edited`` with each trend the editors renamed in its heading called by the new name where
    the draft ``generated`` wrote the old one too (``_renamed_places``)."""
    before = _written_names(generated)
    for trend_id, new in _written_names(edited).items():
        old = before.get(trend_id)
        if old and old != new:
            edited = _renamed_places(edited, old, new)
    return edited


def as_renamed(text: str, generated: str, names: dict[str, str], headings: bool = True) -> str:
    """``text`` (the draft ``generated``, or the editors' file of it) as if drafted with ``names``
    (trend id → its new name): the new name written as a draft writes it wherever the draft wrote
    the old one, in the trends' headings too unless not ``headings``. A re-draft merges the editors'
    file against this, so that their rename is no change of theirs beside which new text conflicts."""
    old = _written_names(generated)
    for trend_id, name in names.items():
        new = md_text(name)
        if trend_id not in old or old[trend_id] == new:
            continue
        text = _renamed_places(text, old[trend_id], new)
        if headings:
            text = _HEADING.sub(partial(_named_heading, trend_id, new), text)
    return text


def _named_heading(trend_id: str, name: str, m: re.Match[str]) -> str:
    """The heading ``m`` with ``name`` for its name if it is ``trend_id``'s."""
    if m.group(2) != trend_id:
        return m.group()
    start, end = m.start(1) - m.start(), m.end(1) - m.start()
    return m.group()[:start] + name + m.group()[end:]
