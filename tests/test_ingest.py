"""The ingest stage end to end: a real local server, the real fetcher, a real SQLite store."""

from __future__ import annotations

import gzip
import zlib
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import sqlalchemy as sa

from ingest import store
from ingest.records import SourceSpec
from ingest.runner import IngestReport, run_ingest
from tests.conftest import (
    TOPICS,
    LocalServer,
    endless,
    local_policy,
    local_settings,
    page,
    respond,
    rss,
    serve_articles,
    trickle,
)
from tests.test_feeds import BILLION_LAUGHS, XXE, quadratic_blowup
from trendpapers.pipeline import source_line


def ingest(engine: sa.Engine, sources: list[SourceSpec], **settings: object) -> IngestReport:
    policy = settings.pop("policy", local_policy())
    return run_ingest(engine, sources, policy, local_settings(**settings))  # type: ignore[arg-type]


def count(engine: sa.Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def docs(engine: sa.Engine) -> dict[str, sa.Row]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(store.items.c.guid, store.documents).join(
                store.documents, store.documents.c.item_id == store.items.c.id
            )
        )
        return {r.guid: r for r in rows}


def test_ingest_extracts_and_three_runs_change_nothing(server: LocalServer, engine: sa.Engine) -> None:
    serve_articles(server)
    server.static("/feed.xml", rss(server.base, [(s, f"{s.title()} news") for s in TOPICS]))
    sources = [SourceSpec("Feed", server.url("/feed.xml"), language="en")]
    first = ingest(engine, sources)
    assert first.new_items == 3 and first.documents == {"ok": 3} and not first.errors
    for _ in range(2):
        again = ingest(engine, sources)
        assert again.new_items == 0 and again.documents == {}
    assert count(engine, store.items) == 3 and count(engine, store.documents) == 3
    loom = docs(engine)["loom"]
    assert loom.status == "ok" and loom.language == "en" and loom.title == "Loom news"
    assert loom.text.startswith("A weaving mill in Valmark") and "Copyright" not in loom.text
    assert len(server.hits("/a/loom")) == 1  # pages are fetched once, ever


def test_not_modified_feed_adds_no_rows(server: LocalServer, engine: sa.Engine) -> None:
    serve_articles(server)
    body = rss(server.base, [("loom", "Loom news")])

    def feed(req: BaseHTTPRequestHandler) -> None:
        if req.headers.get("If-None-Match") == '"abc"':
            req.send_response(304)
            req.send_header("Content-Length", "0")
            req.end_headers()
        else:
            respond(req, body, headers={"ETag": '"abc"'})

    sources = [SourceSpec("Feed", server.route("/feed", feed))]
    ingest(engine, sources)
    report = ingest(engine, sources)
    assert [o.status for o in report.sources] == ["not-modified"] and report.new_items == 0
    assert server.hits("/feed")[1].headers["if-none-match"] == '"abc"'
    assert count(engine, store.items) == 1
    assert source_line(report.sources[0]) == "not-modified  Feed"  # nothing after it, not "Feed: "


def test_server_ignoring_validators_and_reordering_creates_no_duplicates(
    server: LocalServer, engine: sa.Engine
) -> None:
    serve_articles(server)
    entries = [(s, f"{s.title()} news") for s in TOPICS]
    versions = iter([entries, list(reversed(entries)), entries + entries])

    def feed(req: BaseHTTPRequestHandler) -> None:  # no ETag, no Last-Modified, always 200
        respond(req, rss(server.base, next(versions)))

    sources = [SourceSpec("Feed", server.route("/feed", feed))]
    assert ingest(engine, sources).new_items == 3
    assert ingest(engine, sources).new_items == 0
    assert ingest(engine, sources).new_items == 0
    assert count(engine, store.items) == 3


