"""Editors' accounts: names, passwords hashed with Argon2id (argon2-cffi), and the sign-in check.

Passwords are stored only as Argon2id hashes (RFC 9106's second recommended profile, argon2-cffi's
defaults: 3 passes over 64 MiB, 4 lanes). A hash made with weaker parameters than today's is
replaced at the next successful sign-in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from desk import store
from ingest.errors import InputError
from ingest.wording import plural

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 12  # characters; long passphrases are welcome
MAX_PASSWORD = 1024  # a cap, so that a sign-in form cannot make the server hash megabytes
SESSION_IDLE = timedelta(hours=8)  # a session unused this long has ended
SESSION_MAX = timedelta(days=7)  # and every session ends this long after sign-in

_hasher = PasswordHasher()
# Verified when the name is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("no such editor: the time of a real check")


@dataclass(frozen=True)
class EditorChange:
    """What an account command did, in words, and how many sessions it ended."""

    name: str
    message: str
    sessions_ended: int = 0


def check_name(name: str) -> str:
    """``name`` if it can be an editor's name; an ``InputError`` naming it otherwise."""
    if not _NAME.match(name):
        raise InputError(
            f"editor name {name!r}: use 1 to 64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit"
        )
    return name


def check_password(password: str) -> None:
    """An ``InputError`` if ``password`` is too short or too long (it is never shown)."""
    if len(password) < MIN_PASSWORD:
        given = plural(len(password), "character")
        raise InputError(f"the password has {given}; use at least {MIN_PASSWORD}")
    if len(password) > MAX_PASSWORD:
        raise InputError(f"the password has more than {MAX_PASSWORD} characters")


def add_editor(engine: sa.Engine, name: str, password: str, now: datetime, by: str) -> EditorChange:
    """A new account; an ``InputError`` if the name (in any case) is taken or invalid."""
    check_name(name)
    check_password(password)
    digest = _hasher.hash(password)
    with engine.begin() as conn:
        existing = store.find_editor_name(conn, name)
        if existing is not None:
            raise InputError(f"editor {name!r}: there is already an editor {existing!r}")
        store.insert_editor(conn, name, digest, now)
        store.add_event(conn, now, None, "cli", "editor added", f"{name} added by {by}")
    return EditorChange(name, f"{name}: added")


def _existing(conn: sa.Connection, name: str) -> str:
    found = store.find_editor_name(conn, name)
    if found is None:
        raise InputError(f"no editor {name!r} (see `trendpapers editors list`)")
    return found


def remove_editor(engine: sa.Engine, name: str, now: datetime, by: str) -> EditorChange:
    """Delete an account and end its sessions; what they did stays in the record."""
    with engine.begin() as conn:
        found = _existing(conn, name)
        ended = store.close_sessions(conn, found)
        store.delete_editor(conn, found)
        store.add_event(conn, now, None, "cli", "editor removed", f"{found} removed by {by}")
    return EditorChange(found, f"{found}: removed, {plural(ended, 'session')} ended", ended)


def set_password(engine: sa.Engine, name: str, password: str, now: datetime, by: str) -> EditorChange:
    """A new password for an account; every session of it ends (sign in again)."""
    check_password(password)
    digest = _hasher.hash(password)
    with engine.begin() as conn:
        found = _existing(conn, name)
        store.set_password_hash(conn, found, digest, now)
        ended = store.close_sessions(conn, found)
        store.add_event(conn, now, None, "cli", "password changed", f"{found}'s password set by {by}")
    return EditorChange(found, f"{found}: password changed, {plural(ended, 'session')} ended", ended)


def list_editors(engine: sa.Engine, now: datetime) -> list[store.Editor]:
    with engine.connect() as conn:
        return store.list_editors(conn, now, SESSION_IDLE)


def verify(conn: sa.Connection, typed_name: str, password: str) -> str | None:
    """The editor's name if ``password`` is theirs, else None. Takes the time of one Argon2 check
    whether or not the name exists; re-hashes a password stored with weaker parameters."""
    name = store.find_editor_name(conn, typed_name) if _NAME.match(typed_name) else None
    found = store.get_editor(conn, name) if name else None
    digest = found[1] if found else _DUMMY_HASH
    try:
        _hasher.verify(digest, password[: MAX_PASSWORD + 1])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if found is None or len(password) > MAX_PASSWORD:
        return None
    if _hasher.check_needs_rehash(digest):
        store.set_password_hash(conn, found[0].name, _hasher.hash(password), None)
    return found[0].name
