"""The desk's tables: editors and their sessions, sign-in attempts, what each editor last saw of each
paper (and the texts seen, so a save can be merged against the version it started from), the
decisions on proposed changes, and a record of every action with who and when.

This module sits at the store layer (the application shell's migrations runner imports it); it
imports nothing from ``trendpapers``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ingest.migrations import Migration, UTCDateTime

metadata = sa.MetaData()

keys = sa.Table(
    "desk_keys",
    metadata,
    sa.Column("name", sa.String(50), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

editors = sa.Table(
    "desk_editors",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.Text, nullable=False),  # argon2id, in its PHC string form
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("password_changed_at", UTCDateTime, nullable=False),
    sa.Column("last_login_at", UTCDateTime),
)

sessions = sa.Table(
    "desk_sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # sha256 of the token the cookie carries
    sa.Column("editor", sa.String(64), nullable=False, index=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_seen_at", UTCDateTime, nullable=False),
    sa.Column("address", sa.String(64), nullable=False),
)

logins = sa.Table(
    "desk_logins",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False, index=True),
    sa.Column("name", sa.String(64), nullable=False, index=True),  # as typed, lower-cased
    sa.Column("address", sa.String(64), nullable=False, index=True),
    sa.Column("ok", sa.Boolean, nullable=False),
)

events = sa.Table(
    "desk_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False, index=True),
    sa.Column("editor", sa.String(64)),  # None: not signed in (a failed sign-in), or the command line
    sa.Column("address", sa.String(64), nullable=False),  # the client's, or "cli"
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("industry", sa.String(100)),
    sa.Column("edition", sa.String(20)),
    sa.Column("detail", sa.Text, nullable=False),
)

snapshots = sa.Table(
    "desk_snapshots",
    metadata,
    sa.Column("sha", sa.String(64), primary_key=True),  # sha256 of the text
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
)

views = sa.Table(
    "desk_views",
    metadata,
    sa.Column("editor", sa.String(64), primary_key=True),
    sa.Column("industry", sa.String(100), primary_key=True),
    sa.Column("edition", sa.String(20), primary_key=True),
    sa.Column("text_sha", sa.String(64), nullable=False),
    sa.Column("proposal_sha", sa.String(64)),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
)

decisions = sa.Table(
    "desk_decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("industry", sa.String(100), nullable=False),
    sa.Column("edition", sa.String(20), nullable=False),
    sa.Column("key", sa.String(64), nullable=False),  # sha256 of the change: the lines before and after
    sa.Column("decision", sa.String(10), nullable=False),  # accept, reject
    sa.Column("current", sa.Text, nullable=False),
    sa.Column("proposed", sa.Text, nullable=False),
    sa.Column("by", sa.String(64), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_desk_decisions_paper", "industry", "edition", "key"),
)

ALL_TABLES = [keys, editors, sessions, logins, events, snapshots, views, decisions]

MIGRATIONS = (
    Migration(
        "desk",
        1,
        "the editors' desk: editors, sessions, sign-ins, events, views, snapshots, decisions",
        lambda c: metadata.create_all(c, tables=ALL_TABLES),
    ),
)


def sha(text: str) -> str:
    """The hex sha256 of ``text`` (UTF-8): how the desk names a version of a file."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _insert_ignoring_duplicates(conn: sa.Connection, table: sa.Table, values: dict[str, Any]) -> None:
    """Insert a row unless one with its primary key exists (two processes may race to insert it)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        conn.execute(postgresql.insert(table).values(**values).on_conflict_do_nothing())
    elif conn.dialect.name == "sqlite":
        from sqlalchemy.dialects import sqlite

        conn.execute(sqlite.insert(table).values(**values).on_conflict_do_nothing())
    else:
        key = [table.c[c.name] == values[c.name] for c in table.primary_key.columns]
        if conn.execute(sa.select(sa.literal(1)).select_from(table).where(*key)).first() is None:
            conn.execute(sa.insert(table), [values])


# --- the signing key -------------------------------------------------------------------------------


def signing_key(conn: sa.Connection) -> str:
    """The secret that signs the desk's cookies: made once, kept in the store (so every process
    serving the desk, and a restart, accept the same cookies)."""
    _insert_ignoring_duplicates(conn, keys, {"name": "session", "value": secrets.token_hex(32)})
    return str(conn.execute(sa.select(keys.c.value).where(keys.c.name == "session")).scalar_one())


# --- editors ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Editor:
    name: str
    created_at: datetime
    password_changed_at: datetime
    last_login_at: datetime | None
    sessions: int = 0  # open sessions (for listings)


def get_editor(conn: sa.Connection, name: str) -> tuple[Editor, str] | None:
    """An editor and their password hash, by exact name."""
    r = conn.execute(sa.select(editors).where(editors.c.name == name)).first()
    if r is None:
        return None
    return Editor(r.name, r.created_at, r.password_changed_at, r.last_login_at), r.password_hash


def find_editor_name(conn: sa.Connection, typed: str) -> str | None:
    """The editor whose name is ``typed`` in any case (names are unique regardless of case)."""
    found = conn.execute(
        sa.select(editors.c.name).where(sa.func.lower(editors.c.name) == typed.lower())
    ).scalar()
    return str(found) if found is not None else None


def list_editors(conn: sa.Connection, now: datetime, idle: timedelta) -> list[Editor]:
    active = (
        sa.select(sessions.c.editor, sa.func.count().label("n"))
        .where(sessions.c.last_seen_at > now - idle)
        .group_by(sessions.c.editor)
        .subquery()
    )
    rows = conn.execute(
        sa.select(editors, sa.func.coalesce(active.c.n, 0).label("n"))
        .select_from(editors.outerjoin(active, active.c.editor == editors.c.name))
        .order_by(sa.func.lower(editors.c.name), editors.c.name)
    )
    return [Editor(r.name, r.created_at, r.password_changed_at, r.last_login_at, int(r.n)) for r in rows]


def insert_editor(conn: sa.Connection, name: str, password_hash: str, now: datetime) -> None:
    conn.execute(
        sa.insert(editors),
        [{"name": name, "password_hash": password_hash, "created_at": now, "password_changed_at": now}],
    )


def set_password_hash(conn: sa.Connection, name: str, password_hash: str, changed: datetime | None) -> None:
    """Store a new hash; ``changed`` is when the password itself changed (None: a re-hash of the same
    password with stronger parameters)."""
    values: dict[str, Any] = {"password_hash": password_hash}
    if changed is not None:
        values["password_changed_at"] = changed
    conn.execute(editors.update().where(editors.c.name == name).values(**values))


def delete_editor(conn: sa.Connection, name: str) -> None:
    conn.execute(sessions.delete().where(sessions.c.editor == name))
    conn.execute(views.delete().where(views.c.editor == name))
    conn.execute(editors.delete().where(editors.c.name == name))


# --- sessions --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    editor: str
    created_at: datetime
    last_seen_at: datetime


def _session_id(token: str) -> str:
    # Only a hash is stored: a copy of the store does not give away sessions that can be used.
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def open_session(conn: sa.Connection, editor: str, address: str, now: datetime) -> str:
    """A new session for ``editor``; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    conn.execute(
        sa.insert(sessions),
        [
            {
                "id": _session_id(token),
                "editor": editor,
                "created_at": now,
                "last_seen_at": now,
                "address": address,
            }
        ],
    )
    conn.execute(editors.update().where(editors.c.name == editor).values(last_login_at=now))
    return token


