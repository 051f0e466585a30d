"""Drafted papers read as news, not as fragments: checked on real saved feeds and on the demo.

The real feeds (Guardian, heise, Google's developer blogs, an Indian local paper, a marketing blog)
are served from 127.0.0.1 as they were saved; their items are moved into the trend window, keeping
their order and spacing, and the feeds' own text is used (no article pages: they are not saved).
Every paper drafted from them is checked for what the issue lists: trend names that are a
document's title, sentences that need an antecedent they do not have, unbalanced quotes or
brackets, words run together, boilerplate, footnotes defined but not cited, key trends without
documents in the window.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from ingest import store as ingest_store
from papers.renames import headings
from summarize import store as analysis
from summarize.text import balanced, is_boilerplate, needs_antecedent, sentences
from trendpapers.config import Config, load_config
from trendpapers.db import open_store
from trendpapers.demo import DATA, serve_demo, serve_folder, write_demo_workspace
from trendpapers.pipeline import STAGES
from trendpapers.workspace import init_workspace

# Real saved feeds and the demo through the real pipeline and model: the full suite's.
pytestmark = pytest.mark.slow

AS_OF = date(2026, 11, 20)
FEEDS = {  # file → the industry its source serves
    "guardian.rss": "public",
    "heise.atom": "software",
    "feedburner.atom": "advertising",
    "many-links.rss": "software",
    "customfields.rss": "public",
    "atom-customfields.atom": "advertising",
}
INDUSTRIES = """
[[industries]]
slug = "software"
name = "Software development"
description = "Software engineering, testing, code review, developer tools, APIs and client libraries, programming languages, application servers."
keywords = ["software", "developer", "API", "code", "testing", "Java", "library", "release"]

[[industries]]
slug = "advertising"
name = "Digital advertising and retail"
description = "Online advertising, ad platforms, digital marketing, brands, e-commerce and retail."
keywords = ["advertising", "ads", "marketing", "brand", "retail", "e-commerce", "campaign"]

