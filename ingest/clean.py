"""Text from feeds made safe to store and print: no control characters."""

from __future__ import annotations

import re

# C0 and C1 control characters but tab and newline: they reach papers and feed.xml, where a
# terminal escape or a BEL is garbage and not even allowed in XML.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """``text`` without control characters (a carriage return becomes a newline)."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
