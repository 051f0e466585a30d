"""How a setting of ``trendpapers.toml`` is declared and checked: the generic half of the loader.

A ``Setting`` names its key in the file, the record field its value fills, a one-line
explanation, and its limits: a range, choices, or a rule of its own. Its type and default are
not declared again: they are the record field's. The defaults live in the stages' settings
dataclasses (``FetchPolicy``, ``StorySettings``, ...) because the stages run with them when no
file is read at all (tests, benchmarks, ``eval``), and because the reason for a threshold is
written beside it; the schema adds only what the file needs. ``config.SETTINGS`` lists them all,
and a test holds the workspace template to that list: every setting, its default, its explanation.

Every value is read the same way (type, finiteness, range, choices, then the setting's rule),
and every problem is collected with its key path, so a file is fixed in one go.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import MISSING, dataclass, fields, is_dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ingest.wording import named

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    Record = TypeVar("Record", bound=DataclassInstance)

Target = tuple[type, str]  # a settings record (dataclass) and one of its fields
Values = dict[Target, Any]  # what was read, by the field it fills

# How a type is named in messages: TOML has one kind of number where a float is asked for.
_NAMES = {float: "int or float", list: "list"}


class Problems:
    """Collects problems (and warnings) with their key paths instead of stopping at the first."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.warnings: list[str] = []

    def add(self, key: str, reason: str) -> None:
        self.items.append(f"{key}: {reason}")

    def warn(self, key: str, reason: str) -> None:
        self.warnings.append(f"{key}: {reason}")

    def table(self, data: Any, key: str, allowed: Iterable[str]) -> dict[str, Any]:
        """``data`` if it is a table, with each key not in ``allowed`` reported; else an empty one."""
        if not isinstance(data, dict):
            self.add(key, f"must be a table, not {type(data).__name__}")
            return {}
        known = sorted(set(allowed))
        for unknown in sorted(set(data) - set(known)):
            self.add(f"{key}.{unknown}" if key else unknown, f"unknown key (known keys: {', '.join(known)})")
        return data


@dataclass(frozen=True)
class At:
    """Where a value is read: its key path for messages, the workspace for relative paths."""

    problems: Problems
    key: str
    root: Path

    def problem(self, reason: str) -> None:
        self.problems.add(self.key, reason)

    def warn(self, reason: str) -> None:
        self.problems.warn(self.key, reason)


# A setting's own check of a well-typed value, reported through ``At``; returns the value to use
# (converted: a path made absolute, strings to networks). A value with a problem is never used.
Rule = Callable[[Any, At], Any]


@dataclass(frozen=True)
class Setting:
    key: str  # "fetch.deadline"; in an array of tables the array's name: "sources.url"
    record: type  # the settings dataclass the value goes to; its field's default is the setting's
    help: str  # one line for editors; the template shows it beside (or just above) the key
    field: str | None = None  # the record's field, where its name is not the key's
    low: float | None = None  # numbers: the least value allowed
    above: float | None = None  # numbers: a bound the value must exceed
    high: float | None = None  # numbers: the greatest value allowed
    choices: tuple[str, ...] = ()
    kind: type | None = None  # the TOML type, only where the default cannot tell (None, required)
    rule: Rule | None = None
    rule_on_default: bool = False  # the default, too, needs the rule (a path relative to the workspace)

    @property
    def section(self) -> str:
        return self.key.rpartition(".")[0]

    @property
    def name(self) -> str:
        return self.key.rpartition(".")[2]

    @property
    def target(self) -> Target:
        return self.record, self.field or self.name

    @property
    def required(self) -> bool:
        return self.default is MISSING

    @property
    def default(self) -> Any:
        """The record field's default; ``MISSING`` where the field has none (a required setting)."""
        record, name = self.target
        for f in fields(record):
            if f.name == name:
                if f.default_factory is not MISSING:
                    return f.default_factory()
                return f.default
        raise LookupError(f"{self.key}: {record.__name__} has no field {name!r}")

    @property
    def type(self) -> type:
        """The TOML type: declared, else the default's (a tuple is written as a list)."""
        if self.kind is not None:
            return self.kind
        default = self.default
        if default is None or default is MISSING:
            raise TypeError(f"{self.key}: the default does not tell the type; declare its kind")
        return list if isinstance(default, tuple) else type(default)

    def fallback(self) -> Any:
        """What stands in for a bad value so that the rest can still be checked: the default, or
        for a required setting an empty value of its type. The load fails anyway."""
        return self.type() if self.required else self.default

    def read(self, value: Any, at: At) -> Any:
        """``value`` checked and converted, or the fallback once its problem is reported."""
        reason = self._problem(value)
        if reason:
            at.problem(reason)
            return self.fallback()
        if isinstance(value, list):
            value = tuple(value)  # records hold tuples
        elif self.type is float:
            value = float(value)
        return self.rule(value, at) if self.rule else value

    def _problem(self, value: Any) -> str | None:
        kind = self.type
        if not _is(value, kind):
            return f"must be {_NAMES.get(kind, kind.__name__)}, not {type(value).__name__} {value!r}"
        if kind is date and isinstance(value, datetime):  # a TOML date-time is a date too
            return f"must be a date (YYYY-MM-DD) without a time, not {value}"
        if kind is list and not all(isinstance(v, str) for v in value):
            return "must be a list of strings"
        if kind in (int, float):
            if not math.isfinite(value):
                return f"must be a finite number, not {value}"
            if self.low is not None and value < self.low:
                return f"must be at least {self.low:g}, not {value}"
            if self.above is not None and value <= self.above:
                return f"must be more than {self.above:g}, not {value}"
            if self.high is not None and value > self.high:
                return f"must be at most {self.high:g}, not {value}"
        if self.choices and value not in self.choices:
            return f"must be one of {', '.join(self.choices)}, not {value!r}"
        return None


