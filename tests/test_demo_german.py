"""The German demo end to end (``trendpapers demo --language de``): German and English sources, the
multilingual model, German papers, site pages, feeds and CLI output, read in a browser too."""

from __future__ import annotations

import email
import email.policy
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lxml.html
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask import Flask

from desk import commands
from desk.app import create_app
from summarize import store as analysis
from summarize.embed import document_text
from summarize.multilingual import USE_MODEL, UseEmbedder
from tests.test_desk import PASSWORD, csrf_of, editor, notice
from tests.test_site_browser import _screenshot, _Watched, chromium, serious_violations
from trendpapers.cli import cli
from trendpapers.config import Config, load_config
from trendpapers.db import open_store
from trendpapers.demo import run_demo, serve_folder

# The whole German demo (ingest, the multilingual model, drafts, MkDocs) and a browser: the full suite's.
pytestmark = pytest.mark.slow

NORDWEAVE = {
    "de": "Nordweave Fibres eröffnet Faser-zu-Faser-Recyclinganlage in Kalvstad",
    "en": "Nordweave Fibres opens fibre-to-fibre recycling line in Kalvstad",
}


SAID: list[str] = []  # what the demo told


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("demo-de") / "demo"
    assert run_demo(directory, SAID.append, "de") == 0, SAID
    return directory


def test_analyze_tells_which_trends_are_weak_signals(demo: Path) -> None:
    assert "  logistics: 1 trend (1 weak signal)" in SAID  # a new theme of 4 reports from one source
    assert "  textile: 2 trends" in SAID


@pytest.fixture(scope="module")
def engine(demo: Path) -> sa.Engine:
    return open_store(load_config(demo / "trendpapers.toml").storage_url)


