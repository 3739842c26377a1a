"""The ``Database``: engine, session factory and the unit of work."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from types import TracebackType
from typing import Any

from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    AsyncTransaction,
    async_sessionmaker,
)
from sqlalchemy.pool import QueuePool

from foundation.config import DatabaseSettings
from foundation.db.engine import READ_ONLY_OPTION, create_engine
from foundation.errors import DatabaseUnavailableError, translate_db_errors, translated_db_error


class Database:
    """An async engine with its session factory.

    ``transaction()`` is the unit of work: it commits when the block succeeds, rolls back on
    any exception, and nests through SAVEPOINTs when entered again inside itself. Built with
    ``bind=connection`` it joins an outer transaction on that connection (test isolation):
    commits become SAVEPOINT releases and nothing outlives the outer rollback.

    ``reading()`` and ``writing()`` are the light alternatives for work outside any unit of
    work that needs no entities: a bare connection, no ORM session.
    """

    def __init__(self, engine: AsyncEngine, *, bind: AsyncConnection | None = None) -> None:
        self.engine = engine
        self._owns_engine = bind is None
        self._bind = bind
        # reads share the pool; on SQLite they skip the explicit BEGIN (see engine.py)
        self._reader = engine.execution_options(**{READ_ONLY_OPTION: True})
        options: dict[str, Any] = {"expire_on_commit": False}
        if bind is not None:
            options["join_transaction_mode"] = "create_savepoint"
        self.sessionmaker = async_sessionmaker(bind=bind or engine, **options)
        # (task, session): child tasks inherit context variables, but must not share a
        # session — an AsyncSession is not safe for concurrent use.
        self._current: ContextVar[tuple[asyncio.Task[Any] | None, AsyncSession] | None] = (
            ContextVar(f"foundation_session_{id(self)}", default=None)
        )

    @classmethod
    def from_settings(cls, settings: DatabaseSettings | str) -> Database:
        """Create the engine from settings (or a URL) and wrap it."""
        return cls(create_engine(settings))

    @property
    def dialect(self) -> str:
        """Backend name: ``sqlite``, ``postgresql`` or ``mysql``."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A plain session, closed at the end; the caller commits."""
        async with self.sessionmaker() as session:
            yield session

    def current_session(self) -> AsyncSession | None:
        """The session of the ``transaction()`` open in this task, if any."""
        current = self._current.get()
        if current is None or current[0] is not asyncio.current_task():
            return None
        return current[1]

    @asynccontextmanager
    async def transaction(self, *, savepoint: bool = True) -> AsyncIterator[AsyncSession]:
        """Unit of work: commit on success, roll back on error; nested calls use SAVEPOINTs.

        ``savepoint=False`` joins an open unit of work as it is (two round trips fewer): an
        error inside then fails the whole outer unit, which is what a caller that lets it
        propagate wants anyway.
        """
        outer = self.current_session()
        if outer is not None and not savepoint:
            yield outer
            return
        if outer is not None:
            with translate_db_errors():
                async with outer.begin_nested():
                    yield outer
            return
        async with self.sessionmaker() as session:
            token = self._current.set((asyncio.current_task(), session))
            try:
                with translate_db_errors():
                    yield session
                    await session.commit()
            except BaseException:
                await session.rollback()
                raise
            finally:
                self._current.reset(token)

    def reading(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection for reads: Core statements only, nothing is committed.

        Cheaper than ``transaction()`` by the whole ORM session: the connection comes from
        the pool and goes back with a rollback. On PostgreSQL and MariaDB the statements
        share one transaction, as in ``transaction()``; on SQLite each one reads on its own
        (the driver's default), without the explicit ``BEGIN`` that SAVEPOINTs need. Bound
        to an outer connection (test isolation), it reads on that connection, seeing what
        the test wrote. Inside a ``transaction()`` read through its session instead: it may
        hold writes not yet flushed.
        """
        if self._bind is not None:
            return _Borrowed(self._bind)
        return _Pooled(self._reader, commit=False)

    def writing(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection in a transaction of its own, for Core statements: committed when the
        block succeeds, rolled back on any exception (errors translated).

        ``transaction()`` without the ORM session; the same statements, the same
        all-or-nothing. Bound to an outer connection (test isolation), it is a SAVEPOINT
        on that connection, as ``transaction()`` is then.
        """
        if self._bind is not None:
            return _Savepoint(self._bind)
        return _Pooled(self.engine, commit=True)

    async def ping(self, timeout: float = 2.0) -> float:
        """Run ``SELECT 1``; return the latency in seconds or raise ``DatabaseUnavailableError``."""
        start = time.perf_counter()
        try:
            async with asyncio.timeout(timeout), self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except TimeoutError as exc:
            raise DatabaseUnavailableError("The database did not answer in time.") from exc
        except Exception as exc:
            raise DatabaseUnavailableError() from exc
        return time.perf_counter() - start

    def pool_status(self) -> dict[str, int]:
        """Pool counters (size, checked in/out, overflow) where the pool keeps them."""
        pool = self.engine.pool
        if not isinstance(pool, QueuePool):
            return {}
        return {
            "size": pool.size(),
            "checked_in": pool.checkedin(),
            "checked_out": pool.checkedout(),
            "overflow": pool.overflow(),
        }

    async def create_all(self, metadata: MetaData) -> None:
        """Create every table of ``metadata`` (development and tests; use migrations otherwise)."""
        async with self.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)

    async def drop_all(self, metadata: MetaData) -> None:
        """Drop every table of ``metadata``."""
        async with self.engine.begin() as connection:
            await connection.run_sync(metadata.drop_all)

    async def dispose(self) -> None:
        """Close pooled connections (only when this object created the engine)."""
        if self._owns_engine:
            await self.engine.dispose()


class _Pooled(AbstractAsyncContextManager[AsyncConnection]):
    """``Database.reading()`` and ``writing()``: a pooled connection, errors translated;
    ``commit`` commits a clean block, and whatever was not committed is rolled back when
    the connection goes back to the pool.

    A plain class: a generator context manager costs more on every call.
    """

    __slots__ = ("_commit", "_connection", "_engine")

    def __init__(self, engine: AsyncEngine, *, commit: bool) -> None:
        self._engine = engine
        self._commit = commit
        self._connection: AsyncConnection | None = None

    async def __aenter__(self) -> AsyncConnection:
        with translate_db_errors():
            self._connection = await self._engine.connect()
        return self._connection

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        connection = self._connection
        if connection is not None:
            with translate_db_errors():
                try:
                    if self._commit and exc_type is None:
                        await connection.commit()  # the first statement began the transaction
                finally:
                    await connection.close()
        _raise_translated(exc)


class _Borrowed(AbstractAsyncContextManager[AsyncConnection]):
    """``Database.reading()`` on a connection owned by someone else: left open."""

    __slots__ = ("_connection",)

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def __aenter__(self) -> AsyncConnection:
        return self._connection

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        _raise_translated(exc)


class _Savepoint(AbstractAsyncContextManager[AsyncConnection]):
    """``Database.writing()`` on a connection owned by someone else: a SAVEPOINT on it."""

    __slots__ = ("_connection", "_savepoint")

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection
        self._savepoint: AsyncTransaction | None = None

    async def __aenter__(self) -> AsyncConnection:
        with translate_db_errors():
            self._savepoint = await self._connection.begin_nested()
        return self._connection

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        savepoint = self._savepoint
        if savepoint is not None and savepoint.is_active:
            with translate_db_errors():
                if exc_type is None:
                    await savepoint.commit()
                else:
                    await savepoint.rollback()
        _raise_translated(exc)


def _raise_translated(exc: BaseException | None) -> None:
    """Raise a database error from a ``reading()``/``writing()`` block as the foundation
    error ``transaction()`` would raise; leave any other exception as it is."""
    translated = None if exc is None else translated_db_error(exc)
    if translated is not None:
        raise translated from exc