def _is(value: Any, kind: type) -> bool:
    """Whether ``value`` is of TOML type ``kind``: a whole number will do for a float, but a flag
    written as 1 or a number written as true is a mistake (bool is an int in Python)."""
    return isinstance(value, (int, float) if kind is float else kind) and isinstance(value, bool) == (
        kind is bool
    )


def read_table(
    problems: Problems,
    raw: Any,
    path: str,
    settings: Iterable[Setting],
    root: Path,
    *,
    extra: Iterable[str] = (),
) -> Values:
    """The values of one table (a section, or one entry of an array of tables) by target field.

    Unknown keys (beyond ``extra``, which the caller reads) and missing required ones are
    reported; a missing optional key is left out, so its record keeps the default.
    """
    settings = list(settings)
    data = problems.table(raw, path, [*(s.name for s in settings), *extra])
    values: Values = {}
    for setting in settings:
        at = At(problems, f"{path}.{setting.name}" if path else setting.name, root)
        if setting.name in data:
            values[setting.target] = setting.read(data[setting.name], at)
        elif setting.required:
            at.problem("is required")
            values[setting.target] = setting.fallback()
        elif setting.rule_on_default and setting.rule:
            values[setting.target] = setting.rule(setting.default, at)
    return values


def read_array(
    problems: Problems, raw: Any, path: str, settings: Iterable[Setting], root: Path
) -> list[Values]:
    """The values of each entry of an array of tables (``[[sources]]``), reported as ``sources[N].key``
    or, for an entry with a name, ``sources[N] (Its name).key``."""
    if not isinstance(raw, list):
        problems.add(path, f"must be an array of tables ([[{path}]])")
        return []
    settings = list(settings)
    return [
        read_table(problems, entry, entry_label(path, n, entry), settings, root)
        for n, entry in enumerate(raw)
    ]


def entry_label(path: str, n: int, entry: Any) -> str:
    """How problems name entry ``n`` of the array ``path``: by its place, and its name or slug."""
    return named(f"{path}[{n}]", entry.get("name", entry.get("slug")) if isinstance(entry, dict) else None)


def build(record: type[Record], values: Mapping[Target, Any], **given: Any) -> Record:
    """A ``record`` from the values read for its fields, and ``given``; other fields keep their
    defaults, and nested settings records (``AnalysisSettings.stories``) are built the same way."""
    arguments = dict(given)
    for f in fields(record):
        if f.name in given:
            continue
        if (record, f.name) in values:
            arguments[f.name] = values[record, f.name]
        elif isinstance(f.default_factory, type) and is_dataclass(f.default_factory):
            arguments[f.name] = build(f.default_factory, values)
    return record(**arguments)
