"""Retrying transient database failures: whole units of work, or idempotent reads.

Only errors whose ``transient`` flag is set are retried (serialization failures, deadlocks,
lock timeouts, a dropped connection); anything else is raised at once. Waits grow
exponentially with jitter so that colliding transactions do not collide again in step.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from foundation.db.database import Database
from foundation.errors import FoundationError, classify_db_error
from foundation.logging import logger

T = TypeVar("T")

DEFAULT_ATTEMPTS = 3
DEFAULT_BASE_DELAY = 0.05
DEFAULT_MAX_DELAY = 2.0


def backoff_delay(attempt: int, base_delay: float, max_delay: float) -> float:
    """Seconds to wait after failed ``attempt`` (1-based): half fixed, half random."""
    ceiling = min(max_delay, base_delay * 2.0 ** (attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


async def retry_transient(
    operation: Callable[[], Awaitable[T]],
    *,
    attempts: int = DEFAULT_ATTEMPTS,
    base_delay: float = DEFAULT_BASE_DELAY,
    max_delay: float = DEFAULT_MAX_DELAY,
    name: str | None = None,
) -> T:
    """Await ``operation()``, calling it again on a transient error, at most ``attempts``
    times in all. ``operation`` must be safe to repeat (a whole transaction, or a read)."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    label = name or getattr(operation, "__qualname__", "operation")
    for attempt in range(1, attempts + 1):
        try:
            return await operation()
        except (FoundationError, DBAPIError) as exc:
            error = classify_db_error(exc)
            if not error.transient or attempt == attempts:
                raise
            delay = backoff_delay(attempt, base_delay, max_delay)
            logger.warning(
                "retrying {name} after {code} (attempt {attempt} of {attempts}) in {delay:.3f}s",
                name=label,
                code=error.code,
                attempt=attempt,
                attempts=attempts,
                delay=delay,
            )
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


async def run_in_transaction(
    database: Database,
    work: Callable[[AsyncSession], Awaitable[T]],
    *,
    attempts: int = DEFAULT_ATTEMPTS,
    base_delay: float = DEFAULT_BASE_DELAY,
    max_delay: float = DEFAULT_MAX_DELAY,
) -> T:
    """Run ``work(session)`` in its own unit of work, retrying the whole unit on transient
    errors.

    Inside an outer ``database.transaction()`` the work runs once, in a SAVEPOINT: after a
    serialization failure or deadlock only the outermost transaction can be retried, so the
    error is left to the code that owns it.
    """

    async def unit() -> T:
        async with database.transaction() as session:
            return await work(session)

    if database.current_unit() is not None:
        return await unit()
    name = getattr(work, "__qualname__", "unit of work")
    return await retry_transient(
        unit, attempts=attempts, base_delay=base_delay, max_delay=max_delay, name=name
    )
