"""The database engine and the migrations runner.

SQLite is the default (one file in the workspace, WAL so readers never block the writer,
foreign keys on); any SQLAlchemy URL works, PostgreSQL included. Each stage owns its tables and
declares its migrations; ``migrate`` applies those a database lacks, in order, each in its own
transaction, and records them in ``schema_migrations``.
"""

from __future__ import annotations

import logging
import os
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from desk import store as desk_store
from ingest import patentstore
from ingest import store as ingest_store
from ingest.errors import ConfigError, StorageError
from ingest.migrations import Migration, applied_migrations, apply_migrations
from papers import store as papers_store
from summarize import store as summarize_store
from trendpapers import runs

if TYPE_CHECKING:
    from trendpapers.config import Config

log = logging.getLogger(__name__)

# In dependency order: a component's tables may refer to those of the components before it.
ALL_MIGRATIONS: tuple[Migration, ...] = (
    *ingest_store.MIGRATIONS,
    *patentstore.MIGRATIONS,
    *summarize_store.MIGRATIONS,
    *papers_store.MIGRATIONS,
    *runs.MIGRATIONS,
    *desk_store.MIGRATIONS,
)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a crash loses no committed data
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


# What SQLite says of a file that is no database, or one whose pages were damaged.
_DAMAGED = ("file is not a database", "database disk image is malformed")


def _damaged(error: BaseException | str) -> bool:
    return any(d in str(error) for d in _DAMAGED)


def _unreadable(path: object, why: object) -> str:
    """What a damaged SQLite store is, and what to do."""
    backup = "restore the file from a backup (`trendpapers backup` makes them)"
    return f"{path}: not a readable Trendpapers store ({why}); {backup}"


def _failure(url: sa.engine.URL | None, original: BaseException) -> str:
    """What a database error means for the operator, without the SQL: a damaged SQLite file is
    named, with what to do."""
    if url is not None and url.get_backend_name() == "sqlite" and _damaged(original):
        return _unreadable(url.database, original)
    return f"the store failed: {original}"


def _as_storage_error(context: sa.engine.ExceptionContext) -> StorageError:
    """A database error as the project's ``StorageError`` (the driver's error kept as its cause)."""
    engine = context.engine
    error = StorageError(_failure(engine.url if engine is not None else None, context.original_exception))
    error.__cause__ = context.sqlalchemy_exception
    return error


_OPEN: weakref.WeakSet[sa.Engine] = weakref.WeakSet()


