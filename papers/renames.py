"""Trend names the editors changed in a paper: a trend's heading carries its id (``{#textile-0001}``),
so a heading whose text differs from what was generated is the editors' new name for that trend."""

from __future__ import annotations

import html
import re
from datetime import datetime

import sqlalchemy as sa

from ingest.errors import InputError
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


def take_renames(conn: sa.Connection, generated: str, edited: str, by: str | None, at: datetime) -> list[str]:
    """Store the editors' new trend names found in ``edited``; what was renamed, in words."""
    done = []
    for trend_id, name in sorted(renamed(generated, edited).items()):
        try:
            trend = analysis.rename_trend(conn, trend_id, name, by, at)
        except InputError as exc:  # a heading too long to be a name: the paper keeps it, the trend not
            done.append(f"{trend_id} not renamed: {exc}")
        else:
            done.append(f"{trend_id} renamed to {trend.name!r}")
    return done


def with_new_names(generated: str, edited: str) -> str:
    """``edited`` with each trend the editors renamed in its heading called by the new name where
    the draft wrote the old one too: its executive-summary bullet (``**Old**``), its chart's caption
    (``: Old](``), the lists of what changed (``- Old (``) and the opportunities' bold names
    (``**Old meets ...**``, ``**... meets Old**``). Only there: quoted sentences and the editors' own
    words stay as they are."""
    before = {m.group(2): m.group(1).strip() for m in _HEADING.finditer(generated)}
    after = {m.group(2): m.group(1).strip() for m in _HEADING.finditer(edited)}
    for trend_id, new in after.items():
        old = before.get(trend_id)
        if not old or old == new:
            continue
        quoted = re.escape(old)
        for pattern, replacement in (
            (rf"\*\*{quoted}\*\*", f"**{new}**"),
            (rf": {quoted}\]\(", f": {new}]("),
            (rf"(?m)^- {quoted} \(", f"- {new} ("),
            (rf"(?m)^- \*\*{quoted} ", f"- **{new} "),
            (rf" {quoted}\*\* \(", f" {new}** ("),
        ):
            edited = re.sub(pattern, replacement.replace("\\", "\\\\"), edited)  # a name may hold "\\"
    return edited


def with_renames_of(generated: str, edited: str) -> str:
    """``generated`` as if drafted with the names the editors gave its trends in ``edited``'s
    headings: the headings and the places ``with_new_names`` covers. A re-draft merges the editors'
    file against this, so that their rename is no change of theirs beside which new text conflicts."""
    after = {m.group(2): m.group(1).strip() for m in _HEADING.finditer(edited)}

    def heading(m: re.Match[str]) -> str:
        new = after.get(m.group(2))
        if not new:
            return m.group()
        start, end = m.start(1) - m.start(), m.end(1) - m.start()
        return m.group()[:start] + new + m.group()[end:]

    return with_new_names(generated, _HEADING.sub(heading, generated))
