"""Control characters: stripped from feed text, refused in names and header values."""

from __future__ import annotations

import re

# C0 and C1 control characters. Tab and newline are kept in text; in a name or an HTTP header
# value they are as wrong as the rest (a newline there splits or forges a header).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ANY_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """``text`` without control characters (a carriage return becomes a newline)."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def has_controls(value: str) -> bool:
    """Whether a one-line value (a name, a header) holds any control character, line breaks included."""
    return _ANY_CONTROL.search(value) is not None
