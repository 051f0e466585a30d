"""``trendpapers backup DEST``: a consistent copy of the store and the workspace, taken online.

SQLite is copied with its online backup API (a consistent snapshot even while the scheduler
writes); PostgreSQL with ``pg_dump`` (custom format). The workspace's own files (configuration,
papers, site inputs) are copied beside it, with a manifest of what is where.
"""

from __future__ import annotations

import json
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
    """Write a backup folder under ``dest``; returns it."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = dest / f"trendpapers-backup-{stamp}"
    partial = dest / f".{target.name}.partial"  # renamed into place when complete
    partial.mkdir(parents=True)
    url = sa.make_url(config.storage_url)
    if url.get_backend_name() == "sqlite":
        store_file = "store.db"
        source = sqlite3.connect(url.database or "")
        try:
            with sqlite3.connect(partial / store_file) as copy:
                source.backup(copy)
        finally:
            source.close()
    elif url.get_backend_name() == "postgresql":
        store_file = "store.dump"
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise StorageError(
                "pg_dump is not installed: install the PostgreSQL client to back up this store"
            )
        plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
        result = subprocess.run(  # noqa: S603  (an argument list, no shell; the URL is the operator's own)
            [pg_dump, "--format=custom", f"--file={partial / store_file}", plain],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise StorageError(f"pg_dump failed: {result.stderr.strip()}")
    else:
        raise StorageError(f"no backup method for {url.get_backend_name()} stores")
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
    manifest = {"created": stamp, "store": store_file, "backend": url.get_backend_name(), "workspace": copied}
    (partial / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    partial.rename(target)
    return target
