"""Ingest benchmark (run on demand: `make bench`, or `python benchmarks/ingest_bench.py --help`).

1. Feeds: N feeds x M entries served from a local server with added latency per response,
   spread over H host names (127.0.0.x, all loopback), fetched with a per-host gap and one request
   per host at a time. Reported against the ideal bound that latency and politeness allow:
   per host, (feeds - 1) * max(gap, latency) + latency; overall, the slowest host.
2. Pages: real article pages (the AEB corpus when ../shared/corpora is present, else the demo
   pages) served locally and run through the whole document path (robots.txt, fetch, extraction
   in worker processes, language, hashes, store). Reported as pages/s against a plain loop of
   `trafilatura.extract` over the same bytes in one process, measured in the same run, and the
   per-page CPU cost of our extraction function against `trafilatura.extract`, both in-process.

Timings on a shared 2-core machine are noisy: compare the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import resource
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.feeds import parse_feed  # noqa: E402  (after the path is set up)
from ingest.fetch import FetchPolicy  # noqa: E402
from ingest.netguard import parse_networks  # noqa: E402
from ingest.records import SourceSpec  # noqa: E402
from ingest.runner import IngestSettings, _analyse_page, run_ingest  # noqa: E402
from trendpapers.db import open_store  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "articles" / "aeb"
DEMO_PAGES = ROOT / "trendpapers" / "demo" / "data" / "articles"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    routes: dict[str, bytes] = {}  # noqa: RUF012  (set once before serving)
    latency = 0.0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        time.sleep(self.server.latency)
        body = self.server.routes.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "text/html" if self.path.startswith("/p/") else "application/xml")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, format: str, *args: object) -> None:
        pass


def bind() -> _Server:
    return _Server(("0.0.0.0", 0), _Handler)  # noqa: S104  (every 127.0.0.x name reaches it)


def serve(server: _Server, routes: dict[str, bytes], latency: float) -> multiprocessing.Process:
    """Serve from a forked process, so that the server's CPU time does not count as ours."""
    server.routes, server.latency = routes, latency
    process = multiprocessing.get_context("fork").Process(target=server.serve_forever, daemon=True)
    process.start()
    return process


