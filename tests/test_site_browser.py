"""The members' site as members see it: built from the real pipeline, served on 127.0.0.1, read in
headless Chromium (Debian's package, driven by playwright), checked with axe-core.

The workspace is the bundled demo plus a hostile feed (tests/data/xss): every paper is drafted,
approved and published, then ``trendpapers build`` makes the site. Screenshots go to
``build/test-artifacts/`` (override with TRENDPAPERS_ARTIFACTS).
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import lxml.html
import pytest
import sqlalchemy as sa

from ingest.runner import run_ingest
from papers import change_status, draft_papers
from papers.sitebuild import build_site
from papers.sitecheck import check_page
from summarize.analyze import run_analysis
from summarize.embed import EmbedSettings, TransformersEmbedder
from trendpapers.config import Config, load_config
from trendpapers.db import open_store
from trendpapers.demo import serve_demo, serve_folder, write_demo_workspace

# Headless Chromium over the site the real pipeline built: the full suite's.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[1]
CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(os.environ.get("TRENDPAPERS_AXE_JS", ROOT / "build" / "axe-core" / "axe.min.js"))
ARTIFACTS = Path(os.environ.get("TRENDPAPERS_ARTIFACTS", ROOT / "build" / "test-artifacts"))
XSS = Path(__file__).parent / "data" / "xss"
INDUSTRIES = ("textile", "medtech", "logistics")


def hostile_demo(directory: Path) -> tuple[Config, sa.Engine]:
    """The demo plus the hostile feed in ``directory``, through ingest, analysis and draft."""
    with serve_folder(XSS) as hostile, serve_demo() as base:
        path = write_demo_workspace(directory, base)
        with path.open("a", encoding="utf-8") as config_file:
            config_file.write(
                f'\n[[sources]]\nname = "Fibre <script>alert(\\"source\\")</script> Watch"\n'
                f'url = "{hostile}/feed.xml"\nkind = "news"\nindustries = ["textile"]\n'
            )
        config = load_config(path)
        engine = open_store(config.storage_url)
        report = run_ingest(engine, config.sources, config.fetch, config.ingest)
    assert report.new_items == 48, report.errors  # the demo's 45 and the hostile feed's
    hints = {s.name: s.industries for s in config.sources}
    analysis = replace(config.analysis, as_of=date(2026, 11, 20))
    run_analysis(engine, TransformersEmbedder(EmbedSettings()), config.industries, hints, analysis)
    draft_papers(engine, config.papers_dir, config.name, config.industries, config.papers)
    return config, engine


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo plus the hostile feed, through ingest, analysis, draft, approve, publish and build."""
    directory = tmp_path_factory.mktemp("site") / "demo"
    config, engine = hostile_demo(directory)
    for industry in INDUSTRIES:
        for action in ("approve", "publish"):
            change_status(engine, config.papers_dir, industry, None, action, "Test Editor")
    assert build_site(engine, config.workspace, config.site).action == "built"
    return directory


@pytest.fixture(scope="module")
def site(workspace: Path) -> Iterator[str]:
    with serve_folder((workspace / "build" / "site").resolve()) as base:
        yield base


def test_the_built_site_has_no_active_content_from_feeds(workspace: Path) -> None:
    folder = workspace / "build" / "site"
    pages = sorted(folder.rglob("*.html"))
    assert len(pages) > 10
    texts = []
    for path in pages:
        doc = lxml.html.document_fromstring(path.read_bytes())
        assert check_page(doc, path.name) == []
        scripts = [s.text or "" for s in doc.iter("script")]
        assert not any("alert(" in s for s in scripts), path
        csp = doc.xpath("//head/meta[@http-equiv='Content-Security-Policy']/@content")
        assert csp and "script-src 'self'" in csp[0] and "default-src 'self'" in csp[0]
        for a in doc.iter("a"):
            if urlsplit(a.get("href", "")).netloc:
                assert a.get("rel") == "noopener nofollow", (path, a.get("href"))
        texts.append(doc.text_content())
    everything = "\n".join(texts)
    # The hostile text arrived, as text: a title or a quoted sentence of the three hostile articles
    # (near-duplicates: which one counts, and so which of their texts is shown, depends on the order
    # of fetching and the grouping), the source's name wherever it is cited.
    shown = ['<script>alert("title")</script>Nordweave', '[Click here](javascript:alert("md")) Kalvstad']
    shown += [f'<script>alert("text-{n}")</script>' for n in (1, 2, 3)]
    assert any(text in everything for text in shown)
    assert 'Fibre <script>alert("source")</script> Watch' in everything


