"""Rendering papers: third-party text never becomes markup, front matter stays valid YAML.

The data here is hand-made (what is tested is the rendering, not the analysis); the Markdown is
turned into HTML by Python-Markdown with the extensions MkDocs Material sites use.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import lxml.html
import markdown
import pytest
import yaml

from ingest.errors import InputError
from papers.content import OpportunitySection, PaperData, TrendSection, chart_path
from papers.editions import parse_edition
from papers.escape import md_link, md_text, safe_url
from papers.frontmatter import split, update
from papers.render import environment, render_paper
from papers.store import Citation
from summarize.opportunities import Opportunity, Side
from summarize.records import FIELD, Industry
from summarize.store import AnalysisState
from summarize.summarizer import CitedSentence
from summarize.trends import Trend

EXTENSIONS = ["footnotes", "tables", "toc", "admonition", "attr_list", "md_in_html", "def_list", "abbr"]

EVIL = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    "[click me](javascript:alert(3))",
    '<a href="javascript:alert(4)">here</a>',
    "Read [^1] now",
    "# not a heading",
    "1. not a list",
    "- not a list",
    "[ref]: http://evil.example/ref",
    "===",
    '{: onclick="alert(5)" }',
    "**bold** `code` _em_ <http://evil.example/auto>",
    "| a | b |",
    "&lt;script&gt; &#106;avascript: &#x6A; &#X6A; &copy",
    "Tessmer & Lang, AT&T, R&D; a && b",
    "line one\n\n## two\n    indented code",
    '<iframe src="http://evil.example"></iframe>',
    "javascript:alert(6)",
]


def _html(text: str) -> lxml.html.HtmlElement:
    _, body = split(text, "paper")
    return lxml.html.fromstring(f"<div>{markdown.markdown(body, extensions=EXTENSIONS)}</div>")


def _active_markup(root: lxml.html.HtmlElement) -> list[str]:
    """Everything that could run or load something: scripts, frames, handlers, odd links."""
    found = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in ("script", "iframe", "object", "embed", "form", "style"):
            found.append(el.tag)
        for name, value in el.attrib.items():
            if name.startswith("on"):
                found.append(f"{el.tag} {name}")
            if name in ("href", "src") and not value.startswith(("http://", "https://", "#", "charts/")):
                found.append(f"{el.tag} {name}={value}")
    return found


@pytest.mark.parametrize("evil", EVIL)
def test_untrusted_text_renders_as_the_same_plain_text(evil: str) -> None:
    html = _html(f"---\ntitle: x\n---\n\nBefore.\n{md_text(evil)}\n")
    assert not _active_markup(html)
    assert [el.tag for el in html] == ["p"]  # one paragraph: no heading, list, table or code block
    assert html.text_content() == "Before.\n" + " ".join(evil.split())


def test_dates_read_as_written_and_never_start_a_list() -> None:
    """A number only starts a list followed by a point and a space; in running text nothing starts a
    block, so a German date stays "20. November 2026" in the file the editors read."""
    assert md_text("04.11.2026: Nordweave") == "04.11.2026: Nordweave"
    assert md_text("4. November 2026") == "4\\. November 2026"
    assert md_text("20. November 2026 *", starts_line=False) == "20. November 2026 \\*"
    html = _html(f"---\nt: 1\n---\n\n- {md_text('04.11.2026')}: x\n- {md_text('4. November')}: y\n")
    assert [li.text_content() for li in html.iter("li")] == ["04.11.2026: x", "4. November: y"]


def test_links_only_to_http_urls() -> None:
    assert safe_url("javascript:alert(1)") is None
    assert safe_url(" JaVaScRiPt:alert(1)") is None
    assert safe_url("data:text/html,<script>") is None
    assert safe_url("//evil.example/x") is None
    assert safe_url("https://example.org/a b(c)'\"<d>") == "https://example.org/a%20b%28c%29%27%22%3Cd%3E"
    assert md_link("x", "javascript:alert(1)") == "x"
    html = _html(f"---\nt: 1\n---\n\n{md_link('a ] b', 'https://example.org/p?q=1&r=(2)')}\n")
    (a,) = html.iter("a")
    assert (a.get("href"), a.text_content()) == ("https://example.org/p?q=1&r=%282%29", "a ] b")


def _trend(n: int, title: str, label: str) -> Trend:
    return Trend(
        trend_id=f"textile-{n:04d}",
        industry="textile",
        window_start=date(2026, 8, 23),
        window_end=date(2026, 11, 20),
        label=label,
        name=title,
        title=f"Headline of {title}",
        title_doc=n,
        story_ids=(n,),
        doc_ids=(n, 100 + n),
        current=4,
        previous=1,
        weekly=(("2026-11-09", 3), ("2026-11-16", 1)),
        sources=2,
        patent_share=0.5,
        novelty=0.3,
        status="rising",
        weak_signal=False,
    )


def _evil_paper() -> PaperData:
    edition = parse_edition("2026-Q4")
    sections = []
    citations = {}
    for n, evil in enumerate(EVIL, start=1):
        trend = _trend(n, f"Trend {n} {evil}", f"label {evil}")
        citations[n] = Citation(
            n,
            f"Doc {n} {evil}",
            "javascript:alert(9)" if n % 2 else "https://example.org/" + str(n),
            f"Source {evil}",
            date(2026, 11, 1),
            None,
        )
        citations[100 + n] = Citation(100 + n, f"Patent title {evil}", None, "EPO feed", None, f"EP{n}A1")
        summary = (
            CitedSentence(f"Sentence {n} says {evil}.", n),
            CitedSentence(f"Patent {n} claims {evil}.", 100 + n),
        )
        sections.append(
            TrendSection(
                trend,
                summary,
                (citations[n],),
                (citations[100 + n],),
                chart_path(edition, trend.trend_id),
                summary[0],
            )
        )
    opportunities = []
    for n, evil in enumerate(EVIL[:3], start=1):
        own = Side("textile", "Textile", f"textile-{n:04d}", f"Trend {n} {evil}", (n,))
        other = Side(FIELD if n == 1 else "medtech", f"Other {evil}", None, None, (100 + n,))
        found = Opportunity(
            f"opp-{n:04d}", f"Trend {n} {evil} meets Other {evil}", (own, other), (evil,), (), 0.4, 2
        )
        opportunities.append(OpportunitySection(found, own, other, (citations[n],), (citations[100 + n],)))
    return PaperData(
        cluster="Cluster <b>Nord</b>",
        industry=Industry("textile", 'Textile: "fibres"\n---\nstatus: published'),
        edition=edition,
        state=AnalysisState("textile", date(2026, 11, 20), 90, "model <x>", "extractive"),
        documents=40,
        sources=tuple((f"Source {evil}", 2) for evil in EVIL),
        first_day=date(2026, 8, 23),
        last_day=date(2026, 11, 20),
        trends=tuple(sections[:-2]),
        weak_signals=tuple(sections[-2:]),
        changes=(),
        compared_with=None,
        citations=citations,
        opportunities=tuple(opportunities),
    )


def test_a_paper_full_of_hostile_text_has_no_active_markup_and_keeps_its_structure() -> None:
    data = _evil_paper()
    text = render_paper(data, "2026-11-23T10:00:00Z")
    meta, _ = split(text, "paper")
    assert meta["status"] == "draft"  # the newline in the industry name did not start new keys
    assert meta["industry_name"] == 'Textile: "fibres"\n---\nstatus: published'
    html = _html(text)
    assert not _active_markup(html)
    headings = [(el.tag, el.text_content()) for el in html.iter("h1", "h2", "h3")]
    assert [h for h in headings if h[0] == "h2"] == [
        ("h2", "Executive summary"),
        ("h2", "Key trends"),
        ("h2", "Weak signals"),
        ("h2", "Opportunities"),
        ("h2", "What changed since the 90 days before"),
        ("h2", "Method and sources"),
        ("h2", "What this means for our members"),
    ]
    assert [t for tag, t in headings if tag == "h3"] == [
        f"Trend {n} {' '.join(e.split())}" for n, e in enumerate(EVIL[:-2], 1)
    ]
    # Every sentence shown is followed by its footnote, whose link is the cited document's URL: a key
    # trend's summary, a weak signal's lead only (a footnote no sentence cites would be defined).
    notes = {li.get("id"): li for li in html.iter("li") if (li.get("id") or "").startswith("fn:")}
    assert len(notes) == 2 * len(data.trends) + len(data.weak_signals)
    for section in (*data.trends, *data.weak_signals):
        for sentence in section.summary if section in data.trends else (section.lead,):
            assert sentence is not None
            note = notes[f"fn:doc-{sentence.source_id}"]
            cited = data.citations[sentence.source_id]
            links = [a.get("href") for a in note.iter("a") if not a.get("href", "").startswith("#")]
            expected = (
                safe_url(cited.url) or f"https://worldwide.espacenet.com/patent/search?q=pn%3D{cited.patent}"
            )
            assert links == ([expected] if (cited.url is None or safe_url(cited.url)) else [])
    assert " ".join(EVIL[0].split()) in html.text_content()


def test_rendering_is_deterministic_and_front_matter_updates_keep_the_rest() -> None:
    data = _evil_paper()
    text = render_paper(data, "2026-11-23T10:00:00Z")
    assert render_paper(data, "2026-11-23T10:00:00Z") == text
    approved = update(text, "paper", {"status": "approved", "approved_by": 'Ann: "ed"\nstatus: x'})
    meta, body = split(approved, "paper")
    assert (meta["status"], meta["approved_by"]) == ("approved", 'Ann: "ed"\nstatus: x')
    assert body == split(text, "paper")[1]
    assert [line for line in approved.splitlines() if line not in text.splitlines()] == [
        'status: "approved"',
        'approved_by: "Ann: \\"ed\\"\\nstatus: x"',
    ]
    assert yaml.safe_load(approved.split("---\n")[1])["provenance"]["documents"] == 40


def test_broken_front_matter_names_the_line_that_opened_an_unclosed_quotation_mark() -> None:
    text = '---\ntitle: "Medical technology: trends 2026-Q4\nindustry: "medtech"\n---\n\nBody.\n'
    with pytest.raises(InputError, match=r"paper.md: the front matter is not valid YAML at line 3, .*"
                       r"\(line 2 opens a quotation mark that it does not close\)$"):  # fmt: skip
        split(text, "paper.md")
    for closed in ('"A \\"quoted\\" word"', '"C:\\\\"', "'He said \"hi'", 'x # the "best'):  # no false hint
        with pytest.raises(
            InputError, match=r"not valid YAML at line \d+, column \d+: .*\(look at that line"
        ):
            split(f"---\ntitle: {closed}\nlist: [\n---\n\nBody.\n", "paper.md")


def test_the_executive_summary_pairs_a_title_only_with_its_own_document() -> None:
    data = _evil_paper()
    section = data.trends[0]
    other = next(s for s in section.summary if s.source_id != section.trend.title_doc)
    elsewhere = replace(section, summary=(other,))  # no sentence of the title's document
    text = render_paper(replace(data, trends=(elsewhere, *data.trends[1:])), "2026-11-23T10:00:00Z")
    bullets = text.split("## Executive summary", 1)[1].split("## Key trends", 1)[0]
    assert f"[^doc-{other.source_id}]" not in bullets and f"[^doc-{section.trend.title_doc + 1}]" in bullets


@pytest.mark.parametrize("language", ["en", "de"])
def test_an_edition_of_weak_signals_only_says_so(language: str) -> None:
    """It said that no trend reached the threshold, above the weak signals it listed."""
    data = _evil_paper()
    text = render_paper(replace(data, trends=()), "2026-11-23T10:00:00Z", environment(language=language))
    summary = text.split("\n## ", 2)[1]
    assert "large enough to call a trend" not in summary and "groß genug" not in summary
    expected = (
        "but 2 weak signals: themes that are new in this window, too young"
        if language == "en"
        else "aber 2 schwache Signale: Themen, die in diesem Zeitraum neu sind, noch zu jung"
    )
    assert expected in summary


@pytest.mark.parametrize("language", ["en", "de"])
def test_one_weak_signal_is_one_theme_and_the_summary_goes_on(language: str) -> None:
    data = _evil_paper()
    text = render_paper(
        replace(data, trends=(), weak_signals=data.weak_signals[:1]),
        "2026-11-23T10:00:00Z",
        environment(language=language),
    )
    expected = (
        "but 1 weak signal: a theme that is new in this window, too young to call a trend.\n\n## Key trends"
        if language == "en"
        else "aber 1 schwaches Signal: ein Thema, das in diesem Zeitraum neu ist, noch zu jung für einen "
        "Trend.\n\n## Schlüsseltrends"
    )
    assert expected in text


def test_without_patents_in_the_window_a_paper_has_no_patent_figures() -> None:
    """A workspace of news alone read "0% patents", "Related patents: None" and "patent feeds were
    collected" in every paper."""
    data = _evil_paper()
    with_patents = render_paper(data, "2026-11-23T10:00:00Z")
    assert "% patents;" in with_patents and "**Related patents**" in with_patents
    assert "Sector news and patent feeds were collected" in with_patents
    news = render_paper(replace(data, with_patents=False), "2026-11-23T10:00:00Z")
    assert not any(
        said in news for said in ("% patents", "Related patents", "patent feeds", "patent classes")
    )
    assert "Sector news was collected" in news
    empty = render_paper(replace(data, trends=(), weak_signals=(), documents=2), "2026-11-23T10:00:00Z")
    assert "to call a trend.\n\n## Key trends" in empty  # a paragraph, then the heading


