"""Counts in words for people: "1 document", "3 documents"."""

from __future__ import annotations


def plural(n: int, noun: str, many: str | None = None) -> str:
    """``n`` and ``noun``, with ``many`` (default: ``noun`` + "s") unless ``n`` is 1."""
    return f"{n} {noun}" if n == 1 else f"{n} {many or noun + 's'}"
