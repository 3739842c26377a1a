"""Prometheus measurements of an engine: pool gauges and statement latency.

Listeners on SQLAlchemy's pool events and the statement clock of
:mod:`foundation.db.calls`, added by ``instrument_engine`` (the app does it when metrics are
on); an engine never instrumented pays nothing.
"""

from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import Pool, QueuePool

from foundation.db.calls import calls_of
from foundation.metrics import (
    DB_POOL_CHECKED_OUT,
    DB_POOL_OVERFLOW,
    DB_POOL_SIZE,
    DB_QUERY_DURATION,
)

_instrumented: weakref.WeakSet[Any] = weakref.WeakSet()


def _pool_recorder(pool: Pool, database: str) -> Any:
    size, checked_out, overflow = (
        gauge.labels(database=database)
        for gauge in (DB_POOL_SIZE, DB_POOL_CHECKED_OUT, DB_POOL_OVERFLOW)
    )

    def record(*_args: Any) -> None:
        if isinstance(pool, QueuePool):
            size.set(pool.size())
            checked_out.set(pool.checkedout())
            # QueuePool counts overflow from -size: negative while the pool is not full
            overflow.set(max(0, pool.overflow()))

    return record


def instrument_engine(engine: AsyncEngine, database: str = "primary") -> None:
    """Measure ``engine``'s pool and statements under the label ``database``; once per
    engine (later calls do nothing)."""
    sync_engine = engine.sync_engine
    if sync_engine in _instrumented:
        return
    _instrumented.add(sync_engine)
    record = _pool_recorder(sync_engine.pool, database)
    for name in ("connect", "checkout", "checkin", "close", "invalidate"):
        event.listen(sync_engine.pool, name, record)
    record()
    calls_of(engine).observe = DB_QUERY_DURATION.labels(database=database).observe
