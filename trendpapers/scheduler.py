"""``trendpapers schedule``: the long-running mode, on the ``schedule`` library.

Every job runs in a child process, so that a job that hangs can be stopped at its timeout and a
job that crashes takes nothing else with it; the scheduler logs and records each outcome and
the job simply comes round again at its next time. SIGTERM/SIGINT stop the loop: the job under
way is asked to stop (its stage commits per item, so nothing done is lost) and the scheduler
exits cleanly. The next due times are written to a small state file for ``trendpapers status``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import schedule

from trendpapers.lock import EXIT_LOCKED, workspace_lock
from trendpapers.logs import setup_logging

if TYPE_CHECKING:
    from trendpapers.config import Config

log = logging.getLogger(__name__)

STATE_NAME = ".trendpapers-schedule.json"
SCHEDULER_LOCK = ".trendpapers-schedule.lock"  # one scheduler per workspace
# "run" is every stage in order; the others are single stages.
KNOWN_JOBS = ("run", "ingest", "analyze", "draft", "build", "digest")  # digest: e-mail, never in "run"
_EVERY = re.compile(r"^every\s+([1-9]\d*)\s+(second|minute|hour|day)s?$")
_DAILY = re.compile(r"^daily\s+at\s+([01]\d|2[0-3]):([0-5]\d)$")
_WEEKLY = re.compile(
    r"^weekly\s+on\s+(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\s+at\s+([01]\d|2[0-3]):([0-5]\d)$"
)
EXIT_CRASHED = 70  # EX_SOFTWARE: the job raised (1 means it finished, with item errors)
GRACE = 10.0  # seconds a stopped job gets to finish its item before it is killed


@dataclass(frozen=True)
class JobSpec:
    """A job of the schedule: what (a stage, or "run" for all), when, and its time limit."""

    name: str
    when: str  # "every 60 minutes", "daily at 05:00", "weekly on monday at 06:30"
    timeout: float = 3600.0  # seconds before the job is stopped


def check_when(text: str) -> str | None:
    """None if ``text`` is a schedule we understand, else the reason it is not."""
    text = " ".join(text.lower().split())
    if _EVERY.match(text) or _DAILY.match(text) or _WEEKLY.match(text):
        return None
    return "must be 'every N seconds|minutes|hours|days', 'daily at HH:MM' or 'weekly on DAY at HH:MM'"


def _plan(scheduler: schedule.Scheduler, when: str) -> schedule.Job:
    text = " ".join(when.lower().split())
    if m := _EVERY.match(text):
        return getattr(scheduler.every(int(m.group(1))), m.group(2) + "s")
    if m := _DAILY.match(text):
        return scheduler.every().day.at(f"{m.group(1)}:{m.group(2)}")
    if m := _WEEKLY.match(text):
        return getattr(scheduler.every(), m.group(1)).at(f"{m.group(2)}:{m.group(3)}")
    raise ValueError(f"unknown schedule {when!r}")


@dataclass(frozen=True)
class Outcome:
    job: str
    status: str  # "ok", "failed", "timeout", "busy" (another writer held the workspace), "stopped"
    seconds: float
    detail: str | None = None


def job_process(target: Callable[[str], int | None], job: str, log: tuple[int, str, str | None]) -> None:
    """The entry point of a job's child process; its exit code tells the scheduler the outcome."""
    # A process group of its own: the scheduler stops the job with everything it started (its
    # worker processes too), and a Ctrl-C meant for the scheduler does not reach it directly.
    os.setpgrp()
    level, fmt, file = log
    setup_logging(level, fmt, Path(file) if file else None, rotate=False)
    # SIGTERM from the scheduler: unwind like an interrupt, so open transactions roll back cleanly.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        code = target(job)
    except BaseException as exc:
        if isinstance(exc, SystemExit):
            raise
        logging.getLogger(__name__).exception("job %s failed", job)
        sys.exit(EXIT_CRASHED)
    sys.exit(code or 0)


