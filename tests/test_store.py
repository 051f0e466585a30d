"""The store: engine settings, migrations, and the ingest tables' idempotent writes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from ingest import store
from ingest.errors import InputError, StorageError
from ingest.migrations import schema_migrations
from ingest.records import Item, SourceSpec
from trendpapers.db import ALL_MIGRATIONS, create_engine, migrate, open_store

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_sqlite_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 's.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_migrations_apply_once(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 's.db'}")
    assert len(migrate(engine)) == len(ALL_MIGRATIONS)
    assert migrate(engine) == []
    with engine.connect() as conn:
        done = conn.execute(sa.select(schema_migrations.c.component, schema_migrations.c.version)).all()
    assert sorted(done) == sorted((m.component, m.version) for m in ALL_MIGRATIONS)


def item(key: str, url: str | None = None) -> Item:
    return Item(
        key=key,
        guid=key,
        link=url,
        canonical_url=url,
        title=key,
        summary="",
        content="",
        author=None,
        published_at=NOW,
        published_raw=None,
    )


def test_sources_sync_and_items_insert_idempotently(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        store.sync_sources(
            conn, [SourceSpec("A", "https://a.example/feed"), SourceSpec("B", "https://b.example/feed")]
        )
        a, b = store.source_states(conn)
        store.record_fetch_success(
            conn, a.id, status=200, etag='"e"', last_modified=None, warning=None, now=NOW
        )
        assert store.insert_items(conn, a.id, [item("1", "https://x.example/1"), item("2")], NOW) == 2
        assert store.insert_items(conn, a.id, [item("1", "https://x.example/1"), item("2")], NOW) == 0
        # Another source carrying the same URL: inserted, marked as a duplicate of the first.
        assert store.insert_items(conn, b.id, [item("9", "https://x.example/1")], NOW) == 1
        # A changed URL drops the validators; a source no longer configured is kept but inactive.
        store.sync_sources(conn, [SourceSpec("A", "https://a.example/new-feed")])
        a2, b2 = store.source_states(conn)
        assert a2.etag is None and a2.url.endswith("new-feed") and a2.items == 2
        assert not b2.active and b2.items == 1
        rows = {r.key: r for r in conn.execute(sa.select(store.items))}
    assert rows["9"].duplicate_of == rows["1"].id
    assert rows["1"].published_at == NOW  # stored and read back as aware UTC


def test_backup_of_either_store(engine: sa.Engine, tmp_path: Path) -> None:
    from trendpapers.backup import backup
    from trendpapers.config import parse_config

    with engine.begin() as conn:
        store.sync_sources(conn, [SourceSpec("A", "https://a.example/feed")])
    config = parse_config(
        {"storage": {"url": engine.url.render_as_string(hide_password=False)}}, root=tmp_path
    )
    folder = backup(config, tmp_path / "backups")
    store_file = folder / ("store.db" if engine.dialect.name == "sqlite" else "store.dump")
    assert store_file.stat().st_size > 0 and (folder / "manifest.json").is_file()


def test_a_failed_backup_leaves_nothing(tmp_path: Path) -> None:

    from trendpapers.backup import backup
    from trendpapers.config import parse_config

    config = parse_config({"storage": {"url": f"sqlite:///{tmp_path / 'missing.db'}"}}, root=tmp_path)
    with pytest.raises(StorageError, match="no SQLite store"):
        backup(config, tmp_path / "backups")
    assert list((tmp_path / "backups").iterdir()) == [] and not (tmp_path / "missing.db").exists()


def test_a_backup_holds_every_file_the_settings_name(tmp_path: Path) -> None:
    import json

    from trendpapers.backup import backup
    from trendpapers.config import parse_config

    workspace, elsewhere = tmp_path / "ws", tmp_path / "private"
    (workspace / "templates").mkdir(parents=True)
    elsewhere.mkdir()
    (workspace / "templates" / "paper.md.j2").write_text("{{ title }}\n", encoding="utf-8")
    (workspace / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    (elsewhere / "members.toml").write_text("# the members\n", encoding="utf-8")
    open_store(f"sqlite:///{workspace / 'store.db'}").dispose()
    settings = {
        "storage": {"url": f"sqlite:///{workspace / 'store.db'}"},
        "site": {"logo": "logo.svg"},
        "cluster": {"members": "../private/members.toml"},
    }
    folder = backup(parse_config(settings, root=workspace), tmp_path / "backups")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["workspace"] == ["templates", "logo.svg"]
    assert manifest["outside"] == {"outside/members.toml": str(elsewhere / "members.toml")}
    assert (folder / "outside" / "members.toml").read_text(encoding="utf-8") == "# the members\n"
    assert (folder / "templates" / "paper.md.j2").is_file() and (folder / "logo.svg").is_file()


def test_a_backup_refuses_a_folder_it_copies_and_names_one_it_cannot_write(tmp_path: Path) -> None:
    from trendpapers.backup import backup
    from trendpapers.config import parse_config

    (tmp_path / "papers").mkdir()
    open_store(f"sqlite:///{tmp_path / 'store.db'}").dispose()
    config = parse_config({"storage": {"url": f"sqlite:///{tmp_path / 'store.db'}"}}, root=tmp_path)
    with pytest.raises(InputError, match=r"papers/bk: is inside .*papers, which the backup copies"):
        backup(config, tmp_path / "papers" / "bk")
    assert list((tmp_path / "papers").iterdir()) == []
    (tmp_path / "afile").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match=r"afile/sub: cannot make the backup folder there"):
        backup(config, tmp_path / "afile" / "sub")
    (tmp_path / "store.db").write_bytes(b"not a database, but long enough to be read as one" * 40)
    with pytest.raises(StorageError, match=r"store.db: cannot be backed up"):
        backup(config, tmp_path / "backups")
    assert list((tmp_path / "backups").iterdir()) == []


def test_a_new_store_appears_only_once_it_is_whole(tmp_path: Path) -> None:
    """A run killed while making the store once left an empty file that every later run refused."""
    path = tmp_path / "trendpapers.db"
    (tmp_path / ".trendpapers.db.new").write_bytes(b"")  # what a killed creation leaves behind
    engine = open_store(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert {
            c for c, _ in conn.execute(sa.select(schema_migrations.c.component, schema_migrations.c.version))
        }
    engine.dispose()
    assert path.stat().st_size > 0 and not (tmp_path / ".trendpapers.db.new").exists()


def test_a_stage_stopped_by_a_signal_is_recorded_as_stopped_and_a_crash_as_failed(tmp_path: Path) -> None:
    from trendpapers import runs
    from trendpapers.pipeline import StageResult, recorded

    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")

    def stopped() -> StageResult:
        raise SystemExit(143)  # what a job's SIGTERM handler raises

    def broken() -> StageResult:
        raise ValueError("bad input")

    with pytest.raises(SystemExit):
        recorded(engine, "ingest", stopped)
    with pytest.raises(ValueError):
        recorded(engine, "analyze", broken)
    found = {r.stage: (r.status, r.errors) for r in runs.last_runs(engine)}
    assert found == {
        "ingest": ("stopped", ["stopped before it finished"]),
        "analyze": ("failed", ["ValueError: bad input"]),
    }
