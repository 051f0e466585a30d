"""The scheduler: failing jobs come round again, others keep their times, hung jobs are stopped."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from functools import partial
from pathlib import Path

import pytest

from tests.conftest import LocalServer, make_workspace
from trendpapers.pipeline import STAGES
from trendpapers.scheduler import KNOWN_JOBS, STATE_NAME, JobSpec, Outcome, Scheduler, check_when, read_state


def job(marks: str, name: str) -> int:
    """Test jobs, run in child processes: each leaves a mark, then does what its name says."""
    with Path(marks).open("a") as f:
        f.write(f"{name} {time.time()}\n")
    if name == "boom":
        raise RuntimeError("boom")
    if name == "hang":
        time.sleep(60)
    return 0


@pytest.mark.slow  # jobs in child processes, every second, until each was seen
def test_failing_job_runs_again_others_keep_time_hung_job_is_stopped(tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    outcomes: list[Outcome] = []

    def record(outcome: Outcome) -> None:
        outcomes.append(outcome)
        ran = Counter(o.job for o in outcomes)
        if ran["boom"] >= 2 and ran["tick"] >= 2 and ran["hang"] >= 1:
            scheduler.stop()  # enough seen: a busy machine only takes longer to get here

    scheduler = Scheduler(
        [
            JobSpec("boom", "every 1 second", 30),
            JobSpec("tick", "every 1 second", 30),
            JobSpec("hang", "every 2 seconds", 1),
        ],
        partial(job, str(marks)),
        record=record,
        state_file=tmp_path / STATE_NAME,
    )
    scheduler.loop(run_for=600)
    ran = [line.split()[0] for line in marks.read_text().splitlines()]
    assert ran.count("boom") >= 2 and ran.count("tick") >= 2 and ran.count("hang") >= 1
    by_job = {o.job: [x for x in outcomes if x.job == o.job] for o in outcomes}
    assert all(o.status == "failed" for o in by_job["boom"])
    assert all(o.status == "ok" for o in by_job["tick"])
    hung = by_job["hang"][0]
    assert hung.status == "timeout" and 1 <= hung.seconds < 60  # timeout, SIGTERM, grace (generous: load)
    assert read_state(tmp_path) == {}  # removed on exit: `status` shows no stale due times


@pytest.mark.parametrize(
    ("when", "ok"),
    [
        ("every 60 minutes", True),
        ("every 1 hour", True),
        ("daily at 05:00", True),
        ("weekly on monday at 06:30", True),
        ("hourly", False),
        ("daily at 25:00", False),
        ("every minutes", False),
    ],
)
def test_schedule_syntax(when: str, ok: bool) -> None:
    assert (check_when(when) is None) is ok


def test_every_stage_can_be_scheduled() -> None:
    assert set(KNOWN_JOBS) == {"run", "digest", *STAGES}  # the members' e-mail is a job of its own


@pytest.mark.slow  # the schedule command in its own process, for some seconds
def test_schedule_command_reports_next_times_and_stops_on_sigterm(
    tmp_path: Path, server: LocalServer
) -> None:
    feed = server.static(
        "/f.xml",
        b"<rss version='2.0'><channel><title>t</title><item><title>A</title><guid>a</guid></item></channel></rss>",
    )
    edits = {'ingest = "every 60 minutes"': 'ingest = "every 1 second"', "workers = 2": "workers = 0"}
    config = make_workspace(tmp_path / "ws", {"F": feed}, edits)
    process = subprocess.Popen(
        [sys.executable, "-m", "trendpapers", "-c", str(config), "schedule"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120  # generous: each run starts an interpreter
        while len(server.hits("/f.xml")) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(server.hits("/f.xml")) >= 2  # ran, and ran again
        status = subprocess.run(
            [sys.executable, "-m", "trendpapers", "-c", str(config), "status"], capture_output=True, text=True
        )
        assert "ingest: every 1 second, next 20" in status.stdout and "job ingest: ok" in status.stdout
        # Each run starts an interpreter: it took some time (it used to be recorded as 0.0 s).
        assert re.search(r"job ingest: ok, started .*, took (?!0\.0s)\d+\.\ds", status.stdout), status.stdout
        second = subprocess.run(
            [sys.executable, "-m", "trendpapers", "-c", str(config), "schedule"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second.returncode == 75 and "a scheduler already runs here" in second.stderr, second.stderr
        os.kill(process.pid, signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
    finally:  # a failed assertion must not leave a scheduler running
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "scheduler stopped" in err
    status = subprocess.run(
        [sys.executable, "-m", "trendpapers", "-c", str(config), "status"], capture_output=True, text=True
    )
    assert "schedule: no scheduler runs; `trendpapers schedule` runs the jobs" in status.stdout, status.stdout


def orphan_maker(marks: str, name: str) -> int:
    """A job that starts a worker of its own and then hangs, like an ingest with its pool."""
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    Path(marks).write_text(str(worker.pid))
    time.sleep(60)
    return 0


@pytest.mark.slow  # a job and its worker in child processes, stopped by the timeout
def test_a_stopped_job_takes_its_own_processes_with_it(tmp_path: Path) -> None:
    marks = tmp_path / "worker.pid"
    outcomes: list[Outcome] = []

    def record(outcome: Outcome) -> None:
        outcomes.append(outcome)
        scheduler.stop()

    # The timeout leaves a busy machine time to start the job and its worker.
    scheduler = Scheduler(
        [JobSpec("hang", "every 1 second", 8)], partial(orphan_maker, str(marks)), record=record
    )
    scheduler.loop(run_for=600)
    assert outcomes and outcomes[0].status == "timeout"
    worker = int(marks.read_text())
    stat = Path(f"/proc/{worker}/stat")

    def gone() -> bool:  # no such process, or a zombie waiting for init (which may not reap here)
        return not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"

    deadline = time.monotonic() + 60
    while not gone() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert gone()


def test_zero_intervals_are_refused() -> None:
    assert check_when("every 0 minutes") is not None
