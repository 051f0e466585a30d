"""What ``trendpapers status`` reports: each source's state, next try and document health, the
store's counts, the schedule and the last runs; and resuming paused sources."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from ingest import store as ingest_store
from ingest.errors import InputError
from ingest.wording import plural
from trendpapers import runs
from trendpapers.config import Config
from trendpapers.db import open_store
from trendpapers.lock import is_busy, workspace_lock
from trendpapers.scheduler import SCHEDULER_LOCK, read_state


def ago(when: datetime | None, now: datetime | None = None) -> str:
    """ "5m ago" """
    if when is None:
        return "never"
    seconds = int(((now or datetime.now(UTC)) - when).total_seconds())
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def _next_try(state: ingest_store.SourceState, now: datetime) -> str:
    if state.paused_reason:
        return "paused: `trendpapers resume` it"
    if state.not_before and state.not_before > now:
        return f"not before {state.not_before:%Y-%m-%d %H:%M} UTC (backing off)"
    return "next run"


def _health(health: ingest_store.SourceHealth | None) -> str:
    if health is None:
        return "no documents yet"
    parts = [f"{health.ok} ok", f"{health.fallback} fallback", f"{health.failed} failed"]
    if health.deferred:
        parts.append(f"{health.deferred} deferred")
    return "documents " + ", ".join(parts)


def status_lines(config: Config, now: datetime | None = None) -> list[str]:
    """The report, line by line."""
    now = now or datetime.now(UTC)
    engine = open_store(config.storage_url, read_only=True)
    with engine.connect() as conn:
        states = ingest_store.source_states(conn)
        health = ingest_store.source_health(conn)
        totals = ingest_store.counts(conn)
    lines = ["sources:"]
    for s in states:
        flag = (
            "inactive"
            if not s.active
            else "PAUSED"
            if s.paused_reason
            else "failing"
            if s.last_error
            else "new, not fetched yet"
            if s.last_fetch_at is None
            else "ok"
        )
        line = (
            f"  {s.name}: {flag}, last fetch {ago(s.last_fetch_at, now)}, HTTP {s.last_status or '-'}, "
            f"{plural(s.items, 'item')}"
        )
        if s.consecutive_failures:
            line += f", {plural(s.consecutive_failures, 'failure')} in a row"
        lines.append(line)
        if s.active:
            lines.append(f"      next try: {_next_try(s, now)}")
        source_health = health.get(s.name)
        lines.append(f"      {_health(source_health)}")
        problems = (
            ("paused", s.paused_reason),
            ("error", None if s.paused_reason else s.last_error),
            ("warning", s.last_warning),
            ("last document problem", source_health.last_problem if source_health else None),
        )
        lines += [f"      {label}: {text}" for label, text in problems if text]
    lines.append("store: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
    planned = read_state(config.root) if is_busy(config.root, SCHEDULER_LOCK) else {}
    if config.schedule and not planned:
        lines.append("schedule: no scheduler runs; `trendpapers schedule` runs the jobs of [schedule.jobs]")
    if planned:
        lines.append("schedule (as last written by `trendpapers schedule`):")
        lines += [
            f"  {job}: {state['when']}, next {state['next'] or '-'}, last {state['last'] or '-'}"
            for job, state in planned.items()
        ]
    lines += _digest_lines(engine)
    lines.append("last runs:")
    last = runs.last_runs(engine)
    if not last:
        lines.append("  none yet")
    busy = is_busy(config.root)
    for run in last:
        took = f", took {(run.finished_at - run.started_at).total_seconds():.1f}s" if run.finished_at else ""
        state = run.status
        if state == "running" and not busy:  # every run holds the workspace: this one was killed
            state = "interrupted (no process holds the workspace)"
        counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in run.counts.items() if v)
        errors = f"; {plural(len(run.errors), 'error')}" if run.errors else ""
        started = ago(run.started_at, now)
        lines.append(f"  {run.stage}: {state}, started {started}{took}; {counts or 'nothing done'}{errors}")
    return lines


def _digest_lines(engine: sa.Engine) -> list[str]:
    """The members' digests: what was delivered, and each address whose last try failed (retried by
    the next `trendpapers digest`)."""
    from papers.store import delivery_rows

    with engine.connect() as conn:
        rows = delivery_rows(conn)
    if not rows:
        return []
    sent = [r for r in rows if r["status"] == "sent"]
    addresses = plural(len({r["recipient"] for r in sent}), "address", "addresses")
    lines = [f"digests: {plural(len(sent), 'paper')} delivered to {addresses}"]
    failing: dict[str, dict[str, object]] = {}
    for r in rows:
        if r["status"] == "failed":
            failing.setdefault(r["recipient"], r)
    for address, r in sorted(failing.items()):
        tries = plural(int(str(r["attempts"])), "attempt")
        lines.append(f"  not delivered yet: {r['member']} <{address}> ({tries}): {r['error']}")
    return lines


def resume(config: Config, names: Sequence[str] | None) -> list[str]:
    """Resume the sources ``names`` (any case), or all paused or failing ones when None; what came
    of each, a line per source. A name that matches no source is an ``InputError`` naming it, and
    resumes none."""
    with workspace_lock(config.root, "resume"):
        engine = open_store(config.storage_url)
        with engine.begin() as conn:
            stuck = {
                s.name for s in ingest_store.source_states(conn) if s.paused_reason or s.consecutive_failures
            }
            resumed = ingest_store.resume_sources(conn, names)
            missing = sorted({n.lower() for n in names or ()} - {r.lower() for r in resumed})
            if missing:  # raised inside the transaction: nothing is resumed
                raise InputError(f"no source named {', '.join(map(repr, missing))} in the store")
    return [
        f"{name}: resumed; fetched at the next run"
        if name in stuck
        else f"{name}: was neither paused nor failing"
        for name in resumed
    ]
