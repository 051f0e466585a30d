"""The site's Markdown pages (``papers.sitepages.compose``), generated from the newsroom's store and
papers: what reaches the site, the home, industry, trend, archive, sources and tags pages, and feed
text that stays text. Building them into HTML (MkDocs) is the slow ``test_site``'s subject."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import lxml.html
import markdown
import pytest

from ingest import store as ingest_store
from ingest.errors import SiteError
from papers import change_status, draft_papers
from papers.footnotes import footnotes_as_read
from papers.frontmatter import split, update
from papers.lifecycle import without_prompts
from papers.sitepages import SitePaper, compose
from summarize import store as analysis
from tests.conftest import NEWSROOM_SOURCES, Newsroom

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
EXTENSIONS = ["footnotes", "tables", "toc", "attr_list", "md_in_html"]


@pytest.fixture
def room(newsroom: Newsroom) -> Newsroom:
    """Every paper of 2026-Q4 drafted; textile's approved and published."""
    config = newsroom.config
    draft_papers(newsroom.engine, newsroom.papers, config.name, config.industries, config.papers, now=AT)
    for action in ("approve", "publish"):
        change_status(newsroom.engine, newsroom.papers, "textile", None, action, "Ann", AT)
    return newsroom


def _compose(
    room: Newsroom, preview: bool = False, force: bool = False, hand_written: Path | None = None
) -> tuple[dict[str, str], list[SitePaper]]:
    config = room.config
    with room.engine.connect() as conn:
        pages, papers = compose(
            conn, room.papers, hand_written, config.industries, config.name, preview, force
        )
    return {path: data.decode("utf-8") for path, data in pages.items()}, papers


def _html(page: str) -> lxml.html.HtmlElement:
    body = split(page, "page")[1] if page.startswith("---\n") else page
    return lxml.html.fromstring(f"<div>{markdown.markdown(body, extensions=EXTENSIONS)}</div>")


def test_only_published_papers_are_on_the_site_and_a_preview_adds_the_others(room: Newsroom) -> None:
    change_status(room.engine, room.papers, "logistics", None, "approve", "Ann", AT)  # not yet published
    pages, papers = _compose(room)
    assert [(p.row.industry, p.row.status) for p in papers] == [("textile", "published")]
    textile = room.papers / "textile" / "2026-Q4.md"
    # As the editors left it, with the day of publication as the site's language writes it, without
    # the prompts they left in, and with each trend's heading a link to the trend's page.
    page = pages["papers/textile/2026-Q4.md"]
    as_left = footnotes_as_read(
        without_prompts(update(textile.read_text(encoding="utf-8"), "paper", {"published_on": "2026-11-02"}))
    )
    headings = re.findall(r"^### (.+) \{#(textile-\d{4})\}$", as_left, re.M)
    assert headings
    for name, trend_id in headings:
        as_left = as_left.replace(
            f"### {name} {{#{trend_id}}}", f"### [{name}](../../trends/{trend_id}.md) {{#{trend_id}}}"
        )
        assert f"trends/{trend_id}.md" in pages
    assert page == as_left
    assert "To fill in" in textile.read_text(encoding="utf-8")
    # Every line the template's prompts have is recognised as one (the template and the site agree).
    assert "> " not in pages["papers/textile/2026-Q4.md"].split("## Method and sources", 1)[1]
    assert {p for p in pages if p.startswith("papers/")} == {
        "papers/textile/2026-Q4.md",
        "papers/textile/charts/2026-Q4/textile-0001.svg",
        "papers/textile/charts/2026-Q4/textile-0002.svg",
        "papers/textile/index.md",
    }
    assert (papers[0].title, papers[0].tags) == ("Textile: trends 2026-Q4", ("Textile", "2026-Q4"))
    assert not any("logistics" in p for p in pages)  # its trend pages neither

    preview, shown = _compose(room, preview=True)
    assert [(p.row.industry, p.row.status) for p in shown] == [
        ("textile", "published"),
        ("medtech", "draft"),
        ("logistics", "approved"),
    ]
    assert "papers/logistics/2026-Q4.md" in preview and "trends/logistics-0001.md" in preview


