"""Papers drafted from a store the real pipeline filled (demo feeds, real ingest, real model).

The scenario of an edition: trends as of 2 October are drafted; the editors edit; the analysis
moves on to 20 November (same edition, 2026-Q4) and the paper is drafted again.
"""

from __future__ import annotations

import getpass
import html as html_lib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import lxml.etree
import lxml.html
import markdown
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from papers import draft_papers, proposal_path
from papers.frontmatter import split
from papers.store import get_paper
from summarize import store as analysis
from summarize.analyze import run_analysis
from summarize.embed import TransformersEmbedder
from summarize.members import Member
from tests.conftest import hints, ingest_demo
from trendpapers.cli import cli
from trendpapers.config import Config, load_config
from trendpapers.db import open_store
from trendpapers.demo import DATA
from trendpapers.members import current_matches, member_file

# The demo through the real ingest and the real model, and rounds of killed writes: the full suite's.
pytestmark = pytest.mark.slow

EARLY, LATE = date(2026, 10, 2), date(2026, 11, 20)  # both in edition 2026-Q4
# The smart-textiles trend that the late demo data brings in, by its most central report.
SMART = "Most central report: *Diabetes clinic starts patient study of knitted pressure-sensing sock*"
SECTIONS = [
    "Executive summary",
    "Key trends",
    "Weak signals",
    "Opportunities",
    "What changed since the 90 days before",
    "Method and sources",
    "What this means for our members",
]


def _members(config: Config) -> tuple[Member, ...]:
    found = member_file(config)
    return found.members if found else ()


def _analyze(engine: sa.Engine, config: Config, embedder: TransformersEmbedder, as_of: date) -> None:
    """As the pipeline's analysis: the field scored, the members' competences cached."""
    settings = replace(config.analysis, as_of=as_of)
    field, members = config.cluster.field, _members(config)
    run_analysis(engine, embedder, config.industries, hints(config), settings, field=field, members=members)


def _draft(engine: sa.Engine, config: Config, day: int = 1) -> dict[str, str]:
    """As the pipeline's draft: with the members matched to the trends and opportunities."""
    now = datetime(2026, 11, day, 9, 0, tzinfo=UTC)
    with engine.connect() as conn:
        matches = current_matches(config, conn, _members(config))
    outcomes = draft_papers(
        engine, config.papers_dir, config.name, config.industries, config.papers, now=now, matches=matches
    )
    return {o.industry: o.action for o in outcomes}


@pytest.fixture(scope="module")
def early_workspace(tmp_path_factory: pytest.TempPathFactory, embedder: TransformersEmbedder) -> Path:
    """A demo workspace (SQLite) after ingest and an analysis as of EARLY; each test copies it."""
    directory = tmp_path_factory.mktemp("papers") / "demo"
    config, engine = ingest_demo(directory)
    _analyze(engine, config, embedder, EARLY)
    engine.dispose()
    return directory


def _workspace(early_workspace: Path, tmp_path: Path) -> tuple[Config, sa.Engine]:
    directory = tmp_path / "demo"
    shutil.copytree(early_workspace, directory)
    config = load_config(directory / "trendpapers.toml")
    return config, open_store(config.storage_url)


def _html(text: str) -> lxml.html.HtmlElement:
    _, body = split(text, "paper")
    html = markdown.markdown(body, extensions=["footnotes", "tables", "toc", "attr_list", "md_in_html"])
    return lxml.html.fromstring(f"<div>{html}</div>")


def _page_text(url: str) -> str:
    """The text of the demo article a URL points to, read from the demo data (not through our code)."""
    page = DATA.joinpath(*urlsplit(url).path.strip("/").split("/")).read_text(encoding="utf-8")
    return " ".join(lxml.html.fromstring(page).text_content().split())