[[industries]]
slug = "public"
name = "Public affairs"
description = "Politics, government, elections, law enforcement, courts, public policy, education."
keywords = ["government", "president", "Trump", "Congress", "Republicans", "Democrats", "FBI", "election", "policy", "court"]
"""
_MARK = re.compile(r"\[\^doc-(\d+)\](?!:)")
_DEFINITION = re.compile(r"^\[\^doc-(\d+)\]:", re.M)
_ESCAPE = re.compile(r"\\(.)")
_INLINE_TAG = re.compile(r"</?(?:a|abbr|b|code|em|font|i|img|s|small|span|strong|sub|sup|u)\b[^>]*>", re.I)
_INLINE_TAG = re.compile(r"</?(?:a|abbr|b|code|em|font|i|img|s|small|span|strong|sub|sup|u)\b[^>]*>", re.I)
_JOINED = re.compile(r"\b[^\W\d_]*[a-zäöüß][A-ZÄÖÜ][a-zäöüß]+\b")  # "CommitteeThe", also "iPhone"


@dataclass(frozen=True)
class Drafted:
    config: Config
    engine: sa.Engine
    raw: str  # every source as a browser shows it: what a word run together is checked against


def _real_feeds_workspace(root: Path, feeds: Path) -> Iterator[Drafted]:
    with serve_folder(feeds) as base:
        init_workspace(root, "Real Feeds Cluster")
        path = root / "trendpapers.toml"
        # The workspace's own file, written whole: the defaults for everything not named here.
        text = (
            '[workspace]\nname = "Real Feeds Cluster"\n\n'
            '[fetch]\nallow_networks = ["127.0.0.1/32"]\nhost_gap = 0.0\n\n'
            "[ingest]\nfetch_articles = false\n\n"
            f"[analysis]\nas_of = {AS_OF}\n" + INDUSTRIES
        )
        text += "".join(
            f'\n[[sources]]\nname = "{name}"\nurl = "{base}/{name}"\nkind = "news"\nindustries = ["{slug}"]\n'
            for name, slug in FEEDS.items()
        )
        path.write_text(text, encoding="utf-8")
        config = load_config(path)
        engine = open_store(config.storage_url)
        assert STAGES["ingest"](config, engine).counts
    _move_into_window(engine)
    for stage in ("analyze", "draft"):
        result = STAGES[stage](config, engine)
        assert not result.errors, result.errors
    yield Drafted(config, engine, _rendered(feeds / name for name in FEEDS))
    engine.dispose()


def _rendered(files: Iterable[Path]) -> str:
    """The files' text as a browser shows it: inline tags go, every other tag breaks the line (a feed's
    HTML is escaped inside its XML, so it is unescaped first)."""
    out = []
    for path in files:
        text = html.unescape(path.read_text(encoding="utf-8", errors="replace"))
        out.append(html.unescape(re.sub(r"<[^>]*>", "\n", _INLINE_TAG.sub("", text))))
    return "\n".join(out)


def _move_into_window(engine: sa.Engine) -> None:
    """Each source's documents shifted so that its newest is AS_OF; a span longer than the two windows
    is compressed into 170 days, keeping the order."""
    d, i, s = ingest_store.documents, ingest_store.items, ingest_store.sources
    end = datetime.combine(AS_OF, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    with engine.begin() as conn:
        rows = conn.execute(
            sa.select(
                d.c.item_id, sa.func.coalesce(d.c.published_at, i.c.first_seen_at).label("when"), s.c.name
            )
            .join(i, i.c.id == d.c.item_id)
            .join(s, s.c.id == i.c.source_id)
        ).all()
        by_source: dict[str, list[tuple[int, datetime]]] = {}
        for row in rows:
            when = row.when if row.when.tzinfo else row.when.replace(tzinfo=UTC)
            by_source.setdefault(row.name, []).append((row.item_id, when))
        for docs in by_source.values():
            newest = max(w for _, w in docs)
            span = (newest - min(w for _, w in docs)).total_seconds() or 1.0
            scale = min(1.0, 170 * 86400 / span)
            for item_id, when in docs:
                moved = end - timedelta(seconds=(newest - when).total_seconds() * scale)
                conn.execute(d.update().where(d.c.item_id == item_id).values(published_at=moved))


@pytest.fixture(scope="module")
def real_feeds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Drafted]:
    from tests.conftest import CORPORA

    feeds = CORPORA / "feeds" / "real-sites"
    if not feeds.is_dir():
        pytest.skip(f"shared corpora not found at {CORPORA} (set TRENDPAPERS_CORPORA)")
    yield from _real_feeds_workspace(tmp_path_factory.mktemp("real-feeds"), feeds)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Drafted]:
    with serve_demo() as base:
        config = load_config(write_demo_workspace(tmp_path_factory.mktemp("demo") / "ws", base))
        engine = open_store(config.storage_url)
        for stage in ("ingest", "analyze", "draft"):
            result = STAGES[stage](config, engine)
            assert not result.errors, result.errors
    files = (p for p in Path(str(DATA)).rglob("*") if p.suffix in (".html", ".xml", ".rss", ".atom"))
    yield Drafted(config, engine, _rendered(files))
    engine.dispose()


def _plain(markdown: str) -> str:
    return html.unescape(_ESCAPE.sub(r"\1", markdown))


@dataclass(frozen=True)
class Quoted:
    doc: int
    text: str  # the sentence, as in its document
    block: int  # quotes in one paragraph or list item share a block


def _quotes(paper: str, texts: dict[int, str]) -> list[Quoted]:
    """Every cited sentence of a paper's body, found in its document's sentences."""
    out: list[Quoted] = []
    block = 0
    for line in paper.split("\n---\n", 1)[-1].splitlines():
        marks = list(_MARK.finditer(line))
        if not marks or _DEFINITION.match(line):
            block += 1
            continue
        if line.startswith("- "):
            block += 1
        start = 0
        for m in marks:
            before = _plain(line[start : m.start()])
            doc = int(m.group(1))
            found = [s for s in sentences(texts[doc]) if before.endswith(s)]
            assert found, f"doc {doc}: {before!r} is not one of its sentences"
            out.append(Quoted(doc, max(found, key=len), block))
            start = m.end()
    return out


def _problems(drafted: Drafted) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {
        "name is a title": [],
        "antecedent missing": [],
        "unbalanced": [],
        "words run together": [],
        "boilerplate": [],
        "footnote not cited": [],
        "key trend without documents": [],
    }
    with drafted.engine.connect() as conn:
        docs = conn.execute(
            sa.select(
                ingest_store.documents.c.item_id,
                ingest_store.documents.c.title,
                ingest_store.documents.c.text,
            )
        ).all()
        trends = {t.trend_id: t for t in analysis.load_trends(conn, active_only=False)}
    titles = {d.title.strip().lower() for d in docs}
    texts = {d.item_id: d.text for d in docs}
    papers = sorted(drafted.config.papers_dir.rglob("*.md"))
    assert papers
    for path in papers:
        paper = path.read_text(encoding="utf-8")
        where = path.name if path.parent == drafted.config.papers_dir else f"{path.parent.name}/{path.name}"
        names = headings(paper)
        problems["name is a title"] += [f"{where}: {n}" for n in names.values() if n.lower() in titles]
        key = paper.split("## Key trends", 1)[1].split("## Weak signals", 1)[0]
        problems["key trend without documents"] += [
            f"{where}: {tid}" for tid in headings(key) if trends[tid].current == 0
        ]
        quotes = _quotes(paper, texts)
        for k, q in enumerate(quotes):
            label = f"{where}: doc {q.doc}: {q.text}"
            if needs_antecedent(q.text):
                previous = quotes[k - 1] if k else None
                own = sentences(texts[q.doc])
                at = own.index(q.text)
                if not (
                    previous
                    and previous.block == q.block
                    and previous.doc == q.doc
                    and at
                    and own[at - 1] == previous.text
                ):
                    problems["antecedent missing"].append(label)
            if not balanced(q.text):
                problems["unbalanced"].append(label)
            if is_boilerplate(q.text):
                problems["boilerplate"].append(label)
            problems["words run together"] += [
                f"{label} ({w})" for w in _JOINED.findall(q.text) if w not in drafted.raw
            ]
        cited = {int(n) for n in _MARK.findall(paper)}
        problems["footnote not cited"] += [
            f"{where}: doc-{n}" for n in _DEFINITION.findall(paper) if int(n) not in cited
        ]
    return problems


@pytest.mark.parametrize("which", ["real_feeds", "demo"])
def test_drafted_papers_have_none_of_the_listed_faults(which: str, request: pytest.FixtureRequest) -> None:
    drafted: Drafted = request.getfixturevalue(which)
    problems = _problems(drafted)
    assert {k: v for k, v in problems.items() if v} == {}
    with drafted.engine.connect() as conn:
        named = [t for t in analysis.load_trends(conn) if t.current]
    assert named, "no trend with documents in the window: nothing was checked"


def test_evidence_from_before_the_window_says_so(demo: Drafted) -> None:
    from summarize.trends import window_start

    settings = demo.config.analysis
    assert settings.as_of is not None
    start = window_start(settings.as_of, settings.trends.window_days)
    evidence = [
        line
        for paper in demo.config.papers_dir.rglob("*.md")
        for line in paper.read_text(encoding="utf-8").splitlines()
        if re.match(r"- \d{4}-\d\d-\d\d: \[", line)
    ]
    before = [line for line in evidence if date.fromisoformat(line[2:12]) < start]
    assert before and len(before) < len(evidence)  # the demo's trends have both
    assert all(line.endswith("; before this window)") for line in before)
    assert not any("before this window" in line for line in evidence if line not in before)
