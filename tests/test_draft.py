"""``draft``: papers drafted from the newsroom's analysis (the real analysis, the fake embedder), merged
with the editors' files when new data arrives, proposals where they cannot be merged, and files that
are written whole or not at all. The same scenario on the demo with the real model is the slow
``test_papers``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from ingest.errors import InputError
from papers import change_status, draft_papers, proposal_path
from papers.frontmatter import split
from papers.store import events, get_paper
from summarize import store as analysis
from summarize.records import Industry
from tests.conftest import LATE, Newsroom

INDUSTRIES = ("textile", "medtech", "logistics")
SVG = "{http://www.w3.org/2000/svg}svg"


def _draft(room: Newsroom, day: int = 1, **options: Any) -> dict[str, str]:
    """Draft every paper on 2026-11-``day`` at 09:00 UTC: industry → action."""
    now = datetime(2026, 11, day, 9, 0, tzinfo=UTC)
    config = room.config
    outcomes = draft_papers(
        room.engine, room.papers, config.name, config.industries, config.papers, now=now, **options
    )
    return {o.industry: o.action for o in outcomes}


def _outcomes(room: Newsroom, day: int = 1) -> dict[str, tuple[str, str]]:
    now = datetime(2026, 11, day, 9, 0, tzinfo=UTC)
    config = room.config
    found = draft_papers(room.engine, room.papers, config.name, config.industries, config.papers, now=now)
    return {o.industry: (o.action, o.detail) for o in found}


def _textile(room: Newsroom) -> Path:
    return room.papers / "textile" / "2026-Q4.md"


def _drafted(room: Newsroom) -> tuple[Path, str]:
    """Every paper drafted on 2026-11-01; the textile paper's file and text."""
    _draft(room)
    return _textile(room), _textile(room).read_text(encoding="utf-8")


def _files(folder: Path) -> dict[Path, tuple[bytes, int]]:
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


def test_a_first_draft_writes_each_paper_and_its_charts_and_a_redraft_without_news_writes_nothing(
    newsroom: Newsroom,
) -> None:
    assert _draft(newsroom) == dict.fromkeys(INDUSTRIES, "created")
    path = _textile(newsroom)
    text = path.read_text(encoding="utf-8")
    meta, body = split(text, str(path))
    assert (meta["industry"], meta["edition"], meta["status"]) == ("textile", "2026-Q4", "draft")
    assert meta["generated_at"] == "2026-11-01T09:00:00Z"
    assert meta["provenance"]["embedding_model"] == newsroom.embedder.model_id
    assert meta["provenance"]["documents"] == 6  # in the 90 days up to 2 October
    headings = re.findall(r"^### (.+) \{#(textile-\d{4})\}$", body, re.M)
    assert [tid for _, tid in headings] == ["textile-0001", "textile-0002"]
    marks = set(re.findall(r"\[\^(doc-\d+)\](?!:)", body))
    assert marks and marks == set(re.findall(r"^\[\^(doc-\d+)\]:", body, re.M))  # each defined once
    for _, trend_id in headings:  # each trend's weekly chart, beside the paper, linked from it
        chart = path.parent / "charts" / "2026-Q4" / f"{trend_id}.svg"
        assert f"(charts/2026-Q4/{trend_id}.svg)" in body
        assert chart.read_text(encoding="utf-8").startswith("<svg")
    # The newsroom has a patent feed: each trend tells its share of patents and the related ones.
    assert "% patents; keywords: " in body and "**Related patents**" in body
    assert "Sector news and patent feeds were collected" in body
    medtech = (newsroom.papers / "medtech" / "2026-Q4.md").read_text(encoding="utf-8")
    assert re.search(r"No document of the 90 days up to .* concerned Medical technology\.", medtech)
    assert "| Source | Documents |" not in medtech  # no table without a row
    with newsroom.engine.connect() as conn:
        row = get_paper(conn, "textile", "2026-Q4")
        assert row is not None and (row.status, row.base, row.path) == ("draft", text, "textile/2026-Q4.md")
        assert [t.id for t in row.trends] == ["textile-0001", "textile-0002"]
        assert [(s, by) for s, by, _ in events(conn, "textile", "2026-Q4")] == [("draft", None)]

    before = _files(newsroom.papers)
    assert _draft(newsroom, day=2) == dict.fromkeys(INDUSTRIES, "unchanged")
    assert _files(newsroom.papers) == before  # byte for byte, not even a time stamp


