"""Trendpapers: the application shell (configuration, CLI, pipeline order, store, demo)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.lazy import lazy_exports

if TYPE_CHECKING:
    from ingest.errors import (
        ConfigError,
        ItemError,
        LockError,
        StorageError,
        TrendpapersError,
    )
    from trendpapers.config import Config, load_config, parse_config
    from trendpapers.db import create_engine, migrate, open_store

_EXPORTS = {
    "ConfigError": "ingest.errors",
    "ItemError": "ingest.errors",
    "LockError": "ingest.errors",
    "StorageError": "ingest.errors",
    "TrendpapersError": "ingest.errors",
    "Config": "trendpapers.config",
    "load_config": "trendpapers.config",
    "parse_config": "trendpapers.config",
    "create_engine": "trendpapers.db",
    "migrate": "trendpapers.db",
    "open_store": "trendpapers.db",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "Config",
    "ConfigError",
    "ItemError",
    "LockError",
    "StorageError",
    "TrendpapersError",
    "create_engine",
    "load_config",
    "migrate",
    "open_store",
    "parse_config",
]
