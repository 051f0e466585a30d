"""Read and update a paper's YAML front matter without touching the rest of the file."""

from __future__ import annotations

from typing import Any

import yaml

from ingest.errors import InputError
from papers.render import yaml_value


def _opens_a_quote(line: str) -> bool:
    """Whether ``line``, read alone, leaves a quoted value open."""
    try:
        yaml.safe_load(line)
    except yaml.YAMLError as exc:
        return "quoted scalar" in str(getattr(exc, "context", "") or "")
    return False


def split(text: str, name: str) -> tuple[dict[str, Any], str]:
    """(front matter, body) of a paper; ``name`` (its path) is what an error message names."""
    if not text.startswith("---\n"):
        raise InputError(f"{name}: no front matter (the file must start with a '---' line)")
    end = text.find("\n---\n", 3)
    if end < 0:
        raise InputError(f"{name}: the front matter is not closed by a '---' line")
    try:
        data = yaml.safe_load(text[4 : end + 1]) or {}
    except yaml.YAMLError as exc:
        # The parser's own words name "<unicode string>"; say the line of the file instead.
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        # The parser notices an unclosed quotation mark only lines later: name the line that opened it.
        lines = text[4:end].split("\n")[: mark.line + 1 if mark is not None else None]
        unclosed = next((n for n, line in enumerate(lines, start=2) if _opens_a_quote(line)), None)
        hint = (
            f" (line {unclosed} opens a quotation mark that it does not close)"
            if unclosed
            else ' (look at that line and the one before: each is `key: "value"` or a list item'
            ' `  - "value"`, indented as the lines around it)'
        )
        raise InputError(f"{name}: the front matter is not valid YAML{where}: {problem}{hint}") from exc
    if not isinstance(data, dict):
        raise InputError(f"{name}: the front matter must be a mapping of keys to values")
    return data, text[end + 5 :]


def update(text: str, name: str, values: dict[str, Any]) -> str:
    """``text`` with top-level front-matter keys set to ``values`` (replaced in place, or appended;
    a key whose value is None is taken out)."""
    split(text, name)  # refuses a file whose front matter is broken
    end = text.find("\n---\n", 3)
    pending = dict(values)
    kept = []
    for line in text[4 : end + 1].splitlines():
        key = line.split(":", 1)[0]
        if key in pending and not line.startswith((" ", "\t", "-")):
            value = pending.pop(key)
            if value is None:
                continue  # ours are one line each
            line = f"{key}: {yaml_value(value)}"
        kept.append(line)
    kept.extend(f"{key}: {yaml_value(value)}" for key, value in pending.items() if value is not None)
    return "---\n" + "\n".join(kept) + text[end:]
