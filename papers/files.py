"""Paper files read with a clear error, atomic file writes (a reader, or a crash, sees the old file or
the new one, never a part), and the time stamps written into files."""

from __future__ import annotations

import contextlib
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from ingest.errors import InputError


def read_paper(path: Path) -> tuple[str, str]:
    """The text of an editor's file with ``\\n`` line ends, and the line end it uses (``\\r\\n`` or
    ``\\n``), so that a rewrite keeps it. FileNotFoundError passes; anything else unreadable is an
    InputError that names the file and what to do."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder where the paper file should be; move it away") from None
    except PermissionError:
        raise InputError(f"{path}: cannot be read (permission denied)") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8 in the editor"
        ) from None
    newline = "\r\n" if "\r\n" in text else "\n"
    return text.replace("\r\n", "\n"), newline


def write_atomic(path: Path, text: str, newline: str = "\n") -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder, fsync, then rename; each
    ``\\n`` written as ``newline``.

    The folder is fsynced too, so that after a power loss the rename itself is not lost.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # keep the file's permissions; a new one is readable by all (mkstemp would make it private)
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_if_changed(path: Path, text: str) -> bool:
    """Write atomically unless the file already holds exactly ``text``; returns whether it wrote."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (FileNotFoundError, UnicodeDecodeError):
        pass
    write_atomic(path, text)
    return True


def utc_stamp(when: datetime) -> str:
    """``when`` as written into papers and the feed: UTC, whole seconds, e.g. 2026-11-23T09:00:00Z."""
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