def create_engine(url: str) -> sa.Engine:
    """An engine for ``url``; SQLite connections get WAL, foreign keys and a busy timeout."""
    try:
        engine = sa.create_engine(url)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise StorageError(f"cannot use database {url!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    sa.event.listen(engine, "handle_error", _as_storage_error)
    _OPEN.add(engine)
    return engine


def close_stores() -> None:
    """Close the connections of every engine opened here (at the end of a command): none lingers
    until garbage collection, holding a SQLite file and its WAL open."""
    for engine in list(_OPEN):
        engine.dispose()


def migrate(engine: sa.Engine, migrations: Sequence[Migration] = ALL_MIGRATIONS) -> list[Migration]:
    """Apply the migrations the database lacks; returns those applied."""
    try:
        return apply_migrations(engine, migrations)
    except StorageError as exc:  # the engine's errors come as StorageError, already in words
        if _damaged(exc):
            raise  # it names the file and what to do
        raise StorageError(f"cannot migrate database {engine.url!r}: {exc}") from exc
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot migrate database {engine.url!r}: {_failure(engine.url, exc)}") from exc


def _sqlite_file(url: str) -> Path | None:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


_MADE_BY = "a command that writes (e.g. `trendpapers ingest`) makes an empty store there"


def open_store(url: str, *, read_only: bool = False) -> sa.Engine:
    """Engine for ``url`` with every migration applied.

    An empty SQLite file is refused: a store that was truncated (a full disk, a bad copy) must not
    silently start over as a new one (its published papers would leave the site). A new SQLite store
    is made under a temporary name and renamed into place once migrated, so a run killed while
    making it leaves no empty file behind. With ``read_only`` (commands that only look), a SQLite
    store that cannot be written (a read-only file system, a snapshot) is opened for reading, if its
    schema is current; one that does not exist is not made.
    """
    path = _sqlite_file(url)
    if path is not None and path.is_file() and path.stat().st_size == 0:
        raise StorageError(
            f"{path}: the database file is empty; restore it from a backup, or delete it to start a new store"
        )
    if path is not None and not path.exists():
        if read_only:  # a command that only looks makes no store (a typo in storage.url would)
            raise StorageError(f"{path}: no store there; {_MADE_BY} (is storage.url right?)")
        _create_sqlite(path)
    engine = create_engine(url)
    try:
        migrate(engine)
    except StorageError:
        engine.dispose()
        if not read_only or path is None or not path.is_file():
            raise
        return _read_only(path)
    return engine


def _fresh(path: Path) -> Path:
    """Where a new SQLite store is made before it is renamed to ``path``."""
    return path.with_name(f".{path.name}.new")


def _create_sqlite(path: Path) -> None:
    """A new, migrated SQLite store at ``path``, made beside it and renamed into place."""
    fresh = _fresh(path)
    for leftover in (fresh, fresh.with_name(fresh.name + "-wal"), fresh.with_name(fresh.name + "-shm")):
        leftover.unlink(missing_ok=True)  # of a creation that was killed
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{fresh}")
    try:
        migrate(engine)
    finally:
        engine.dispose()  # the last connection's close folds the WAL into the file
    fresh.replace(path)
    descriptor = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _read_only(path: Path) -> sa.Engine:
    """A SQLite store that cannot be written, opened for reading only. "immutable": nothing can
    write it, so SQLite need not create its lock files (which it could not)."""
    engine = sa.create_engine(f"sqlite:///file:{path}?mode=ro&immutable=1&uri=true")
    _OPEN.add(engine)
    try:
        with engine.connect() as conn:
            done = applied_migrations(conn)
    except SQLAlchemyError as exc:
        original = getattr(exc, "orig", None) or exc
        if _damaged(original):
            raise StorageError(_unreadable(path, original)) from exc
        raise StorageError(f"{path}: cannot be read: {original}") from exc
    if {(m.component, m.version) for m in ALL_MIGRATIONS} - done:
        raise StorageError(
            f"{path}: read-only, and its schema is older than this version: open it writable once"
        )
    return engine


def store_problem(url: str) -> str | None:
    """Why the store at ``url`` cannot be used, or None; changes nothing (for `check`)."""
    path = _sqlite_file(url)
    if path is not None:
        if path.is_file():
            if path.stat().st_size == 0:
                return f"{path}: the database file is empty"
            with path.open("rb") as file:  # what SQLite writes first; a damaged or foreign file lacks it
                return (
                    None if file.read(16) == b"SQLite format 3\x00" else _unreadable(path, "no SQLite header")
                )
        folder = next((p for p in path.parents if p.exists()), None)  # the rest is made with the store
        if folder is None or not folder.is_dir() or not os.access(folder, os.W_OK):
            return f"{path}: cannot be created ({folder} is not a writable folder)"
        return None
    try:
        engine = create_engine(url)
        try:
            with engine.connect():
                return None
        finally:
            engine.dispose()
    except (SQLAlchemyError, StorageError) as exc:
        return f"cannot connect: {str(exc).splitlines()[0]}"


def check_store(config: Config) -> list[str]:
    """``trendpapers check``'s look at the store: a ``ConfigError`` naming ``storage.url`` if it
    cannot be used, else warnings (a SQLite file not there yet: `init` makes one, so a typo?);
    changes nothing."""
    problem = store_problem(config.storage_url)
    if problem:
        raise ConfigError([f"storage.url: {problem}"], str(config.path))
    path = _sqlite_file(config.storage_url)
    if path is not None and not path.exists():
        return [f"storage.url: {path} does not exist yet; {_MADE_BY}"]
    return []