def _check_structure(path: Path, industry: str) -> lxml.html.HtmlElement:
    text = path.read_text(encoding="utf-8")
    meta, _ = split(text, str(path))
    assert (meta["industry"], meta["edition"], meta["status"]) == (industry, "2026-Q4", "draft")
    provenance = meta["provenance"]
    assert provenance["embedding_model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert provenance["documents"] > 0 and provenance["sources"] > 0
    assert provenance["date_from"] <= provenance["date_to"]
    html = _html(text)
    assert [h.text_content() for h in html.iter("h2")] == SECTIONS
    notes = {li.get("id"): li for li in html.iter("li") if (li.get("id") or "").startswith("fn:")}
    # Each sentence taken from a source is one line ending in its footnote mark; the footnote's
    # link goes to the page that really holds the sentence.
    cited = re.findall(r"^(?:- \*\*.*?\*\* \(.*?\): )?(.+?)\[\^(doc-\d+)\]$", text, re.M)
    assert cited or not html.xpath("//h3")  # a paper without trends cites nothing
    for sentence, label in cited:
        links = [
            a.get("href") for a in notes[f"fn:{label}"].iter("a") if a.get("href", "").startswith("http")
        ]
        assert len(links) == 1
        assert html_lib.unescape(" ".join(sentence.replace("\\", "").split())) in _page_text(links[0])
    for img in html.iter("img"):  # the weekly charts exist and are SVG
        chart = lxml.etree.parse(str(path.parent / img.get("src")))
        assert chart.getroot().tag == "{http://www.w3.org/2000/svg}svg"
        assert chart.findall(".//{http://www.w3.org/2000/svg}rect")
    return html


def test_drafts_keep_every_edit_when_new_data_arrives(
    engine: sa.Engine, embedder: TransformersEmbedder, tmp_path: Path
) -> None:
    config, _ = ingest_demo(tmp_path / "demo", engine)
    _analyze(engine, config, embedder, EARLY)
    assert _draft(engine, config) == dict.fromkeys(("textile", "medtech", "logistics"), "created")
    textile = config.papers_dir / "textile" / "2026-Q4.md"
    logistics = config.papers_dir / "logistics" / "2026-Q4.md"
    early_trends = _check_structure(textile, "textile").xpath("//h3/text()")
    _check_structure(logistics, "logistics")

    # No new data: nothing is written, byte for byte, not even a timestamp.
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in config.papers_dir.rglob("*") if p.is_file()}
    assert _draft(engine, config, day=2) == dict.fromkeys(("textile", "medtech", "logistics"), "unchanged")
    assert {
        p: (p.read_bytes(), p.stat().st_mtime_ns) for p in config.papers_dir.rglob("*") if p.is_file()
    } == before

    # The editors work in several sections: front matter and title, their prompts, the method.
    text = textile.read_text(encoding="utf-8")
    edits = {
        'title: "Textile: trends 2026-Q4"': 'title: "Textile: circular fibres lead Q4"',
        "# Textile: trends 2026-Q4": "# Textile: circular fibres lead Q4",
        "> - Which members work on the key trends above? Who could supply, partner or buy?": (
            "> - Nordweave and Restrand want partners for sorting; contact the cluster office."
        ),
        "## Method and sources\n": "## Method and sources\n\nEditor's note: checked with two members.\n",
    }
    # ... and quote a cited sentence of a trend that the new data will replace, footnote and all.
    key_trends = text.split("## Key trends", 1)[1]
    quoted, doc = re.search(r"^(.+\[\^(doc-\d+)\])$", key_trends, re.M).groups()
    edits["Editor's note: checked with two members.\n"] = (
        f"Editor's note: checked with two members.\n{quoted}\n"
    )
    for old, new in edits.items():
        assert old in text
        text = text.replace(old, new)
    textile.write_text(text, encoding="utf-8")

    _analyze(engine, config, embedder, LATE)
    outcomes = _draft(engine, config, day=3)
    assert outcomes["textile"] == "updated" and outcomes["logistics"] == "updated"
    merged = textile.read_text(encoding="utf-8")
    for new in edits.values():
        assert new in merged
    late_trends = _check_structure(textile, "textile").xpath("//h3/text()")
    assert late_trends != early_trends and len(late_trends) > len(early_trends)  # a new trend came in
    assert SMART in merged
    # The knitted sensor textiles meet medical technology: the textile paper says so, citing both sides.
    crossing = merged.split("## Opportunities", 1)[1].split("## What changed", 1)[0]
    assert "- From Textile: [Knitted" in crossing
    assert "- From Medical technology: [" in crossing and "(MedTech Wire, 2026-" in crossing
    assert len(_check_structure(logistics, "logistics").xpath("//h3")) >= 1  # none before
    assert not list(config.papers_dir.rglob("*.proposed.md"))
    with engine.connect() as conn:
        row = get_paper(conn, "textile", "2026-Q4")
    assert row is not None and row.base != merged and row.generated_at == "2026-11-03T09:00:00Z"
    # The quoted sentence's source is no longer cited by the new text; its footnote stayed anyway.
    assert f"[^{doc}]" not in row.base and quoted in merged
    assert re.search(rf"^\[\^{doc}\]: \[.+\]\(http://127\.0\.0\.1:\d+/articles/.+\)", merged, re.M)
    assert _draft(engine, config, day=4)["textile"] == "unchanged"