def test_a_published_paper_that_cannot_be_read_stops_the_site_unless_previewed_or_forced(
    room: Newsroom, caplog: pytest.LogCaptureFixture
) -> None:
    path = room.papers / "textile" / "2026-Q4.md"
    path.unlink()
    with pytest.raises(
        SiteError,
        match=r"textile 2026-Q4 is published but the file is missing; correct or restore .*withdraw",
    ):
        _compose(room)
    assert _compose(room, preview=True)[1][0].row.industry == "medtech"  # left out of the preview
    assert _compose(room, force=True)[1] == []
    path.write_text("no front matter\n", encoding="utf-8")
    with pytest.raises(SiteError, match=r"is published but .*: no front matter"):
        _compose(room)
    _compose(room, force=True)
    assert f"{path}: left out of the site: no front matter (the file must start" in caplog.text  # path once


def test_a_published_paper_with_conflict_markers_stops_the_site_unless_previewed_or_forced(
    room: Newsroom,
) -> None:
    # A desk save of a published paper keeps the markers of a merge it could not make alone.
    path = room.papers / "textile" / "2026-Q4.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text + "\n<<<<<<< yours\nmine\n=======\ntheirs\n>>>>>>> saved meanwhile\n", encoding="utf-8"
    )
    line = len(text.splitlines()) + 2
    with pytest.raises(
        SiteError, match=rf"is published but .*2026-Q4.md:{line}: holds unresolved merge conflict"
    ):
        _compose(room)
    previewed = _compose(room, preview=True)[0]["papers/textile/2026-Q4.md"]
    assert "<<<<<<< yours" in previewed  # the editors see what to resolve
    assert [p.row.industry for p in _compose(room, force=True)[1]] == []


def test_the_home_page_lists_the_latest_papers_and_the_fastest_rising_trends(room: Newsroom) -> None:
    pages, _ = _compose(room)
    home = pages["index.md"]
    assert home.startswith("# Test Cluster\n\n## Latest papers\n\n")
    assert "- [Textile: trends 2026-Q4](papers/textile/2026-Q4.md) (2026-11-02)\n" in home
    for action in ("approve", "publish"):
        change_status(
            room.engine, room.papers, "medtech", None, action, "Ann", AT + timedelta(days=1), force=True
        )
    listed = [
        a.get("href")
        for a in _html(_compose(room)[0]["index.md"]).xpath("//h2[.='Latest papers']/following::ul[1]//a")
    ]
    assert listed == ["papers/medtech/2026-Q4.md", "papers/textile/2026-Q4.md"]  # the newest first
    rising = [a.get("href") for a in _html(home).xpath("//h2[.='Fastest-rising trends']/following::ul[1]//a")]
    assert rising == ["trends/textile-0001.md", "trends/textile-0002.md"]
    assert "1 → 3 documents (rising)" in home
    for link in ("trends/index.md", "archive.md", "sources.md", "feed.xml"):
        assert f"]({link})" in home
    industry = pages["papers/textile/index.md"]
    assert "| 2026-Q4 | [Textile: trends 2026-Q4](2026-Q4.md) | published |" in industry
    assert "[Feed of new papers in this industry](feed.xml)" in industry
    assert "## 2026-Q4\n\n- [Textile: trends 2026-Q4](papers/textile/2026-Q4.md)" in pages["archive.md"]
    tags = pages["tags.md"]
    assert "## 2026-Q4\n\n- [Textile" in tags and "## Textile\n\n- [Textile" in tags
    trends = pages["trends/index.md"]
    assert "## Textile" in trends and "(textile-0001.md) (rising, 3 documents)" in trends


