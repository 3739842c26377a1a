"""Async engine, sessions, the unit of work and retries of transient failures."""

from foundation.db.database import Database
from foundation.db.engine import create_engine, engine_options, normalize_url
from foundation.db.retry import retry_transient, run_in_transaction

__all__ = [
    "Database",
    "create_engine",
    "engine_options",
    "normalize_url",
    "retry_transient",
    "run_in_transaction",
]