def test_an_opportunity_lists_why_and_its_evidence_under_its_name() -> None:
    """A change to the name's line once ate the line break after it: "Why:" and the reasons became
    text of the name's list item."""
    html = _html(render_paper(_evil_paper(), "2026-11-23T10:00:00Z"))
    entry = next(li for li in html.iter("li") if " meets " in li.findtext("strong", ""))
    items = entry.find("ul").findall("li")
    assert [li.text_content().split()[0] for li in items] == ["Why:", "From", "From"]
    assert items[0].find("ul") is not None  # the reasons, a list of their own


def test_a_trend_without_documents_in_the_window_has_faded() -> None:
    """A trend with 0 documents in the window was once listed as a key trend."""
    from papers.content import _changes
    from papers.store import PaperRow, TrendRef

    quiet = replace(_trend(1, "Quiet", "q"), current=0)
    busy = _trend(2, "Busy", "b")
    before = PaperRow(
        "textile",
        "2026-Q3",
        date(2026, 7, 1),
        "p",
        "published",
        "",
        "",
        (
            TrendRef(quiet.trend_id, "Quiet", 3),
            TrendRef(busy.trend_id, "Busy", 1),
        ),
    )
    kinds = {c.trend_id: c.kind for c in _changes([quiet, busy], before)}
    assert kinds == {quiet.trend_id: "faded", busy.trend_id: "grown"}


@pytest.mark.parametrize(("language", "said"), [("en", "(2 → 1 document)"), ("de", "(2 → 1 Dokument)")])
def test_a_change_to_one_document_is_counted_in_the_singular(language: str, said: str) -> None:
    from papers.content import Change

    data = replace(_evil_paper(), changes=(Change("faded", "textile-0009", "Dyeing", 2, 1),))
    text = render_paper(data, "2026-11-23T10:00:00Z", environment(language=language))
    assert f"- Dyeing {said}" in text
