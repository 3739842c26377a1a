"""asyncpg whose plain reads in a read-only unit need no ``BEGIN`` and no ``ROLLBACK``.

SQLAlchemy's asyncpg connection begins a transaction before its first statement, and the
unit's end rolls it back: a one-statement read is three round trips. A statement marked
:data:`foundation.db.plain_reads.PLAIN_READ` runs here without a transaction while none is
open, so the read is one round trip and the rollback has nothing to end. That is only the
same answer under ``READ COMMITTED``, where every statement takes its own snapshot in a
transaction as well: the connection asks the server's default level once, when it opens,
and under any other level (the server's or the engine's ``isolation_level``) it begins the
transaction as SQLAlchemy does. Everything else is SQLAlchemy's asyncpg dialect as it is;
``create_engine`` passes :data:`DBAPI` as its DBAPI module, except behind PgBouncer in
transaction mode, where a statement's prepare and execute may reach different server
connections unless they share a transaction.

It leans on names of SQLAlchemy's asyncpg adapter: ``_start_transaction`` (``BEGIN``, called
before a statement when no transaction is open), ``_transaction`` and ``_connection``.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from sqlalchemy.dialects.postgresql.asyncpg import (
    AsyncAdapt_asyncpg_connection,
    AsyncAdapt_asyncpg_cursor,
    AsyncAdapt_asyncpg_dbapi,
)
from sqlalchemy.util import await_only as _await

# asyncpg's names for the levels that take a snapshot per statement
_PER_STATEMENT = frozenset({None, "read_committed", "read_uncommitted"})


class PlainReadCursor(AsyncAdapt_asyncpg_cursor):
    """SQLAlchemy's asyncpg cursor, with ``execute_read``."""

    __slots__ = ()

    def execute_read(self, operation: Any, parameters: Any = None) -> None:
        """``execute`` a plain read, outside any transaction when none is open."""
        connection: PlainReadConnection = self._adapt_connection  # type: ignore[assignment]
        if connection._transaction is not None or not connection.reads_alone:
            self.execute(operation, parameters)  # type: ignore[no-untyped-call]
            return
        connection.begin_skipped = True
        try:
            self.execute(operation, parameters)  # type: ignore[no-untyped-call]
        finally:
            connection.begin_skipped = False


class PlainReadConnection(AsyncAdapt_asyncpg_connection):
    """SQLAlchemy's asyncpg connection, handing out :class:`PlainReadCursor`."""

    __slots__ = ("begin_skipped", "server_per_statement")

    _cursor_cls = PlainReadCursor

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)  # type: ignore[no-untyped-call]
        self.begin_skipped = False
        self.server_per_statement = False

    @property
    def reads_alone(self) -> bool:
        """Whether a plain read outside a transaction gives the answer it would inside."""
        level = self.isolation_level
        if level is None:
            return self.server_per_statement
        return level in _PER_STATEMENT

    async def _start_transaction(self) -> None:
        if not self.begin_skipped:
            await super()._start_transaction()  # type: ignore[no-untyped-call]


class PlainReadDBAPI(AsyncAdapt_asyncpg_dbapi):
    """SQLAlchemy's asyncpg DBAPI module, connecting :class:`PlainReadConnection`."""

    def connect(self, *arg: Any, **kw: Any) -> PlainReadConnection:
        creator = kw.pop("async_creator_fn", self.asyncpg.connect)
        cache_size = kw.pop("prepared_statement_cache_size", 100)
        name_func = kw.pop("prepared_statement_name_func", None)
        connection = _await(
            PlainReadConnection.create(
                self,
                creator(*arg, **kw),
                prepared_statement_cache_size=cache_size,
                prepared_statement_name_func=name_func,
            )
        )
        driver: Any = connection._connection
        try:
            level = _await(driver.fetchval("SHOW default_transaction_isolation"))
        except Exception as error:
            driver.terminate()
            connection._handle_exception(error)
        connection.server_per_statement = level.replace(" ", "_") in _PER_STATEMENT
        return connection


DBAPI = PlainReadDBAPI(asyncpg)  # type: ignore[no-untyped-call]
"""The DBAPI module for ``create_async_engine(..., module=DBAPI)`` on ``postgresql+asyncpg``."""
