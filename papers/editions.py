"""Editions: the period a paper covers, with a stable name such as ``2026-Q4`` or ``2026-11``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from ingest.errors import InputError

CADENCES = ("monthly", "quarterly")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, order=True)
class Edition:
    start: date  # first day
    end: date  # last day
    name: str


def edition_for(day: date, cadence: str) -> Edition:
    """The edition of ``cadence`` that contains ``day``."""
    if cadence == "monthly":
        return _parsed(f"{day.year}-{day.month:02d}")
    return _parsed(f"{day.year}-Q{(day.month - 1) // 3 + 1}")


def parse_edition(name: str, cadence: str | None = None) -> Edition:
    """``2026-Q4`` (a quarter) or ``2026-11`` (a month); anything else is an ``InputError``, and
    so is an edition of another ``cadence`` than the one given (papers of both kinds would stand
    side by side in one archive)."""
    edition = _parsed(name)
    if cadence and edition != edition_for(edition.start, cadence):
        raise InputError(
            f"edition {name!r}: the workspace's papers are {cadence} (papers.cadence), "
            f"e.g. {edition_for(edition.start, cadence).name}"
        )
    return edition


def _parsed(name: str) -> Edition:
    if m := _QUARTER.match(name):
        year, first_month, months = int(m[1]), 3 * int(m[2]) - 2, 3
    elif m := _MONTH.match(name):
        year, first_month, months = int(m[1]), int(m[2]), 1
    else:
        raise InputError(f"edition {name!r}: expected a quarter such as 2026-Q4 or a month such as 2026-11")
    try:
        start = date(year, first_month, 1)
        after = date(year + (first_month + months - 1) // 12, (first_month + months - 1) % 12 + 1, 1)
    except ValueError as exc:  # year 0, or the month after 9999-12
        raise InputError(f"edition {name!r}: {exc}") from None
    return Edition(start, after - timedelta(days=1), name)


@dataclass(frozen=True)
class PaperSettings:
    cadence: str = "quarterly"  # or "monthly": one edition per quarter or month
    max_trends: int = 8  # key trends in a paper (the largest); weak signals come on top
    evidence: int = 6  # sources listed per trend
    patents: int = 5  # related patents listed per trend
    language: str = "en"  # of the paper's own texts: the workspace's ([workspace] language)
