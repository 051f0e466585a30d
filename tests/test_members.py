"""The member file (TOML and CSV), every problem at once, and matching members to trends and
opportunities (``summarize.members``, ``trendpapers.members``); on the demo with the real model."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from papers.render import member_reason
from summarize.members import Member, Subject, by_subject, email_address, load_members, match_members
from summarize.records import FIELD
from tests.conftest import DemoRun
from trendpapers.cli import cli
from trendpapers.demo import DATA

INDUSTRIES = ("textile", "medtech", "logistics")
DEMO_MEMBERS = Path(str(DATA)).parent / "members.toml"


def test_the_demo_member_file_is_valid() -> None:
    found = load_members(DEMO_MEMBERS, INDUSTRIES)
    assert found.problems == ()
    assert len(found.members) == 7 and sum(m.digest for m in found.members) == 6
    mesh = found.members[0]
    assert (mesh.name, mesh.email, mesh.digest) == (
        "Meshwerk Simulation GmbH",
        "projects@meshwerk.example",
        True,
    )
    assert mesh.industries == ("textile", "medtech") and "knitted" in mesh.keywords
    assert mesh.text.startswith("Finite element simulation of textiles") and mesh.text.endswith(
        "wearable, sensor"
    )


def test_every_problem_of_a_toml_member_file_at_once_and_the_good_entries_kept(tmp_path: Path) -> None:
    path = tmp_path / "members.toml"
    path.write_text(
        """
[[members]]
name = "Good GmbH"
competences = "Simulation of things."
industries = ["textile", "field"]
email = "office@good.example"
digest = true

[[members]]
competences = "No name."

[[members]]
name = "Bad Mail AG"
competences = "Something."
email = "not an address"
digest = "yes"
colour = "red"

[[members]]
name = "Wrong Interest"
competences = "Something."
industries = ["aviation"]
keywords = "one, two"

[[members]]
name = "No Address"
competences = "Something."
digest = true