def test_the_editors_edits_survive_new_data_and_a_sentence_they_quote_keeps_its_footnote(
    newsroom: Newsroom,
) -> None:
    path, text = _drafted(newsroom)
    quoted, doc = re.search(r"^(.+\[\^(doc-\d+)\])$", text.split("## Key trends", 1)[1], re.M).groups()  # type: ignore[union-attr]
    edits = {
        'title: "Textile: trends 2026-Q4"': 'title: "Textile: circular fibres lead Q4"',
        "# Textile: trends 2026-Q4": "# Textile: circular fibres lead Q4",
        "> - Which members work on the key trends above? Who could supply, partner or buy?": (
            "> - Nordweave and Restrand want partners for sorting; contact the cluster office."
        ),
        "## Method and sources\n": f"## Method and sources\n\nEditor's note: checked with two members.\n{quoted}\n",
    }
    for old, new in edits.items():
        assert old in text
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")

    newsroom.analyse(LATE)
    outcomes = _outcomes(newsroom, day=3)
    assert outcomes["textile"] == ("updated", "the latest analysis merged in; editors' changes kept")
    assert outcomes["logistics"] == ("updated", "the latest analysis merged in")
    merged = path.read_text(encoding="utf-8")
    assert all(new in merged for new in edits.values())
    assert "In the 90 days up to 2026-11-20, 10 documents from 3 sources concerned Textile." in merged
    assert re.search(r"^(\d+) of them make up \d+ key trends? and 1 weak signal\.$", merged, re.M)
    assert "- **Waterless dyeing**: 4 documents, new in this window." in merged  # the new weak signal
    assert (path.parent / "charts" / "2026-Q4" / "textile-0003.svg").is_file()
    assert not list(newsroom.papers.rglob("*.proposed.md"))
    with newsroom.engine.connect() as conn:
        row = get_paper(conn, "textile", "2026-Q4")
    assert row is not None and row.generated_at == "2026-11-03T09:00:00Z" and row.base != merged
    assert "textile-0003" in {t.id for t in row.trends}
    # The new text no longer cites the quoted sentence's document; the editors' quote kept its note.
    assert f"[^{doc}]" not in row.base and quoted in merged
    assert len(re.findall(rf"^\[\^{doc}\]: \[.+\]\(https://.+\)", merged, re.M)) == 1
    assert _draft(newsroom, day=4)["textile"] == "unchanged"


def _conflict(newsroom: Newsroom) -> tuple[Path, str]:
    """A drafted textile paper whose editors rewrote the line that the late data changes, and the late
    data analysed: (the paper, its edited text)."""
    path, text = _drafted(newsroom)
    line = next(x for x in text.splitlines() if x.startswith("In the 90 days"))
    edited = text.replace(line, "In the last quarter, the cluster saw a lot.")
    path.write_text(edited, encoding="utf-8")
    newsroom.analyse(LATE)
    return path, edited


def test_an_edit_where_new_data_changes_the_same_line_leaves_the_paper_and_writes_a_proposal(
    newsroom: Newsroom,
) -> None:
    path, edited = _conflict(newsroom)
    action, detail = _outcomes(newsroom, day=2)["textile"]
    assert action == "proposed" and detail.startswith("1 conflicting change; new version: ")
    assert path.read_text(encoding="utf-8") == edited
    proposal = proposal_path(path)
    assert proposal.name == "2026-Q4.proposed.md"
    mine, theirs = re.search(  # type: ignore[union-attr]
        r"^<<<<<<< yours\n(.*?)^=======\n(.*?)^>>>>>>> new\n",
        proposal.read_text(encoding="utf-8"),
        re.M | re.S,
    ).groups()
    assert mine.startswith("In the last quarter, the cluster saw a lot.\n")
    assert theirs.startswith(
        "In the 90 days up to 2026-11-20, 10 documents from 3 sources concerned Textile.\n"
    )
    # The proposal's new trend has its chart, so that taking the proposal breaks no link.
    assert (path.parent / "charts" / "2026-Q4" / "textile-0003.svg").is_file()
    waiting = proposal.read_bytes()
    assert _draft(newsroom, day=3)["textile"] == "proposed"  # until the editors resolve it
    assert proposal.read_bytes() == waiting and path.read_text(encoding="utf-8") == edited


def test_conflicts_are_marked_in_the_papers_language() -> None:
    """As the desk marks them: "<<<<<<< Ihre Fassung" in a German workspace, not "yours"."""
    from papers.draft import _merged
    from papers.i18n import Texts
    from papers.store import PaperRow

    row = PaperRow("textile", "2026-Q4", date(2026, 10, 1), "p", "draft", "a\nb\nc\n", "", ())
    text, conflicts = _merged(row, "a\nB\nc\n", "a\nb2\nc\n", Texts("de"))
    assert conflicts == 1 and "<<<<<<< Ihre Fassung\nB\n=======\nb2\n>>>>>>> neue Fassung\n" in text