def feed(host: str, n: int, entries: int) -> bytes:
    items = "".join(
        f"<item><title>Story {n}-{k} about fibre recycling and sensors</title>"
        f"<link>http://{host}/story/{n}/{k}</link><guid isPermaLink='false'>{n}-{k}</guid>"
        f"<pubDate>Mon, 02 Nov 2026 10:{k:02d}:00 GMT</pubDate>"
        f"<description>Summary {n}-{k}: a plant in Valmark expands its line and hires staff.</description></item>"
        for k in range(entries)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {n}</title>{items}</channel></rss>'.encode()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_feeds(args: argparse.Namespace) -> None:
    hosts = [f"127.0.0.{h + 1}" for h in range(args.hosts)]
    routes = {}
    sources = []
    for n in range(args.feeds):
        host = hosts[n % len(hosts)]
        routes[f"/feed/{n}"] = feed(host, n, args.entries)
    server = bind()
    port = server.server_address[1]
    process = serve(server, routes, args.latency)
    for n in range(args.feeds):
        sources.append(SourceSpec(f"feed {n}", f"http://{hosts[n % len(hosts)]}:{port}/feed/{n}"))
    policy = FetchPolicy(
        allow_networks=parse_networks(["127.0.0.0/8"]),
        host_gap=args.gap,
        host_concurrency=1,
        concurrency=args.concurrency,
        user_agent="Trendpapers-bench/0.1 (+https://example.org/bench)",
    )
    settings = IngestSettings(fetch_articles=False, workers=args.workers)
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_store(f"sqlite:///{tmp}/bench.db")
        started = time.perf_counter()
        report = run_ingest(engine, sources, policy, settings)
        total = time.perf_counter() - started
    process.terminate()
    per_host = -(-args.feeds // args.hosts)
    ideal = max(
        (per_host - 1) * max(args.gap, args.latency) + args.latency,
        args.feeds * args.latency / args.concurrency,
    )
    # The CPU floor: parsing every feed once in one process, shared over the worker processes.
    started = time.perf_counter()
    for body in routes.values():
        parse_feed(body, url="http://127.0.0.1/feed", fetched_at=datetime.now(UTC))
    cpu_floor = (time.perf_counter() - started) / max(1, args.workers)
    feeds_s = report.timings["feeds"]
    print(
        f"feeds: {args.feeds} feeds x {args.entries} entries over {args.hosts} hosts, latency "
        f"{args.latency * 1000:.0f} ms, gap {args.gap} s, {args.workers} parse workers"
    )
    print(
        f"  items stored: {report.new_items}; feed phase {feeds_s:.2f} s; ideal bound {ideal:.2f} s "
        f"(latency and politeness); ratio {feeds_s / ideal:.2f}"
    )
    print(
        f"  parsing alone: {cpu_floor:.2f} s per worker; ratio to max(ideal, parsing) "
        f"{feeds_s / max(ideal, cpu_floor):.2f}"
    )
    print(
        f"  whole run incl. {report.documents} documents from feed text: {total:.2f} s; peak RSS {peak_rss_mb():.0f} MB"
    )


def load_pages(limit: int) -> list[bytes]:
    if CORPUS.is_dir():
        files = sorted((CORPUS / "html").glob("*.html.gz"))[:limit]
        return [gzip.decompress(p.read_bytes()) for p in files]
    return [p.read_bytes() for p in sorted(DEMO_PAGES.glob("*.html"))[:limit]]


def bench_pages(args: argparse.Namespace) -> None:
    import trafilatura

    pages = load_pages(args.pages)
    source = "AEB corpus" if CORPUS.is_dir() else "demo pages"
    # Warm both paths up (imports, language model) so neither pays one-time costs in the timing.
    trafilatura.extract(pages[0])
    _analyse_page(pages[0], "http://127.0.0.1/p/0", None)

    def timed(fn) -> float:  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        for n, page in enumerate(pages):
            fn(page, n)
        return time.perf_counter() - started

    bare = min(timed(lambda p, n: trafilatura.extract(p)) for _ in range(args.repeat))
    ours_fn = min(
        timed(lambda p, n: _analyse_page(p, f"http://127.0.0.1/p/{n}", None)) for _ in range(args.repeat)
    )

    hosts = [f"127.0.0.{h + 1}" for h in range(8)]
    routes = {f"/p/{n}": page for n, page in enumerate(pages)}
    server = bind()
    port = server.server_address[1]
    per_feed: dict[str, list[int]] = {}
    for n in range(len(pages)):
        per_feed.setdefault(hosts[n % len(hosts)], []).append(n)
    sources = []
    for host, numbers in per_feed.items():
        items = "".join(
            f"<item><title>Page {n}</title><link>http://{host}:{port}/p/{n}</link><guid isPermaLink='false'>{n}</guid></item>"
            for n in numbers
        )
        routes[f"/feed/{host}"] = (
            f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
        )
        sources.append(SourceSpec(f"pages {host}", f"http://{host}:{port}/feed/{host}"))
    process = serve(server, routes, 0.0)
    policy = FetchPolicy(
        allow_networks=parse_networks(["127.0.0.0/8"]),
        host_gap=0.0,
        host_concurrency=4,
        user_agent="Trendpapers-bench/0.1 (+https://example.org/bench)",
    )
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_store(f"sqlite:///{tmp}/bench.db")
        report = run_ingest(engine, sources, policy, IngestSettings(workers=args.workers))
    process.terminate()
    pipeline = report.timings["pages"]
    n = len(pages)
    print(f"pages: {n} pages ({source}), best of {args.repeat} for the in-process loops")
    print(f"  trafilatura.extract, one process:          {n / bare:6.1f} pages/s (baseline)")
    print(
        f"  our extraction function, one process:      {n / ours_fn:6.1f} pages/s "
        f"(per-page overhead {100 * (ours_fn - bare) / bare:+.1f}%)"
    )
    print(
        f"  our whole document path, {args.workers} workers:       {n / pipeline:6.1f} pages/s "
        f"(ratio to baseline {bare / pipeline:.2f}; documents {report.documents})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--entries", type=int, default=20)
    parser.add_argument("--hosts", type=int, default=25)
    parser.add_argument("--latency", type=float, default=0.020, help="seconds added to every response")
    parser.add_argument("--gap", type=float, default=0.1, help="per-host gap between requests, seconds")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pages", type=int, default=181)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=["feeds", "pages"])
    args = parser.parse_args()
    socket.setdefaulttimeout(30)
    print(json.dumps({"python": sys.version.split()[0], "cpus": len(__import__("os").sched_getaffinity(0))}))
    if args.only != "pages":
        bench_feeds(args)
    if args.only != "feeds":
        bench_pages(args)


if __name__ == "__main__":
    main()