def _signal_group(process: Any, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


class Scheduler:
    """Runs ``target(job_name)`` in a child process for each job when it is due."""

    def __init__(
        self,
        jobs: Sequence[JobSpec],
        target: Callable[[str], int | None],
        *,
        record: Callable[[Outcome], None] = lambda outcome: None,
        state_file: Path | None = None,
        log_settings: tuple[str, Path | None] = ("text", None),
    ):
        self._target, self._record, self._state_file = target, record, state_file
        self._schedule = schedule.Scheduler()
        self._jobs = {spec.name: spec for spec in jobs}
        self._planned = {spec.name: _plan(self._schedule, spec.when).do(self._run, spec) for spec in jobs}
        self._stopping = False
        self._current: Any = None
        self._last: dict[str, Outcome] = {}
        self._written = ""
        fmt, file = log_settings
        self._log = (logging.getLogger().level, fmt, str(file) if file else None)

    def stop(self, *_: object) -> None:
        """Stop after the job under way (which is asked to stop too)."""
        if not self._stopping:
            log.info("stopping: finishing the job under way")
        self._stopping = True
        if self._current is not None and self._current.is_alive():
            _signal_group(self._current, signal.SIGTERM)

    def _run(self, spec: JobSpec) -> None:
        if self._stopping:  # another job came due in the same round as the stop
            return
        try:
            outcome = self._execute(spec)
        except Exception as exc:  # e.g. no process could be started: log, record, carry on
            log.exception("job %s: could not run", spec.name)
            outcome = Outcome(spec.name, "failed", 0.0, f"could not run: {exc}")
        self._last[spec.name] = outcome
        (log.info if outcome.status == "ok" else log.warning)(
            "job %s: %s after %.1fs%s",
            spec.name,
            outcome.status,
            outcome.seconds,
            f" ({outcome.detail})" if outcome.detail else "",
        )
        try:
            self._record(outcome)
        except Exception:  # a failure to record must not stop the schedule
            log.exception("job %s: could not record the outcome", spec.name)

    def _execute(self, spec: JobSpec) -> Outcome:
        context = multiprocessing.get_context("spawn")
        process = context.Process(
            target=job_process, args=(self._target, spec.name, self._log), name=f"job-{spec.name}"
        )
        started = time.monotonic()
        log.info("job %s: starting", spec.name)
        process.start()
        self._current = process
        if self._stopping:  # SIGTERM arrived while the process was starting
            _signal_group(process, signal.SIGTERM)
        process.join(spec.timeout)
        status, detail = "ok", None
        if process.is_alive():
            _signal_group(process, signal.SIGTERM)
            process.join(GRACE)
            if process.is_alive():
                _signal_group(process, signal.SIGKILL)
                process.join()
            status, detail = "timeout", f"stopped after its timeout of {spec.timeout:g}s"
        elif process.exitcode == EXIT_LOCKED:
            status, detail = "busy", "another process was writing to the workspace"
        elif self._stopping:
            status, detail = "stopped", "stopped with the scheduler"
        elif process.exitcode not in (0, 1):  # 1: finished, with item errors (recorded by the stage)
            status, detail = "failed", f"exit code {process.exitcode}"
        else:
            _signal_group(process, signal.SIGKILL)  # workers a finished job may have left behind
        self._current = None
        return Outcome(spec.name, status, time.monotonic() - started, detail)

    def _write_state(self) -> None:
        if self._state_file is None:
            return
        state = {
            name: {
                "when": self._jobs[name].when,
                "next": job.next_run.astimezone(UTC).isoformat(timespec="seconds") if job.next_run else None,
                "last": self._last[name].status if name in self._last else None,
            }
            for name, job in self._planned.items()
        }
        text = json.dumps(state, indent=1)
        if text == self._written:  # the loop polls several times a second; the disk need not know
            return
        tmp = self._state_file.with_name(self._state_file.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(self._state_file)
        self._written = text

    def loop(self, *, run_for: float | None = None, poll: float = 0.2) -> None:
        """Run due jobs until stopped (or for ``run_for`` seconds)."""
        end = None if run_for is None else time.monotonic() + run_for
        while not self._stopping and (end is None or time.monotonic() < end):
            self._schedule.run_pending()  # runs each due job once, in turn
            try:
                self._write_state()
            except OSError as exc:  # a full or read-only disk must not stop the schedule
                log.warning("cannot write the schedule state: %s", exc)
            if not self._stopping:
                time.sleep(poll)
        if self._state_file is not None:  # no stale due times in `status` once we are gone
            self._state_file.unlink(missing_ok=True)
        log.info("scheduler stopped")


def read_state(directory: Path) -> dict[str, dict[str, Any]]:
    """The scheduler's last written next due times, or {} if it never ran here."""
    try:
        return dict(json.loads((directory / STATE_NAME).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def install_signal_handlers(scheduler: Scheduler) -> None:
    signal.signal(signal.SIGTERM, scheduler.stop)
    signal.signal(signal.SIGINT, scheduler.stop)


def run_schedule(config: Config, log_settings: tuple[str, Path | None]) -> None:
    """``trendpapers schedule``: the workspace's jobs when due, each outcome recorded as a run,
    until SIGTERM or Ctrl-C."""
    from functools import partial

    from trendpapers import runs
    from trendpapers.db import open_store
    from trendpapers.pipeline import run_job

    engine = open_store(config.storage_url)

    def record(outcome: Outcome) -> None:  # recorded once it ended: it started that long ago
        started = datetime.now(UTC) - timedelta(seconds=outcome.seconds)
        run_id = runs.start(engine, f"job {outcome.job}", started)
        errors = [outcome.detail] if outcome.detail else []
        runs.finish(engine, run_id, outcome.status, {"seconds": round(outcome.seconds)}, errors)

    # Two schedulers would run each job twice, and the first to stop would delete the other's plan.
    busy = "a scheduler already runs here ({holder}); stop it first"
    with workspace_lock(config.root, "schedule", SCHEDULER_LOCK, busy):
        scheduler = Scheduler(
            config.schedule,
            partial(run_job, str(config.path)),
            record=record,
            state_file=config.root / STATE_NAME,
            log_settings=log_settings,
        )
        install_signal_handlers(scheduler)
        scheduler.loop()
