"""The ``Database``: engine, session factory and the unit of work."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Any

from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    AsyncSessionTransaction,
    AsyncTransaction,
    async_sessionmaker,
)
from sqlalchemy.pool import QueuePool

from foundation.config import DatabaseSettings
from foundation.db.deadline import Deadline, engine_timeouts
from foundation.db.engine import create_engine
from foundation.db.replica import Replica
from foundation.db.unit import UnitOfWork
from foundation.errors import (
    ConfigurationError,
    DatabaseUnavailableError,
    translated_db_error,
)


class Database:
    """An async engine with its session factory and the unit of work.

    ``unit()`` is the unit of work: one connection in one transaction, committed when the
    block succeeds, rolled back on any exception, nested through SAVEPOINTs when entered
    again inside itself; its ORM session is made only when asked for. ``transaction()`` is
    the same unit yielding its session. Built with ``bind=connection`` it joins an outer
    transaction on that connection (test isolation): commits become SAVEPOINT releases and
    nothing outlives the outer rollback.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        bind: AsyncConnection | None = None,
        replica: Replica | None = None,
    ) -> None:
        self.engine = engine
        # reads outside units of work may go there (see foundation.db.replica)
        self.replica = None if bind is not None else replica
        self._owns_engine = bind is None
        self._bind = bind
        # client-side limits of the engine's calls, enforced per unit of work (deadline.py)
        self._timeouts = engine_timeouts(engine)
        options: dict[str, Any] = {"expire_on_commit": False}
        if bind is not None:
            options["join_transaction_mode"] = "create_savepoint"
        self.sessionmaker = async_sessionmaker(bind=bind or engine, **options)
        # (task, unit): child tasks inherit context variables, but must not share a unit —
        # neither a connection nor an AsyncSession is safe for concurrent use.
        self._current: ContextVar[tuple[asyncio.Task[Any] | None, UnitOfWork] | None] = ContextVar(
            f"foundation_unit_{id(self)}", default=None
        )

    @classmethod
    def from_settings(cls, settings: DatabaseSettings | str) -> Database:
        """Create the engine from settings (or a URL) and wrap it; with
        ``replica_url``, a second engine with the same options for the read replica."""
        if isinstance(settings, str) or settings.replica_url is None:
            return cls(create_engine(settings))
        replica = settings.model_copy(update={"url": settings.replica_url, "replica_url": None})
        return cls(create_engine(settings), replica=Replica(create_engine(replica)))

    @property
    def dialect(self) -> str:
        """Backend name: ``sqlite``, ``postgresql`` or ``mysql``."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A plain session, closed at the end; the caller commits."""
        if self.replica is not None:
            self.replica.note_write()  # it may write: read from the primary from now on
        async with self.sessionmaker() as session:
            yield session

    def current_unit(self) -> UnitOfWork | None:
        """The unit of work open in this task, if any."""
        current = self._current.get()
        if current is None or current[0] is not asyncio.current_task():
            return None
        return current[1]

    def current_session(self) -> AsyncSession | None:
        """The session of the unit of work open in this task (made if it had none), if any."""
        unit = self.current_unit()
        return None if unit is None else unit.session

    def unit(
        self, *, readonly: bool = False, savepoint: bool = True
    ) -> AbstractAsyncContextManager[UnitOfWork]:
        """A unit of work: one pooled connection in one transaction, committed when the block
        succeeds and rolled back on any exception (errors translated). Its ORM session is
        made only when ``unit.session`` is asked for.

        Inside an open unit in the same task, it joins that unit: in a SAVEPOINT
        (``savepoint=True``, through the session), or as it is (``savepoint=False``: an error
        then fails the outer unit too, which is what a caller that lets it propagate wants).
        ``readonly`` units commit nothing: whatever they did is rolled back.
        A write unit cannot join a read-only one (``ConfigurationError``). Bound to an outer
        connection (test isolation), a write unit is a SAVEPOINT on that connection and a
        read-only one reads on it, seeing what the test wrote.
        """
        return _Unit(self, readonly, savepoint)

    @asynccontextmanager
    async def transaction(self, *, savepoint: bool = True) -> AsyncIterator[AsyncSession]:
        """``unit()``, yielding its session: commit on success, roll back on error; nested
        calls use SAVEPOINTs, or join as they are with ``savepoint=False``."""
        async with self.unit(savepoint=savepoint) as unit:
            yield unit.session

    def reading(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """The connection of a read-only ``unit()``: Core statements, nothing committed.

        Inside a unit of work it reads on that unit's connection: what its session has not
        flushed yet is not visible there.
        """
        return _ConnectionOf(_Unit(self, True, True))

    def writing(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """The connection of a ``unit()``: committed when the block succeeds, rolled back on
        any exception; a SAVEPOINT inside another unit."""
        return _ConnectionOf(_Unit(self, False, True))

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
        """Close pooled connections (only when this object created the engine), the
        replica's too."""
        if self._owns_engine:
            await self.engine.dispose()
            if self.replica is not None:
                await self.replica.dispose()


class _Unit(AbstractAsyncContextManager[UnitOfWork]):
    """``Database.unit()``.

    A plain class with ``try``/``except`` instead of ``translate_db_errors()``: a generator
    context manager costs more on every call, and every request opens a unit.
    """

    __slots__ = (
        "_database",
        "_deadline",
        "_nested",
        "_owner",
        "_readonly",
        "_savepoint",
        "_token",
        "_tx",
    )

    def __init__(self, database: Database, readonly: bool, savepoint: bool) -> None:
        self._database = database
        self._readonly = readonly
        self._savepoint = savepoint
        self._owner: UnitOfWork | None = None  # set when this block opened the unit
        self._nested: AsyncSessionTransaction | None = None
        self._tx: AsyncTransaction | None = None
        self._token: Token[Any] | None = None
        self._deadline: Deadline | None = None

    async def __aenter__(self) -> UnitOfWork:
        database = self._database
        outer = database.current_unit()
        if outer is None and database._timeouts is not None:
            deadline = self._deadline = Deadline(*database._timeouts)
            deadline.start()
            try:
                return await self._enter(database, None)
            except BaseException as error:
                await deadline.finish(error)
                raise
        return await self._enter(database, outer)

    async def _enter(self, database: Database, outer: UnitOfWork | None) -> UnitOfWork:
        try:
            if outer is not None:
                if outer.readonly and not self._readonly:
                    raise ConfigurationError("A unit of work cannot write inside a read-only one.")
                if self._savepoint and not self._readonly:
                    self._nested = await outer.session.begin_nested()
                return outer
            bind = database._bind
            if bind is None:
                replica = database.replica
                if replica is None:
                    connection = await database.engine.connect()
                elif self._readonly:
                    connection = await replica.connect(database.engine)
                else:
                    replica.note_write()
                    connection = await database.engine.connect()
            else:
                connection = bind
                if not self._readonly:
                    self._tx = await connection.begin_nested()
        except Exception as error:
            _raise_translated(error)
            raise
        if self._deadline is not None:
            self._deadline.disarm()  # the connection is in hand: no limit until a call
        unit = self._owner = UnitOfWork(connection, database.sessionmaker, readonly=self._readonly)
        self._token = database._current.set((asyncio.current_task(), unit))
        return unit

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        deadline = self._deadline
        if deadline is None:
            return await self._exit(exc_type, exc)
        deadline.arm(deadline.command)  # the commit or rollback, and giving the connection back
        try:
            await self._exit(exc_type, exc)
        except BaseException as error:
            await deadline.finish(error)
            raise
        await deadline.finish(exc)  # a cancelled call: DatabaseUnavailableError

    async def _exit(self, exc_type: type[BaseException] | None, exc: BaseException | None) -> None:
        unit = self._owner
        try:
            if unit is None:
                await self._leave_nested(exc_type is None)
            else:
                self._database._current.reset(self._token)  # type: ignore[arg-type]  # set on enter
                await self._end(unit, failed=exc_type is not None)
        except Exception as error:
            _raise_translated(error)
            raise
        _raise_translated(exc)

    async def _leave_nested(self, clean: bool) -> None:
        """Release (or roll back) the SAVEPOINT of a unit entered inside another."""
        nested = self._nested
        if nested is None or not nested.is_active:
            return
        if not clean:
            await nested.rollback()
            return
        try:
            await nested.commit()  # flushes first: may fail
        except BaseException:
            await nested.rollback()
            raise

    async def _end(self, unit: UnitOfWork, *, failed: bool) -> None:
        """Commit a clean write unit, then give the connection back; whatever was not
        committed is rolled back."""
        session = unit._session
        bound = self._database._bind is not None
        try:
            if not failed and not unit.readonly:
                failed = True  # until the commit went through
                if session is not None:
                    await session.commit()  # flushes; the transaction is the unit's
                if self._tx is not None:
                    await self._tx.commit()
                elif not bound:
                    await unit.connection.commit()
                failed = False
        finally:
            if session is None and self._tx is None:
                if not bound:
                    await unit.connection.close()
            else:
                await self._close(unit, session, failed=failed, bound=bound)

    async def _close(
        self, unit: UnitOfWork, session: AsyncSession | None, *, failed: bool, bound: bool
    ) -> None:
        try:
            # a bound read-only unit joined the test's own transaction: never roll it back
            if failed and session is not None and not (bound and unit.readonly):
                await session.rollback()
            if self._tx is not None and self._tx.is_active:
                await self._tx.rollback()
        finally:
            if session is not None:
                await session.close()
            if not bound:
                await unit.connection.close()


class _ConnectionOf(AbstractAsyncContextManager[AsyncConnection]):
    """``Database.reading()``/``writing()``: a unit, handing out only its connection."""

    __slots__ = ("_unit",)

    def __init__(self, unit: _Unit) -> None:
        self._unit = unit

    async def __aenter__(self) -> AsyncConnection:
        return (await self._unit.__aenter__()).connection

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._unit.__aexit__(exc_type, exc, traceback)


def _raise_translated(exc: BaseException | None) -> None:
    """Raise a database error from a unit's block as the foundation error it stands for;
    leave any other exception as it is."""
    translated = None if exc is None else translated_db_error(exc)
    if translated is not None:
        raise translated from exc
