"""Load benchmark (on demand): one scheduled cycle over many sources, some of them failing.

A local server (its own process) serves N feeds over H host names (127.0.0.x) with M entries
each and an article page per entry; 5% of the feeds fail in different ways (404, 500, a page
that is not a feed, entity-declaring XML, a body over the cap, a response slower than the
deadline). One cycle is the ``ingest`` job exactly as ``trendpapers schedule`` runs it: a child
process through ``trendpapers.pipeline.run_job``. Reported: wall time, peak memory of the job,
the store's size, and whether every entry of every healthy feed is in the store.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import multiprocessing
import resource
import sqlite3
import sys
import tempfile
import time
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trendpapers.pipeline import run_job  # noqa: E402  (after the path is set up)
from trendpapers.scheduler import job_process  # noqa: E402
from trendpapers.workspace import init_workspace  # noqa: E402

FAILURES = ("404", "500", "html", "entities", "huge", "slow")
PAGE = (
    "<html><head><title>{title}</title></head><body><nav>Home | News</nav><article><h1>{title}</h1>"
    + "<p>{text}</p>" * 5
    + "</article><footer>Imprint</footer></body></html>"
)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    entries = 5


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _send(self, status: int, body: bytes, content_type: str = "application/xml") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up on purpose
            self.wfile.write(body)

    def do_GET(self) -> None:
        host = self.headers.get("Host", "")
        parts = self.path.strip("/").split("/")
        if parts[0] == "robots.txt":
            self._send(404, b"", "text/plain")
        elif parts[0] == "feed":
            self._feed(int(parts[1]), host)
        elif parts[0] == "page":
            text = f"Story {parts[1]}-{parts[2]}: a mill in Valmark {parts[1]} expands line {parts[2]} and hires staff."
            self._send(
                200, PAGE.format(title=f"Story {parts[1]}-{parts[2]}", text=text).encode(), "text/html"
            )
        else:
            self._send(404, b"", "text/plain")

    def _feed(self, n: int, host: str) -> None:
        failure = failure_of(n)
        if failure == "404":
            self._send(404, b"gone", "text/plain")
        elif failure == "500":
            self._send(500, b"oops", "text/plain")
        elif failure == "html":
            self._send(200, b"<!DOCTYPE html><html><body>Welcome</body></html>", "text/html")
        elif failure == "entities":
            self._send(
                200,
                b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss><channel><title>&a;</title></channel></rss>',
            )
        elif failure == "huge":
            self._send(200, b"<rss>" + b" " * 12_000_000 + b"</rss>")
        elif failure == "slow":
            time.sleep(15)
            self._send(200, b"<rss/>")
        else:
            items = "".join(
                f"<item><title>Story {n}-{k}</title><link>http://{host}/page/{n}/{k}</link>"
                f"<guid isPermaLink='false'>{n}-{k}</guid></item>"
                for k in range(self.server.entries)
            )
            self._send(
                200, f'<rss version="2.0"><channel><title>Feed {n}</title>{items}</channel></rss>'.encode()
            )

    def log_message(self, format: str, *args: object) -> None:
        pass


def failure_of(n: int) -> str | None:
    """Every 20th feed fails, cycling through the kinds of failure."""
    return FAILURES[(n // 20) % len(FAILURES)] if n % 20 == 7 else None


def _serve(server: _Server) -> None:
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=5)
    parser.add_argument("--hosts", type=int, default=50)
    args = parser.parse_args()

    server = _Server(("0.0.0.0", 0), _Handler)  # noqa: S104  (every 127.0.0.x name reaches it)
    server.entries = args.entries
    port = server.server_address[1]
    serving = multiprocessing.get_context("fork").Process(target=_serve, args=(server,), daemon=True)
    serving.start()
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp)
        init_workspace(workspace, "Load test")
        config = workspace / "trendpapers.toml"
        text = config.read_text().replace("allow_networks = []", 'allow_networks = ["127.0.0.0/8"]')
        text = text.replace("deadline = 60.0 ", "deadline = 5.0 ").replace(
            "host_gap = 1.0 ", "host_gap = 0.1 "
        )
        text += "".join(
            f'\n[[sources]]\nname = "source {n}"\nurl = "http://127.0.0.{1 + n % args.hosts}:{port}/feed/{n}"\n'
            for n in range(args.sources)
        )
        config.write_text(text)
        context = multiprocessing.get_context("spawn")
        # Exactly as the scheduler runs a job: its child entry point around the pipeline's job.
        job = context.Process(
            target=job_process, args=(partial(run_job, str(config)), "ingest", logging.WARNING)
        )
        started = time.perf_counter()
        job.start()
        job.join()
        wall = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        db = workspace / "trendpapers.db"
        size_mb = sum(p.stat().st_size for p in workspace.glob("trendpapers.db*")) / 1e6
        with sqlite3.connect(db) as conn:
            items = conn.execute("SELECT count(*) FROM items").fetchone()[0]
            documents = dict(
                conn.execute("SELECT status, count(*) FROM documents GROUP BY status").fetchall()
            )
            failed = conn.execute("SELECT count(*) FROM sources WHERE last_error IS NOT NULL").fetchone()[0]
    serving.terminate()
    healthy = sum(1 for n in range(args.sources) if failure_of(n) is None)
    expected = healthy * args.entries
    print(
        f"{args.sources} sources over {args.hosts} hosts, {args.entries} entries each, "
        f"{args.sources - healthy} failing ({', '.join(FAILURES)}); job exit code {job.exitcode}"
    )
    print(
        f"one cycle: {wall:.1f} s wall, peak memory {peak_mb:.0f} MB (largest process), store {size_mb:.1f} MB"
    )
    print(
        f"items {items} of {expected} expected ({'none lost' if items == expected else 'ITEMS LOST'}); "
        f"documents {documents}; sources with an error: {failed}"
    )


if __name__ == "__main__":
    main()
