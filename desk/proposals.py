"""A proposal (``EDITION.proposed.md``, written by a re-draft) as separate changes to the paper,
each accepted or rejected by the editors.

The changes are those the new generated text makes to the text generated last time (the paper's
merge base), laid over the paper as it is now: three-way, region by region, as the draft merges.
So a change is "these lines of the paper now → these lines of the new text"; it is a conflict when
the editors had changed those lines too. Edits the editors made meanwhile are never among the
changes, whatever the proposal file says. Without the generated side in the store (a proposal
written by hand or by an older version), the proposal file itself is compared with the paper.

Applying the decisions writes the paper and deletes the proposal file; the next draft then takes
the proposal's generated side as its merge base (``papers.draft``): a rejected change is not
proposed again. Each decision is also kept (by the change's content), so that should the same
change come back in a later proposal it is marked as rejected before.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher

from desk.store import Decision
from papers.merge import CONFLICT, regions3

CONTEXT = 3  # lines shown before and after a change
_STAMP = re.compile(r"^generated_at: .*$", re.M)  # as papers.draft: the time stamp is the draft's to set


@dataclass(frozen=True)
class Change:
    """One proposed change: lines of the paper now, and what the proposal puts in their place."""

    number: int  # 1, 2, ... in the order of the text
    key: str  # identifies the change by content (the lines before and after)
    current: tuple[str, ...]
    proposed: tuple[str, ...]
    before: tuple[str, ...]  # context lines
    after: tuple[str, ...]
    conflict: bool  # the editors had changed these lines too
    earlier: Decision | None  # the last decision on the very same change, if any


@dataclass(frozen=True)
class Piece:
    """A stretch of the result: fixed lines, or the change numbered ``change``."""

    lines: tuple[str, ...]
    change: int | None = None


@dataclass(frozen=True)
class Proposal:
    changes: tuple[Change, ...]
    pieces: tuple[Piece, ...]
    three_way: bool  # computed from the generated texts (else: the proposal file against the paper)


def change_key(current: tuple[str, ...], proposed: tuple[str, ...]) -> str:
    return hashlib.sha256(("".join(current) + "\0" + "".join(proposed)).encode("utf-8")).hexdigest()


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def resolve_new(text: str) -> str:
    """A proposal file's text with each conflict (``<<<<<<< yours`` ... ``=======`` ...
    ``>>>>>>> new``) resolved to its new side."""
    out: list[str] = []
    state = "text"
    for line in _lines(text):
        bare = line.rstrip("\r\n")
        if state == "text" and bare.startswith(CONFLICT):
            state = "yours"
        elif state == "yours" and bare == "=======":
            state = "new"
        elif state == "new" and bare.startswith(">>>>>>> "):
            state = "text"
        elif state != "yours":
            out.append(line)
    return "".join(out)


def _pieces_three_way(
    base: str, current: str, generated: str
) -> list[tuple[tuple[str, ...], tuple[str, ...] | None, bool]]:
    """(current lines, proposed lines or None when fixed, conflict) for each region."""
    stamp = _STAMP.search(generated)
    if stamp:
        base, current = (_STAMP.sub(stamp.group(0), t, count=1) for t in (base, current))
    out: list[tuple[tuple[str, ...], tuple[str, ...] | None, bool]] = []
    for region in regions3(base, current, generated):
        if region.stable or region.theirs == region.base or region.ours == region.theirs:
            out.append((region.ours, None, False))  # kept, the editors' own change, or the same change
        else:
            out.append((region.ours, region.theirs, region.ours != region.base))
    return out


def _pieces_two_way(
    current: str, proposed: str
) -> list[tuple[tuple[str, ...], tuple[str, ...] | None, bool]]:
    a, b = _lines(current), _lines(resolve_new(proposed))
    out: list[tuple[tuple[str, ...], tuple[str, ...] | None, bool]] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append((tuple(a[i1:i2]), None, False))
        else:
            out.append((tuple(a[i1:i2]), tuple(b[j1:j2]), False))
    return out


def read_proposal(
    current: str,
    proposal_text: str,
    pending: Mapping[str, object] | None,
    base: str,
    earlier: Mapping[str, Decision],
) -> Proposal:
    """The changes a proposal makes to the paper ``current``. ``pending`` is the stored generated side
    of the waiting proposal (``PaperRow.pending``) and ``base`` the paper's merge base; ``earlier``
    the decisions already taken on this paper, by change key."""
    generated = pending.get("base") if pending else None
    if isinstance(generated, str):
        raw = _pieces_three_way(base, current, generated)
    else:
        raw = _pieces_two_way(current, proposal_text)
    pieces: list[Piece] = []
    found: list[tuple[int, tuple[str, ...], tuple[str, ...], bool]] = []
    for lines, proposed, conflict in raw:
        if proposed is None:
            if pieces and pieces[-1].change is None:  # one fixed stretch between two changes
                pieces[-1] = Piece(pieces[-1].lines + lines)
            else:
                pieces.append(Piece(lines))
        else:
            found.append((len(pieces), lines, proposed, conflict))
            pieces.append(Piece(lines, len(found)))
    changes = []
    for number, (at, lines, proposed, conflict) in enumerate(found, start=1):
        before = pieces[at - 1].lines[-CONTEXT:] if at > 0 and pieces[at - 1].change is None else ()
        after = (
            pieces[at + 1].lines[:CONTEXT] if at + 1 < len(pieces) and pieces[at + 1].change is None else ()
        )
        key = change_key(lines, proposed)
        changes.append(Change(number, key, lines, proposed, before, after, conflict, earlier.get(key)))
    return Proposal(tuple(changes), tuple(pieces), isinstance(generated, str))


def apply_decisions(proposal: Proposal, current: str, accepted: set[int]) -> str:
    """The paper with the ``accepted`` changes (by number) made and the others left as they are.
    Accepting none leaves ``current`` exactly as it was (time stamp included)."""
    if not accepted:
        return current
    by_number = {c.number: c for c in proposal.changes}
    out: list[str] = []
    for piece in proposal.pieces:
        if piece.change is not None and piece.change in accepted:
            out.extend(by_number[piece.change].proposed)
        else:
            out.extend(piece.lines)
    return "".join(out)