def _conflicting_edit(
    early_workspace: Path, tmp_path: Path, embedder: TransformersEmbedder
) -> tuple[Config, sa.Engine, Path, str]:
    """A drafted textile paper whose editors rewrote the line that the late data changes too, with
    the late data analysed: (config, engine, the paper, its edited text)."""
    config, engine = _workspace(early_workspace, tmp_path)
    _draft(engine, config)
    path = config.papers_dir / "textile" / "2026-Q4.md"
    line = next(x for x in path.read_text(encoding="utf-8").splitlines() if x.startswith("In the 90 days"))
    edited = path.read_text(encoding="utf-8").replace(line, "In the last quarter, the cluster saw a lot.")
    path.write_text(edited, encoding="utf-8")
    _analyze(engine, config, embedder, LATE)
    return config, engine, path, edited


def test_an_edit_where_new_data_changes_the_same_lines_leaves_the_file_and_writes_a_proposal(
    early_workspace: Path, embedder: TransformersEmbedder, tmp_path: Path
) -> None:
    config, engine, path, edited = _conflicting_edit(early_workspace, tmp_path, embedder)
    assert _draft(engine, config, day=2)["textile"] == "proposed"
    assert path.read_text(encoding="utf-8") == edited
    proposal = proposal_path(path).read_text(encoding="utf-8")
    mine, theirs = re.search(
        r"^<<<<<<< yours\n(.*?)^=======\n(.*?)^>>>>>>> new\n", proposal, re.M | re.S
    ).groups()
    assert mine.startswith("In the last quarter, the cluster saw a lot.\n")
    assert theirs.startswith(
        "In the 90 days up to 2026-11-20, 9 documents from 3 sources concerned Textile.\n"
    )
    assert SMART in proposal  # new data too
    assert _draft(engine, config, day=3)["textile"] == "proposed"  # until the editors resolve it
    assert path.read_text(encoding="utf-8") == edited


def test_the_usual_edits_merge_cleanly_with_new_data(
    early_workspace: Path, embedder: TransformersEmbedder, tmp_path: Path
) -> None:
    """Appending at the end and answering the prompts: the footnotes once listed at the end of the
    paper changed with any new data, so an addition there always conflicted."""
    config, engine = _workspace(early_workspace, tmp_path)
    _draft(engine, config)
    path = config.papers_dir / "textile" / "2026-Q4.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "> - Which members work on the key trends above? Who could supply, partner or buy?",
        "Nordweave and Restrand want partners for sorting.",
    )
    path.write_text(text + "\nA closing word from the cluster office.\n", encoding="utf-8")
    _analyze(engine, config, embedder, LATE)
    assert _draft(engine, config, day=2)["textile"] == "updated"
    merged = path.read_text(encoding="utf-8")
    assert merged.endswith("\nA closing word from the cluster office.\n")
    assert "Nordweave and Restrand want partners for sorting." in merged
    assert SMART in merged  # the new data
    _check_structure(path, "textile")


def test_a_conflict_resolved_by_hand_is_not_proposed_again_and_the_result_publishes(
    early_workspace: Path, embedder: TransformersEmbedder, tmp_path: Path
) -> None:
    config, engine, path, _ = _conflicting_edit(early_workspace, tmp_path, embedder)
    assert _draft(engine, config, day=2)["textile"] == "proposed"

    # The editors take the proposal, keep their own line, and delete the proposal file.
    proposal = proposal_path(path)
    resolved = re.sub(
        r"^<<<<<<< yours\n(.*?)^=======\n.*?^>>>>>>> new\n",
        r"\1",
        proposal.read_text(encoding="utf-8"),
        flags=re.M | re.S,
    )
    path.write_text(resolved, encoding="utf-8")
    proposal.unlink()
    assert _draft(engine, config, day=3)["textile"] == "unchanged"
    assert not proposal.exists() and path.read_text(encoding="utf-8") == resolved
    runner, cfg = CliRunner(), ["-c", str(config.path)]
    shown = runner.invoke(cli, [*cfg, "papers", "show", "textile"]).output
    with engine.connect() as conn:
        smart = next(t for t in analysis.load_trends(conn, "textile") if t.title in SMART)
    assert f"{smart.trend_id}: {smart.name}" in shown  # the taken trends

    # Every chart the taken proposal links exists, so approving and publishing builds the site.
    charts = re.findall(r"\]\((charts/[^)]+\.svg)\)", resolved)
    assert charts and all((path.parent / c).is_file() for c in charts)
    with pytest.MonkeyPatch.context() as patch:  # run by root, which names no person
        patch.setattr(getpass, "getuser", lambda: "root")
        approved = runner.invoke(cli, [*cfg, "papers", "approve", "textile"])
    assert approved.exit_code == 0 and "approved without a name (root names no person)" in approved.output
    assert "approved_by" not in split(path.read_text(encoding="utf-8"), str(path))[0]
    published = runner.invoke(cli, [*cfg, "papers", "publish", "textile", "--by", "Bo"])
    assert published.exit_code == 0 and "build: built" in published.output, published.output


