"""The ingest stage's store (``ingest.store``) on a real, migrated store: sources and their fetch state,
items and their duplicates, pending work, documents and the lookups that deduplicate them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from ingest import store
from ingest.records import Document, Item, SourceSpec

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _item(key: str, url: str | None = None, when: datetime = NOW) -> Item:
    return Item(key, key, url, url, f"Title {key}", "", f"Text of {key}.", None, when, None)


def _document(item_id: int, **values: object) -> Document:
    fields: dict[str, object] = {
        "item_id": item_id,
        "status": "ok",
        "error": None,
        "url": None,
        "title": f"Document {item_id}",
        "text": "Some text.",
        "author": None,
        "published_at": NOW,
        "language": "en",
        "sitename": None,
        "content_hash": None,
    }
    fields.update(values)
    return Document(**fields)  # type: ignore[arg-type]


def _sources(conn: sa.Connection) -> dict[str, store.SourceState]:
    return {s.name: s for s in store.source_states(conn)}


def test_sync_keeps_a_sources_state_unless_its_url_changed_and_reactivates_a_source_listed_again(
    engine: sa.Engine,
) -> None:
    feed = SourceSpec("Feed", "https://a.example/feed", language="en")
    with engine.begin() as conn:
        store.sync_sources(conn, [feed])
        source_id = _sources(conn)["Feed"].id
        store.record_fetch_success(
            conn, source_id, status=200, etag='"v1"', last_modified="Mon", warning=None, now=NOW
        )
        store.record_fetch_failure(
            conn, source_id, error="HTTP 500", status=500, now=NOW, retry_in=None, pause_after=5
        )
        store.sync_sources(conn, [SourceSpec("Feed", feed.url, kind="patent", language="de")])
        kept = _sources(conn)["Feed"]
        assert (kept.kind, kept.language, kept.etag, kept.last_modified) == ("patent", "de", '"v1"', "Mon")
        assert (kept.consecutive_failures, kept.last_error) == (1, "HTTP 500")
        store.sync_sources(conn, [SourceSpec("Feed", "https://a.example/moved")])
        moved = _sources(conn)["Feed"]
        assert (moved.etag, moved.last_modified, moved.consecutive_failures, moved.last_error) == (
            None,
            None,
            0,
            None,
        )
        assert moved.id == source_id  # the same source, its items stay with it
        store.sync_sources(conn, [])
        assert not _sources(conn)["Feed"].active
        store.sync_sources(conn, [SourceSpec("Feed", "https://a.example/moved")])
        assert _sources(conn)["Feed"].active


def test_failures_back_off_then_pause_a_source_until_it_is_resumed_or_succeeds(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        store.sync_sources(conn, [SourceSpec("Feed", "https://a.example/feed")])
        source_id = _sources(conn)["Feed"].id
        for n in range(1, 4):
            paused = store.record_fetch_failure(
                conn,
                source_id,
                error=f"timeout {n}",
                status=None,
                now=NOW,
                retry_in=timedelta(hours=n),
                pause_after=3,
            )
            assert paused == (n == 3)
        state = _sources(conn)["Feed"]
        assert state.consecutive_failures == 3 and state.not_before == NOW + timedelta(hours=3)
        assert state.paused_reason == "paused after 3 failures in a row; last: timeout 3"
        assert store.resume_sources(conn, ["feed"]) == ["Feed"] and store.resume_sources(conn, ["Nope"]) == []
        state = _sources(conn)["Feed"]
        assert (state.paused_reason, state.not_before, state.consecutive_failures) == (None, None, 0)
        assert state.last_error == "timeout 3"  # what went wrong last stays visible
        store.record_fetch_failure(
            conn, source_id, error="x", status=503, now=NOW, retry_in=None, pause_after=3
        )
        store.record_fetch_success(
            conn, source_id, status=200, etag=None, last_modified=None, warning="bozo", now=NOW
        )
        state = _sources(conn)["Feed"]
        assert (state.consecutive_failures, state.last_error, state.last_warning) == (0, None, "bozo")
        assert state.last_success_at == NOW and state.last_status == 200


def test_many_items_are_inserted_once_in_chunks_and_known_ones_are_told_apart(engine: sa.Engine) -> None:
    many = [_item(f"k{n:04d}", f"https://x.example/{n}") for n in range(1200)]  # more than one IN (...) chunk
    with engine.begin() as conn:
        store.sync_sources(conn, [SourceSpec("A", "https://a.example/feed")])
        source_id = _sources(conn)["A"].id
        assert store.insert_items(conn, source_id, many[:700], NOW) == 700
        assert store.unknown_items(conn, source_id, many) == many[700:]  # in their order
        assert store.insert_items(conn, source_id, many, NOW) == 500
        assert store.insert_items(conn, source_id, many, NOW) == 0
        ids = store.item_ids(conn, source_id, [i.key for i in many])
        assert len(set(ids.values())) == 1200 and _sources(conn)["A"].items == 1200


def test_an_item_whose_url_is_known_is_kept_as_a_duplicate_of_the_first_and_is_no_pending_work(
    engine: sa.Engine,
) -> None:
    with engine.begin() as conn:
        store.sync_sources(
            conn, [SourceSpec("A", "https://a.example/f"), SourceSpec("B", "https://b.example/f")]
        )
        a, b = _sources(conn)["A"].id, _sources(conn)["B"].id
        # In one batch, and across sources: the earliest item with the URL is the original.
        store.insert_items(
            conn, a, [_item("1", "https://x.example/same"), _item("2", "https://x.example/same")], NOW
        )
        store.insert_items(conn, b, [_item("3", "https://x.example/same"), _item("4")], NOW)
        rows = {r.key: r for r in conn.execute(sa.select(store.items))}
        assert rows["1"].duplicate_of is None
        assert rows["2"].duplicate_of == rows["3"].duplicate_of == rows["1"].id
        pending = store.pending_items(conn)
        assert [(p.id, p.source_name) for p in pending] == [(rows["1"].id, "A"), (rows["4"].id, "B")]
        assert [p.id for p in store.pending_items(conn, source_names=["B"])] == [rows["4"].id]
        assert store.counts(conn)["url_duplicates"] == 2


def test_a_deferred_item_stays_pending_and_a_saved_document_ends_it(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        store.sync_sources(conn, [SourceSpec("A", "https://a.example/f")])
        source_id = _sources(conn)["A"].id
        store.insert_items(conn, source_id, [_item("1", "https://x.example/1")], NOW)
        (item_id,) = store.item_ids(conn, source_id, ["1"]).values()
        store.defer_item(conn, item_id, "HTTP 503")
        store.defer_item(conn, item_id, "timeout")
        (pending,) = store.pending_items(conn)
        assert pending.page_attempts == 2
        assert conn.execute(sa.select(store.items.c.page_error)).scalar_one() == "timeout"
        store.save_document(conn, _document(item_id, status="fallback"), minhash=None, now=NOW)
        assert store.pending_items(conn) == []


def test_a_document_saved_again_replaces_the_first_and_lookups_find_only_originals(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        store.sync_sources(conn, [SourceSpec("A", "https://a.example/f")])
        source_id = _sources(conn)["A"].id
        store.insert_items(conn, source_id, [_item(k) for k in "123"], NOW)
        ids = store.item_ids(conn, source_id, list("123"))
        one, two, three = ids["1"], ids["2"], ids["3"]
        store.save_document(conn, _document(one, status="failed", error="no text"), minhash=None, now=NOW)
        store.save_document(conn, _document(one, content_hash="h1"), minhash=b"\x01\x02", now=NOW)
        store.save_document(conn, _document(two, content_hash="h1"), minhash=b"\x03", now=NOW)
        duplicate = _document(three, content_hash="h1", duplicate_of=one, duplicate_reason="content-hash")
        store.save_document(conn, duplicate, minhash=b"\x04", now=NOW)
        assert conn.execute(sa.select(sa.func.count()).select_from(store.documents)).scalar_one() == 3
        assert store.item_with_hash(conn, "h1") == one and store.item_with_hash(conn, "h2") is None
        assert list(store.known_signatures(conn)) == [(one, b"\x01\x02"), (two, b"\x03")]
        counts = store.counts(conn)
        assert (counts["documents_ok"], counts["content_duplicates"], counts["items"]) == (3, 1, 3)
        assert "documents_failed" not in counts  # the failed extraction was replaced


def test_a_source_that_is_not_fetched_is_made_once_and_never_fetched(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        store.ensure_source(conn, "Wire", "news")
        assert not store.collects_patents(conn)  # papers and listings leave out patent figures
        first = store.ensure_source(conn, "Patent files", "patent")
        assert store.collects_patents(conn)  # imported patents count, as a patent feed does
        assert store.ensure_source(conn, "Patent files", "patent") == first
        state = next(s for s in store.source_states(conn) if s.id == first)
        assert (state.kind, state.url, state.active) == ("patent", "local:", False)
