"""Async engine, sessions, the unit of work and retries of transient failures."""

from foundation.db.database import Database
from foundation.db.engine import create_engine, engine_options, normalize_url
from foundation.db.replica import Replica
from foundation.db.retry import retry_transient, run_in_transaction
from foundation.db.unit import UnitOfWork

__all__ = [
    "Database",
    "Replica",
    "UnitOfWork",
    "create_engine",
    "engine_options",
    "normalize_url",
    "retry_transient",
    "run_in_transaction",
]