def test_a_proposal_the_editors_took_and_deleted_is_not_proposed_again(newsroom: Newsroom) -> None:
    path, _ = _conflict(newsroom)
    assert _draft(newsroom, day=2)["textile"] == "proposed"
    with newsroom.engine.connect() as conn:
        waiting = get_paper(conn, "textile", "2026-Q4")
    assert waiting is not None and waiting.pending is not None
    proposal = proposal_path(path)
    resolved = re.sub(  # the editors keep their own line and take everything else
        r"^<<<<<<< yours\n(.*?)^=======\n.*?^>>>>>>> new\n",
        r"\1",
        proposal.read_text(encoding="utf-8"),
        flags=re.M | re.S,
    )
    path.write_text(resolved, encoding="utf-8")
    proposal.unlink()
    assert _draft(newsroom, day=3)["textile"] == "unchanged"
    assert not proposal.exists() and path.read_text(encoding="utf-8") == resolved
    with newsroom.engine.connect() as conn:
        row = get_paper(conn, "textile", "2026-Q4")
    assert row is not None and row.pending is None
    assert row.base == waiting.pending["base"] and row.generated_at == "2026-11-02T09:00:00Z"
    assert "textile-0003" in {t.id for t in row.trends}  # the trends it shows now


def test_an_approved_paper_is_never_rewritten_and_new_data_goes_to_a_proposal(newsroom: Newsroom) -> None:
    _draft(newsroom)
    change_status(newsroom.engine, newsroom.papers, "textile", None, "approve", "Ann Editor")
    path = _textile(newsroom)
    approved = path.read_bytes()
    newsroom.analyse(LATE)
    action, detail = _outcomes(newsroom, day=2)["textile"]
    assert action == "proposed" and detail.startswith("the paper is approved and never rewritten")
    assert path.read_bytes() == approved
    proposal = proposal_path(path).read_text(encoding="utf-8")
    assert "<<<<<<<" not in proposal and "- **Waterless dyeing**" in proposal
    assert 'status: "approved"' in proposal  # merged with the approved file, front matter and all


def test_a_rename_approval_took_is_no_new_version_and_new_data_merges_past_it(newsroom: Newsroom) -> None:
    _draft(newsroom)
    path = _textile(newsroom)
    text = path.read_text(encoding="utf-8")
    heading = next(line for line in text.splitlines() if line.endswith("{#textile-0001}"))
    path.write_text(text.replace(heading, "### Fibre to fibre {#textile-0001}"), encoding="utf-8")
    change_status(newsroom.engine, newsroom.papers, "textile", None, "approve", "Ann Editor")
    approved = path.read_bytes()
    # The trend's new name is all that the next draft would say anew: nothing to propose.
    assert _outcomes(newsroom, day=2)["textile"] == ("unchanged", "")
    assert not proposal_path(path).exists() and path.read_bytes() == approved
    newsroom.analyse(LATE)  # new data: proposed, without the rename marked as a conflict
    action, detail = _outcomes(newsroom, day=3)["textile"]
    assert action == "proposed" and detail.startswith("the paper is approved and never rewritten")
    proposal = proposal_path(path).read_text(encoding="utf-8")
    assert "<<<<<<<" not in proposal and "### Fibre to fibre {#textile-0001}" in proposal


def test_a_draft_killed_between_writing_and_committing_is_finished_by_the_next(newsroom: Newsroom) -> None:
    assert _draft(newsroom)["textile"] == "created"
    with newsroom.engine.begin() as conn:  # as if killed after the file was renamed into place
        conn.execute(sa.text("DELETE FROM papers"))
    (_textile(newsroom).parent / ".2026-Q4.md.x1y2.tmp").write_text("half a paper")  # and a killed write
    assert _draft(newsroom, day=2)["textile"] == "created"
    assert not proposal_path(_textile(newsroom)).exists()
    assert 'generated_at: "2026-11-02T09:00:00Z"' in _textile(newsroom).read_text(encoding="utf-8")
    assert not list(newsroom.papers.rglob("*.tmp"))  # left by killed writes: draft holds the lock
    assert _draft(newsroom, day=3)["textile"] == "unchanged"


def test_a_paper_file_the_editors_deleted_is_written_again_as_last_generated(newsroom: Newsroom) -> None:
    _draft(newsroom)
    generated = _textile(newsroom).read_text(encoding="utf-8")
    _textile(newsroom).unlink()
    assert _outcomes(newsroom, day=2)["textile"] == (
        "updated",
        "the file was gone: written again from the latest analysis, without the editors' changes",
    )
    assert _textile(newsroom).read_text(encoding="utf-8") == generated  # its time stamp too


