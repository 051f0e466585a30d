"""One writer per workspace: a second writer exits at once; a killed holder leaves no stale lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import LocalServer, make_workspace, trickle
from trendpapers.cli import EXIT_LOCKED
from trendpapers.lock import is_busy


def trendpapers(config: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "trendpapers", "-q", "-c", str(config), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow  # three CLI processes, one of them killed
def test_second_writer_exits_at_once_and_a_killed_holder_frees_the_lock(
    tmp_path: Path, server: LocalServer
) -> None:
    slow = server.route("/slow.xml", trickle(0.5, size=100))  # a feed that takes ~50 s to arrive
    config = make_workspace(tmp_path / "ws", {"Slow": slow})

    holder = trendpapers(config, "run")
    try:
        deadline = time.monotonic() + 120  # generous: a busy machine starts interpreters slowly
        while not server.hits("/slow.xml") and time.monotonic() < deadline:  # the holder is at work
            time.sleep(0.05)
        assert server.hits("/slow.xml")

        second = trendpapers(config, "run")
        _out, err = second.communicate(timeout=120)
        # "At once": while the holder still waits for its feed, however slowly the machine runs.
        assert second.returncode == EXIT_LOCKED and holder.poll() is None
        assert is_busy(config.parent)
    finally:
        if holder.poll() is None:
            os.kill(holder.pid, signal.SIGKILL)
    assert "workspace is busy" in err and f"pid {holder.pid}" in err and "`run`" in err

    holder.communicate(timeout=60)  # reaped, and its pipes closed
    assert not is_busy(config.parent)
    status = trendpapers(config, "status")
    out, _err = status.communicate(timeout=60)
    assert "  ingest: interrupted (no process holds the workspace), started " in out, out
    config.write_text(
        config.read_text().replace(
            slow, server.static("/fast.xml", b"<rss version='2.0'><channel><title>t</title></channel></rss>")
        )
    )
    third = trendpapers(config, "ingest")
    _out, err = third.communicate(timeout=60)
    assert third.returncode == 0, err