[[members]]
name = "good gmbh"
competences = "The same name again."
""",
        encoding="utf-8",
    )
    found = load_members(path, INDUSTRIES)
    assert [m.name for m in found.members] == ["Good GmbH"]
    assert found.members[0].industries == ("textile", FIELD)  # the field may be an interest
    problems = "\n".join(found.problems)
    for expected in (
        "members[1].name: is required",
        "members[1].competences" not in problems and "members[1].name",
        "members[2] (Bad Mail AG).colour: unknown key",
        "members[2] (Bad Mail AG).email: 'not an address' is not an e-mail address",
        "members[2] (Bad Mail AG).digest: must be true or false, not 'yes'",
        "members[3] (Wrong Interest).industries: unknown industry 'aviation'",
        "members[3] (Wrong Interest).keywords: must be a list of text",
        "members[4] (No Address).digest: is true, but the member has no email to send it to",
        "members[5].name: 'good gmbh' is listed twice",
    ):
        assert isinstance(expected, str) and expected in problems, expected
    assert all(p.startswith(f"{path}: ") for p in found.problems)  # each names the file


def test_a_csv_member_file(tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    path.write_text(
        "name,competences,keywords,industries,email,digest\n"
        'Good GmbH,"Simulation, and more.",simulation; digital twin,textile;medtech,office@good.example,yes\n'
        "Quiet AG,Logistics planning.,,logistics,,no\n"
        "Broken,Too many cells.,,,x@y.example,no,surplus\n"
        "Bad Digest,Something.,,,a@b.example,maybe\n",
        encoding="utf-8",
    )
    found = load_members(path, INDUSTRIES)
    good, quiet = found.members
    assert good.keywords == ("simulation", "digital twin") and good.industries == ("textile", "medtech")
    assert good.competences == "Simulation, and more." and good.digest and good.email == "office@good.example"
    assert (quiet.email, quiet.digest) == (None, False)
    problems = "\n".join(found.problems)
    assert "line 4 (Broken).<extra cells>: unknown key" in problems
    assert "line 5 (Bad Digest).digest: must be true or false, not 'maybe'" in problems
    (tmp_path / "headless.csv").write_text("Good GmbH,Simulation\n", encoding="utf-8")
    assert (
        "the header row lacks name, competences"
        in load_members(tmp_path / "headless.csv", INDUSTRIES).problems[0]
    )


@pytest.mark.parametrize(
    "name,content,problem",
    [
        ("missing.toml", None, "no such file"),
        ("members.txt", b"name = 1", "must be a .toml or .csv file"),
        ("latin1.toml", 'name = "Müller"'.encode("latin-1"), "is not UTF-8 text"),
        ("broken.toml", b"[[members]\nname = 'x'", "not valid TOML"),
        ("empty.toml", b"", "no members listed"),
        ("scalar.toml", b"members = 3", "members: must be an array of tables"),
    ],
)
def test_an_unusable_member_file_is_one_clear_problem(
    tmp_path: Path, name: str, content: bytes | None, problem: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    found = load_members(path, INDUSTRIES)
    assert found.members == () and len(found.problems) == 1
    assert found.problems[0].startswith(str(path)) and problem in found.problems[0]


def test_addresses() -> None:
    assert email_address("office@member.example") == "office@member.example"
    for bad in (
        "Office <office@member.example>",
        "office@",
        "a b@c.example",
        "a@b",
        "a..b@c.example",
        "a@b.example,c@d.example",
    ):
        assert email_address(bad) is None, bad


def _unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_matching_says_why_in_words_and_the_bonuses_only_confirm_a_similar_subject() -> None:
    member = Member("Sim AG", "Simulation of knitted sensors.", ("knitted", "sensor"), ("textile",))
    near = Subject(
        "trend", "textile-0001", "Smart textiles", ("textile",), _unit(1, 0.6), "Knitted sensor socks"
    )
    far = Subject(
        "trend", "textile-0002", "Recycling", ("textile",), _unit(0.35, 1), "Fibre recycling plants"
    )
    other = Subject(
        "opportunity", "opp-0001", "Smart textiles meets Medical technology", ("textile", "medtech"),
        _unit(1, 0.3), "knitted",
    )  # fmt: skip
    vectors = {"Sim AG": _unit(1, 0)}
    matches = match_members(
        [member], vectors, [near, far, other], {"textile": "Textile", "medtech": "Medical technology"}
    )
    assert [m.subject.subject_id for m in matches] == ["opp-0001", "textile-0001"]  # far: 0.33 + 0.1 < 0.5
    best = matches[0]
    assert best.keywords == ("knitted",) and best.interests == ("Textile",)
    assert member_reason(best) == (
        "competences similar to its documents (0.96); keywords: knitted; interested in Textile; score 1.11"
    )
    assert by_subject(matches, 1) == {"opp-0001": (matches[0],), "textile-0001": (matches[1],)}


def _tp(workspace: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-c", str(workspace), *args])
    return result.exit_code, result.output  # stdout and stderr as a terminal shows them


# The whole demo (real ingest, the real model): the tests that use it are in the slow tier.
@pytest.fixture(scope="module")
def demo(demo_run: DemoRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_run.copy(tmp_path_factory, "members")


@pytest.mark.slow
def test_check_validates_the_member_file_with_every_problem_at_once(demo: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    shutil.copytree(demo, workspace, symlinks=True)
    code, out = _tp(workspace, "check")
    assert code == 0 and f"{workspace.resolve() / 'members.toml'}: OK (7 members (6 want the digest))" in out
    with (workspace / "members.toml").open("a", encoding="utf-8") as f:
        f.write(
            '\n[[members]]\nname = "Broken"\nemail = "nope"\n\n[[members]]\nname = "Meshwerk Simulation GmbH"\ncompetences = "x"\n'
        )
    code, out = _tp(workspace, "check")
    assert code == 2 and "3 configuration problems" in out
    assert "members[7] (Broken).competences: is required" in out
    assert "members[7] (Broken).email: 'nope' is not an e-mail address" in out
    assert "members[8].name: 'Meshwerk Simulation GmbH' is listed twice" in out
    # One bad member never stops a run: the others are still matched, the bad one is named.
    code, out = _tp(workspace, "members", "match")
    assert code == 0 and "Meshwerk Simulation GmbH <projects@meshwerk.example>: digest yes" in out
    assert "member file:" in out and "(Broken).competences: is required (this entry is left out)" in out


@pytest.mark.slow
def test_the_member_file_must_stay_out_of_what_is_published(demo: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    shutil.copytree(demo, workspace, symlinks=True)
    config = workspace / "trendpapers.toml"
    text = config.read_text(encoding="utf-8")
    (workspace / "site" / "docs" / "members.toml").write_bytes((workspace / "members.toml").read_bytes())
    config.write_text(
        text.replace('members = "members.toml"', 'members = "site/docs/members.toml"'), encoding="utf-8"
    )
    code, out = _tp(workspace, "check")
    assert (
        code == 2
        and "cluster.members: 'site/docs/members.toml' is inside site/, whose files can reach the public site"
        in out
    )
    config.write_text(text.replace('members = "members.toml"', 'members = "nobody.csv"'), encoding="utf-8")
    code, out = _tp(workspace, "check")
    assert code == 2 and "cluster.members: no such file" in out


@pytest.mark.slow
def test_members_match_lists_each_members_trends_and_opportunities_with_why(demo: Path) -> None:
    code, out = _tp(demo, "members", "match", "--member", "meshwerk simulation gmbh")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Meshwerk Simulation GmbH <projects@meshwerk.example>: digest yes"
    assert any(" trend " in line and "textile-" in line for line in lines[1:])
    assert any(" opportunity " in line and "meets" in line for line in lines[1:])
    assert all("competences similar to its documents" in line for line in lines[1:])
    assert "keywords: knitted" in out and "interested in Textile" in out
    code, out = _tp(demo, "members", "match", "--member", "Nobody")
    assert code == 2 and "no member named 'Nobody'" in out and "Fibrecircle Data" in out


@pytest.mark.slow
def test_drafts_and_papers_show_name_the_matched_members_for_the_editors(demo: Path) -> None:
    paper = (demo / "papers" / "textile" / "2026-Q4.md").read_text(encoding="utf-8")
    block = paper.split("<!-- trendpapers:members", 1)[1].split("<!-- /trendpapers:members -->", 1)[0]
    assert "Fibrecircle Data (competences similar to its documents" in block  # the recycling trend
    assert "Meshwerk Simulation GmbH (" in block
    assert "@" not in block  # names and reasons, never addresses
    # Above the editors' own text (the demo's editors wrote theirs in place of the prompts).
    assert paper.index("<!-- /trendpapers:members -->") < paper.index("Recycling capacity in the region")
    code, out = _tp(demo, "papers", "show", "textile")
    assert code == 0 and "members matched (for the editors; members.toml):" in out
    assert "Meshwerk Simulation GmbH: competences similar to its documents" in out
