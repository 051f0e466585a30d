"""The papers' store (``papers.store``) on a real, migrated store: papers and their status history,
the documents as papers cite them, and the digests delivered to members."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from ingest import store as ingest_store
from papers import store
from papers.store import Citation, PaperRow, TrendRef
from tests.conftest import LATE, add_news

AT = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


def _row(industry: str, edition: str, start: date, status: str = "draft", **values: object) -> PaperRow:
    fields: dict[str, object] = {
        "industry": industry,
        "edition": edition,
        "edition_start": start,
        "path": f"{industry}/{edition}.md",
        "status": status,
        "base": f"the generated text of {industry} {edition}\n",
        "generated_at": "2026-11-01T09:00:00Z",
        "trends": (TrendRef(f"{industry}-0001", "Theme", 3),),
    }
    fields.update(values)
    return PaperRow(**fields)  # type: ignore[arg-type]


def test_papers_are_saved_whole_listed_in_edition_order_and_the_previous_one_is_found(
    engine: sa.Engine,
) -> None:
    q3 = _row("textile", "2026-Q3", date(2026, 7, 1), "published", status_by="Bo", status_at=AT)
    q4 = _row(
        "textile", "2026-Q4", date(2026, 10, 1), pending={"base": "new", "generated_at": "x", "trends": []}
    )
    month = _row("logistics", "2026-11", date(2026, 11, 1))
    with engine.begin() as conn:
        for row in (q4, month, q3):
            store.save_paper(conn, row)
        assert store.get_paper(conn, "textile", "2026-Q3") == q3  # dates, JSON and all, as saved
        assert store.get_paper(conn, "textile", "2026-Q4") == q4
        assert store.get_paper(conn, "textile", "2027-Q1") is None
        assert store.list_papers(conn) == [month, q3, q4]
        assert store.list_papers(conn, "textile") == [q3, q4]
        assert store.list_papers(conn, status="published") == [q3]
        approved = _row("textile", "2026-Q4", date(2026, 10, 1), "approved", status_by="Ann", status_at=AT)
        store.save_paper(conn, approved)  # replaces the row: the waiting proposal went with it
        assert store.list_papers(conn, "textile") == [q3, approved]
        assert store.previous_paper(conn, "textile", date(2026, 10, 1)) == q3
        assert store.previous_paper(conn, "textile", date(2026, 7, 1)) is None
        assert store.previous_paper(conn, "logistics", date(2027, 1, 1)) == month


def test_the_history_of_a_paper_and_its_last_step_undone(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        store.add_event(conn, "textile", "2026-Q4", "draft", None, datetime(2026, 11, 1, tzinfo=UTC))
        store.add_event(conn, "logistics", "2026-Q4", "draft", None, AT)
        store.add_event(conn, "textile", "2026-Q4", "approved", "Ann", AT)
        store.drop_last_event(conn, "logistics", "2026-Q4")
        assert store.events(conn, "textile", "2026-Q4") == [
            ("draft", None, datetime(2026, 11, 1, tzinfo=UTC)),
            ("approved", "Ann", AT),
        ]
        assert store.events(conn, "logistics", "2026-Q4") == []
        store.drop_last_event(conn, "textile", "2026-Q4")
        assert [status for status, _, _ in store.events(conn, "textile", "2026-Q4")] == ["draft"]


def test_a_citation_links_the_best_url_known_and_dates_the_document(engine: sa.Engine) -> None:
    news = add_news(engine, LATE)
    r1, r2, e0, patent = news["r1"], news["r2"], news["e0"], news["EP4100001A1"]
    with engine.begin() as conn:
        # The page's own URL is missing: the item's canonical URL, else its link, is cited instead.
        docs, items = ingest_store.documents, ingest_store.items
        conn.execute(docs.update().where(docs.c.item_id.in_([r2, e0])).values(url=None, published_at=None))
        conn.execute(
            items.update().where(items.c.id == r2).values(link="https://textile-times.example/r2?from=rss")
        )
        conn.execute(
            items.update().where(items.c.id == e0).values(canonical_url=None, link="https://e0.example/")
        )
        found = store.citations(conn, [r1, r2, e0, patent, r1, 99_999])
    assert sorted(found) == sorted([r1, r2, e0, patent])  # each once; unknown ids are left out
    assert found[r1] == Citation(
        r1,
        "Nordweave opens a textile recycling line for polyester fibre",
        "https://fibre-weekly.example/r1",
        "Fibre Weekly",
        date(2026, 8, 10),
        None,
        "en",  # as ingest detected it: a quotation in another language than the paper's is marked
    )
    assert (found[r2].url, found[r2].day) == (
        "https://textile-times.example/r2",
        date(2026, 8, 24),
    )  # first seen
    assert found[e0].url == "https://e0.example/"
    assert (found[patent].patent, found[patent].source) == ("EP4100001A1", "Patent Watch")


def test_each_paper_delivered_to_an_address_is_recorded_once_and_a_failure_counts_its_tries(
    engine: sa.Engine,
) -> None:
    with engine.begin() as conn:
        store.record_delivery(
            conn, "Office@A.example", "A", ["textile/2026-Q4"], message_id=None, error="452 full", at=AT
        )
        assert store.delivered(conn, "office@a.example") == set()  # failed: still to be sent
        store.record_delivery(
            conn, "office@a.example", "A GmbH", ["textile/2026-Q4", "medtech/2026-Q4"], message_id="<m1>",
            error=None, at=AT,
        )  # fmt: skip
        assert store.delivered(conn, "OFFICE@a.example") == {"textile/2026-Q4", "medtech/2026-Q4"}
        assert store.delivered(conn, "b@b.example") == set()
        rows = store.delivery_rows(conn)
    assert [(r["recipient"], r["paper"], r["member"], r["status"], r["attempts"]) for r in rows] == [
        ("office@a.example", "medtech/2026-Q4", "A GmbH", "sent", 1),
        ("office@a.example", "textile/2026-Q4", "A GmbH", "sent", 2),
    ]
    assert rows[1]["error"] is None and rows[1]["message_id"] == "<m1>"
