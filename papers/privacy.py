"""Member data stays off the public site unless the workspace says so ([cluster] show_members).

A draft shows the editors which members match its trends and opportunities in a block between two
marker lines (``START`` ... ``END``). Every site build (the preview too) takes each such block out
of the papers; a block that is opened and not closed stops the build rather than guess where it
ends. As a second line of defence, the composed pages are searched for every e-mail address in the
member file and for the block's marker, and the build stops if one is found. The member file itself
must lie outside the folders the site is built from (the configuration checks that).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from ingest.errors import SiteError

START = "<!-- trendpapers:members"
END = "<!-- /trendpapers:members -->"
_ADDRESS = re.compile(rb"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def strip_member_blocks(text: str, where: str, *, keep: bool = False) -> str:
    """``text`` without its member blocks (``keep``: with their contents, without the marker lines).

    A ``SiteError`` names ``where`` and the line when a block is not closed, or a closing line has
    no block: the build stops, so that member names cannot reach the site by a damaged marker.
    """
    out: list[str] = []
    opened: int | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        marker = line.strip()
        if marker.startswith(START):
            if opened is not None:
                raise SiteError(
                    f"{where}: line {number} opens a member block inside the one opened on line {opened}"
                )
            opened = number
            continue
        if marker == END:
            if opened is None:
                raise SiteError(
                    f"{where}: line {number} closes a member block that was never opened ({START} ...)"
                )
            opened = None
            continue
        if opened is None or keep:
            out.append(line)
    if opened is not None:
        raise SiteError(
            f"{where}: the member block opened on line {opened} is not closed ({END}); the site is not "
            "built, so that member data cannot reach it: close the block, or delete it"
        )
    return "\n".join(out)


def member_addresses(member_file: Path | None) -> tuple[bytes, ...]:
    """Every e-mail address in the member file, valid entries or not, lower-cased."""
    if member_file is None:
        return ()
    try:
        data = member_file.read_bytes()
    except OSError as exc:
        raise SiteError(
            f"{member_file}: cannot be read to keep its addresses off the site: {exc.strerror}"
        ) from exc
    return tuple(sorted({m.lower() for m in _ADDRESS.findall(data)}))


def leaks(pages: Mapping[str, bytes], addresses: tuple[bytes, ...]) -> list[str]:
    """Where the composed site still holds a member address or a member block: one line each."""
    found = []
    marker = START.encode()
    for rel, data in sorted(pages.items()):
        lowered = data.lower()
        if marker in data:
            found.append(f"{rel}: holds a member block ({START} ...)")
        found += [f"{rel}: holds the member address {a.decode()}" for a in addresses if a in lowered]
    return found