def test_robots_and_failed_pages_fall_back_to_feed_text(server: LocalServer, engine: sa.Engine) -> None:
    server.static("/robots.txt", b"User-agent: *\nDisallow: /private/\n", "text/plain")
    server.static("/private/x", page("Secret", TOPICS["loom"]), "text/html")
    server.static(
        "/feed",
        rss(
            server.base,
            [("gone", "Gone")],
            extra=f'<item><title>Members only</title><link>{server.base}/private/x</link><guid isPermaLink="false">priv</guid>'
            f"<description>Only the summary may be used.</description></item>"
            f"<item><title></title><link>{server.base}/a/nothing</link><guid isPermaLink='false'>empty</guid></item>",
        ),
    )
    report = ingest(engine, [SourceSpec("Feed", server.url("/feed"))])
    found = docs(engine)
    assert found["priv"].status == "fallback" and found["priv"].text == "Only the summary may be used."
    assert "robots.txt disallows" in found["priv"].error
    assert server.hits("/private/x") == []
    assert len(server.hits("/robots.txt")) == 1  # once per host and run, for all three pages
    assert found["gone"].status == "fallback" and "HTTP 404" in found["gone"].error
    assert found["empty"].status == "failed"
    assert len(report.errors) == 1 and "item" in report.errors[0]


def test_duplicates_across_sources_are_marked_not_deleted(server: LocalServer, engine: sa.Engine) -> None:
    serve_articles(server)
    reworded = "Hallsund, 3 November. " + TOPICS["port"]
    server.static("/b/port-repost", page("Port repost", reworded), "text/html")
    server.static("/one", rss(server.base, [("port", "Port news"), ("loom", "Loom news")]))
    two = rss(
        server.base,
        [("implant", "Implant news")],
        # The same article under a tracking link, and a repost of the port story on another page.
        extra=f'<item><title>Loom again</title><link>{server.base}/a/loom?utm_source=x</link><guid isPermaLink="false">loom-2</guid></item>'
        f'<item><title>Port repost</title><link>{server.base}/b/port-repost</link><guid isPermaLink="false">port-2</guid></item>',
    )
    server.static("/two", two)
    ingest(engine, [SourceSpec("One", server.url("/one"))])
    report = ingest(engine, [SourceSpec("One", server.url("/one")), SourceSpec("Two", server.url("/two"))])
    with engine.connect() as conn:
        items = {r.guid: r for r in conn.execute(sa.select(store.items))}
    assert items["loom-2"].duplicate_of == items["loom"].id  # same canonical URL
    assert len(server.hits("/a/loom")) == 1
    repost = docs(engine)["port-2"]
    assert repost.duplicate_of == items["port"].id and repost.duplicate_reason.startswith("near-duplicate")
    assert report.documents == {"ok": 2, "duplicate": 1}
    assert count(engine, store.items) == 5  # nothing deleted


def test_hostile_feeds_fail_alone_while_others_finish(server: LocalServer, engine: sa.Engine) -> None:
    serve_articles(server)
    server.static("/good", rss(server.base, [("loom", "Loom news")]))
    server.static("/laughs", BILLION_LAUGHS)
    server.static("/quadratic", quadratic_blowup())
    server.static("/xxe", XXE)
    c = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    bomb = b"".join(c.compress(b"<" * 1_000_000) for _ in range(200)) + c.flush()
    server.static("/bomb", bomb, headers={"Content-Encoding": "gzip"})

    server.route("/slow", trickle(5.0))
    server.route("/endless", endless)
    server.static("/html", b"<!DOCTYPE html><html><body><p>Welcome</p></body></html>", "text/html")
    names = ["good", "laughs", "quadratic", "xxe", "bomb", "slow", "endless", "html"]
    sources = [SourceSpec(n, server.url(f"/{n}")) for n in names]
    report = ingest(engine, sources, policy=local_policy(deadline=2.0, max_bytes=2_000_000))
    outcome = {o.name: o for o in report.sources}
    assert outcome["good"].status == "ok" and outcome["good"].new_items == 1
    assert "declares entities" in outcome["laughs"].error
    assert "declares entities" in outcome["quadratic"].error
    assert "declares entities" in outcome["xxe"].error
    assert "exceeds the cap" in outcome["bomb"].error
    assert "deadline" in outcome["slow"].error
    assert "exceeds the cap" in outcome["endless"].error
    assert "not a feed" in outcome["html"].error
    assert len(report.errors) == 7
    with engine.connect() as conn:
        stored = " ".join(str(v) for row in conn.execute(sa.select(store.items)) for v in row)
    assert "root:" not in stored and "lol" not in stored


