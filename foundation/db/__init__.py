"""Async engine, sessions and the unit of work."""

from foundation.db.database import Database
from foundation.db.engine import create_engine, engine_options, normalize_url

__all__ = ["Database", "create_engine", "engine_options", "normalize_url"]
