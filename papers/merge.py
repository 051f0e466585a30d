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
    b, a, t = base.splitlines(keepends=True), ours.splitlines(keepends=True), theirs.splitlines(keepends=True)
    out: list[str] = []
    conflicts = 0
    zb = za = zt = 0
    for base_start, base_end, a_start, t_start in _sync_regions(b, a, t):
        old, mine, new = b[zb:base_start], a[za:a_start], t[zt:t_start]
        if mine == new or new == old:
            out.extend(mine)
        elif mine == old:
            out.extend(new)
        else:
            conflicts += 1
            out.append(f"<<<<<<< {ours_label}\n")
            out.extend(_ended(mine))
            out.append("=======\n")
            out.extend(_ended(new))
            out.append(f">>>>>>> {theirs_label}\n")
        out.extend(b[base_start:base_end])
        zb, za, zt = base_end, a_start + base_end - base_start, t_start + base_end - base_start
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
    """The merge of base→ours and base→theirs as ``merge3`` sees it, region by region (lines with
    their ends), for callers that decide each change themselves (the editors' desk)."""
    b, a, t = base.splitlines(keepends=True), ours.splitlines(keepends=True), theirs.splitlines(keepends=True)
    out: list[Region] = []
    zb = za = zt = 0
    for base_start, base_end, a_start, t_start in _sync_regions(b, a, t):
        if (zb, za, zt) != (base_start, a_start, t_start):
            out.append(Region(tuple(b[zb:base_start]), tuple(a[za:a_start]), tuple(t[zt:t_start]), False))
        if base_end > base_start:
            kept = tuple(b[base_start:base_end])
            out.append(Region(kept, kept, kept, True))
        zb, za, zt = base_end, a_start + base_end - base_start, t_start + base_end - base_start
    return out
