"""Edition names and periods."""

from __future__ import annotations

from datetime import date

import pytest

from ingest.errors import InputError
from papers.editions import edition_for, parse_edition


def test_quarters_and_months() -> None:
    q4 = edition_for(date(2026, 11, 23), "quarterly")
    assert (q4.name, q4.start, q4.end) == ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31))
    feb = edition_for(date(2028, 2, 29), "monthly")
    assert (feb.name, feb.start, feb.end) == ("2028-02", date(2028, 2, 1), date(2028, 2, 29))
    assert parse_edition("2026-Q1").end == date(2026, 3, 31)


@pytest.mark.parametrize("name", ["2026-Q5", "2026-13", "Q4-2026", "2026-q4", "26-Q4", ""])
def test_bad_names_are_refused_with_the_expected_forms(name: str) -> None:
    with pytest.raises(InputError, match="expected a quarter such as 2026-Q4 or a month such as 2026-11"):
        parse_edition(name)