def get_session(conn: sa.Connection, token: str) -> Session | None:
    r = conn.execute(sa.select(sessions).where(sessions.c.id == _session_id(token))).first()
    return Session(r.editor, r.created_at, r.last_seen_at) if r else None


def touch_session(conn: sa.Connection, token: str, now: datetime) -> None:
    conn.execute(sessions.update().where(sessions.c.id == _session_id(token)).values(last_seen_at=now))


def close_session(conn: sa.Connection, token: str) -> None:
    conn.execute(sessions.delete().where(sessions.c.id == _session_id(token)))


def close_sessions(conn: sa.Connection, editor: str) -> int:
    """End every session of ``editor``; how many there were."""
    return conn.execute(sessions.delete().where(sessions.c.editor == editor)).rowcount or 0


def drop_stale_sessions(conn: sa.Connection, idle_before: datetime, created_before: datetime) -> None:
    conn.execute(
        sessions.delete().where(
            sa.or_(sessions.c.last_seen_at < idle_before, sessions.c.created_at < created_before)
        )
    )


# --- sign-in attempts ------------------------------------------------------------------------------


def record_login(conn: sa.Connection, name: str, address: str, ok: bool, now: datetime) -> None:
    conn.execute(
        sa.insert(logins), [{"at": now, "name": name.lower()[:64], "address": address[:64], "ok": ok}]
    )


def failures_since(
    conn: sa.Connection, since: datetime, *, name: str | None = None, address: str | None = None
) -> list[datetime]:
    """Times of failed sign-ins after ``since``, newest first, for one name (counted from its last
    successful sign-in) or one address."""
    start = since
    if name is not None:
        column, value = logins.c.name, name.lower()[:64]
        last_ok = conn.execute(
            sa.select(sa.func.max(logins.c.at)).where(column == value, logins.c.ok.is_(True))
        ).scalar()
        start = max(since, last_ok) if last_ok is not None else since
    else:
        column, value = logins.c.address, (address or "")[:64]
    rows = conn.execute(
        sa.select(logins.c.at)
        .where(column == value, logins.c.ok.is_(False), logins.c.at > start)
        .order_by(logins.c.at.desc())
    )
    return [r.at for r in rows]