def test_failing_source_is_paused_and_can_be_resumed(server: LocalServer, engine: sa.Engine) -> None:
    server.static("/broken", b"", status=500)
    sources = [SourceSpec("Broken", server.url("/broken"))]
    for _ in range(3):
        ingest(engine, sources, pause_after_failures=3, policy=local_policy(max_retries=0))
    report = ingest(engine, sources, pause_after_failures=3)
    assert (
        report.sources[0].status == "skipped"
        and "paused after 3 failures in a row" in report.sources[0].error
    )
    assert len(server.hits("/broken")) == 3
    with engine.begin() as conn:
        state = store.source_states(conn)[0]
        assert state.consecutive_failures == 3 and state.last_error == "HTTP 500"
        assert store.resume_sources(conn, ["broken"]) == ["Broken"]
    ingest(engine, sources, policy=local_policy(max_retries=0))
    assert len(server.hits("/broken")) == 4


def test_long_retry_after_defers_the_source_to_a_later_run(server: LocalServer, engine: sa.Engine) -> None:
    server.static("/busy", b"", status=429, headers={"Retry-After": "600"})
    sources = [SourceSpec("Busy", server.url("/busy"))]
    ingest(engine, sources)
    report = ingest(engine, sources)
    assert report.sources[0].status == "skipped" and "backing off until" in report.sources[0].error
    assert len(server.hits("/busy")) == 1  # no request before the time the server asked for


def test_a_hosts_long_wait_skips_its_other_sources_without_failing_them(
    server: LocalServer, engine: sa.Engine
) -> None:
    server.static("/busy", b"", status=503, headers={"Retry-After": "999999"})
    server.static("/other", rss(server.base, []))
    sources = [SourceSpec("Busy", server.url("/busy")), SourceSpec("Other", server.url("/other"))]
    report = ingest(engine, sources, policy=local_policy(host_concurrency=1), fetch_articles=False)
    busy, other = report.sources
    assert busy.status == "failed" and busy.error == "HTTP 503, Retry-After 86400s"  # capped at a day
    assert other.status == "skipped" and "the host asked (HTTP 503 for" in (other.warning or "")
    with engine.connect() as conn:
        states = {s.name: s for s in store.source_states(conn)}
    assert states["Busy"].last_status == 503 and states["Other"].consecutive_failures == 0
    assert ingest(engine, sources[1:], fetch_articles=False).sources[0].status == "ok"  # tried next run


def test_a_huge_feed_is_taken_a_few_newest_entries_per_run(server: LocalServer, engine: sa.Engine) -> None:
    entries = "".join(
        f'<item><title>Entry {n}</title><guid isPermaLink="false">e{n}</guid><description>Text {n}.</description>'
        f"<pubDate>{(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=n)):%a, %d %b %Y %H:%M:%S} GMT</pubDate></item>"
        for n in range(2000)
    )
    server.static("/huge", rss(server.base, [], extra=entries))
    sources = [SourceSpec("Huge", server.url("/huge"))]
    first = ingest(engine, sources, fetch_articles=False, max_new_items=50)
    assert first.new_items == 50 and "1950 more new entries left for later runs" in (
        first.sources[0].warning or ""
    )
    with engine.connect() as conn:
        guids = set(conn.execute(sa.select(store.items.c.guid)).scalars())
    assert guids == {f"e{n}" for n in range(1950, 2000)}  # the newest
    assert ingest(engine, sources, fetch_articles=False, max_new_items=50).new_items == 50