def test_lifecycle_commands_and_an_approved_paper_is_never_rewritten(
    early_workspace: Path, embedder: TransformersEmbedder, tmp_path: Path
) -> None:
    config, engine = _workspace(early_workspace, tmp_path)
    runner = CliRunner()
    cfg = ["-c", str(config.path)]
    assert runner.invoke(cli, [*cfg, "draft", "--industry", "textile"]).exit_code == 0
    path = config.papers_dir / "textile" / "2026-Q4.md"

    result = runner.invoke(cli, [*cfg, "papers", "publish", "textile"])
    assert (
        result.exit_code == 2
        and "textile 2026-Q4 is draft; only approved papers can be published" in result.output
    )
    result = runner.invoke(cli, [*cfg, "papers", "approve", "textile", "2026-Q4", "--by", "Ann Editor"])
    assert result.exit_code == 0, result.output
    assert "the editors' prompts are still in the text" in result.output
    meta, _ = split(path.read_text(encoding="utf-8"), str(path))
    assert (meta["status"], meta["approved_by"]) == ("approved", "Ann Editor")
    approved = path.read_bytes()

    _analyze(engine, config, embedder, LATE)
    result = runner.invoke(cli, [*cfg, "draft"])
    assert result.exit_code == 0, result.output
    assert "proposed  textile 2026-Q4" in result.output and "approved and never rewritten" in result.output
    assert path.read_bytes() == approved
    assert "Weftronic weaves heat-stress" in proposal_path(path).read_text(encoding="utf-8")
    proposed = proposal_path(path).read_bytes()
    assert "proposed  textile 2026-Q4" in runner.invoke(cli, [*cfg, "draft"]).output
    assert proposal_path(path).read_bytes() == proposed  # nothing new: the proposal stays as it was

    assert runner.invoke(cli, [*cfg, "papers", "publish", "textile", "--by", "Bo"]).exit_code == 0
    listing = runner.invoke(cli, [*cfg, "papers", "list"]).output
    # (approval and publication are no edits)
    assert re.search(r"textile\s+2026-Q4\s+published\s+\S+2026-Q4.md \[proposal waiting\]", listing)
    assert re.search(r"medtech\s+2026-Q4\s+draft\s+\S+2026-Q4.md\n", listing)
    shown = runner.invoke(cli, [*cfg, "papers", "show", "textile"]).output
    assert "approved by Ann Editor" in shown and "published by Bo" in shown
    assert runner.invoke(cli, [*cfg, "papers", "withdraw", "textile"]).exit_code == 0
    assert split(path.read_text(encoding="utf-8"), "p")[0]["status"] == "withdrawn"
    result = runner.invoke(cli, [*cfg, "papers", "approve", "aviation"])
    assert result.exit_code == 2 and "unknown industry 'aviation'" in result.output
    medtech = config.papers_dir / "medtech" / "2026-Q4.md"
    medtech.write_text(medtech.read_text(encoding="utf-8") + "<<<<<<< yours\nx\n=======\ny\n>>>>>>> new\n")
    result = runner.invoke(cli, [*cfg, "papers", "approve", "medtech"])
    assert result.exit_code == 2 and "unresolved merge conflict markers" in result.output


def test_a_draft_killed_between_writing_and_committing_is_finished_by_the_next(
    early_workspace: Path, tmp_path: Path
) -> None:
    config, engine = _workspace(early_workspace, tmp_path)
    assert _draft(engine, config)["textile"] == "created"
    path = config.papers_dir / "textile" / "2026-Q4.md"
    with engine.begin() as conn:  # as if killed after the file was renamed into place, before the commit
        conn.execute(sa.text("DELETE FROM papers"))
    assert _draft(engine, config, day=2)["textile"] == "created"
    assert not proposal_path(path).exists()
    assert 'generated_at: "2026-11-02T09:00:00Z"' in path.read_text(encoding="utf-8")
    assert _draft(engine, config, day=3)["textile"] == "unchanged"


