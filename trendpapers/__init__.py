"""Trendpapers: the application shell (configuration, CLI, pipeline order, store, demo)."""

from ingest.errors import (
    ConfigError,
    ItemError,
    LockError,
    StorageError,
    TrendpapersError,
)
from trendpapers.config import Config, load_config, parse_config
from trendpapers.db import create_engine, migrate, open_store

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
