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

from ingest.errors import InputError, StorageError
from trendpapers.config import Config

WORKSPACE_FILES = ("trendpapers.toml", "mkdocs.yml", "papers", "site", "templates")


def workspace_files(config: Config) -> dict[Path, Path]:
    """What a backup copies, by where it goes in the backup: the workspace's own files and folders,
    and the files its settings name (the member file, the site's logo); one outside the workspace
    goes to ``outside/``, and the manifest says where it came from."""
    found = {Path(name): config.root / name for name in WORKSPACE_FILES if (config.root / name).exists()}
    for path in (config.cluster.members_file, config.site.logo):
        if path is None:
            continue
        try:
            relative = path.resolve().relative_to(config.root.resolve())
        except ValueError:
            found[Path("outside") / path.name] = path
            continue
        if not any(relative.is_relative_to(folder) for folder in found):
            found[relative] = path
    return found


def backup(config: Config, dest: Path) -> Path:
    """Write a backup folder under ``dest``; returns it. A failed backup leaves nothing behind."""
    url = sa.make_url(config.storage_url)
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StorageError(f"no backup method for {backend} stores")
    copied = workspace_files(config)
    inside = next((p for p in copied.values() if dest.resolve().is_relative_to(p.resolve())), None)
    if inside is not None:
        raise InputError(f"{dest}: is inside {inside}, which the backup copies; choose a folder outside it")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = dest / f"trendpapers-backup-{stamp}"
    partial = dest / f".{target.name}.partial"  # renamed into place when complete
    try:
        partial.mkdir(parents=True)
    except OSError as exc:
        raise InputError(f"{dest}: cannot make the backup folder there: {exc.strerror or exc}") from None
    try:
        store_file = _backup_sqlite(url, partial) if backend == "sqlite" else _backup_postgres(url, partial)
        for relative, source_path in copied.items():
            (partial / relative).parent.mkdir(parents=True, exist_ok=True)
            if source_path.is_dir():
                shutil.copytree(source_path, partial / relative)
            else:
                shutil.copy2(source_path, partial / relative)
        workspace = [p.as_posix() for p in copied if p.parts[0] != "outside"]
        outside = {p.as_posix(): str(source) for p, source in copied.items() if p.parts[0] == "outside"}
        manifest: dict[str, object] = {
            "created": stamp,
            "store": store_file,
            "backend": backend,
            "workspace": workspace,
        }
        if outside:
            manifest["outside"] = outside  # in the backup → where it was
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
    copy = sqlite3.connect(folder / "store.db")
    try:
        try:
            source.execute("SELECT 1 FROM sqlite_master LIMIT 1")
        except sqlite3.OperationalError:
            source.close()
            source = sqlite3.connect(f"file:{database}?mode=ro&immutable=1", uri=True)
        source.backup(copy)  # SQLite's online backup: a consistent snapshot while others write
    except sqlite3.DatabaseError as exc:  # not a database, or a damaged one
        raise StorageError(f"{database}: cannot be backed up: {exc}") from None
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