def _documents(engine: sa.Engine) -> dict[str, tuple[int, str, str, datetime]]:
    """title → (item id, text, language, published) of every document."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT item_id, title, text, language, published_at FROM documents")
        ).all()
    return {
        r.title: (r.item_id, r.text, r.language, datetime.fromisoformat(r.published_at).replace(tzinfo=UTC))
        for r in rows
    }


def test_the_german_workspace_uses_the_multilingual_model(demo: Path) -> None:
    config = load_config(demo / "trendpapers.toml")
    assert config.language == "de" and config.site.language == "de" and config.papers.language == "de"
    assert config.analysis.embed.model == USE_MODEL
    assert {s.language for s in config.sources} == {"de", "en"}
    with open_store(config.storage_url).connect() as conn:
        assert analysis.grouped_languages(conn) == {"de": 13, "en": 11}


def test_a_german_and_an_english_report_of_one_event_join_one_story(
    demo: Path, engine: sa.Engine, use_embedder: UseEmbedder
) -> None:
    docs = _documents(engine)
    assert docs[NORDWEAVE["de"]][2] == "de" and docs[NORDWEAVE["en"]][2] == "en"
    ids = [docs[NORDWEAVE[lang]][0] for lang in ("de", "en")]
    with engine.connect() as conn:
        stories = analysis.story_of(conn, ids)
    assert stories[ids[0]] == stories[ids[1]]
    with engine.connect() as conn:
        members = conn.execute(
            sa.text("SELECT COUNT(*) FROM story_members WHERE story_id = :s"), {"s": stories[ids[0]]}
        ).scalar()
    assert members == 2  # the two reports, nothing else
    # Their embeddings meet across the languages (the names they share do the rest of the join).
    german, english = use_embedder.embed([document_text(t, docs[t][1], 1000) for t in NORDWEAVE.values()])
    assert float(german @ english) > 0.6


def test_a_trend_with_one_report_in_the_window_is_named_by_what_its_reports_share(
    demo: Path, engine: sa.Engine
) -> None:
    # Textile's sensor-textile theme has one report in this window and two in the one before; named
    # from the one, it was "Knitted ECG shirt", the start of that report's headline.
    text = (demo / "papers" / "textile" / "2026-Q4.md").read_text(encoding="utf-8")
    names = re.findall(r"^### (.+?) \{#", text, re.MULTILINE)
    titles = [title.lower() for title in _documents(engine)]
    assert len(names) == 2 and "Technical textiles" in names
    assert not [n for n in names if any(t.startswith(n.lower()) for t in titles)], names


def test_german_papers_quote_german_first_and_mark_english(demo: Path) -> None:
    text = (demo / "papers" / "textile" / "2026-Q4.md").read_text(encoding="utf-8")
    for heading in ("## Zusammenfassung", "## Schlüsseltrends", "## Methode und Quellen", "**Belege**"):
        assert heading in text
    assert "In den 90 Tagen bis zum 20. November 2026" in text
    assert "Zusammenfassungen (extraktiv):" in text
    logistics = (demo / "papers" / "logistics" / "2026-Q4.md").read_text(encoding="utf-8")
    assert "**Von der Redaktion auszufüllen.**" in logistics  # the editors' prompts, in German
    bullets = text.split("## Zusammenfassung", 1)[1].split("## Schlüsseltrends", 1)[0]
    first = next(line for line in bullets.splitlines() if line.startswith("- **"))
    assert "Nordweave" in first and "{lang=" not in first  # the German report of the event
    assert "Typische Meldung: *Nordweave Fibres eröffnet" in text  # its German headline, too
    summary = text.split("### ", 1)[1].split("![", 1)[0]
    quoted = [line for line in summary.splitlines() if line.endswith("]") and "[^doc-" in line]
    marked = [line for line in quoted if "{lang=en} (en)[^doc-" in line]
    assert quoted and marked and quoted[0] not in marked  # German first, English marked
    assert all(quoted.index(m) > quoted.index(u) for m in marked for u in quoted if u not in marked)
    medtech = (demo / "papers" / "medtech" / "2026-Q4.md").read_text(encoding="utf-8")
    # Its one opportunity is a textile trend whose report also counts for medical technology.
    assert "    - Aus Medizintechnik: die Dokumente unten zählen auch für diese Seite\n" in medtech
    for other in ("medtech", "logistics"):  # German-only industries: nothing to mark
        assert "{lang=" not in (demo / "papers" / other / "2026-Q4.md").read_text(encoding="utf-8")


def test_the_site_pages_and_feeds_are_german(demo: Path) -> None:
    docs = demo / "build" / "docs-site"
    paper = (docs / "papers" / "textile" / "2026-Q4.md").read_text(encoding="utf-8")
    assert "Die Recyclingkapazität in der Region" in paper and "auszufüllen" not in paper
    assert re.search(r'^published_on: "\d{1,2}\. [A-Z][a-zä]+ \d{4}"$', paper, re.M)  # "30. November 2026"
    not_found = (demo / "build" / "site" / "404.html").read_text(encoding="utf-8")
    assert "<h1>404 – Seite nicht gefunden</h1>" in not_found
    assert "Made with" not in not_found  # the theme's English credit line is left out
    home = (docs / "index.md").read_text(encoding="utf-8")
    assert "## Neueste Trendpapiere" in home and "## Am stärksten wachsende Trends" in home
    assert (
        "[Alle Trends](trends/index.md) · [Branchenübergreifende Chancen](opportunities.md) · "
        "[Archiv](archive.md) · [Quellen](sources.md)"
    ) in home
    opportunities = (docs / "opportunities.md").read_text(encoding="utf-8")
    assert (
        "# Branchenübergreifende Chancen" in opportunities and "Wo ein Trend einer Branche" in opportunities
    )
    sources = (docs / "sources.md").read_text(encoding="utf-8")
    assert (
        "| Quelle | Art | Zustand | Zuletzt erfolgreich | Einträge |" in sources and "in Ordnung" in sources
    )
    trend = (docs / "trends" / "textile-0001.md").read_text(encoding="utf-8")
    assert "## Verlauf" in trend and "Typische Meldung: *Nordweave Fibres eröffnet" in trend  # as the paper
    assert "| 20.11.2026 |" in trend  # the window's end as German writes a day, not 2026-11-20
    charts = [docs / "trends" / "textile-0001.svg", *sorted((demo / "papers" / "textile").rglob("*.svg"))]
    for chart in charts[:2]:  # the trend page's and the paper's
        svg = chart.read_text(encoding="utf-8")
        assert (
            "Dokumente pro Woche: " in svg and "dieser Zeitraum, ab " in svg and "der Zeitraum davor" in svg
        )
    industry = (docs / "papers" / "textile" / "index.md").read_text(encoding="utf-8")
    assert "| Ausgabe | Trendpapier | Status |" in industry and "veröffentlicht" in industry
    feed = (docs / "feed.xml").read_text(encoding="utf-8")
    assert "<title>Demo-Cluster: neue Trendpapiere</title>" in feed
    assert '<summary type="text">In den 90 Tagen bis zum 20. November 2026' in feed
    industry_feed = (docs / "papers" / "textile" / "feed.xml").read_text(encoding="utf-8")
    assert "<title>Demo-Cluster: Trendpapiere Textil</title>" in industry_feed
    page = (demo / "build" / "site" / "papers" / "textile" / "2026-Q4" / "index.html").read_text(
        encoding="utf-8"
    )
    assert '<html lang="de"' in page and "Veröffentlicht am " in page and '<em lang="en">' in page
    # Python-Markdown's titles of a heading's link and a footnote's way back, which screen readers say.
    assert 'title="Dauerhafter Link"' in page and 'title="Zurück zu Fußnote 1 im Text"' in page
    assert "Permanent link" not in page and "Jump back" not in page


def test_the_cli_prints_papers_and_trends_in_german(demo: Path) -> None:
    runner = CliRunner()
    shown = runner.invoke(cli, ["-c", str(demo), "papers", "show", "textile"])
    assert shown.exit_code == 0, shown.output
    assert "textile 2026-Q4: veröffentlicht" in shown.output and "  Datei: " in shown.output
    assert "Dokumente)" in shown.output and "freigegeben von demo" in shown.output
    listed = runner.invoke(cli, ["-c", str(demo), "papers", "list"])
    assert "Entwurf" in listed.output and "veröffentlicht" in listed.output
    assert "[bearbeitet]" in listed.output  # its front matter changed with approval and publication
    matched = runner.invoke(cli, ["-c", str(demo), "members", "match"])
    assert matched.exit_code == 0 and ": Digest ja" in matched.output
    assert "Kompetenzen ähnlich den Dokumenten" in matched.output and "competences" not in matched.output
    crossing = runner.invoke(cli, ["-c", str(demo), "opportunities"])
    assert crossing.exit_code == 0 and "warum: " in crossing.output and "why:" not in crossing.output
    trends = runner.invoke(cli, ["-c", str(demo), "trends"])
    assert trends.exit_code == 0 and "Dok. (" in trends.output
    assert "Beispiel: Nordweave Fibres eröffnet" in trends.output  # the German headline, as the paper
    assert re.search(
        r"^medtech: keine Trends: \d+ Dokumente aus den 90 Tagen bis zum 20\. November 2026 in .* Meldungen, aber",
        trends.output,
        re.M,
    )
    scored = runner.invoke(cli, ["-c", str(demo), "documents", "--industry", "medtech"])
    assert scored.exit_code == 0 and " zugeordnet Ähnlichkeit 0," in scored.output
    assert "die Quelle bedient diese Branche" in scored.output and "similarity" not in scored.output
    # A German draft still carries the editors' prompts in German: approving it says so.
    approved = runner.invoke(cli, ["-c", str(demo), "papers", "approve", "medtech", "--by", "Redaktion"])
    assert approved.exit_code == 0 and "medtech 2026-Q4: freigegeben (" in approved.stdout
    assert "die Fragen an die Redaktion stehen noch im Text" in approved.stderr  # in German too


@pytest.fixture
def german_desk(demo: Path, tmp_path: Path) -> Iterator[tuple[Flask, Config]]:
    """The desk of a copy of the German demo, with the editor "redaktion"."""
    workspace = tmp_path / "demo"
    shutil.copytree(demo, workspace, symlinks=True)
    config = load_config(workspace / "trendpapers.toml")
    commands.add(config, "redaktion", PASSWORD, "tests")
    app = create_app(config)
    try:
        yield app, config
    finally:
        app.extensions["trendpapers-desk"].engine.dispose()


def test_the_desk_edits_and_previews_a_german_paper(german_desk: tuple[Flask, Config]) -> None:
    """The paper's text and preview carry the paper's language."""
    app, config = german_desk
    desk = editor(app, "redaktion")
    path = "/papers/textile/2026-Q4"
    page, csrf, version = desk.open(path)
    assert lxml.html.fromstring(page).xpath("//textarea[@id='desk-text'][@lang='de']")
    text = (config.papers_dir / "textile" / "2026-Q4.md").read_text(encoding="utf-8")
    added = '\n*Nordweave opens a line.*{lang=en-GB} *Nein.*{lang="de onmouseover=alert(1)"}\n'
    response = desk.save(text + added, version, csrf, path=path, do="preview")
    assert response.status_code == 200, response.text
    preview = lxml.html.fromstring(response.text).xpath("//div[@class='desk-preview'][@lang='de']")[0]
    headings = [h.text_content().rstrip("¶") for h in preview.iter("h2")]  # no permalink mark
    assert headings[:2] == ["Zusammenfassung", "Schlüsseltrends"]
    assert preview.xpath(".//a[@title='Dauerhafter Link']")  # as the site titles a heading's link
    assert preview.xpath(".//em[@lang='en']") and preview.xpath(".//em[@lang='en-GB']")
    assert not preview.xpath(".//*[starts-with(@lang, 'de ')]")  # not a language tag: left out
    assert not [a for el in preview.iter() for a in el.attrib if a.startswith("on")]


def _desk_words(html: str) -> str:
    """What the desk itself says on a page: its text without the paper's text and preview."""
    page = lxml.html.fromstring(html)
    for paper in page.xpath("//textarea | //div[@class='desk-preview']"):
        paper.drop_tree()
    return " ".join(page.text_content().split())


