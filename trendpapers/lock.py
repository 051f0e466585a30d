"""One writer at a time per workspace: an exclusive lock on a file, released by the kernel.

``flock`` locks belong to the open file: when the holder exits, however it exits (even
``kill -9``), the kernel drops the lock, so a crash never leaves a stale lock behind. The file
records who holds it, for the message a second process prints.
"""

from __future__ import annotations

import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from ingest.errors import LockError

LOCK_NAME = ".trendpapers.lock"
EXIT_LOCKED = 75  # EX_TEMPFAIL: the exit code of a command that found the workspace busy


def is_busy(directory: Path, name: str = LOCK_NAME) -> bool:
    """Whether a process holds the workspace's write lock (or the lock file ``name``) now; takes
    nothing, writes nothing."""
    try:
        fd = os.open(directory / name, os.O_RDONLY)
    except FileNotFoundError:
        return False
    except OSError:  # not ours to read (another user's umask): say busy rather than claim it is free
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # refused while another holds it exclusively
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # and with it the shared lock, if taken
    return False


@contextmanager
def workspace_lock(
    directory: Path,
    command: str,
    name: str = LOCK_NAME,
    busy: str = "the workspace is busy ({holder}); try again when it has finished",
) -> Iterator[None]:
    """Hold the workspace's write lock (or the lock file ``name``) for the block; ``LockError`` at
    once if another process has it, saying ``busy`` with ``{holder}`` for who holds it."""
    path = directory / name
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 500, 0).decode("utf-8", "replace").strip() or "another process"
            raise LockError(f"{directory}: {busy.format(holder=holder)}") from None
        os.ftruncate(fd, 0)
        since = f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC"
        note = f"pid {os.getpid()} on {socket.gethostname()}, `{command}` since {since}"
        os.pwrite(fd, note.encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the descriptor releases the lock
