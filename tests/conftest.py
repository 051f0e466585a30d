"""Shared fixtures and helpers: a real local HTTP server and what it serves, the shared corpora, test
workspaces (the demo's, and the hand-written newsroom analysed with the fake embedder), the model, and
the CLI run in this process."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from ingest import store as ingest_store
from ingest.fetch import FetchPolicy
from ingest.netguard import parse_networks
from ingest.patents import PatentRecord, PublicationNumber
from ingest.patentstore import save_patent
from ingest.records import Document, Item, SourceSpec
from ingest.runner import IngestSettings, run_ingest
from tests.fakes import HashingEmbedder
from trendpapers.cli import cli
from trendpapers.config import CONFIG_NAME, Config, load_config
from trendpapers.db import open_store
from trendpapers.demo import serve_demo, write_demo_workspace
from trendpapers.workspace import init_workspace

if TYPE_CHECKING:
    from summarize.analyze import AnalysisReport
    from summarize.embed import TransformersEmbedder
    from summarize.multilingual import UseEmbedder

DATA = Path(__file__).parent / "data"
CORPORA = Path(os.environ.get("TRENDPAPERS_CORPORA", Path(__file__).parents[1] / ".." / "shared" / "corpora"))

Handler = Callable[[BaseHTTPRequestHandler], None]


@pytest.fixture(scope="session")
def corpora() -> Path:
    """The shared real-world corpora; tests using it skip when it is absent (a fresh clone)."""
    if not CORPORA.is_dir():
        pytest.skip(f"shared corpora not found at {CORPORA} (set TRENDPAPERS_CORPORA)")
    return CORPORA.resolve()


@dataclass
class Request:
    at: float
    path: str
    headers: dict[str, str]


@dataclass
class LocalServer:
    """A real HTTP/1.1 server on a loopback address; routes are functions of the request handler."""

    host: str = "127.0.0.1"
    tls: tuple[Path, Path] | None = None  # (certificate, key): serve HTTPS
    routes: dict[str, Handler] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    connections: int = 0
    _server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self._server is not None
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self._server.server_address[1]}"

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)

    def static(
        self,
        path: str,
        body: bytes,
        content_type: str = "application/xml",
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> str:
        def handler(req: BaseHTTPRequestHandler) -> None:
            respond(req, body, content_type, status, headers)

        return self.route(path, handler)

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def start(self) -> None:
        app = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                app.requests.append(
                    Request(time.monotonic(), self.path, {k.lower(): v for k, v in self.headers.items()})
                )
                handler = app.routes.get(self.path) or app.routes.get(self.path.split("?", 1)[0])
                if handler is None:
                    respond(self, b"not found", "text/plain", 404)
                    return
                # The client gives up on endless and slow responses, as it should.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    handler(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        class _Server(ThreadingHTTPServer):
            daemon_threads = True
            address_family = (
                __import__("socket").AF_INET6 if ":" in app.host else __import__("socket").AF_INET
            )

            def verify_request(self, request: object, client_address: object) -> bool:
                app.connections += 1
                return True

        self._server = _Server((self.host, 0), _Handler)
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        # A short poll: ``stop`` waits for the loop to notice, which took 0.5 s per test by default.
        threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def respond(
    req: BaseHTTPRequestHandler,
    body: bytes,
    content_type: str = "application/xml",
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> None:
    req.send_response(status)
    req.send_header("Content-Type", content_type)
    req.send_header("Content-Length", str(len(body)))
    for k, v in (headers or {}).items():
        req.send_header(k, v)
    req.end_headers()
    req.wfile.write(body)


def trickle(interval: float, size: int = 1000) -> Handler:
    """A response of ``size`` bytes sent one byte every ``interval`` seconds."""

    def handler(req: BaseHTTPRequestHandler) -> None:
        req.send_response(200)
        req.send_header("Content-Length", str(size))
        req.end_headers()
        for _ in range(size):
            req.wfile.write(b"<")
            req.wfile.flush()
            time.sleep(interval)

    return handler


def endless(req: BaseHTTPRequestHandler) -> None:
    """A chunked response that never ends."""
    req.send_response(200)
    req.send_header("Transfer-Encoding", "chunked")
    req.end_headers()
    while True:
        req.wfile.write(b"3e8\r\n" + b"<item>" * 166 + b"<ite\r\n")  # chunks of 1,000 bytes


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer()
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def make_server() -> Iterator[Callable[[str], LocalServer]]:
    """Start further servers on other loopback addresses (127.0.0.2, ::1)."""
    started: list[LocalServer] = []

    def make(host: str) -> LocalServer:
        srv = LocalServer(host=host)
        srv.start()
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.stop()


POSTGRES_URL = os.environ.get("TRENDPAPERS_TEST_POSTGRES_URL")  # set by .ci/run, which starts a server


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """A fresh, migrated store: a SQLite file, and a new PostgreSQL database when a server is given."""
    if request.param == "sqlite":
        engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
        yield engine
        engine.dispose()
        return
    if not POSTGRES_URL:
        pytest.skip("no PostgreSQL server (set TRENDPAPERS_TEST_POSTGRES_URL, as .ci/run does)")
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"trendpapers_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = open_store(sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def make_workspace(directory: Path, sources: dict[str, str], edits: dict[str, str] | None = None) -> Path:
    """A workspace from the real template with loopback allowed and these sources; returns its config."""
    init_workspace(directory, "Test Cluster")
    config = directory / CONFIG_NAME
    text = config.read_text().replace("allow_networks = []", 'allow_networks = ["127.0.0.1/32"]')
    for old, new in (edits or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    text += "".join(f'\n[[sources]]\nname = "{name}"\nurl = "{url}"\n' for name, url in sources.items())
    config.write_text(text)
    return config


def local_policy(**overrides: object) -> FetchPolicy:
    """Fetch policy for tests: loopback 127.0.0.1 allowed, no politeness gap, short deadlines."""
    values: dict[str, object] = {
        "allow_networks": parse_networks(["127.0.0.1/32"]),
        "host_gap": 0.0,
        "deadline": 5.0,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "backoff_base": 0.05,
        "user_agent": "Trendpapers-tests/0.1 (+https://example.org/tests)",
    }
    values.update(overrides)
    return FetchPolicy(**values)  # type: ignore[arg-type]


def local_settings(**overrides: object) -> IngestSettings:
    """Ingest settings for tests: extraction in-process (fast start), no back-off between runs."""
    values: dict[str, object] = {"workers": 0, "failure_backoff": 0.0}
    values.update(overrides)
    return IngestSettings(**values)  # type: ignore[arg-type]


# What the local server serves in the ingest, CLI and crash tests: article pages and feeds.
TOPICS = {
    "loom": "A weaving mill in Valmark doubled the output of its sensor fabric line after installing four new "
    "jacquard looms; the fabrics monitor heat stress in firefighter jackets and go to three buyers.",
    "port": "The port of Hallsund started a digital twin that simulates berth planning, crane moves and truck "
    "arrivals; terminal operators expect shorter waiting times for container ships this winter.",
    "implant": "A medical technology startup received CE marking for a bioresorbable bone screw made of magnesium "
    "alloy; surgeons in two university hospitals will use it for ankle fractures from January.",
}


def page(title: str, body: str) -> bytes:
    paragraphs = "".join(
        f"<p>{body} Paragraph {n} adds detail number {n * 7} about {title.lower()}.</p>" for n in range(4)
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><title>{title}</title></head><body>'
        f'<nav><a href="/">Home</a> <a href="/about">About us</a></nav>'
        f"<article><h1>{title}</h1>{paragraphs}</article>"
        f"<footer>Copyright 2026 Example Media. Imprint. Privacy.</footer></body></html>"
    ).encode()


def rss(base: str, entries: list[tuple[str, str]], title: str = "Test feed", extra: str = "") -> bytes:
    """An RSS feed of (slug, title) entries linking to ``base``/a/slug, plus ``extra`` raw items."""
    items = "".join(
        f'<item><title>{t}</title><link>{base}/a/{slug}</link><guid isPermaLink="false">{slug}</guid>'
        f"<pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate><description>Summary of {t}.</description></item>"
        for slug, t in entries
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{items}{extra}</channel></rss>'.encode()


def serve_articles(server: LocalServer) -> None:
    for slug, body in TOPICS.items():
        server.static(f"/a/{slug}", page(slug.title() + " news", body), "text/html; charset=utf-8")


def run_cli(*args: str) -> tuple[int, str]:
    """``trendpapers ARGS`` in this process: (exit code, output). A bug's traceback is raised, not
    hidden in the output."""
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def ingest_demo(directory: Path, engine: sa.Engine | None = None) -> tuple[Config, sa.Engine]:
    """A demo workspace in ``directory`` filled by the real ingest from the demo server, into
    ``engine`` or else the workspace's SQLite file. Pages are extracted in this process (no worker
    processes to start: what they do is the ingest tests' subject, not this helper's)."""
    with serve_demo() as base:
        config = load_config(write_demo_workspace(directory, base))
        engine = engine or open_store(config.storage_url)
        report = run_ingest(engine, config.sources, config.fetch, replace(config.ingest, workers=0))
    assert not report.errors, report.errors
    return config, engine


@dataclass(frozen=True)
class DemoRun:
    directory: Path  # never changed by a test: copy it (``copy``) to use it
    output: str

    def copy(self, factory: pytest.TempPathFactory, name: str) -> Path:
        """A copy of the demo workspace of this run, for one test module (or test) to use."""
        target = factory.mktemp(name) / "demo"
        shutil.copytree(self.directory, target, symlinks=True)
        return target


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """`trendpapers demo` (real ingest, the real model, the whole pipeline), run once per session:
    the modules that use it copy its workspace (``DemoRun.copy``). It runs with a relative --dir,
    as `make demo` does."""
    directory = tmp_path_factory.mktemp("demo-run") / "demo"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(directory.parent)
        result = CliRunner().invoke(cli, ["demo", "--dir", directory.name])
    assert result.exit_code == 0, result.output
    return DemoRun(directory, result.output)


def hints(config: Config) -> dict[str, tuple[str, ...]]:
    """Source name → the industries it serves, as the analysis takes them."""
    return {s.name: s.industries for s in config.sources}


@pytest.fixture(scope="session")
def embedder() -> TransformersEmbedder:
    """The real model (all-MiniLM-L6-v2 from its wheel), loaded once, for tests whose subject it is;
    ``calls`` grows over the session, so compare it before and after."""
    from summarize.embed import TransformersEmbedder

    return TransformersEmbedder()


@pytest.fixture(scope="session")
def use_embedder() -> UseEmbedder:
    """The real multilingual model (USE multilingual v3 from its wheel), loaded once, for tests whose
    subject it is (or a German text's embedding)."""
    from summarize.multilingual import UseEmbedder

    return UseEmbedder()


@pytest.fixture
def fake_embedder() -> HashingEmbedder:
    """A deterministic stand-in for the model, for tests whose subject the model is not."""
    return HashingEmbedder()


# The newsroom: hand-written news (tests/data/newsroom.jsonl) on three themes of textile (one with a
# patent), one of logistics and one off-topic report, dated June to November 2026; the fake embedder
# groups them. As of EARLY the analysis finds two textile trends and one of logistics; by LATE a
# third textile theme (waterless dyeing) came in as a weak signal. Medical technology has nothing.
NEWSROOM = DATA / "newsroom.jsonl"
NEWSROOM_SOURCES = (
    SourceSpec("Fibre Weekly", "https://fibre-weekly.example/feed.xml", industries=("textile",)),
    SourceSpec("Textile Times", "https://textile-times.example/rss", industries=("textile",)),
    SourceSpec("Freight Journal", "https://freight-journal.example/feed", industries=("logistics",)),
    SourceSpec("Regional Digest", "https://digest.example/atom.xml"),
    SourceSpec("Patent Watch", "https://patents.example/textile.atom", "patent", ("textile",)),
)
EARLY, LATE = date(2026, 10, 2), date(2026, 11, 20)  # both in edition 2026-Q4


def add_news(engine: sa.Engine, up_to: date) -> dict[str, int]:
    """Store the newsroom's news dated up to ``up_to`` that is not stored yet, as ingest stores what it
    fetched (items, then their documents), through ingest's own store; key → item id of the new ones."""
    news = [json.loads(line) for line in NEWSROOM.read_text(encoding="utf-8").splitlines()]
    added = {}
    with engine.begin() as conn:
        ingest_store.sync_sources(conn, NEWSROOM_SOURCES)
        ids = {s.name: s.id for s in ingest_store.source_states(conn)}
        for n in news:
            when = datetime.fromisoformat(n["published"])
            if when.date() > up_to:
                continue
            url = f"https://{n['source'].lower().replace(' ', '-')}.example/{n['key']}"
            item = Item(n["key"], n["key"], url, url, n["title"], "", n["text"], None, when, None)
            if not ingest_store.insert_items(conn, ids[n["source"]], [item], when):
                continue
            item_id = ingest_store.item_ids(conn, ids[n["source"]], [n["key"]])[n["key"]]
            digest = hashlib.sha256(n["text"].encode()).hexdigest()
            document = Document(
                item_id, "ok", None, url, n["title"], n["text"], None, when, "en", None, digest
            )
            ingest_store.save_document(conn, document, minhash=None, now=when)
            if "patent" in n:  # a patent publication, as a patent feed brings it
                number = PublicationNumber(n["patent"]["country"], n["patent"]["number"], n["patent"]["kind"])
                record = PatentRecord(number, n["title"], n["text"], cpc=tuple(n["patent"]["cpc"]))
                save_patent(conn, record, item_id, f"feed: {n['source']}", when)
            added[n["key"]] = item_id
    return added


@dataclass
class Newsroom:
    """A workspace from the real template whose store holds the newsroom's news, analysed by the real
    analysis with the fake embedder: trends in a second, the same in every run."""

    config: Config
    engine: sa.Engine
    embedder: HashingEmbedder

    @property
    def papers(self) -> Path:
        return self.config.papers_dir

    def analyse(self, as_of: date) -> AnalysisReport:
        """Store the news up to ``as_of`` and analyse it with the trend window ending that day."""
        from summarize.analyze import run_analysis  # scipy and the summarizer: only where used

        add_news(self.engine, as_of)
        served = {s.name: s.industries for s in NEWSROOM_SOURCES}  # the industries each source serves
        settings = replace(self.config.analysis, as_of=as_of)
        return run_analysis(self.engine, self.embedder, self.config.industries, served, settings)


@pytest.fixture(scope="session")
def analysed_newsroom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The newsroom's workspace folder, its news stored and analysed as of EARLY; made once, copied."""
    directory = tmp_path_factory.mktemp("newsroom") / "ws"
    init_workspace(directory, "Test Cluster")
    config = load_config(directory / CONFIG_NAME)
    engine = open_store(config.storage_url)
    Newsroom(config, engine, HashingEmbedder()).analyse(EARLY)
    engine.dispose()
    return directory


@pytest.fixture
def newsroom(tmp_path: Path, analysed_newsroom: Path, fake_embedder: HashingEmbedder) -> Iterator[Newsroom]:
    """A copy of the newsroom's workspace, its news stored and analysed as of EARLY."""
    shutil.copytree(analysed_newsroom, tmp_path / "ws")
    config = load_config(tmp_path / "ws" / CONFIG_NAME)
    engine = open_store(config.storage_url)
    yield Newsroom(config, engine, fake_embedder)
    engine.dispose()
