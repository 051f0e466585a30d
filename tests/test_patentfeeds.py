"""Patent facts recovered from feed entries by the documented rules, and nothing guessed."""

from __future__ import annotations

from datetime import UTC, datetime

from ingest.patentfeeds import recover
from ingest.records import Item


def entry(
    title: str,
    summary: str = "",
    *,
    guid: str | None = None,
    link: str | None = None,
    categories: tuple[str, ...] = (),
) -> Item:
    return Item(
        key="k",
        guid=guid,
        link=link,
        canonical_url=link,
        title=title,
        summary=summary,
        content="",
        author="Someone",
        published_at=datetime(2026, 11, 1, tzinfo=UTC),
        published_raw=None,
        categories=categories,
    )


def test_number_from_id_first_then_link_then_title() -> None:
    record = recover(
        entry(
            "EP 1 234 567 A1 - Knitted sensor sock",
            guid="urn:patent:WO2024123456A1",
            link="https://search.example/EP1234567A1",
        )
    )
    assert record is not None and str(record.number) == "WO2024123456A1"
    record = recover(entry("Knitted sensor sock", link="https://search.example/doc/DE102024000123A1"))
    assert record is not None and str(record.number) == "DE102024000123A1"
    record = recover(entry("EP 1 234 567 A1 - Knitted sensor sock"))
    assert (
        record is not None and str(record.number) == "EP1234567A1" and record.title == "Knitted sensor sock"
    )


def test_labelled_facts_are_read() -> None:
    summary = (
        "Publication date: 2026-10-14\nFiling date: 20250301\nPriority date: 01.03.2024\n"
        "Applicant(s): Textura Labs GmbH; Nordweave Fibres AB\nInventors: Ada Lind; Jon Berg\n"
        "CPC: D04B 1/26; A61B 5/1038\nIPC: D04B1/26"
    )
    record = recover(
        entry("US 2026/0123456 A1: Knitted sensor sock", summary, categories=("D04B 1/26", "textiles"))
    )
    assert record is not None
    assert str(record.number) == "US20260123456A1"
    assert (record.publication_date, record.filing_date, record.priority_date) == (
        "2026-10-14",
        "2025-03-01",
        "2024-03-01",
    )
    assert [p.name for p in record.applicants] == ["Textura Labs GmbH", "Nordweave Fibres AB"]
    assert [p.key for p in record.applicants] == ["textura labs", "nordweave fibres"]
    assert [p.name for p in record.inventors] == ["Ada Lind", "Jon Berg"]
    assert record.cpc == ("D04B1/26", "A61B5/1038") and record.ipc == ("D04B1/26",)
    assert record.classes == ("D04B1/26",)  # the category's scheme is not stated


def test_nothing_is_guessed() -> None:
    # No office code: not a publication number. The entry date is not a publication date.
    assert recover(entry("Patent 1234567 granted for knitted sensors")) is None
    record = recover(entry("EP1234567", "Published by the office last week. Class D04B."))
    assert record is not None
    assert record.publication_date is None and record.filing_date is None and record.priority_date is None
    assert record.applicants == () and record.cpc == () and record.ipc == () and record.number.kind is None


def test_impossible_dates_are_left_empty() -> None:
    record = recover(entry("EP1234567A1", "Publication date: 2026-13-45"))
    assert record is not None and record.publication_date is None


def test_a_number_followed_by_a_date_or_year() -> None:
    for title, number in [
        ("EP3404678 20210630 Sock", "EP3404678"),
        ("EP1234567 - 2021-06-30", "EP1234567"),
        ("US 6,970,935 - 2005 grant", "US6970935"),
        ("DE 10 2024 000 123 A1 Knitted", "DE102024000123A1"),
    ]:
        record = recover(entry(title))
        assert record is not None and str(record.number) == number, title


def test_two_labels_on_one_line() -> None:
    record = recover(
        entry("EP1234567A1", "Applicants: Foo GmbH Inventors: Bar; Baz CPC: A61B 5/00 IPC: A61B5/00")
    )
    assert record is not None
    assert [p.name for p in record.applicants] == ["Foo GmbH"]
    assert [p.name for p in record.inventors] == ["Bar", "Baz"]
    assert record.cpc == ("A61B5/00",) and record.ipc == ("A61B5/00",)
