"""The database engine and the migrations runner.

SQLite is the default (one file in the workspace, WAL so readers never block the writer,
foreign keys on); any SQLAlchemy URL works, PostgreSQL included. Each stage owns its tables and
declares its migrations; ``migrate`` applies those a database lacks, in order, each in its own
transaction, and records them in ``schema_migrations``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from ingest import patentstore
from ingest import store as ingest_store
from ingest.errors import StorageError
from ingest.migrations import Migration, UTCDateTime
from papers import store as papers_store
from summarize import store as summarize_store
from trendpapers import runs

log = logging.getLogger(__name__)

_meta = sa.MetaData()
schema_migrations = sa.Table(
    "schema_migrations",
    _meta,
    sa.Column("component", sa.String(50), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("applied_at", UTCDateTime, nullable=False),
)

# In dependency order: a component's tables may refer to those of the components before it.
ALL_MIGRATIONS: tuple[Migration, ...] = (
    *ingest_store.MIGRATIONS,
    *patentstore.MIGRATIONS,
    *summarize_store.MIGRATIONS,
    *papers_store.MIGRATIONS,
    *runs.MIGRATIONS,
)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a crash loses no committed data
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_engine(url: str) -> sa.Engine:
    """An engine for ``url``; SQLite connections get WAL, foreign keys and a busy timeout."""
    try:
        engine = sa.create_engine(url)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise StorageError(f"cannot use database {url!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def migrate(engine: sa.Engine, migrations: Sequence[Migration] = ALL_MIGRATIONS) -> list[Migration]:
    """Apply the migrations the database lacks; returns those applied."""
    applied: list[Migration] = []
    try:
        with engine.begin() as conn:
            _meta.create_all(conn)
            done = {
                (c, v)
                for c, v in conn.execute(
                    sa.select(schema_migrations.c.component, schema_migrations.c.version)
                )
            }
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
            log.info(
                "applied migration %s %d: %s", migration.component, migration.version, migration.description
            )
            applied.append(migration)
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot migrate database {engine.url!r}: {exc}") from exc
    return applied


def open_store(url: str) -> sa.Engine:
    """Engine for ``url`` with every migration applied."""
    engine = create_engine(url)
    migrate(engine)
    return engine
