"""Three-way merge of lines (diff3): keep the editor's changes and the generator's, flag overlaps.

Written here rather than taken from ``merge3`` (GPL) so that the project stays MIT. The method is
the classic one: lines of the base that both sides kept unchanged are sync points; between two
sync points a side that left the base alone takes the other side's version, identical changes are
taken once, and different changes to the same lines are a conflict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

CONFLICT = "<<<<<<< "  # starts the first line of a conflict, as ``merge3`` writes it


def conflict_line(text: str) -> int | None:
    """The number of the first line of ``text`` that opens a merge conflict, or None."""
    return next((n for n, line in enumerate(text.splitlines(), 1) if line.startswith(CONFLICT)), None)


@dataclass(frozen=True)
class MergeResult:
    text: str  # merged; where ``conflicts`` > 0 it holds git-style conflict markers
    conflicts: int


def _matches(base: Sequence[str], other: Sequence[str]) -> list[tuple[int, int, int]]:
    # autojunk off: blank lines are frequent in Markdown and must still be matched.
    return [tuple(m) for m in SequenceMatcher(None, base, other, autojunk=False).get_matching_blocks()]  # type: ignore[misc]


def _sync_regions(base: Sequence[str], a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int, int, int]]:
    """(base start, base end, a start, b start) of base ranges both sides kept, plus an end sentinel."""
    ma, mb = _matches(base, a), _matches(base, b)
    regions = []
    i = j = 0
    while i < len(ma) and j < len(mb):
        a_base, a_at, a_len = ma[i]
        b_base, b_at, b_len = mb[j]
        low, high = max(a_base, b_base), min(a_base + a_len, b_base + b_len)
        if low < high:
            regions.append((low, high, a_at + low - a_base, b_at + low - b_base))
        if a_base + a_len < b_base + b_len:
            i += 1
        else:
            j += 1
    regions.append((len(base), len(base), len(a), len(b)))
    return regions


def merge3(
    base: str, ours: str, theirs: str, *, ours_label: str = "yours", theirs_label: str = "new"
) -> MergeResult:
    """Merge the changes base→ours and base→theirs, line by line."""
    out: list[str] = []
    conflicts = 0
    for region in regions3(base, ours, theirs):
        old, mine, new = list(region.base), list(region.ours), list(region.theirs)
        if mine == new or new == old:
            out.extend(mine)
        elif mine == old:
            out.extend(new)
        else:
            conflicts += 1
            out.append(f"{CONFLICT}{ours_label}\n")
            out.extend(_ended(mine))
            out.append("=======\n")
            out.extend(_ended(new))
            out.append(f">>>>>>> {theirs_label}\n")
    return MergeResult("".join(out), conflicts)


def _ended(lines: list[str]) -> list[str]:
    """Lines with the last one ending in a newline, so that a marker starts a line of its own."""
    if lines and not lines[-1].endswith("\n"):
        return [*lines[:-1], lines[-1] + "\n"]
    return lines


@dataclass(frozen=True)
class Region:
    """A stretch of a three-way merge: base lines both sides kept (``stable``), or the base's lines
    and what each side made of them."""

    base: tuple[str, ...]
    ours: tuple[str, ...]
    theirs: tuple[str, ...]
    stable: bool


def regions3(base: str, ours: str, theirs: str) -> list[Region]:
    """The merge of base→ours and base→theirs, region by region (lines with their ends): what
    ``merge3`` merges, and what callers that decide each change themselves (the editors' desk) show."""
    b, a, t = base.splitlines(keepends=True), ours.splitlines(keepends=True), theirs.splitlines(keepends=True)
    out: list[Region] = []
    zb = za = zt = 0
    for base_start, base_end, a_start, t_start in _sync_regions(b, a, t):
        if (zb, za, zt) != (base_start, a_start, t_start):
            old, mine, new = b[zb:base_start], a[za:a_start], t[zt:t_start]
            out.extend(_apart(old, mine, new) or [Region(tuple(old), tuple(mine), tuple(new), False)])
        if base_end > base_start:
            kept = tuple(b[base_start:base_end])
            out.append(Region(kept, kept, kept, True))
        zb, za, zt = base_end, a_start + base_end - base_start, t_start + base_end - base_start
    return out


def _apart(old: list[str], mine: list[str], new: list[str]) -> list[Region] | None:
    """A region both sides changed, split into finer regions that only one side changed each, when
    their changes touch different lines of ``old``; None when they overlap. The alignment of the
    whole text can pair a blank line of the base with the wrong blank line of one side: an editor's
    paragraphs added under a summary bullet that the new draft renames then read as one change to
    the bullet, and taking the new bullet dropped the paragraphs."""
    if mine == new or old in (mine, new):
        return None  # nothing to split: one side's version, or the same on both
    edits: list[tuple[int, int, tuple[str, ...], int]] = []  # base start, end, new lines, sides (1|2|3)
    for (i1, i2, lines), side in sorted(
        [(e, 1) for e in _edits(old, mine)] + [(e, 2) for e in _edits(old, new)]
    ):
        if edits and edits[-1][:3] == (i1, i2, lines):
            edits[-1] = (i1, i2, lines, 3)  # the same change on both sides
        elif edits and edits[-1][:2] == (i1, i2) and (both := _within(i1, i2, edits[-1][2], lines, side)):
            edits[-1:] = both
        elif edits and (i1 < edits[-1][1] or i1 == i2 == edits[-1][0] == edits[-1][1]):
            return None  # the same lines, or two insertions at one place
        else:
            edits.append((i1, i2, lines, side))
    out: list[Region] = []
    at = 0
    for i1, i2, lines, side in edits:
        if at < i1:
            kept = tuple(old[at:i1])
            out.append(Region(kept, kept, kept, True))
        was = tuple(old[i1:i2])
        out.append(Region(was, lines if side & 1 else was, lines if side & 2 else was, False))
        at = i2
    if at < len(old):
        kept = tuple(old[at:])
        out.append(Region(kept, kept, kept, True))
    return out


def _within(
    i1: int, i2: int, first: tuple[str, ...], second: tuple[str, ...], second_side: int
) -> list[tuple[int, int, tuple[str, ...], int]] | None:
    """Two changes of the base lines ``i1:i2``, ``first`` (the other side's) and ``second``, as the
    change both made and the lines only the longer one adds, when the shorter starts or ends the
    longer: an editor renamed a heading as the trend was renamed, and wrote a line under it."""
    short, long, side = (
        (first, second, second_side) if len(first) < len(second) else (second, first, 3 - second_side)
    )
    if not short:
        return None  # one side deleted what the other rewrote: a conflict
    if long[: len(short)] == short:
        return [(i1, i2, short, 3), (i2, i2, long[len(short) :], side)]
    if long[-len(short) :] == short:
        return [(i1, i1, long[: -len(short)], side), (i1, i2, short, 3)]
    return None


def _edits(old: Sequence[str], other: Sequence[str]) -> list[tuple[int, int, tuple[str, ...]]]:
    """What ``other`` changed of ``old``: (start, end, the lines in their place) of each change."""
    return [
        (i1, i2, tuple(other[j1:j2]))
        for op, i1, i2, j1, j2 in SequenceMatcher(None, old, other, autojunk=False).get_opcodes()
        if op != "equal"
    ]