def test_the_desk_speaks_german(german_desk: tuple[Flask, Config]) -> None:
    """A German workspace's desk: its pages, buttons, statuses and messages in German."""
    app, config = german_desk
    client = app.test_client()
    login = client.get("/login").text
    page = lxml.html.fromstring(login)
    assert page.xpath("/html/@lang") == ["de"]
    assert page.findtext(".//h1") == "Anmelden" and page.xpath("//button/text()") == ["Anmelden"]
    assert page.xpath("//label/text()") == ["Name", "Passwort"]
    assert page.xpath("//a[@class='desk-skip']/text()") == ["Zum Inhalt springen"]
    assert "Konten werden auf dem Server angelegt" in _desk_words(login)
    wrong = client.post("/login", data={"csrf": csrf_of(login), "name": "redaktion", "password": "nein"})
    assert wrong.status_code == 401 and "Falscher Name oder falsches Passwort." in wrong.text

    desk = editor(app, "redaktion")
    listing, _, _ = desk.open("/")
    page = lxml.html.fromstring(listing)
    assert page.xpath("/html/@lang") == ["de"] and page.findtext(".//h1") == "Trendpapiere"
    assert page.xpath("//nav/@aria-label") == ["Redaktionsbereich"]
    assert page.xpath("//nav//a/text()") == ["Trendpapiere", "Trends", "Protokoll"]
    columns = ["Branche", "Ausgabe", "Status", "Neu für Sie", "Hinweise"]
    assert page.xpath("//thead//th/text()") == columns
    assert set(page.xpath("//tbody//td/@data-label")) == set(columns)  # a phone's card labels
    statuses = {
        s.get("class").split()[-1]: s.text for s in page.xpath("//span[contains(@class, 'desk-status')]")
    }
    assert statuses["desk-status-published"] == "veröffentlicht"  # the class stays English
    assert {"Entwurf", "freigegeben"} & set(statuses.values())
    assert "neu für Sie" in page.xpath("string(//tbody)") and "Abmelden" in _desk_words(listing)

    # A paper not yet published: its actions, a save and an approval, said in German.
    draft = page.xpath("//tr[.//span[contains(@class, 'desk-status-draft')]]//a/@href")[0]
    text, csrf, version = desk.open(draft)
    buttons = lxml.html.fromstring(text).xpath("//main//button/text()")
    assert buttons == ["Freigeben", "Zurückziehen", "Vorschau", "Speichern"]
    words = _desk_words(text)
    assert "Markdown des Trendpapiers" in words and "Trends in diesem Trendpapier" in words
    assert "ja, zurückziehen (diese Ausgabe wird nicht veröffentlicht" in words
    industry, edition = draft.split("/")[-2:]
    file = config.papers_dir / industry / f"{edition}.md"
    saved = desk.save(
        file.read_text(encoding="utf-8") + "\nEin Satz der Redaktion.\n", version, csrf, path=draft
    )
    assert saved.status_code == 303, saved.text
    said = notice(desk.client.get(saved.headers["Location"]).text)
    assert said == f"{industry} {edition} gespeichert", said
    approved = desk.act("approve", path=draft)
    assert f"{industry} {edition} ist freigegeben." in notice(approved)
    assert "Freigegeben von redaktion am " in _desk_words(approved)  # the paper's status line
    assert lxml.html.fromstring(approved).xpath("//main//form[@class='desk-action']//button/text()") == [
        "Veröffentlichen",
        "Zurückziehen",
    ]
    unsure = desk.client.post(f"{draft}/status", data={"csrf": csrf, "action": "withdraw"})
    assert unsure.status_code == 400 and "Nicht zurückgezogen: Setzen Sie zuerst das Häkchen" in unsure.text

    trends = desk.client.get("/trends").text
    words = _desk_words(trends)
    assert "Neuer Name für " in words and "Umbenennen" in words and " Dokument" in words
    assert re.search(r"\(\w+-\d{4}, (neu|steigend|abklingend|stabil), \d+ Dokumente?\b", words), words
    activity = lxml.html.fromstring(desk.client.get("/activity").text)
    assert activity.xpath("//thead//th/text()")[:4] == ["Wann (UTC)", "Wer", "Adresse", "Was"]
    done = activity.xpath("//td[@data-label='Was']/text()")
    assert {"angemeldet", "gespeichert", "Freigabe", "Anmeldung fehlgeschlagen"} <= set(done), done
    missing = desk.client.get("/papers/textile/1999-Q1")
    assert missing.status_code == 404 and "Es gibt kein Trendpapier textile 1999-Q1." in missing.text
    for html in (listing, text, approved, trends):
        for english in ("Sign out", "Papers", "Approve", "Save", "Preview", "published", "draft", " by "):
            assert english not in _desk_words(html), english