def test_a_withdrawn_paper_whose_file_is_gone_is_drafted_again(newsroom: Newsroom) -> None:
    _draft(newsroom)
    change_status(newsroom.engine, newsroom.papers, "textile", None, "withdraw", "Ann")
    _textile(newsroom).unlink()
    assert _outcomes(newsroom, day=2)["textile"][1].startswith("the file was gone: written again")
    assert _textile(newsroom).is_file()  # not only a proposal, which approving could not take
    with newsroom.engine.connect() as conn:
        assert get_paper(conn, "textile", "2026-Q4").status == "draft"  # type: ignore[union-attr]
    assert (
        change_status(newsroom.engine, newsroom.papers, "textile", None, "approve", "Ann").row.status
        == "approved"
    )


def test_an_unreadable_paper_file_is_named_and_the_other_papers_go_on(newsroom: Newsroom) -> None:
    _draft(newsroom)
    textile = _textile(newsroom)
    textile.write_bytes(textile.read_bytes().replace(b"Textile", b"Textil\xe9", 1))  # Latin-1, not UTF-8
    medtech = newsroom.papers / "medtech" / "2026-Q4.md"
    medtech.unlink()
    medtech.mkdir()  # a folder where the paper file should be
    outcomes = _outcomes(newsroom, day=2)
    assert outcomes["textile"][0] == "failed"
    assert outcomes["textile"][1].startswith(f"{textile}: is not UTF-8 text (byte 0xe9 at offset")
    assert outcomes["medtech"] == (
        "failed",
        f"{medtech}: is a folder where the paper file should be; move it away",
    )
    assert outcomes["logistics"] == ("unchanged", "")


def test_a_redraft_tells_what_the_editors_hand_made_wrong_before_approval_would(newsroom: Newsroom) -> None:
    _draft(newsroom)
    textile, medtech, logistics = (newsroom.papers / i / "2026-Q4.md" for i in INDUSTRIES)
    text = textile.read_text(encoding="utf-8")
    textile.write_text(text.replace('status: "draft"', 'status: "draft" oops: [', 1), encoding="utf-8")
    text = medtech.read_text(encoding="utf-8")
    medtech.write_text(text.replace('status: "draft"', 'status: "published"', 1), encoding="utf-8")
    text = logistics.read_text(encoding="utf-8")
    logistics.write_text(re.sub(r"\{#(logistics-\d+)\}", r"{#\1x}", text, count=1), encoding="utf-8")
    outcomes = _outcomes(newsroom, day=2)
    assert outcomes["textile"][0] == "unchanged"
    assert outcomes["textile"][1].startswith("to correct before approval: the front matter is not valid YAML")
    assert outcomes["medtech"] == (
        "unchanged",
        "to correct before approval: its front matter says status: 'published', but the paper is draft: "
        "a status changes with `trendpapers papers approve`, `publish` or `withdraw`",
    )
    assert outcomes["logistics"][0] == "unchanged"
    assert "no heading ends in {#logistics-0001}" in outcomes["logistics"][1]


def test_a_paper_keeps_the_editors_windows_line_endings(newsroom: Newsroom) -> None:
    _draft(newsroom)
    path = newsroom.papers / "logistics" / "2026-Q4.md"
    text = path.read_text(encoding="utf-8").replace(
        "## Method and sources\n", "## Method and sources\n\nChecked.\n"
    )
    path.write_bytes(text.replace("\n", "\r\n").encode())
    newsroom.analyse(LATE)
    assert _draft(newsroom, day=2)["logistics"] == "updated"
    data = path.read_bytes()
    assert b"Checked.\r\n" in data and b"In the 90 days up to 2026-11-20" in data
    assert data.count(b"\n") == data.count(b"\r\n")


def test_a_trend_heading_the_editors_renamed_renames_the_trend_and_the_paper_follows(
    newsroom: Newsroom,
) -> None:
    path, text = _drafted(newsroom)
    old = re.search(r"^### (.+) \{#textile-0001\}$", text, re.M).group(1)  # type: ignore[union-attr]
    path.write_text(text.replace(f"### {old} {{#textile-0001}}", "### Circular fibres {#textile-0001}"))
    assert _draft(newsroom, day=2)["textile"] == "updated"  # the generated text now uses the new name
    merged = path.read_text(encoding="utf-8")
    assert "- **Circular fibres** (rising" in merged and old not in merged  # the summary's line too
    with newsroom.engine.connect() as conn:
        renamed = next(t for t in analysis.load_trends(conn, "textile") if t.trend_id == "textile-0001")
    assert renamed.name == "Circular fibres"
    newsroom.analyse(LATE)  # the next analysis names it anew; the editors' name stays
    _draft(newsroom, day=3)
    assert "### Circular fibres {#textile-0001}" in path.read_text(encoding="utf-8")


