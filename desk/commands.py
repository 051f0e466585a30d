"""What ``trendpapers editors add|remove|list|passwd`` do, one function each, on a workspace's store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa

from desk import accounts
from trendpapers.config import Config
from trendpapers.db import open_store


@contextmanager
def _store(config: Config) -> Iterator[sa.Engine]:
    """The workspace's store for one command, its connections closed after it."""
    engine = open_store(config.storage_url)
    try:
        yield engine
    finally:
        engine.dispose()


def add(config: Config, name: str, password: str, by: str) -> str:
    """Create the account ``name``; a line for people."""
    with _store(config) as engine:
        return accounts.add_editor(engine, name, password, datetime.now(UTC), by).message


def remove(config: Config, name: str, by: str) -> str:
    """Delete the account ``name`` and end its sessions."""
    with _store(config) as engine:
        return accounts.remove_editor(engine, name, datetime.now(UTC), by).message


def passwd(config: Config, name: str, password: str, by: str) -> str:
    """Set a new password for ``name``; its sessions end."""
    with _store(config) as engine:
        return accounts.set_password(engine, name, password, datetime.now(UTC), by).message


def listing(config: Config) -> list[str]:
    """The accounts, with when each last signed in and its open sessions."""
    with _store(config) as engine:
        found = accounts.list_editors(engine, datetime.now(UTC))
    if not found:
        return ["no editors yet (add one: trendpapers editors add NAME)"]
    return [
        f"{e.name:<24} added {e.created_at:%Y-%m-%d}, password set {e.password_changed_at:%Y-%m-%d}, "
        + (f"last signed in {e.last_login_at:%Y-%m-%d %H:%M} UTC" if e.last_login_at else "never signed in")
        + f", {e.sessions} open session{'s' if e.sessions != 1 else ''}"
        for e in found
    ]
