"""``trendpapers backup DEST``: a consistent copy of the store and the workspace, taken online.

SQLite is copied with its online backup API (a consistent snapshot even while the scheduler
writes); PostgreSQL with ``pg_dump`` (custom format). The workspace's own files (configuration,
papers, site inputs) are copied beside it, with a manifest of what is where.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from ingest.errors import StorageError
from trendpapers.config import Config

WORKSPACE_FILES = ("trendpapers.toml", "mkdocs.yml", "papers", "site")


def backup(config: Config, dest: Path) -> Path:
    """Write a backup folder under ``dest``; returns it. A failed backup leaves nothing behind."""
    url = sa.make_url(config.storage_url)
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StorageError(f"no backup method for {backend} stores")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = dest / f"trendpapers-backup-{stamp}"
    partial = dest / f".{target.name}.partial"  # renamed into place when complete
    partial.mkdir(parents=True)
    try:
        store_file = _backup_sqlite(url, partial) if backend == "sqlite" else _backup_postgres(url, partial)
        copied = []
        for name in WORKSPACE_FILES:
            source_path = config.root / name
            if source_path.is_dir():
                shutil.copytree(source_path, partial / name)
            elif source_path.is_file():
                shutil.copy2(source_path, partial / name)
            else:
                continue
            copied.append(name)
        manifest = {"created": stamp, "store": store_file, "backend": backend, "workspace": copied}
        (partial / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        partial.rename(target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return target


def _backup_sqlite(url: sa.URL, folder: Path) -> str:
    database = Path(url.database or "")
    if not database.is_file():
        raise StorageError(f"no SQLite store at {database}")
    # Read-only: a backup never creates or changes the store it copies. A store that cannot be
    # written at all (a read-only snapshot) is opened "immutable": SQLite could not make its lock files.
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        source.execute("SELECT 1 FROM sqlite_master LIMIT 1")
    except sqlite3.OperationalError:
        source.close()
        source = sqlite3.connect(f"file:{database}?mode=ro&immutable=1", uri=True)
    copy = sqlite3.connect(folder / "store.db")
    try:
        source.backup(copy)  # SQLite's online backup: a consistent snapshot while others write
    finally:
        copy.close()
        source.close()
    return "store.db"


def _backup_postgres(url: sa.URL, folder: Path) -> str:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise StorageError("pg_dump is not installed: install the PostgreSQL client to back up the store")
    # The password goes by environment, not on a command line that `ps` shows to every user.
    env = {**os.environ, "PGPASSWORD": url.password or ""} if url.password else None
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    result = subprocess.run(  # noqa: S603  (an argument list, no shell; the URL is the operator's own)
        [pg_dump, "--format=custom", f"--file={folder / 'store.dump'}", plain],
        capture_output=True,
        text=True,
        env=env,
    )
    if result.returncode != 0:
        raise StorageError(f"pg_dump failed: {result.stderr.strip()}")
    return "store.dump"
