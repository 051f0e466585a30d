"""The three-way merge on small hand-made texts and random ones: what each side changed survives, overlaps conflict."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from papers.merge import MergeResult, merge3, regions3

BASE = "title\n\nintro one\nintro two\n\n## A\na1\na2\n\n## B\nb1\nb2\n"


def test_changes_on_both_sides_in_different_places_are_all_kept() -> None:
    ours = BASE.replace("intro one", "intro one, edited by hand").replace("b2\n", "b2\neditor note\n")
    theirs = BASE.replace("a1\n", "a1 new data\n").replace("## B", "## A2\nnew trend\n\n## B")
    result = merge3(BASE, ours, theirs)
    assert result.conflicts == 0
    assert result.text == (
        "title\n\nintro one, edited by hand\nintro two\n\n## A\na1 new data\na2\n\n## A2\nnew trend\n\n"
        "## B\nb1\nb2\neditor note\n"
    )


def test_one_sided_changes_and_identical_changes() -> None:
    assert merge3(BASE, BASE, BASE).text == BASE
    edited = BASE.replace("a2", "a2!")
    assert merge3(BASE, edited, BASE).text == edited  # nothing new: the editor's file as it is
    assert merge3(BASE, BASE, edited).text == edited  # no edits: the new text
    both = merge3(BASE, edited, edited)
    assert (both.text, both.conflicts) == (edited, 0)


def test_deletions_are_merged() -> None:
    ours = BASE.replace("intro two\n", "")  # the editor cut a line
    theirs = BASE.replace("b1\n", "")  # the data no longer has this one
    result = merge3(BASE, ours, theirs)
    assert (result.conflicts, result.text) == (0, BASE.replace("intro two\n", "").replace("b1\n", ""))


def test_the_same_lines_changed_differently_is_a_conflict_with_both_versions() -> None:
    ours = BASE.replace("a1", "a1 as the editor wrote it")
    theirs = BASE.replace("a1", "a1 with new figures")
    result = merge3(BASE, ours, theirs)
    assert result.conflicts == 1
    assert (
        "## A\n<<<<<<< yours\na1 as the editor wrote it\n=======\na1 with new figures\n>>>>>>> new\na2\n"
        in result.text
    )


def test_insertions_at_the_same_place_conflict_unless_equal() -> None:
    ours = BASE.replace("## B", "mine\n## B")
    theirs = BASE.replace("## B", "theirs\n## B")
    assert merge3(BASE, ours, theirs).conflicts == 1
    assert merge3(BASE, ours, ours).conflicts == 0


def test_empty_base_and_missing_final_newline() -> None:
    assert merge3("", "same\n", "same\n").text == "same\n"
    result = merge3("", "mine", "theirs")  # no common history: everything differs
    assert result.conflicts == 1
    assert result.text == "<<<<<<< yours\nmine\n=======\ntheirs\n>>>>>>> new\n"


def test_regions_rebuild_each_side_and_mark_what_both_kept() -> None:
    from papers.merge import regions3

    ours = BASE.replace("intro one", "intro one, edited by hand")
    theirs = BASE.replace("a1\n", "a1 new data\n").replace("intro one", "intro 1")
    regions = regions3(BASE, ours, theirs)
    assert "".join(line for r in regions for line in r.base) == BASE
    assert "".join(line for r in regions for line in r.ours) == ours
    assert "".join(line for r in regions for line in r.theirs) == theirs
    changed = [(r.base, r.ours, r.theirs) for r in regions if not r.stable]
    assert changed == [
        (("intro one\n",), ("intro one, edited by hand\n",), ("intro 1\n",)),
        (("a1\n",), ("a1\n",), ("a1 new data\n",)),
    ]
    assert all(r.base == r.ours == r.theirs for r in regions if r.stable)


SUMMARY = (
    "## Summary\n\nNine documents.\n\n- **Recycling**: a plant opens.\n- **Sensing fabrics**: a sock is tested.\n\n"
    "## Key trends\n\n### Recycling\n\nA sentence.\n\n**Evidence**\n\n- a report\n\n"
    "### Sensing fabrics\n\nA sentence.\n\n**Evidence**\n\n- a report\n"
)


def test_paragraphs_added_under_a_line_the_other_side_changes_are_kept() -> None:
    # The whole-text alignment pairs the base's blank line under the bullet with the blank line after
    # the editor's paragraphs, so the region holds the bullet and the paragraphs together.
    ours = SUMMARY.replace("\n## Key", "\nOur view: this matters.\n\nAnd a second paragraph.\n\n## Key")
    theirs = SUMMARY.replace("Sensing fabrics", "Sensor socks")
    result = merge3(SUMMARY, ours, theirs)
    assert (result.conflicts, result.text) == (0, ours.replace("Sensing fabrics", "Sensor socks"))
    regions = [r for r in regions3(SUMMARY, ours, theirs) if not r.stable]
    assert all(r.ours == r.base or r.theirs == r.base for r in regions)  # each change one side's


def test_the_same_change_on_both_sides_beside_one_sides_paragraph_is_taken_once() -> None:
    renamed = SUMMARY.replace("Sensing fabrics", "Sensor socks")
    ours = renamed.replace("\n## Key", "\nOur view.\n\n## Key")
    assert merge3(SUMMARY, ours, renamed) == MergeResult(ours, 0)


@pytest.mark.parametrize(
    ("base", "ours", "theirs"),
    [
        # A line added between two lines the other side rewrote may be about them.
        ("a\nb\nc\n", "a\nb\nmine\nc\n", "a\nB\nC\n"),
        # One side deleted a sentence the other rewrote (both renamed the heading above it).
        (
            "### Sensing fabrics\nSensing fabrics are tested.\nEnd.\n",
            "### Sensor socks\nEnd.\n",
            "### Sensor socks\nSensor socks are tested.\nEnd.\n",
        ),
        # One side deleted a paragraph, the other added to it.
        (
            "# Title\nPara one.\n\nPara two.\n\nPara three.\nEnd.\n",
            "# Title\nPara two.\nOur note.\n\nPara three.\nEnd.\n",
            "# Title\nPara one.\n\nPara three.\nEnd.\n",
        ),
        ("P1\n\nP2\n\nP3\n", "P1\n\nP3\n", "P1\n\nP2b\nP2\n\nP3\n"),
    ],
)
def test_changes_that_delete_or_rewrite_into_other_lines_still_conflict(
    base: str, ours: str, theirs: str
) -> None:
    assert merge3(base, ours, theirs).conflicts == 1
    assert merge3(base, theirs, ours).conflicts == 1


def test_a_merge_without_conflicts_keeps_every_line_either_side_added() -> None:
    rnd = random.Random(7)

    def edited(lines: list[str]) -> list[str]:
        out = list(lines)
        for _ in range(rnd.randint(1, 3)):
            at, what = rnd.randint(0, len(out)), rnd.choice("ird")
            if what == "i":
                out.insert(at, f"new {rnd.randint(0, 10**6)}\n")
            elif at < len(out):
                out[at : at + 1] = [out[at].rstrip("\n") + " (edited)\n"] if what == "r" else []
        return out

    for _ in range(3000):  # many blank and repeated lines, as in Markdown: alignments are ambiguous
        base = [rnd.choice(["a\n", "b\n", "\n", "\n", "c\n"]) for _ in range(rnd.randint(0, 12))]
        ours, theirs = edited(base), edited(base)
        result = merge3("".join(base), "".join(ours), "".join(theirs))
        assert merge3("".join(base), "".join(ours), "".join(ours)).text == "".join(ours)
        if result.conflicts == 0:
            merged = Counter(result.text.splitlines(keepends=True))
            added = (Counter(ours) - Counter(base)) | (Counter(theirs) - Counter(base))
            assert all(merged[line] for line in added), (base, ours, theirs, result.text)
