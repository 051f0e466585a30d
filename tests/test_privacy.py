"""Member data kept off the site (``papers.privacy``) on hand-made texts: the drafts' member blocks taken
out (or kept, without their markers), a damaged block refused with its line, every address of the
member file found, and composed pages searched for them. The same rules in a real build of the demo
are the slow ``test_site``'s subject."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.errors import SiteError
from papers.lifecycle import without_prompts
from papers.privacy import END, START, leaks, member_addresses, strip_member_blocks

PROMPTS = """> **To fill in by the editors.** Replace these prompts with your own text before approving.
>
> - Which members work on the key trends above? Who could supply, partner or buy?
> - Which of these trends opens a market for our members, and which threatens one?
> - Which event, call for funding or project should members know about?
"""
PAPER = f"""# Textile

## Questions for members and opportunities

{START}: for the editors -->
**Members whose competences match** (for the editors, not published):

- Knitted sensors (trend): Meshwerk Simulation GmbH (competences similar to its documents (0.71))
{END}

{PROMPTS}"""


def test_a_member_block_is_taken_out_and_the_rest_kept() -> None:
    public = strip_member_blocks(PAPER, "textile/2026-Q4.md")
    assert "Meshwerk" not in public and "trendpapers:members" not in public
    assert (
        public.startswith("# Textile\n\n## Questions for members")
        and "**To fill in by the editors.**" in public
    )
    assert strip_member_blocks("no block here\n", "x.md") == "no block here\n"


def test_prompts_left_in_stay_off_the_site_and_so_does_a_section_of_nothing_else() -> None:
    public = without_prompts(strip_member_blocks(PAPER, "textile/2026-Q4.md"))
    assert public.strip() == "# Textile"  # the heading went with them: nothing else was under it
    written = PAPER.replace(f"{END}\n", f"{END}\n\nOur view: talk to Nordweave.\n")
    kept = without_prompts(strip_member_blocks(written, "textile/2026-Q4.md"))
    assert "## Questions for members" in kept and "Our view" in kept and "To fill in" not in kept
    german = (
        "## Fragen\n\n> **Von der Redaktion auszufüllen.** Ersetzen Sie diese Fragen vor der Freigabe "
        "durch Ihren eigenen Text.\n>\n> - Welche Veranstaltung, welche Förderausschreibung oder welches "
        "Projekt sollten die Mitglieder kennen?\n\n## Weiter\n"
    )
    assert without_prompts(german).strip() == "## Weiter"
    assert without_prompts("no prompts\n") == "no prompts\n"
    answered = without_prompts(render_prompts_answered())
    assert "> Meshwerk could supply." in answered and "Which members" not in answered


def render_prompts_answered() -> str:
    """The template's prompts, as a draft has them, with an answer typed between them."""
    block = PROMPTS.replace("buy?\n", "buy?\n> Meshwerk could supply.\n")
    return f"# Textile\n\n## Questions for members and opportunities\n\n{block}"


def test_a_workspace_that_publishes_matches_keeps_the_block_without_its_markers() -> None:
    shown = strip_member_blocks(PAPER, "textile/2026-Q4.md", keep=True)
    assert "Meshwerk Simulation GmbH" in shown and "trendpapers:members" not in shown


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (PAPER.replace(f"{END}\n", ""), "x.md: the member block opened on line 5 is not closed"),
        (PAPER.replace(f"{START}: for the editors -->\n", ""), "x.md: line 8 closes a member block that was never opened"),
        (PAPER.replace(END, START + " -->"), "x.md: line 9 opens a member block inside the one opened on line 5"),
    ],
)  # fmt: skip
def test_a_damaged_block_stops_the_build_and_says_where(text: str, problem: str) -> None:
    with pytest.raises(SiteError) as info:
        strip_member_blocks(text, "x.md")
    assert problem in str(info.value)


def test_every_address_of_the_member_file_is_found_valid_entries_or_not(tmp_path: Path) -> None:
    members = tmp_path / "members.toml"
    members.write_text(
        '[[members]]\nname = "A"\nemail = "Office@A.example"\n\n'
        '[[members]]\nname = "B"\nemail = "b@b.example; not checked here"\n',
        encoding="utf-8",
    )
    assert member_addresses(members) == (b"b@b.example", b"office@a.example")
    assert member_addresses(None) == ()
    with pytest.raises(SiteError, match="cannot be read to keep its addresses off the site"):
        member_addresses(tmp_path / "gone.toml")


def test_pages_holding_an_address_or_a_block_marker_are_named() -> None:
    pages = {
        "index.md": b"# Home\n",
        "contacts.md": b"Write to OFFICE@a.example.",
        "papers/textile/2026-Q4.md": PAPER.encode(),
        "feed.xml": b"<feed>b@b.example</feed>",
    }
    assert leaks(pages, (b"b@b.example", b"office@a.example")) == [
        "contacts.md: holds the member address office@a.example",
        "feed.xml: holds the member address b@b.example",
        "papers/textile/2026-Q4.md: holds a member block (<!-- trendpapers:members ...)",
    ]
    assert leaks({"index.md": b"# Home\n"}, (b"b@b.example",)) == []