def drop_old_logins(conn: sa.Connection, before: datetime) -> None:
    conn.execute(logins.delete().where(logins.c.at < before))


# --- events ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    id: int
    at: datetime
    editor: str | None
    address: str
    action: str
    industry: str | None
    edition: str | None
    detail: str


def add_event(
    conn: sa.Connection,
    at: datetime,
    editor: str | None,
    address: str,
    action: str,
    detail: str,
    industry: str | None = None,
    edition: str | None = None,
) -> int:
    result = conn.execute(
        sa.insert(events).values(
            at=at,
            editor=editor,
            address=address[:64],
            action=action,
            industry=industry,
            edition=edition,
            detail=detail,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def _event(r: Any) -> Event:
    return Event(r.id, r.at, r.editor, r.address, r.action, r.industry, r.edition, r.detail)


def get_event(conn: sa.Connection, event_id: int) -> Event | None:
    r = conn.execute(sa.select(events).where(events.c.id == event_id)).first()
    return _event(r) if r else None


def recent_events(
    conn: sa.Connection, limit: int = 200, industry: str | None = None, edition: str | None = None
) -> list[Event]:
    query = sa.select(events).order_by(events.c.id.desc()).limit(limit)
    if industry is not None:
        query = query.where(events.c.industry == industry, events.c.edition == edition)
    return [_event(r) for r in conn.execute(query)]


# --- texts seen, and what each editor last saw -----------------------------------------------------


def keep_snapshot(conn: sa.Connection, text: str, now: datetime) -> str:
    """Keep ``text`` (if not kept already); returns its sha."""
    digest = sha(text)
    _insert_ignoring_duplicates(conn, snapshots, {"sha": digest, "text": text, "at": now})
    return digest


def get_snapshot(conn: sa.Connection, digest: str) -> str | None:
    found = conn.execute(sa.select(snapshots.c.text).where(snapshots.c.sha == digest)).scalar()
    return str(found) if found is not None else None


def find_snapshot(conn: sa.Connection, prefix: str) -> str | None:
    """The kept text whose sha starts with ``prefix`` (hex digits), if exactly one does."""
    rows = conn.execute(
        sa.select(snapshots.c.text).where(snapshots.c.sha.startswith(prefix, autoescape=True)).limit(2)
    ).all()
    return str(rows[0].text) if len(rows) == 1 else None


def drop_old_snapshots(conn: sa.Connection, before: datetime) -> None:
    """Forget texts older than ``before`` that no editor's last look refers to."""
    seen = sa.select(views.c.text_sha).union(
        sa.select(views.c.proposal_sha).where(views.c.proposal_sha.is_not(None))
    )
    conn.execute(snapshots.delete().where(snapshots.c.at < before, snapshots.c.sha.not_in(seen)))


@dataclass(frozen=True)
class View:
    """What an editor saw of a paper when they last opened it."""

    text_sha: str
    proposal_sha: str | None
    status: str
    at: datetime


def get_views(conn: sa.Connection, editor: str) -> dict[tuple[str, str], View]:
    rows = conn.execute(sa.select(views).where(views.c.editor == editor))
    return {(r.industry, r.edition): View(r.text_sha, r.proposal_sha, r.status, r.at) for r in rows}


def save_view(conn: sa.Connection, editor: str, industry: str, edition: str, view: View) -> None:
    key = (views.c.editor == editor, views.c.industry == industry, views.c.edition == edition)
    conn.execute(views.delete().where(*key))
    conn.execute(
        sa.insert(views),
        [
            {
                "editor": editor,
                "industry": industry,
                "edition": edition,
                "text_sha": view.text_sha,
                "proposal_sha": view.proposal_sha,
                "status": view.status,
                "at": view.at,
            }
        ],
    )


# --- decisions on proposed changes -----------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    key: str
    decision: str  # accept, reject
    by: str
    at: datetime


def add_decisions(
    conn: sa.Connection,
    industry: str,
    edition: str,
    rows: Sequence[tuple[str, str, str, str]],
    by: str,
    at: datetime,
) -> None:
    """Record (key, decision, current text, proposed text) of each change decided."""
    if rows:
        conn.execute(
            sa.insert(decisions),
            [
                {
                    "industry": industry,
                    "edition": edition,
                    "key": key,
                    "decision": decision,
                    "current": current,
                    "proposed": proposed,
                    "by": by,
                    "at": at,
                }
                for key, decision, current, proposed in rows
            ],
        )


def last_decisions(conn: sa.Connection, industry: str, edition: str) -> dict[str, Decision]:
    """The latest decision on each change of a paper, by the change's key."""
    rows = conn.execute(
        sa.select(decisions)
        .where(decisions.c.industry == industry, decisions.c.edition == edition)
        .order_by(decisions.c.id)
    )
    return {r.key: Decision(r.key, r.decision, r.by, r.at) for r in rows}