def test_draft_reports_what_it_cannot_do(early_workspace: Path, tmp_path: Path) -> None:
    config, _ = _workspace(early_workspace, tmp_path)
    runner = CliRunner()
    cfg = ["-c", str(config.path)]
    result = runner.invoke(cli, [*cfg, "draft", "--edition", "2026-Q3"])
    assert result.exit_code == 0
    assert "skipped   textile 2026-Q3 (the latest trends end on 2026-10-02, outside 2026-Q3" in result.output
    result = runner.invoke(cli, [*cfg, "draft", "--edition", "Q4-2026"])
    assert result.exit_code == 2 and "edition 'Q4-2026': expected a quarter such as 2026-Q4" in result.output
    result = runner.invoke(cli, [*cfg, "draft", "--industry", "aviation"])
    assert result.exit_code == 2 and "unknown industry 'aviation'" in result.output


def test_an_unreadable_paper_file_is_named_and_the_other_papers_go_on(
    early_workspace: Path, tmp_path: Path
) -> None:
    config, engine = _workspace(early_workspace, tmp_path)
    assert _draft(engine, config)["textile"] == "created"
    textile = config.papers_dir / "textile" / "2026-Q4.md"
    medtech = config.papers_dir / "medtech" / "2026-Q4.md"
    textile.write_bytes(textile.read_bytes().replace(b"Textile", b"Textil\xe9", 1))  # Latin-1, not UTF-8
    medtech.unlink()
    medtech.mkdir()  # a folder where the paper file should be
    cfg = ["-c", str(config.path)]
    runner = CliRunner()
    result = runner.invoke(cli, [*cfg, "draft"])
    assert result.exit_code == 1, result.output
    assert f"{textile}: is not UTF-8 text (byte 0xe9 at offset" in result.output
    assert f"{medtech}: is a folder where the paper file should be" in result.output
    assert "unchanged logistics 2026-Q4" in result.output  # the others went on
    listing = runner.invoke(cli, [*cfg, "papers", "list"])
    assert listing.exit_code == 0 and "[is not UTF-8 text" in listing.output, listing.output
    assert "[is a folder where the paper file should be" in listing.output
    approve = runner.invoke(cli, [*cfg, "papers", "approve", "textile"])
    assert approve.exit_code == 2 and f"{textile}: is not UTF-8 text" in approve.output, approve.output
    assert "Traceback" not in result.output + listing.output + approve.output


def test_a_paper_keeps_the_editors_windows_line_endings(
    early_workspace: Path, tmp_path: Path, embedder: TransformersEmbedder
) -> None:
    config, engine = _workspace(early_workspace, tmp_path)
    _draft(engine, config)
    path = config.papers_dir / "logistics" / "2026-Q4.md"
    text = path.read_text(encoding="utf-8").replace(
        "## Method and sources\n", "## Method and sources\n\nChecked.\n"
    )
    path.write_bytes(text.replace("\n", "\r\n").encode())
    _analyze(engine, config, embedder, LATE)
    assert _draft(engine, config, day=2)["logistics"] == "updated"
    data = path.read_bytes()
    assert b"Checked.\r\n" in data and data.count(b"\n") == data.count(b"\r\n")
    assert CliRunner().invoke(cli, ["-c", str(config.path), "papers", "approve", "logistics"]).exit_code == 0
    data = path.read_bytes()
    assert b'status: "approved"\r\n' in data and data.count(b"\n") == data.count(b"\r\n")


_WRITER = """
import sys
from pathlib import Path
from papers.files import write_atomic
path, n = Path(sys.argv[1]), 0
print("ready", flush=True)
while True:
    n += 1
    write_atomic(path, (f"version {n % 2}\\n" + "x" * 4_000_000 + "\\nend\\n"))
"""


def test_a_kill_during_writing_never_leaves_a_truncated_paper(tmp_path: Path) -> None:
    path = tmp_path / "papers" / "textile" / "2026-Q4.md"
    whole = {f"version {v}\n" + "x" * 4_000_000 + "\nend\n" for v in (0, 1)}
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    for n in range(20):
        child = subprocess.Popen([sys.executable, "-c", _WRITER, str(path)], env=env, stdout=subprocess.PIPE)
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        time.sleep(0.02 + 0.013 * n)  # kill at varying points of a write (one takes some 10-50 ms)
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        if path.exists():
            assert path.read_text(encoding="utf-8") in whole
    assert path.exists()
    assert list(path.parent.glob(".2026-Q4.md.*.tmp"))  # some kills did hit a write (draft removes these)
