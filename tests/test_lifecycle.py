"""A paper's lifecycle: draft → approved → published, or withdrawn; the store and the file's front
matter change together, and an undone change leaves no trace. Papers drafted from the newsroom."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from textwrap import shorten

import pytest

from ingest.errors import InputError
from papers import change_status, draft_papers, find_paper, proposal_path
from papers.footnotes import footnotes_as_read
from papers.frontmatter import split
from papers.lifecycle import paper_flags, undo_status
from papers.store import events, get_paper, save_paper
from summarize import store as analysis
from tests.conftest import Newsroom

DRAFTED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
APPROVED = datetime(2026, 11, 2, 10, 30, tzinfo=UTC)
PUBLISHED = datetime(2026, 11, 3, 8, 15, tzinfo=UTC)


@pytest.fixture
def room(newsroom: Newsroom) -> Newsroom:
    """The newsroom with its three papers of 2026-Q4 drafted."""
    config = newsroom.config
    draft_papers(newsroom.engine, newsroom.papers, config.name, config.industries, config.papers, now=DRAFTED)
    return newsroom


def _paper(room: Newsroom, industry: str = "textile") -> Path:
    return room.papers / industry / "2026-Q4.md"


def _meta(path: Path) -> dict[str, object]:
    return split(path.read_text(encoding="utf-8"), str(path))[0]


def _history(room: Newsroom, industry: str = "textile") -> list[tuple[str, str | None, datetime]]:
    with room.engine.connect() as conn:
        return events(conn, industry, "2026-Q4")


def test_approve_publish_and_withdraw_say_who_and_when_in_the_file_and_the_history(room: Newsroom) -> None:
    path = _paper(room)
    change = change_status(room.engine, room.papers, "textile", None, "approve", "Ann Editor", APPROVED)
    assert (change.row.status, change.row.status_by, change.row.status_at) == (
        "approved",
        "Ann Editor",
        APPROVED,
    )
    assert change.path == path and change.before.status == "draft"
    assert change.warnings == (
        f"{path}: the editors' prompts are still in the text (the site leaves them out)",
    )
    meta = _meta(path)
    assert (meta["status"], meta["approved_by"], meta["approved_at"]) == (
        "approved",
        "Ann Editor",
        "2026-11-02T10:30:00Z",
    )
    assert meta["title"] == "Textile: trends 2026-Q4"  # the rest of the front matter as it was

    change_status(room.engine, room.papers, "textile", "2026-Q4", "publish", "Bo", PUBLISHED)
    meta = _meta(path)
    assert (meta["status"], meta["published_by"], meta["approved_by"]) == ("published", "Bo", "Ann Editor")
    withdrawn = change_status(room.engine, room.papers, "textile", None, "withdraw", None, PUBLISHED)
    assert withdrawn.row.status == "withdrawn" and _meta(path)["status"] == "withdrawn"
    assert "withdrawn_by" not in _meta(path)  # nobody named: nobody written
    assert _history(room) == [
        ("draft", None, DRAFTED),
        ("approved", "Ann Editor", APPROVED),
        ("published", "Bo", PUBLISHED),
        ("withdrawn", None, PUBLISHED),
    ]
    with room.engine.connect() as conn:
        assert get_paper(conn, "textile", "2026-Q4") == withdrawn.row
    # Withdrawn by a slip: approved and published again, it comes back.
    change_status(room.engine, room.papers, "textile", None, "approve", None, PUBLISHED)
    meta = _meta(path)  # its earlier approver, publication and withdrawal are history, not its state
    assert not {"approved_by", "published_at", "published_by", "withdrawn_at"} & meta.keys()
    again = change_status(room.engine, room.papers, "textile", None, "publish", "Bo", PUBLISHED)
    assert again.row.status == "published" and _meta(path)["status"] == "published"
    assert [status for status, _, _ in _history(room)][-2:] == ["approved", "published"]


@pytest.mark.parametrize(
    ("steps", "action", "message"),
    [
        ((), "publish", "textile 2026-Q4 is draft; only approved papers can be published"),
        (
            ("approve",),
            "approve",
            "textile 2026-Q4 is approved; only draft or withdrawn papers can be approved",
        ),
        (("approve", "publish"), "approve", "is published; only draft or withdrawn papers can be approved"),
        (("withdraw",), "publish", "is withdrawn; only approved papers can be published"),
        (
            ("withdraw",),
            "withdraw",
            "is withdrawn; only approved or draft or published papers can be withdrawn",
        ),
    ],
)
def test_only_the_allowed_steps_are_taken_and_a_refused_one_changes_nothing(
    room: Newsroom, steps: tuple[str, ...], action: str, message: str
) -> None:
    for step in steps:
        change_status(room.engine, room.papers, "textile", None, step, "Ann", APPROVED)
    text, history = _paper(room).read_bytes(), _history(room)
    with pytest.raises(InputError, match=message):
        change_status(room.engine, room.papers, "textile", None, action, "Ann", PUBLISHED)
    assert _paper(room).read_bytes() == text and _history(room) == history


def test_an_empty_paper_is_approved_only_when_forced(room: Newsroom) -> None:
    path = _paper(room, "medtech")  # no documents in its window, the editors' prompts still in it
    with pytest.raises(InputError, match=r"is empty \(no documents in its window.*approve with --force"):
        change_status(room.engine, room.papers, "medtech", None, "approve", "Ann", APPROVED)
    assert _meta(path)["status"] == "draft"
    change = change_status(room.engine, room.papers, "medtech", None, "approve", "Ann", APPROVED, force=True)
    assert change.row.status == "approved" and _meta(path)["status"] == "approved"


def test_an_empty_paper_the_editors_wrote_is_approved_without_a_word(room: Newsroom) -> None:
    path = _paper(room, "medtech")
    text = path.read_text(encoding="utf-8").replace("**To fill in by the editors.**", "Our own view:")
    path.write_text(text, encoding="utf-8")
    change = change_status(room.engine, room.papers, "medtech", None, "approve", "Ann", APPROVED)
    assert change.row.status == "approved" and change.warnings == ()


def test_conflict_markers_are_refused_and_a_waiting_proposal_is_pointed_out(room: Newsroom) -> None:
    path = _paper(room)
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "<<<<<<< yours\nmine\n=======\ntheirs\n>>>>>>> new\n", encoding="utf-8")
    with pytest.raises(InputError, match="holds unresolved merge conflict markers"):
        change_status(room.engine, room.papers, "textile", None, "approve", "Ann", APPROVED)
    path.write_text(text, encoding="utf-8")
    proposal_path(path).write_text(text, encoding="utf-8")
    change = change_status(room.engine, room.papers, "textile", None, "approve", "Ann", APPROVED)
    assert f"{proposal_path(path)}: a proposed new version is waiting to be reviewed" in change.warnings


def test_a_footnote_cited_without_its_definition_is_pointed_out(room: Newsroom) -> None:
    path = _paper(room)
    text = path.read_text(encoding="utf-8")
    definition = re.search(r"^\[\^(doc-\d+)\]:.*\n", text, re.M)
    assert definition
    path.write_text(text.replace(definition.group(), "") + "\nOur own view.[^ours]\n", encoding="utf-8")
    change = change_status(room.engine, room.papers, "textile", None, "approve", "Ann", APPROVED)
    label = definition.group(1)
    assert (
        f"{path}: [^{label}] is cited but its definition is gone; the site gives the cited document from the store"
        in change.warnings
    )
    assert (
        f"{path}: [^ours] is cited but its definition is gone; the site shows the mark as typed: define it or remove it"
        in change.warnings
    )


def test_footnotes_as_read_puts_back_a_definition_it_is_given() -> None:
    text = "One.[^a] Two.[^b]\n\n[^b]: B.\n"
    assert (
        footnotes_as_read(text, {"a": "[^a]: A.", "c": "[^c]: C."})
        == "One.[^a] Two.[^b]\n\n[^a]: A.\n[^b]: B.\n"
    )
    assert footnotes_as_read("One.[^a]\n", {"a": "[^a]: A."}) == "One.[^a]\n\n[^a]: A.\n"


def test_a_paper_whose_file_is_gone_can_only_be_withdrawn_and_then_in_the_store_alone(room: Newsroom) -> None:
    path = _paper(room)
    path.unlink()
    with pytest.raises(InputError, match=r"textile 2026-Q4: the file .* is missing \(draft it again\)"):
        change_status(room.engine, room.papers, "textile", None, "approve", "Ann", APPROVED)
    change = change_status(room.engine, room.papers, "textile", None, "withdraw", "Ann", APPROVED)
    assert change.row.status == "withdrawn" and not path.exists()
    assert change.warnings == (f"{path}: the file is missing; the paper is withdrawn in the store only",)


def test_an_undone_change_leaves_the_file_the_status_and_the_history_as_they_were(room: Newsroom) -> None:
    path = _paper(room, "logistics")
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))  # an editor on Windows
    before, history = path.read_bytes(), _history(room, "logistics")
    change = change_status(room.engine, room.papers, "logistics", None, "approve", "Ann", APPROVED)
    approved = path.read_bytes()
    assert b'status: "approved"\r\n' in approved and approved.count(b"\n") == approved.count(b"\r\n")
    undo_status(room.engine, change)
    assert path.read_bytes() == before and _history(room, "logistics") == history
    with room.engine.connect() as conn:
        assert get_paper(conn, "logistics", "2026-Q4") == change.before


def test_a_trend_heading_renamed_before_approval_renames_the_trend(room: Newsroom) -> None:
    path = _paper(room)
    text = path.read_text(encoding="utf-8")
    heading = next(line for line in text.splitlines() if line.endswith("{#textile-0002}"))
    old = heading.removeprefix("### ").removesuffix(" {#textile-0002}")
    assert f"**{old}**" in text and f": {old}](" in text  # the executive summary, the chart's caption
    path.write_text(text.replace(heading, "### Sensing fabrics {#textile-0002}"), encoding="utf-8")
    change = change_status(room.engine, room.papers, "textile", None, "approve", "Ann", APPROVED)
    assert change.renamed == ("textile-0002 renamed to 'Sensing fabrics'",)
    assert not any(
        "no longer the source's words" in w for w in change.warnings
    )  # the bullet quotes as before
    approved = path.read_text(encoding="utf-8")  # the paper says the new name in those places too
    assert "**Sensing fabrics**" in approved and ": Sensing fabrics](" in approved
    assert f"**{old}**" not in approved and f": {old}](" not in approved
    with room.engine.connect() as conn:
        names = {t.trend_id: t.name for t in analysis.load_trends(conn, "textile")}
    assert names["textile-0002"] == "Sensing fabrics"


def test_approval_points_out_a_quotation_the_editors_rewrote(room: Newsroom) -> None:
    path = _paper(room)
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    number, quoted = next(
        (n, line) for n, line in enumerate(lines, start=1) if re.fullmatch(r"[A-Z].*\[\^doc-\d+\]", line)
    )
    sentence, mark = quoted.split("[^", 1)
    lines[number - 1] = f"In short: {sentence}[^{mark}"  # the editors' words before the source's
    lines.append("Our members see it so too.[^ours]\n\n[^ours]: The cluster's survey.")  # their own note
    path.write_text("\n".join(lines), encoding="utf-8")
    change = change_status(room.engine, room.papers, "textile", None, "approve", "Ann", APPROVED)
    rewritten = [w for w in change.warnings if "no longer the source's words" in w]
    assert rewritten == [
        f"{path}:{number}: the sentence cited to its source is no longer the source's words "
        f"({shorten('In short: ' + sentence, 60, placeholder=' …')!r}), and the method section says every "
        "cited sentence is quoted: put the quotation back, or take its footnote off"
    ]


def test_a_trend_heading_left_without_a_name_is_refused_and_one_without_its_id_is_pointed_out(
    room: Newsroom,
) -> None:
    path = _paper(room)
    text = path.read_text(encoding="utf-8")
    first, second = [line for line in text.splitlines() if line.startswith("### ") and "{#textile-" in line]
    path.write_text(text.replace(first, "### {#textile-0001}"), encoding="utf-8")
    with pytest.raises(InputError, match=r"the heading \{#textile-0001\} has no name: give the trend one"):
        change_status(room.engine, room.papers, "textile", None, "approve", "Ann", APPROVED)
    assert _meta(path)["status"] == "draft"
    path.write_text(text.replace(second, "### Sensing fabrics"), encoding="utf-8")  # its id deleted
    change = change_status(room.engine, room.papers, "textile", None, "approve", "Ann", APPROVED)
    assert any("no heading ends in {#textile-0002}" in w for w in change.warnings), change.warnings
    with room.engine.connect() as conn:
        names = {t.trend_id: t.name for t in analysis.load_trends(conn, "textile")}
    assert names["textile-0002"] != "Sensing fabrics"


def test_approval_refuses_what_the_sites_build_would_refuse(room: Newsroom) -> None:
    path = _paper(room)
    text = path.read_text(encoding="utf-8")
    path.write_text(text + '\n<iframe src="https://video.example/"></iframe>\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"2026-Q4.md: the site refuses a <iframe> element in the content; "):
        change_status(room.engine, room.papers, "textile", None, "approve", "Ann", APPROVED)
    assert _meta(path)["status"] == "draft"
    path.write_text(text.replace('edition: "2026-Q4"', 'edition: "1999-Q1"'), encoding="utf-8")
    with pytest.raises(InputError, match=r"its front matter says edition: '1999-Q1'; put back '2026-Q4'"):
        change_status(room.engine, room.papers, "textile", None, "approve", "Ann", APPROVED)
    own = "\n![The line](https://cluster.example/assets/line.png)\n"  # from the site's own host
    path.write_text(text + own, encoding="utf-8")
    with pytest.raises(
        InputError, match=r"<img> loads 'https://cluster.example/assets/line.png' from another"
    ):
        change_status(room.engine, room.papers, "textile", None, "approve", "Ann", APPROVED)
    site = "https://cluster.example/"
    path.write_text(text + own + "\n[A video](https://video.example/) of the line.\n", encoding="utf-8")
    approved = change_status(
        room.engine, room.papers, "textile", None, "approve", "Ann", APPROVED, site_url=site
    )
    assert approved.row.status == "approved"


def test_find_paper_takes_the_latest_edition_unless_one_is_named(room: Newsroom) -> None:
    with room.engine.begin() as conn:
        q4 = get_paper(conn, "textile", "2026-Q4")
        assert q4 is not None
        save_paper(
            conn, replace(q4, edition="2026-Q3", edition_start=date(2026, 7, 1), path="textile/2026-Q3.md")
        )
        assert find_paper(conn, "textile", None).edition == "2026-Q4"
        assert find_paper(conn, "textile", "2026-Q3").edition == "2026-Q3"
        with pytest.raises(
            InputError, match=r"no paper textile 2026-Q1 \(draft one with `trendpapers draft`\)"
        ):
            find_paper(conn, "textile", "2026-Q1")
        with pytest.raises(InputError, match="no paper aviation "):
            find_paper(conn, "aviation", None)


def test_a_paper_is_flagged_edited_for_the_editors_changes_not_for_its_approval(room: Newsroom) -> None:
    def flags() -> list[str]:
        with room.engine.connect() as conn:
            return paper_flags(room.papers, find_paper(conn, "textile", None))

    change_status(room.engine, room.papers, "textile", None, "approve", "Ann Editor", APPROVED)
    assert flags() == []
    path = _paper(room)
    approved = path.read_text(encoding="utf-8")
    for edit in (("## Key trends", "## Key trends\n\nOur view."), ('title: "', 'title: "Ours, ')):
        path.write_text(approved.replace(*edit, 1), encoding="utf-8")
        assert flags() == ["edited"]
    path.write_text(approved.replace('status: "approved"', 'status: "published"', 1), encoding="utf-8")
    assert flags() == ["status in the file differs"]  # a hand's status publishes nothing


def test_footnotes_as_read_keeps_each_whole_and_leaves_code_alone() -> None:
    text = (
        "B cites.[^b] A cites.[^a]\n\n"
        "```\n[^b]: inside a code block\n```\n\n"
        "[^a]: a, first paragraph\nrunning on\n\n    a, second paragraph\n"
        "[^b]: b\n[^c]: cited by nothing\n\nThe end.\n"
    )
    assert footnotes_as_read(text) == (
        "B cites.[^b] A cites.[^a]\n\n"
        "```\n[^b]: inside a code block\n```\n\n\nThe end.\n\n"
        "[^b]: b\n[^a]: a, first paragraph\nrunning on\n\n    a, second paragraph\n"
    )
    assert footnotes_as_read("No notes.\n") == "No notes.\n"
