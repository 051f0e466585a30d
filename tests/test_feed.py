"""The Atom feeds: the site's and one per industry, each entry summarizing the paper as published
(the editors' executive summary), well-formed whatever a paper holds."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from papers.sitefeed import SUMMARY_CHARS, atom_feed, industry_feeds, paper_summary
from papers.sitepages import SitePaper
from papers.store import PaperRow, TrendRef
from trendpapers.cli import cli

NS = {"a": "http://www.w3.org/2005/Atom"}
OLD_TREND = "Fibre Loop Valmark: 14 partners apply for EU funding"  # the title the store keeps

# A paper as the template drafts it, then as the editors left it: their intro, a key trend renamed,
# a link, raw HTML, escaped characters and footnote marks.
EDITED = """## Executive summary

Our members should watch **chemical recycling** closely: see [the KITT plant](https://kitt.example/plant).
Mill &amp; Co &lt;plc&gt; and <b>Sorvik</b> lead \\*everything\\*.

- **Closed-loop polyester** (rising, +100%): KITT breaks garments down into chips.[^doc-35]
- **Touch-sensitive car textiles** (fading, -50%): Hollin Textil weaves panels.[^doc-31]

<script>alert("feed")</script>

## Key trends

### Fibre Loop Valmark: 14 partners apply for EU funding

*Rising*: 4 documents in this window; keywords: fibres · recycling.

KITT commissioned a pilot plant.[^doc-35]

[^doc-35]: [Pilot plant](https://kitt.example/a), KITT news, 2026-10-01
"""


def _paper(
    industry: str,
    edition: str,
    status: str,
    day: int,
    body: str = "## Executive summary\n\nNothing new.\n",
    title: str | None = None,
    names: tuple[str, str] = ("Textile", "Medical technology"),
) -> SitePaper:
    title = title or f"{industry}: trends {edition}"
    name = names[0] if industry == "textile" else names[1]
    front = {
        "title": title,
        "industry": industry,
        "industry_name": name,
        "edition": edition,
        "status": status,
    }
    text = "---\n" + "".join(f"{k}: {json.dumps(v)}\n" for k, v in front.items()) + "---\n\n"
    text += f"# {title}\n\n{body}"
    row = PaperRow(
        industry,
        edition,
        date(2026, 7, 1),
        f"{industry}/{edition}.md",
        status,
        "base",
        "2026-11-01T00:00:00Z",
        (TrendRef(f"{industry}-0001", OLD_TREND, 3),),
        "editor",
        datetime(2026, 11, day, 9, tzinfo=UTC),
    )
    return SitePaper(row, title, (name, edition), text)


def _papers() -> list[SitePaper]:
    return [
        _paper("textile", "2026-Q3", "published", 2),
        _paper("medtech", "2026-Q3", "published", 5),
        _paper("textile", "2026-Q4", "published", 20, EDITED),
        _paper("medtech", "2026-Q4", "draft", 25),
        _paper("textile", "2027-Q1", "approved", 26),
    ]


def _entries(feed: bytes) -> list[dict[str, str]]:
    root = ET.fromstring(feed)
    return [
        {
            "title": e.findtext("a:title", "", NS),
            "id": e.findtext("a:id", "", NS),
            "link": e.find("a:link", NS).get("href", ""),  # type: ignore[union-attr]
            "summary": e.findtext("a:summary", "", NS),
            "type": e.find("a:summary", NS).get("type", ""),  # type: ignore[union-attr]
        }
        for e in root.findall("a:entry", NS)
    ]


def test_the_site_feed_lists_every_published_paper_newest_first_and_no_draft() -> None:
    feed = atom_feed(_papers(), "Cluster", None)
    root = ET.fromstring(feed)
    assert root.findtext("a:title", "", NS) == "Cluster: new papers"
    assert [e["title"] for e in _entries(feed)] == [
        "textile: trends 2026-Q4",
        "medtech: trends 2026-Q3",
        "textile: trends 2026-Q3",
    ]
    assert [e["link"] for e in _entries(feed)] == [
        "papers/textile/2026-Q4/",
        "papers/medtech/2026-Q3/",
        "papers/textile/2026-Q3/",
    ]
    assert root.findtext("a:updated", "", NS) == "2026-11-20T09:00:00Z"


def test_an_entry_summarizes_the_executive_summary_as_the_editors_left_it() -> None:
    entry = _entries(atom_feed(_papers(), "Cluster", None))[0]
    summary = entry["summary"]
    assert entry["type"] == "text"
    assert summary.startswith("Our members should watch chemical recycling closely: see the KITT plant.")
    assert "Closed-loop polyester (rising, +100%): KITT breaks garments down into chips." in summary
    assert "Touch-sensitive car textiles" in summary
    assert "Mill & Co <plc> and Sorvik lead *everything*." in summary  # the text a reader saw
    assert OLD_TREND not in summary  # the store's trend title, which the editors renamed
    for gone in ("[^", "doc-35", "**", "](", "https://", "<b>", "alert", "Key trends", "keywords"):
        assert gone not in summary, gone


def test_a_renamed_or_removed_executive_summary_gives_the_first_text_after_the_title() -> None:
    renamed = EDITED.replace("## Executive summary", "## In short")
    assert paper_summary(_paper("textile", "2026-Q4", "published", 1, renamed).text).startswith(
        "Our members should watch chemical recycling"
    )
    removed = EDITED.split("## Key trends", 1)[1]
    intro = "A word from the cluster manager.\n\nSecond paragraph.\n\n## Key trends" + removed
    assert paper_summary(_paper("textile", "2026-Q4", "published", 1, intro).text) == (
        "A word from the cluster manager. Second paragraph."
    )
    emptied = "## Executive summary\n\n## Key trends" + removed
    fallback = paper_summary(_paper("textile", "2026-Q4", "published", 1, emptied).text)
    assert (
        fallback
        == "Rising: 4 documents in this window; keywords: fibres · recycling. KITT commissioned a pilot plant."
    )


def test_a_long_summary_is_cut_at_a_word() -> None:
    words = " ".join(f"word{n}" for n in range(400))
    summary = paper_summary(f"# T\n\n## Executive summary\n\n{words}\n")
    assert summary.endswith("…") and len(summary) <= SUMMARY_CHARS + 1
    assert (words + " ").startswith(summary[:-1] + " ")  # whole words only


def test_control_characters_in_a_paper_leave_the_feeds_well_formed() -> None:
    body = "## Executive summary\n\nMill \x1b[31mopens\x07 a line\x0b here &#27;\ufffe and there.\n"
    paper = _paper("textile", "2026-Q4", "published", 3, body, title="Mill \x1b[31mopens\x07 line")
    feeds = [atom_feed([paper], "Cluster\x1b", None), *industry_feeds([paper], "Cluster", None, {}).values()]
    for feed in feeds:
        root = ET.fromstring(feed)  # raises if not well-formed
        texts = "".join(root.itertext())
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe]", texts)
        entry = _entries(feed)[0]
        assert entry["title"] == "Mill [31mopens line"
        assert entry["summary"] == "Mill [31mopens a line here and there."


def test_each_industry_has_its_own_feed_beside_its_index_page() -> None:
    papers = _papers()
    names = {"textile": "Textile", "medtech": "Medical technology"}
    feeds = industry_feeds(papers, "Cluster", None, names)
    assert set(feeds) == {"papers/textile/feed.xml", "papers/medtech/feed.xml"}
    site = ET.fromstring(atom_feed(papers, "Cluster", None))
    textile = ET.fromstring(feeds["papers/textile/feed.xml"])
    assert textile.findtext("a:title", "", NS) == "Cluster: Textile papers"
    assert textile.findtext("a:id", "", NS) not in {
        site.findtext("a:id", "", NS),
        ET.fromstring(feeds["papers/medtech/feed.xml"]).findtext("a:id", "", NS),
    }
    entries = _entries(feeds["papers/textile/feed.xml"])
    assert [e["title"] for e in entries] == ["textile: trends 2026-Q4", "textile: trends 2026-Q3"]
    assert [e["link"] for e in entries] == ["2026-Q4/", "2026-Q3/"]  # relative to papers/textile/
    site_ids = {e["title"]: e["id"] for e in _entries(atom_feed(papers, "Cluster", None))}
    assert all(site_ids[e["title"]] == e["id"] for e in entries)  # the same entry, the same id
    assert entries[0]["summary"] == _entries(atom_feed(papers, "Cluster", None))[0]["summary"]
    medtech = _entries(feeds["papers/medtech/feed.xml"])
    assert [e["title"] for e in medtech] == ["medtech: trends 2026-Q3"]  # not its draft

    absolute = industry_feeds(papers, "Cluster", "https://cluster.example/site/", names)
    root = ET.fromstring(absolute["papers/textile/feed.xml"])
    self_link = root.find("a:link[@rel='self']", NS)
    assert self_link is not None
    assert self_link.get("href") == "https://cluster.example/site/papers/textile/feed.xml"
    assert root.findtext("a:id", "", NS) == "https://cluster.example/site/papers/textile/feed.xml"
    assert _entries(absolute["papers/textile/feed.xml"])[0]["link"] == (
        "https://cluster.example/site/papers/textile/2026-Q4/"
    )
    site_self = ET.fromstring(atom_feed(papers, "Cluster", "https://cluster.example/site")).find(
        "a:link[@rel='self']", NS
    )
    assert site_self is not None and site_self.get("href") == "https://cluster.example/site/feed.xml"


def test_an_industry_no_longer_configured_is_named_as_its_papers_name_it() -> None:
    papers = [_paper("textile", "2026-Q4", "published", 3, names=("Textiles & fashion", ""))]
    feed = industry_feeds(papers, "Cluster", None, {})["papers/textile/feed.xml"]
    assert ET.fromstring(feed).findtext("a:title", "", NS) == "Cluster: Textiles & fashion papers"


def test_an_industry_with_drafts_only_has_an_empty_feed() -> None:
    feed = industry_feeds([_paper("medtech", "2026-Q4", "draft", 3)], "Cluster", None, {})
    assert _entries(feed["papers/medtech/feed.xml"]) == []


@pytest.mark.slow
def test_the_built_site_has_the_feeds_with_the_editors_words(tmp_path: Path) -> None:
    workspace = tmp_path / "demo"
    assert CliRunner().invoke(cli, ["demo", "--dir", str(workspace)]).exit_code == 0
    path = workspace / "papers" / "textile" / "2026-Q4.md"
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("## Executive summary\n", 1)
    summary, rest = rest.split("## Key trends\n", 1)
    old = re.findall(r"\*\*(.+?)\*\*", summary)[0]
    summary = summary.replace(f"**{old}**", "**Closed-loop fibre recycling**")
    summary = "\nThe editors' own opening words.\n" + summary
    path.write_text(f"{head}## Executive summary\n{summary}## Key trends\n{rest}", encoding="utf-8")
    result = CliRunner().invoke(cli, ["-c", str(workspace / "trendpapers.toml"), "build"])
    assert result.exit_code == 0, result.output

    site = workspace / "build" / "site"
    for feed in (site / "feed.xml", site / "papers" / "textile" / "feed.xml"):
        entries = _entries(feed.read_bytes())
        assert [e["title"] for e in entries] == ["Textile: trends 2026-Q4"]
        assert entries[0]["summary"].startswith("The editors' own opening words.")
        assert "Closed-loop fibre recycling" in entries[0]["summary"]
        assert old not in entries[0]["summary"] and "[^doc-" not in entries[0]["summary"]
    assert not (site / "papers" / "medtech").exists()  # a draft: neither page nor feed
    index = (site / "papers" / "textile" / "index.html").read_text(encoding="utf-8")
    assert '<a href="feed.xml">' in index  # the industry's page links to its own feed


def test_a_paper_corrected_after_publication_is_updated_in_the_feed() -> None:
    papers = _papers()
    corrected = datetime(2026, 11, 28, 14, 30, tzinfo=UTC)
    papers[0] = replace(papers[0], changed_at=corrected)  # textile 2026-Q3, published on the 2nd
    papers[1] = replace(papers[1], changed_at=datetime(2026, 11, 5, 9, 0, 2, tzinfo=UTC))  # by publishing
    root = ET.fromstring(atom_feed(papers, "Cluster", None))
    updated = {
        e.findtext("a:title", "", NS): e.findtext("a:updated", "", NS) for e in root.findall("a:entry", NS)
    }
    assert updated == {
        "textile: trends 2026-Q4": "2026-11-20T09:00:00Z",
        "medtech: trends 2026-Q3": "2026-11-05T09:00:00Z",
        "textile: trends 2026-Q3": "2026-11-28T14:30:00Z",
    }
    assert root.findtext("a:updated", "", NS) == "2026-11-28T14:30:00Z"
