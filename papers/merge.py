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
    """A region both sides changed, split into regions that only one side changed (or both alike)
    when one side only added lines and the other only rewrote lines in place; None otherwise (a
    conflict). The alignment of the whole text can pair a blank line of the base with the wrong
    blank line of one side: an editor's paragraphs added under a summary bullet that the new draft
    renames then read as one change to the bullet, and taking the new bullet dropped the paragraphs.

    Only that shape is split, because there a line of the base is the same line on both sides and
    every added line has one place: whatever deletes lines, or rewrites some into more or fewer,
    stays a conflict for the editors to decide."""
    if mine == new or old in (mine, new):
        return None  # nothing to split: one side's version, or the same on both
    for adding, rewriting, side in ((mine, new, 1), (new, mine, 2)):
        if len(rewriting) != len(old):
            continue
        # The adder's lines are the base's plus its own (it left the rewritten lines alone), or the
        # rewriter's plus its own (it made the same rewrites, as when both renamed a trend).
        for under, both in ((old, False), (rewriting, True)):
            added = _insertions(under, adding)
            if added is not None:
                return _with_insertions(old, rewriting, added, side, both)
    return None


def _insertions(under: Sequence[str], over: Sequence[str]) -> dict[int, tuple[str, ...]] | None:
    """The lines ``over`` adds to ``under`` by position in ``under`` (before that line), when all it
    does is add lines; None when it deletes or rewrites any."""
    added: dict[int, tuple[str, ...]] = {}
    for op, i1, _, j1, j2 in SequenceMatcher(None, under, over, autojunk=False).get_opcodes():
        if op == "insert":
            added[i1] = tuple(over[j1:j2])
        elif op != "equal":
            return None
    return added


def _with_insertions(
    old: Sequence[str], rewritten: Sequence[str], added: dict[int, tuple[str, ...]], adder: int, both: bool
) -> list[Region] | None:
    """The regions of ``old`` rewritten line for line as ``rewritten`` (by the side that is not
    ``adder``; by both when ``both``) with the lines ``adder`` (1: ours, 2: theirs) added before the
    base lines at their positions; None when a line is added between two rewritten lines (what it
    says may be about them: a conflict)."""
    changed = [a != b for a, b in zip(old, rewritten, strict=True)]
    if any(0 < at < len(old) and changed[at - 1] and changed[at] for at in added):
        return None
    out: list[Region] = []
    for k in range(len(old) + 1):
        if k in added:
            lines = added[k]
            out.append(Region((), lines if adder == 1 else (), lines if adder == 2 else (), False))
        if k == len(old):
            break
        was, now = (old[k],), (rewritten[k],)
        if not changed[k]:
            out.append(Region(was, was, was, True))
        else:
            ours = now if both or adder == 2 else was
            theirs = now if both or adder == 1 else was
            out.append(Region(was, ours, theirs, False))
    return out