def chromium() -> Iterator[Any]:
    """Debian's Chromium through playwright, closed at the end (skips when either is missing)."""
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (apt-get install chromium chromium-driver, as .ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def browser(site: str) -> Iterator[Any]:
    """Chromium, started after the site is built (ingest runs its own event loop, which cannot start
    inside playwright's)."""
    yield from chromium()


class _Watched:
    """A page whose requests, dialogs and console errors are recorded."""

    def __init__(self, browser: Any, **options: Any) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
        self.page = self.context.new_page()
        self.hosts: set[str] = set()
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.hosts.add(urlsplit(r.url).hostname or r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def close(self) -> None:
        self.context.close()


def _screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_members_read_the_site_in_a_browser(browser: Any, site: str, workspace: Path) -> None:
    w = _Watched(browser)
    page = w.page
    page.goto(f"{site}/")
    latest = page.locator("article h2:has-text('Latest papers') + ul a")
    assert {a.inner_text() for a in latest.all()} >= {
        f"{n}: trends 2026-Q4" for n in ("Textile", "Medical technology", "Logistics")
    }
    _screenshot(page, "home")

    for industry in INDUSTRIES:  # the navigation reaches a paper of each industry
        page.goto(f"{site}/")
        page.locator(f"nav.md-nav--primary a[href$='papers/{industry}/2026-Q4/']").first.click()
        page.wait_for_url(f"**/papers/{industry}/2026-Q4/")
        assert "trends 2026-Q4" in page.locator("article h1").inner_text()
        assert page.locator("article h2").first.inner_text().startswith("Executive summary")

    page.goto(f"{site}/papers/textile/2026-Q4/")
    _screenshot(page, "paper")
    ref = page.locator("article sup[id^='fnref'] a").first
    note = page.locator(f"[id='{ref.get_attribute('href').lstrip('#')}'] a[href^='http']").first
    assert note.get_attribute("href").startswith("http://127.0.0.1:")  # the demo article it quotes
    assert "/articles/" in note.get_attribute("href") or "/article-" in note.get_attribute("href")

    page.locator("label.md-search__icon, .md-search__input").first.click()
    # A member company named in the textile paper's evidence (a title: the narrative may change).
    page.locator("input.md-search__input").press_sequentially("Nordweave", delay=50)  # as typed
    result = page.locator(".md-search-result__item").first
    result.wait_for(timeout=10_000)
    assert "Textile" in page.locator(".md-search-result").inner_text()

    page.goto(f"{site}/trends/")
    page.locator("article a[href*='textile-']").first.click()
    chart = page.locator("article img[src$='.svg']").first
    chart.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", chart.element_handle())
    _screenshot(page, "trend")

    assert w.hosts == {"127.0.0.1"}  # fonts, scripts, images: nothing from elsewhere
    assert not w.dialogs and not w.errors
    w.close()


def test_the_feed_parses_and_links_to_the_papers(site: str) -> None:
    with urllib.request.urlopen(f"{site}/feed.xml", timeout=10) as response:
        body, kind = response.read(), response.headers["Content-Type"]
    feed = feedparser.parse(
        body, response_headers={"content-location": f"{site}/feed.xml", "content-type": kind}
    )
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert {e.title for e in feed.entries} == {
        f"{n}: trends 2026-Q4" for n in ("Textile", "Medical technology", "Logistics")
    }
    for entry in feed.entries:
        # Absolute, to where the demo's [site] url says the site is served; here it is served elsewhere.
        assert entry.link.startswith("http://127.0.0.1:8000/")
        link = site + entry.link.removeprefix("http://127.0.0.1:8000")
        assert urllib.request.urlopen(link, timeout=10).status == 200


def test_no_hostile_markup_runs_in_the_browser(browser: Any, site: str, workspace: Path) -> None:
    w = _Watched(browser)
    folder = workspace / "build" / "site"
    pages = [p.relative_to(folder).parent.as_posix() for p in sorted(folder.rglob("index.html"))]
    for rel in pages:
        w.page.goto(f"{site}/{'' if rel == '.' else rel + '/'}")
        w.page.wait_for_load_state("load")
        for a in w.page.locator("a").all()[:400]:
            assert not (a.get_attribute("href") or "").strip().lower().startswith("javascript:")
    assert not w.dialogs, w.dialogs
    assert not w.errors, w.errors
    assert w.hosts == {"127.0.0.1"}
    w.close()


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the loaded page (the page's context must bypass
    its CSP: axe is injected as a script the CSP would rightly refuse); skips without axe-core."""
    if not AXE.is_file():
        pytest.skip(f"no axe-core at {AXE} (`make test` fetches it with npm; or set TRENDPAPERS_AXE_JS)")
    # Styles and fonts settled first: on a busy machine axe once judged links before the theme's
    # styles applied (link-in-text-block), which no member ever sees.
    page.wait_for_load_state("networkidle")
    page.evaluate("async () => { await document.fonts.ready; }")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))"
    )
    return [v for v in violations if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("path", ["", "papers/textile/2026-Q4/", "trends/textile-0001/"])
def test_no_serious_accessibility_violations(browser: Any, site: str, path: str) -> None:
    w = _Watched(browser, bypass_csp=True)
    w.page.goto(f"{site}/{path}")
    assert not serious_violations(w.page)
    w.close()
