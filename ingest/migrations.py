"""The record each stage uses to declare its versioned schema migrations.

Each stage's ``store`` module owns its tables and exposes ``MIGRATIONS``, a tuple of
``Migration`` in version order; the application shell applies the ones a database lacks and
records them in its ``schema_migrations`` table. A migration, once released, never changes:
a schema change is a new migration (``ALTER TABLE`` ...), never an edit of an old one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa


@dataclass(frozen=True)
class Migration:
    component: str  # "ingest", "summarize", ...
    version: int  # 1, 2, ... within the component
    description: str
    apply: Callable[[sa.Connection], None]


class UTCDateTime(sa.types.TypeDecorator[object]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: object, dialect: sa.Dialect) -> object:
        from datetime import UTC, datetime

        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError(f"naive datetime {value!r} given; the store keeps UTC-aware times")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: object, dialect: sa.Dialect) -> object:
        from datetime import UTC, datetime

        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value
