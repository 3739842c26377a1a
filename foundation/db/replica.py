"""A read replica: where reads outside a unit of work go, while it answers.

``Database(engine, replica=Replica(replica_engine))`` (or ``database.replica_url``) sends
read-only units opened outside any unit of work (``reading()``, ``unit(readonly=True)`` and
what builds on them) to the replica. Writes, and everything inside a unit of work, stay on
the primary. Once a request has opened a write unit, its later reads go to the primary too,
so that it reads its own writes (outside a request: the rest of the task's context).

A replica that refuses a connection is left alone for ``retry_seconds``: reads go to the
primary meanwhile, and a warning says so once per outage. A pooled connection the replica
closed (a restart, a stop) is noticed at checkout without a round trip.
"""

from __future__ import annotations

import asyncio
import time
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from foundation.context import current_request_id
from foundation.errors import DatabaseUnavailableError
from foundation.logging import logger

DEFAULT_RETRY_SECONDS = 5.0


class Replica:
    """A read replica's engine and whether it may be used now."""

    def __init__(self, engine: AsyncEngine, *, retry_seconds: float = DEFAULT_RETRY_SECONDS):
        self.engine = engine
        self.retry_seconds = retry_seconds
        self._down_until = 0.0
        # the request id (in a 1-tuple: None outside requests) whose context has written
        self._wrote: ContextVar[tuple[str | None] | None] = ContextVar(
            f"foundation_replica_wrote_{id(self)}", default=None
        )
        _notice_closed_connections(engine)

    def note_write(self) -> None:
        """This request writes: its reads go to the primary from now on."""
        self._wrote.set((current_request_id(),))

    def has_written(self) -> bool:
        """Whether the current request (or context, outside requests) has written."""
        wrote = self._wrote.get()
        return wrote is not None and wrote[0] == current_request_id()

    @property
    def available(self) -> bool:
        """False while a refused connection is recent (``retry_seconds``)."""
        return time.monotonic() >= self._down_until

    async def connect(self, primary: AsyncEngine) -> AsyncConnection:
        """A read connection: the replica's, or ``primary``'s when this request has written
        or the replica is down."""
        if self.has_written() or not self.available:
            return await primary.connect()
        try:
            return await self.engine.connect()
        except Exception as error:
            self._down_until = time.monotonic() + self.retry_seconds
            logger.warning(
                "read replica {url} is unavailable ({error}): reading from the primary",
                url=self.engine.url.render_as_string(hide_password=True),
                error=type(error).__name__,
            )
            return await primary.connect()

    async def ping(self, timeout: float = 2.0) -> float:
        """Run ``SELECT 1`` on the replica; the latency in seconds, or
        ``DatabaseUnavailableError``."""
        start = time.perf_counter()
        try:
            async with asyncio.timeout(timeout), self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except TimeoutError as error:
            raise DatabaseUnavailableError("The read replica did not answer in time.") from error
        except Exception as error:
            raise DatabaseUnavailableError() from error
        return time.perf_counter() - start

    async def dispose(self) -> None:
        """Close the replica's pooled connections."""
        await self.engine.dispose()


def _notice_closed_connections(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        is_closed = getattr(getattr(dbapi_connection, "driver_connection", None), "is_closed", None)
        if callable(is_closed) and is_closed():
            # the pool discards it and connects afresh; a refusal then reaches connect()
            raise exc.DisconnectionError("the replica closed this connection")
