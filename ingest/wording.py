"""Words for people: counts ("1 document", "3 documents") and entries named in problems."""

from __future__ import annotations


def plural(n: int, noun: str, many: str | None = None) -> str:
    """``n`` and ``noun``, with ``many`` (default: ``noun`` + "s") unless ``n`` is 1."""
    return f"{n} {noun}" if n == 1 else f"{n} {many or noun + 's'}"


def named(where: str, name: object) -> str:
    """How a problem names an entry: by its place (``sources[6]``, ``line 5``) and its name if it has
    a short, printable one ("sources[6] (Guardian US)": a list of forty is searched by name)."""
    if isinstance(name, str) and name.strip() and name.isprintable() and len(name) <= 60:
        return f"{where} ({name.strip()})"
    return where