def test_the_members_digests_are_german(demo: Path) -> None:
    messages = sorted((demo / "outbox").glob("*.eml"))  # the demo writes them with --dry-run
    assert messages
    for path in messages:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert message["Subject"] == "Demo-Cluster: neue Trendpapiere (Textil 2026-Q4)"
        assert message["From"] == "Demo-Cluster-Trendpapiere <papers@demo-cluster.example>"
        body = message.get_body(("plain",))
        assert body is not None
        text = body.get_content()
        assert (
            text.startswith("Guten Tag, ") and "Demo-Cluster hat 1 neues Trendpapier veröffentlicht:" in text
        )
        assert "Alle Trendpapiere: " in text and "Abbestellen: " in text


@pytest.fixture(scope="module")
def browser(site: str) -> Iterator[Any]:
    """Chromium, started after the site is built (ingest runs its own event loop, which cannot start
    inside playwright's)."""
    yield from chromium()


@pytest.fixture(scope="module")
def site(demo: Path) -> Iterator[str]:
    with serve_folder((demo / "build" / "site").resolve()) as base:
        yield base


def test_a_german_page_in_the_browser(browser: Any, site: str) -> None:
    w = _Watched(browser, locale="de-DE")
    page = w.page
    page.goto(f"{site}/")
    assert page.locator("html").get_attribute("lang") == "de"
    headings = [h.inner_text().rstrip("¶") for h in page.locator("article h2").all()]  # no permalink mark
    assert headings[:2] == ["Neueste Trendpapiere", "Am stärksten wachsende Trends"]
    assert page.locator("article h2:has-text('Neueste Trendpapiere') + ul a").first.inner_text() == (
        "Textil: Trends 2026-Q4"
    )
    page.locator("nav.md-nav--primary a[href$='papers/textile/2026-Q4/']").first.click()
    page.wait_for_url("**/papers/textile/2026-Q4/")
    assert page.locator("article h2").first.inner_text().startswith("Zusammenfassung")
    assert "Schlüsseltrends" in page.locator("article").inner_text()
    assert page.locator("article em[lang='en']").count() >= 1  # an English quotation, marked
    assert page.locator(".tp-published").inner_text().startswith("Veröffentlicht am ")
    _screenshot(page, "paper-de")
    assert w.hosts == {"127.0.0.1"} and not w.dialogs and not w.errors
    w.close()


def test_a_german_paper_has_no_serious_accessibility_violations(browser: Any, site: str) -> None:
    """As the English pages are checked (tests/test_site_browser.py): the lang attributes included."""
    w = _Watched(browser, bypass_csp=True)
    w.page.goto(f"{site}/papers/textile/2026-Q4/")
    assert not serious_violations(w.page)
    w.close()