def test_a_trend_page_reads_as_the_editors_published_it(room: Newsroom) -> None:
    with room.engine.connect() as conn:
        stored = analysis.load_summary(conn, "trend:textile-0001")
    assert stored is not None and len(stored[1].sentences) >= 2
    path = room.papers / "textile" / "2026-Q4.md"
    text = path.read_text(encoding="utf-8")
    # The narrative's lines in the paper (the executive summary quotes one of them too).
    first, second = [s for s in stored[1].sentences if f"\n{s.text}[^doc-{s.source_id}]\n" in text][:2]
    corrected = "Our members report the same: recycled fibre sells.[^ours]"
    text = text.replace(f"\n{first.text}[^doc-{first.source_id}]\n", f"\n{corrected}\n")
    text = text.replace(f"\n{second.text}[^doc-{second.source_id}]\n", "\n")  # a sentence taken out
    path.write_text(text + "\n[^ours]: The cluster's member survey, October 2026.\n", encoding="utf-8")

    page = _compose(room)[0]["trends/textile-0001.md"]
    body = split(page, "trend page")[1]
    assert corrected in body and first.text not in body and second.text not in body
    notes = {li.get("id"): li.text_content() for li in _html(page).xpath("//div[@class='footnote']//li")}
    assert "member survey" in notes["fn:ours"]  # the paper's own footnote, defined here too
    assert f"fn:doc-{second.source_id}" not in notes or any(
        f"[^doc-{second.source_id}]" in line for line in body.split("\n") if not line.startswith("[^")
    )  # no footnote for the sentence taken out, unless another sentence cites its document
    assert "## Stories" in body and "| 2026-10-02 | 3 | 1 | rising |" in body  # the rest as analysed
    # A trend whose heading the paper no longer has keeps its generated narrative.
    path.write_text(path.read_text(encoding="utf-8").replace(" {#textile-0002}", ""), encoding="utf-8")
    with room.engine.connect() as conn:
        other = analysis.load_summary(conn, "trend:textile-0002")
    assert other is not None
    page = _compose(room)[0]["trends/textile-0002.md"]
    assert all(f"{s.text}[^doc-{s.source_id}]" in page for s in other[1].sentences)


def test_a_trend_page_tells_the_trend_its_history_papers_stories_and_sources(room: Newsroom) -> None:
    pages, _ = _compose(room)
    with room.engine.connect() as conn:
        trend = next(t for t in analysis.load_trends(conn, "textile") if t.trend_id == "textile-0001")
        summary = analysis.load_summary(conn, "trend:textile-0001")
    assert summary is not None
    page = pages["trends/textile-0001.md"]
    meta, body = split(page, "trend page")
    assert meta == {"title": trend.name, "tags": ["Textile"]}
    assert body.startswith(
        f"\n# {trend.name}\n\n*Rising*: 3 documents in the window 2026-07-05 to 2026-10-02"
    )
    assert f"Most central report: *{trend.title}*." in body
    html = _html(page)
    notes = {li.get("id"): li.text_content() for li in html.xpath("//div[@class='footnote']//li")}
    for sentence in summary[1].sentences:  # each summary sentence, cited, its source defined
        assert f"{sentence.text}[^doc-{sentence.source_id}]" in body
        assert f"fn:doc-{sentence.source_id}" in notes
    assert "| 2026-10-02 | 3 | 1 | rising |" in body  # the history: one row per analysis
    assert "## In the papers\n\n- [Textile: trends 2026-Q4](../papers/textile/2026-Q4.md)" in body
    stories = html.xpath("//h2[.='Stories']/following::ol[1]/li")
    assert len(stories) == len(trend.story_ids)
    days = [
        re.findall(r"(\d{4}-\d\d-\d\d)(?:; before this window)?\)$", li.text_content())[0] for li in stories
    ]
    assert days == sorted(days, reverse=True)  # stories of one size: the latest first
    before = [
        day for li, day in zip(stories, days, strict=True) if "; before this window)" in li.text_content()
    ]
    assert before == [day for day in days if day < "2026-07-05"] and before  # marked as in the paper
    assert sorted(li.text_content() for li in html.xpath("//h2[.='Sources']/following::ul[1]/li")) == [
        "Fibre Weekly",
        "Textile Times",
    ]
    assert pages["trends/textile-0001.svg"].startswith("<svg")
    previewed = _compose(room, preview=True)[0]["trends/textile-0001.md"]  # all three papers on the site
    assert previewed.split("## In the papers\n\n", 1)[1].startswith(
        "- [Textile: trends 2026-Q4](../papers/textile/2026-Q4.md)\n\n## Stories"
    )  # the papers that show the trend, not every paper