def test_future_dates_are_clamped_in_the_store(server: LocalServer, engine: sa.Engine) -> None:
    feed = (Path(__file__).parent / "data" / "feeds" / "rss2.xml").read_bytes()
    server.static("/feed", feed)
    before = datetime.now(UTC)
    ingest(engine, [SourceSpec("F", server.url("/feed"))], fetch_articles=False)
    with engine.connect() as conn:
        row = conn.execute(sa.select(store.items).where(store.items.c.guid == "ww-1003")).one()
    assert row.date_clamped and before <= row.published_at <= datetime.now(UTC)
    assert row.published_raw == "Fri, 07 Mar 2031 09:00:00 GMT"


def test_gzip_encoded_feed_and_worker_processes(server: LocalServer, engine: sa.Engine) -> None:
    serve_articles(server)
    server.static(
        "/feed",
        gzip.compress(rss(server.base, [(s, s) for s in TOPICS])),
        headers={"Content-Encoding": "gzip"},
    )
    report = ingest(engine, [SourceSpec("F", server.url("/feed"))], workers=2)
    assert report.new_items == 3 and report.documents == {"ok": 3}


def test_transient_page_failures_are_retried_in_later_runs(server: LocalServer, engine: sa.Engine) -> None:
    server.static("/a/flaky", b"busy", "text/plain", 503)
    server.static("/feed", rss(server.base, [("flaky", "Flaky news")]))
    sources = [SourceSpec("F", server.url("/feed"))]
    policy = local_policy(max_retries=0)
    for attempt in (1, 2):
        report = ingest(engine, sources, policy=policy)
        assert report.documents == {"deferred": 1}, attempt
        assert count(engine, store.documents) == 0
    serve_articles(server)  # nothing at /a/flaky yet: still 503 on the third and last attempt
    report = ingest(engine, sources, policy=policy)
    assert report.documents == {"fallback": 1}
    assert "HTTP 503" in docs(engine)["flaky"].error
    assert len(server.hits("/a/flaky")) == 3


def test_unavailable_robots_txt_defers_the_page(server: LocalServer, engine: sa.Engine) -> None:
    serve_articles(server)
    server.static("/robots.txt", b"", "text/plain", 500)
    server.static("/feed", rss(server.base, [("loom", "Loom news")]))
    report = ingest(engine, [SourceSpec("F", server.url("/feed"))], policy=local_policy(max_retries=0))
    assert report.documents == {"deferred": 1}
    assert server.hits("/a/loom") == []
    with engine.connect() as conn:
        row = conn.execute(sa.select(store.items)).one()
    assert row.page_attempts == 1 and "robots.txt" in row.page_error


def test_same_url_twice_in_one_feed_is_fetched_once(server: LocalServer, engine: sa.Engine) -> None:
    serve_articles(server)
    feed = rss(
        server.base,
        [("loom", "Loom news")],
        extra=f"<item><title>Loom, tracked</title><link>{server.base}/a/loom?utm_source=rss</link>"
        "<guid isPermaLink='false'>loom-tracked</guid></item>",
    )
    server.static("/feed", feed)
    report = ingest(engine, [SourceSpec("F", server.url("/feed"))])
    assert report.new_items == 2 and report.documents == {"ok": 1}
    assert len(server.hits("/a/loom")) == 1


def _die() -> None:
    import os

    os._exit(1)


def test_a_dying_worker_is_replaced(engine: sa.Engine) -> None:
    import asyncio
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial
    from multiprocessing import get_context

    from ingest.errors import ItemError
    from ingest.runner import _Ingest

    job = _Ingest(
        engine,
        local_policy(),
        local_settings(),
        partial(ProcessPoolExecutor, 1, mp_context=get_context("spawn")),
        lambda: datetime.now(UTC),
    )

    async def go() -> int:
        with pytest.raises(ItemError, match="worker process died"):
            await job._cpu(_die)
        return await job._cpu(len, "abc")

    try:
        assert asyncio.run(go()) == 3
    finally:
        job.shutdown()
