"""The runs table: one row per stage run with its start, end, counts and errors."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from ingest.migrations import Migration, UTCDateTime

metadata = sa.MetaData()
runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("stage", sa.String(50), nullable=False, index=True),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("status", sa.String(20), nullable=False),  # running, ok, errors, failed
    sa.Column("counts", sa.Text, nullable=False, default="{}"),  # JSON object
    sa.Column("errors", sa.Text, nullable=False, default="[]"),  # JSON list of strings
)


def _create_v1(conn: sa.Connection) -> None:
    metadata.create_all(conn, tables=[runs])


MIGRATIONS = (Migration("runs", 1, "runs table", _create_v1),)

MAX_STORED_ERRORS = 200  # a run over 2,000 broken feeds need not store every message


@dataclass(frozen=True)
class Run:
    id: int
    stage: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    counts: dict[str, int]
    errors: list[str]


def start(engine: sa.Engine, stage: str, started_at: datetime | None = None) -> int:
    """Record a run of ``stage`` as running since ``started_at`` (default: now); returns its id."""
    with engine.begin() as conn:
        result = conn.execute(
            runs.insert().values(stage=stage, started_at=started_at or datetime.now(UTC), status="running")
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]  # always set for an insert


def finish(
    engine: sa.Engine, run_id: int, status: str, counts: dict[str, int], errors: Sequence[str]
) -> None:
    shown = list(errors[:MAX_STORED_ERRORS])
    if len(errors) > MAX_STORED_ERRORS:
        shown.append(f"... and {len(errors) - MAX_STORED_ERRORS} more")
    with engine.begin() as conn:
        conn.execute(
            runs.update()
            .where(runs.c.id == run_id)
            .values(
                finished_at=datetime.now(UTC),
                status=status,
                counts=json.dumps(counts),
                errors=json.dumps(shown),
            )
        )


def last_runs(engine: sa.Engine) -> list[Run]:
    """The latest run of each stage."""
    latest = sa.select(sa.func.max(runs.c.id)).group_by(runs.c.stage).scalar_subquery()
    with engine.connect() as conn:
        rows = conn.execute(sa.select(runs).where(runs.c.id.in_(latest)).order_by(runs.c.stage))
        return [
            Run(
                r.id,
                r.stage,
                r.started_at,
                r.finished_at,
                r.status,
                json.loads(r.counts),
                json.loads(r.errors),
            )
            for r in rows
        ]