def test_the_sources_page_tells_how_each_sources_last_fetch_went(room: Newsroom) -> None:
    with room.engine.begin() as conn:
        ids = {s.name: s.id for s in ingest_store.source_states(conn)}
        ingest_store.record_fetch_success(
            conn, ids["Fibre Weekly"], status=200, etag=None, last_modified=None, warning=None, now=AT
        )
        ingest_store.record_fetch_failure(
            conn, ids["Freight Journal"], error="HTTP 500", status=500, now=AT, retry_in=None, pause_after=5
        )
        ingest_store.record_fetch_failure(
            conn, ids["Regional Digest"], error="timeout", status=None, now=AT, retry_in=None, pause_after=1
        )
        ingest_store.sync_sources(conn, [s for s in NEWSROOM_SOURCES if s.name != "Patent Watch"])
    page = _compose(room)[0]["sources.md"]
    assert "| [Fibre Weekly](https://fibre-weekly.example/feed.xml) | news | ok | 2026-11-02 | 4 |" in page
    assert "| [Freight Journal](https://freight-journal.example/feed) | news | failing | never | 3 |" in page
    assert "| [Regional Digest](https://digest.example/atom.xml) | news | paused | never | 2 |" in page
    assert "| [Patent Watch](https://patents.example/textile.atom) | patent | inactive | never | 0 |" in page
    assert "| [Textile Times](https://textile-times.example/rss) | news | ok | never | 4 |" in page


def test_text_from_feeds_and_editors_stays_text_on_the_generated_pages(room: Newsroom) -> None:
    hostile = '<script>alert("x")</script> [click](javascript:alert(1)) **Watch**'
    with room.engine.begin() as conn:
        conn.execute(
            ingest_store.sources.update()
            .where(ingest_store.sources.c.name == "Fibre Weekly")
            .values(name=hostile, url="javascript:alert(2)")
        )
        docs = ingest_store.documents
        first = analysis.load_trends(conn, "textile")[0]
        conn.execute(docs.update().where(docs.c.item_id == first.doc_ids[0]).values(title=hostile))
        analysis.rename_trend(conn, first.trend_id, "Fibres", "Ann", AT)
        # A name kept from before names with tags were refused (rename_trend): still text on the site.
        names = analysis.trend_names
        hostile_name = "<img src=x onerror=alert(3)> Fibres"
        conn.execute(names.update().where(names.c.trend_id == first.trend_id).values(chosen=hostile_name))
    pages, _ = _compose(room)
    for name in ("index.md", "sources.md", "trends/index.md", f"trends/{first.trend_id}.md"):
        html = _html(pages[name])
        assert not html.xpath("//script | //img[@onerror] | //a[starts-with(@href, 'javascript:')]"), name
    assert (
        '<script>alert("x")</script> [click](javascript:alert(1)) **Watch**'
        in _html(pages["sources.md"]).text_content()
    )
    assert "<img src=x onerror=alert(3)> Fibres" in _html(pages["trends/index.md"]).text_content()


def test_hand_written_pages_are_on_the_site_and_their_index_opens_the_home_page(
    room: Newsroom, tmp_path: Path
) -> None:
    own = tmp_path / "docs"
    (own / "img").mkdir(parents=True)
    (own / "index.md").write_text(
        "# Welcome to the cluster\n\nOur members' view of the market.\n", encoding="utf-8"
    )
    (own / "about.md").write_text("# About us\n", encoding="utf-8")
    (own / "img" / "logo.png").write_bytes(b"\x89PNG\r\n")
    config = room.config
    with room.engine.connect() as conn:
        pages, _ = compose(conn, room.papers, own, config.industries, config.name, False)
    assert pages["about.md"] == b"# About us\n" and pages["img/logo.png"] == b"\x89PNG\r\n"
    assert (
        pages["index.md"]
        .decode()
        .startswith("# Welcome to the cluster\n\nOur members' view of the market.\n\n## Latest papers")
    )
