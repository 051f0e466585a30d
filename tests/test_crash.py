"""Crash safety: whole pipeline runs (ingest, analyze, draft, build) killed with SIGKILL at random
moments, each followed by a normal run, end in exactly the store, papers and site an uninterrupted
run makes, and the database passes its integrity check."""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.conftest import LocalServer, make_workspace, page, respond, rss

KILLS = 20
FEEDS, ENTRIES = 6, 8


def serve(server: LocalServer) -> dict[str, str]:
    """Feeds and article pages, each answered after a short delay so that a run takes a while."""

    def slow(body: bytes, content_type: str):  # type: ignore[no-untyped-def]
        def handler(req: BaseHTTPRequestHandler) -> None:
            time.sleep(0.03)
            respond(req, body, content_type)

        return handler

    sources = {}
    for f in range(FEEDS):
        entries = [(f"f{f}-e{e}", f"Story {e} of feed {f}") for e in range(ENTRIES)]
        for e, (slug, title) in enumerate(entries):
            body = (
                f"Feed {f} reports story {e} with its own figures {f * 100 + e} and a unique place {slug}."
                * 3
            )
            server.route(f"/a/{slug}", slow(page(title, body), "text/html"))
        server.route(f"/feed{f}.xml", slow(rss(server.base, entries, title=f"Feed {f}"), "application/xml"))
        sources[f"Feed {f}"] = server.url(f"/feed{f}.xml")
    return sources


def run(config: Path, kill_after: float | None = None) -> None:
    errors = config.parent / "run-stderr.txt"  # what a failed run said, for the assertion message
    with errors.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "trendpapers", "-q", "-c", str(config), "run"],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        if kill_after is None:
            # Generous: a run of a few seconds took minutes on a 2-core machine under load.
            code = process.wait(timeout=1200)
            assert code in (0, 1), errors.read_text()[-3000:]
            return
        time.sleep(kill_after)
    finally:  # killed and reaped, whatever happened: no process outlives the test
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # the whole group: the run and any worker processes
        process.wait(timeout=60)


def snapshot(workspace: Path) -> tuple[object, ...]:
    """The store's content, papers and site, without ids and times, which legitimately differ."""
    with sqlite3.connect(workspace / "trendpapers.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        items = conn.execute(
            "SELECT s.name, i.key, i.title, i.link, i.published_at, d.key FROM items i JOIN sources s ON s.id = i.source_id"
            " LEFT JOIN items d ON d.id = i.duplicate_of ORDER BY s.name, i.key"
        ).fetchall()
        documents = conn.execute(
            "SELECT i.key, d.status, d.error, d.title, d.text, d.language, d.content_hash, o.key"
            " FROM documents d JOIN items i ON i.id = d.item_id LEFT JOIN items o ON o.id = d.duplicate_of ORDER BY i.key"
        ).fetchall()
        sources = conn.execute(
            "SELECT name, url, last_status, consecutive_failures FROM sources ORDER BY name"
        ).fetchall()
        members = conn.execute(
            "SELECT m.story_id, i.key FROM story_members m JOIN items i ON i.id = m.item_id"
        ).fetchall()
        stories: dict[int, set[str]] = {}
        for story, key in members:
            stories.setdefault(story, set()).add(key)
        trends = conn.execute("SELECT id, industry, active FROM trends ORDER BY id").fetchall()
        papers = conn.execute(
            "SELECT industry, edition, status, path FROM papers ORDER BY industry"
        ).fetchall()
    files = {}
    for path in sorted((workspace / "papers").rglob("*")):
        if path.is_file():  # the time stamp of generation differs, nothing else may
            files[path.relative_to(workspace).as_posix()] = re.sub(r"generated_at: .*", "", path.read_text())
    site = (workspace / "build" / "site").resolve()
    for path in sorted(site.rglob("*")):
        if path.is_file() and not path.name.startswith("sitemap.xml"):  # sitemaps carry the build date
            files[f"site/{path.relative_to(site).as_posix()}"] = path.read_bytes()
    partition = sorted(sorted(keys) for keys in stories.values())
    return tuple(items), tuple(documents), tuple(sources), partition, tuple(trends), tuple(papers), files


def _today() -> date:
    return datetime.now(UTC).date()


def _stopped_midway(workspace: Path) -> bool:
    """Whether a killed run had stored some of its work (documents) but not all of it (the site)."""
    store = workspace / "trendpapers.db"
    if not store.exists():  # killed before it made its store (connecting would create an empty file,
        return False  # which the next run rightly refuses as a truncated store)
    with sqlite3.connect(store) as conn:
        try:
            stored = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        except sqlite3.OperationalError:  # killed before the migrations had run
            stored = 0
    return stored > 0 and not (workspace / "build" / "site" / "index.html").exists()


@pytest.mark.slow  # twenty rounds of whole runs, killed and resumed
def test_killed_runs_end_in_the_same_store_as_an_uninterrupted_one(
    tmp_path: Path, server: LocalServer
) -> None:
    sources = serve(server)
    edits = {"workers = 2": "workers = 0", "host_gap = 1.0": "host_gap = 0.0"}

    def reference(name: str) -> tuple[object, ...]:
        run(make_workspace(tmp_path / name, sources, edits))
        return snapshot(tmp_path / name)

    started, day = time.monotonic(), _today()
    expected = reference("reference")
    duration = time.monotonic() - started
    assert len(expected[0]) == FEEDS * ENTRIES and len(expected[1]) == FEEDS * ENTRIES
    assert len(expected[5]) == 3 and "site/index.html" in expected[6]  # three drafts, a site
    # Each round: a fresh workspace, a run killed somewhere between start-up and the end a run
    # takes, then a normal run, which must resume and end where the uninterrupted run ended.
    rng = random.Random(20261123)
    interrupted = 0  # rounds killed with part of the work done: the interesting case
    for round_ in range(KILLS):
        if _today() != day:  # undated items are dated by the day they are first seen, and so are pages
            expected, day = reference(f"reference-{round_}"), _today()
        crashed = make_workspace(tmp_path / f"crashed-{round_}", sources, edits)
        run(crashed, kill_after=rng.uniform(0.1, duration))
        interrupted += _stopped_midway(crashed.parent)
        run(crashed)
        if _today() != day:  # the round ran over midnight: its items were first seen on two days
            continue
        got = snapshot(crashed.parent)
        different = sorted(
            k for k in got[-1].keys() | expected[-1].keys() if got[-1].get(k) != expected[-1].get(k)
        )
        assert not different, f"round {round_}: files differ: {different}"
        assert got == expected, f"round {round_}"
    assert interrupted >= 6  # of 20; about two thirds land there


_POOL = """
import os, time
from ingest.runner import worker_pool
pool = worker_pool(2)
pids = {f.result() for f in [pool.submit(os.getpid) for _ in range(8)]}
print(" ".join(map(str, sorted(pids))), flush=True)
time.sleep(300)
"""


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status  # a zombie is dead, waiting for PID 1 to reap it


def test_worker_processes_die_with_a_killed_parent() -> None:
    """kill -9 of an ingest once left its workers (about 165 MB each) running under PID 1."""
    parent = subprocess.Popen([sys.executable, "-c", _POOL], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        workers = [int(p) for p in parent.stdout.readline().split()]
        assert workers and all(_alive(p) for p in workers)
    finally:
        parent.kill()
        parent.wait(timeout=60)
        if parent.stdout is not None:
            parent.stdout.close()
    deadline = time.monotonic() + 60  # generous: the kernel signals at once, a busy machine is slow
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in workers)