def test_a_heading_renamed_beside_the_editors_own_paragraph_merges_without_a_conflict(
    newsroom: Newsroom,
) -> None:
    # The new draft writes the new name in the chart's caption too, right above the editors' words.
    path, text = _drafted(newsroom)
    heading = re.search(r"^### .+ \{#textile-0001\}$", text, re.M).group()  # type: ignore[union-attr]
    chart = re.search(r"^!\[.+textile-0001\.svg\)$", text, re.M).group()  # type: ignore[union-attr]
    edited = text.replace(heading, "### Circular fibres {#textile-0001}")
    path.write_text(edited.replace(chart, chart + "\n\nOur members see this first.\n"), encoding="utf-8")
    assert _outcomes(newsroom, day=2)["textile"] == (
        "updated",
        "the latest analysis merged in; editors' changes kept",
    )
    merged = path.read_text(encoding="utf-8")
    assert ": Circular fibres](" in merged and "Our members see this first." in merged


def test_a_heading_the_trend_cannot_take_as_its_name_stays_as_the_editors_wrote_it(
    newsroom: Newsroom,
) -> None:
    path, text = _drafted(newsroom)
    long_name = "A heading far too long to name a trend, " * 4  # refused as a name (over 120 characters)
    edited = re.sub(
        r"^### .+ \{#textile-0001\}$", f"### {long_name.strip()} {{#textile-0001}}", text, flags=re.M
    )
    edited = re.sub(
        r"^### .+ \{#textile-0002\}$", "### Sensing_fabrics *now* {#textile-0002}", edited, flags=re.M
    )
    path.write_text(edited, encoding="utf-8")
    assert _draft(newsroom, day=2)["textile"] == "updated"
    merged = path.read_text(encoding="utf-8")
    assert f"### {long_name.strip()} {{#textile-0001}}" in merged  # not put back to the generated name
    assert "### Sensing_fabrics *now* {#textile-0002}" in merged  # its Markdown as written
    with newsroom.engine.connect() as conn:
        names = {t.trend_id: t.name for t in analysis.load_trends(conn, "textile")}
    assert names["textile-0002"] == "Sensing_fabrics *now*" and names["textile-0001"] != long_name.strip()


def test_what_draft_cannot_do_it_skips_and_says_why(newsroom: Newsroom) -> None:
    config = newsroom.config
    outcomes = draft_papers(
        newsroom.engine, newsroom.papers, config.name, config.industries, edition="2026-Q3"
    )
    assert {o.action for o in outcomes} == {"skipped"}
    assert outcomes[0].detail.startswith("the latest trends end on 2026-10-02, outside 2026-Q3; analyze with")
    aviation = Industry("aviation", "Aviation")
    (skipped,) = draft_papers(newsroom.engine, newsroom.papers, config.name, [aviation])
    assert (skipped.action, skipped.detail) == ("skipped", "no analysis yet (run `trendpapers analyze`)")
    assert _draft(newsroom, only="logistics") == {"logistics": "created"}
    assert not (newsroom.papers / "textile").exists()
    with pytest.raises(InputError, match="expected a quarter such as 2026-Q4"):
        draft_papers(newsroom.engine, newsroom.papers, config.name, config.industries, edition="Q4-2026")
    with pytest.raises(InputError, match=r"'2026-11': the workspace's papers are quarterly .* e.g. 2026-Q4"):
        draft_papers(newsroom.engine, newsroom.papers, config.name, config.industries, edition="2026-11")


def test_a_workspace_template_replaces_the_package_template(newsroom: Newsroom, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "paper.md.j2").write_text(
        '---\ntitle: {{ title | yaml }}\nstatus: "draft"\ngenerated_at: {{ generated_at | yaml }}\n---\n\n'
        "# {{ title }}\n\n{% for s in data.trends %}- {{ s.trend.name }}: {{ s.trend.current }}\n{% endfor %}",
        encoding="utf-8",
    )
    assert _draft(newsroom, templates=templates)["textile"] == "created"
    text = _textile(newsroom).read_text(encoding="utf-8")
    assert text.endswith(
        "# Textile: trends 2026-Q4\n\n- Recycled polyester fibre: 3\n- Sensor fabric and conductive yarn: 3\n"
    )
