"""Logging for people and for machines: readable lines by default, JSON lines on request;
to stderr (where journald or cron collect it) or to a file that rotates by size."""

from __future__ import annotations

import json
import logging
import logging.handlers
import sys
from datetime import UTC, datetime
from pathlib import Path

MAX_LOG_BYTES = 10_000_000
LOG_BACKUPS = 5


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and the exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(level: int, fmt: str = "text", file: Path | None = None, *, rotate: bool = True) -> None:
    """Replace the root logger's handlers with one that writes ``fmt`` ("text" or "json").

    ``rotate=False`` appends without rotating: for a job's child process, whose parent (the
    scheduler) owns the rotation of the same file.
    """
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = (
            logging.handlers.RotatingFileHandler(
                file, maxBytes=MAX_LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
            )
            if rotate
            else logging.FileHandler(file, encoding="utf-8")
        )
    else:
        handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        )
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(max(logging.DEBUG, min(level, logging.CRITICAL)))
    # Per-connection chatter of the HTTP library is never what an operator wants at -v.
    logging.getLogger("httpcore").setLevel(max(logging.INFO, level))
