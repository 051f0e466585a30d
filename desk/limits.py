"""Sign-in rate limits, kept in the store (so they hold across restarts and across the processes
serving the desk).

An account name that failed ``ACCOUNT_FAILURES`` times within ``WINDOW`` (since its last successful
sign-in) is refused until the oldest of those failures is ``WINDOW`` old; a client address that
failed ``ADDRESS_FAILURES`` times within ``WINDOW``, whichever names it tried, likewise. A refused
attempt does not check the password (no Argon2 work, and no answer whether it was right) and is not
counted again, so waiting the time out is enough.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from desk import store
from papers.i18n import Texts

ACCOUNT_FAILURES = 5  # guesses at one account per window: enough for typos, too few to guess
# Higher than the account limit: one office behind one address may hold several editors, and the
# address limit is there against someone trying many names.
ADDRESS_FAILURES = 30
WINDOW = timedelta(minutes=15)
KEEP = timedelta(days=1)  # sign-in attempts older than this are forgotten (the events keep the record)


@dataclass(frozen=True)
class Refusal:
    """Why a sign-in is not even tried, and in how many seconds it may be again."""

    reason: str  # in the desk's language
    retry_after: int


def _refusal(
    failures: list[datetime], limit: int, now: datetime, reason: Callable[[int], str]
) -> Refusal | None:
    """A ``Refusal`` once ``failures`` reach ``limit``; ``reason`` says it for the minutes left."""
    if len(failures) < limit:
        return None
    free_at = failures[limit - 1] + WINDOW
    seconds = max(1, math.ceil((free_at - now).total_seconds()))
    minutes = math.ceil(seconds / 60)
    return Refusal(reason(minutes) % {"num": minutes}, seconds)


def login_refusal(conn: sa.Connection, name: str, address: str, now: datetime, tr: Texts) -> Refusal | None:
    """A ``Refusal`` (its reason in ``tr``'s language) if sign-ins for ``name`` or from ``address`` are
    limited now, else None."""
    since = now - WINDOW
    return _refusal(
        store.failures_since(conn, since, name=name),
        ACCOUNT_FAILURES,
        now,
        lambda n: tr.ngettext(
            "too many failed sign-ins for this account; try again in %(num)d minute",
            "too many failed sign-ins for this account; try again in %(num)d minutes",
            n,
        ),
    ) or _refusal(
        store.failures_since(conn, since, address=address),
        ADDRESS_FAILURES,
        now,
        lambda n: tr.ngettext(
            "too many failed sign-ins from this address; try again in %(num)d minute",
            "too many failed sign-ins from this address; try again in %(num)d minutes",
            n,
        ),
    )


def record_attempt(conn: sa.Connection, name: str, address: str, ok: bool, now: datetime) -> None:
    """Count a sign-in that was checked; attempts older than ``KEEP`` are dropped on the way."""
    store.record_login(conn, name, address, ok, now)
    store.drop_old_logins(conn, now - KEEP)
