"""Versioned schema migrations: the record each stage declares them with, and the runner.

Each stage's ``store`` module owns its tables and exposes ``MIGRATIONS``, a tuple of
``Migration`` in version order; ``apply_migrations`` applies the ones a database lacks and
records them in its ``schema_migrations`` table (the application shell runs all of them; the
evaluation store, the stages' own). A migration, once released, never changes: a schema change is
a new migration (``ALTER TABLE`` ...), never an edit of an old one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from ingest.wording import plural

log = logging.getLogger(__name__)


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


_meta = sa.MetaData()
schema_migrations = sa.Table(
    "schema_migrations",
    _meta,
    sa.Column("component", sa.String(50), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("applied_at", UTCDateTime, nullable=False),
)


def applied_migrations(conn: sa.Connection) -> set[tuple[str, int]]:
    """(component, version) of every migration the database has."""
    return {
        (c, v) for c, v in conn.execute(sa.select(schema_migrations.c.component, schema_migrations.c.version))
    }


def apply_migrations(engine: sa.Engine, migrations: Sequence[Migration]) -> list[Migration]:
    """Apply the ``migrations`` the database lacks, in order, each in its own transaction; returns
    those applied."""
    with engine.begin() as conn:
        _meta.create_all(conn)
        done = applied_migrations(conn)
    applied: list[Migration] = []
    for migration in migrations:
        if (migration.component, migration.version) in done:
            continue
        with engine.begin() as conn:
            migration.apply(conn)
            conn.execute(
                schema_migrations.insert().values(
                    component=migration.component,
                    version=migration.version,
                    description=migration.description,
                    applied_at=datetime.now(UTC),
                )
            )
        log.debug(
            "applied migration %s %d: %s", migration.component, migration.version, migration.description
        )
        applied.append(migration)
    if applied:  # one line: a new store gets them all
        log.info(
            "applied %s: %s",
            plural(len(applied), "migration"),
            ", ".join(f"{m.component} {m.version}" for m in applied),
        )
    return applied
