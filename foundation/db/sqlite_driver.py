"""aiosqlite with one trip to its thread per statement.

aiosqlite runs every call on the ``sqlite3`` connection in a thread of its own, and each
call is a trip there and back: a queue hand-over, a GIL hand-over, a wake-up of the event
loop. SQLAlchemy's aiosqlite cursor makes four per statement (open a cursor, execute, fetch
every row, close), and a trip costs more CPU than SQLite's own work on a point read. Here a
statement is one function run in that thread: open, execute, fetch, close, and return the
rows with what the cursor reported (description, row count, last row id). ``BEGIN`` rides
along with the transaction's first statement (``defer_begin``), and a ``COMMIT`` or
``ROLLBACK`` with nothing begun makes no trip: a read is two trips (its statement, the
rollback), a one-statement write two (the statement, the commit), where they took five or
six through SQLAlchemy's own cursor. Everything else (connections, server-side cursors,
errors) is SQLAlchemy's aiosqlite dialect as it is; ``create_engine`` passes :data:`DBAPI`
as its DBAPI module.

It leans on two names the SQLAlchemy dialect itself uses: ``aiosqlite.Connection._execute``
(run a function in the connection's thread) and ``._conn`` (the ``sqlite3`` connection).
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import await_only as _await

_EMPTY: dict[str, Any] = {}


class _Outcome:
    """What a finished statement's cursor reported, kept after the cursor is closed."""

    __slots__ = ("arraysize", "description", "lastrowid", "rowcount")

    def __init__(self, description: Any, rowcount: int, lastrowid: int | None) -> None:
        self.description = description
        self.rowcount = rowcount
        self.lastrowid = lastrowid
        self.arraysize = 1


def _run(
    connection: sqlite3.Connection, operation: str, parameters: Any, many: bool, begin: bool
) -> tuple[_Outcome, list[Any]]:
    """In aiosqlite's thread: the whole statement, from opening a cursor to closing it,
    after a ``BEGIN`` when ``begin``."""
    if begin:
        connection.execute("BEGIN")
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return _Outcome(description, cursor.rowcount, cursor.lastrowid), rows
    finally:
        cursor.close()


def _optimize(connection: sqlite3.Connection, busy_timeout_ms: int) -> bool:
    """In aiosqlite's thread: ``PRAGMA optimize`` without waiting for a lock."""
    connection.execute("PRAGMA busy_timeout=0")
    try:
        connection.execute("PRAGMA optimize")
    except sqlite3.Error:
        return False
    finally:
        connection.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    return True


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor, each statement one trip to the driver's thread."""

    __slots__ = ()

    def __init__(self, adapt_connection: Any) -> None:  # opens nothing: no trip
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = _Outcome(None, -1, None)  # type: ignore[assignment]  # its own: arraysize
        self._soft_closed_memoized = _EMPTY  # type: ignore[assignment]
        self._rows = collections.deque()

    @property
    def description(self) -> Any:
        return self._cursor.description

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._send(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        self._send(operation, seq_of_parameters, many=True)

    def execute_read(self, operation: Any, parameters: Any = None) -> None:
        """``execute`` a plain read (:mod:`foundation.db.plain_reads`): a ``BEGIN`` that
        waits for the first statement goes on waiting."""
        self._send(operation, parameters, many=False, read=True)

    def _send(self, operation: Any, parameters: Any, *, many: bool, read: bool = False) -> None:
        driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        adapted: OneTripConnection = self._adapt_connection  # type: ignore[assignment]
        begin = False
        if not read:
            begin, adapted.begin_pending = adapted.begin_pending, False
        try:
            trip = driver._execute(_run, driver._conn, operation, parameters, many, begin)  # type: ignore[no-untyped-call]
            outcome, rows = _await(trip)
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        outcome.arraysize = self._cursor.arraysize  # what the caller set stays set
        self._cursor = outcome
        self._rows = collections.deque(rows)

    def setinputsizes(self, *inputsizes: Any) -> None:
        """Nothing to set: ``sqlite3`` ignores sizes too."""

    async def _async_soft_close(self) -> None:
        """The statement's cursor is closed already."""

    def close(self) -> None:
        self._rows.clear()


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection, handing out :class:`OneTripCursor`, with a
    ``BEGIN`` that waits for the first statement."""

    __slots__ = ("begin_pending",)

    _cursor_cls = OneTripCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.begin_pending = False

    def defer_begin(self) -> None:
        """Begin a transaction with the next statement, in its trip."""
        self.begin_pending = True

    def commit(self) -> None:
        if self._settle():
            super().commit()

    def rollback(self) -> None:
        if self._settle():
            super().rollback()

    def optimize(self, busy_timeout_ms: int) -> bool:
        """``PRAGMA optimize`` in one trip: SQLite gathers the statistics its query planner
        lacks (``sqlite_stat1``) for the tables this connection used. It waits for no
        writer (busy timeout 0 meanwhile, then ``busy_timeout_ms`` again); ``False`` when
        it could not run (busy, read-only): the caller tries again later."""
        driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        trip = driver._execute(_optimize, driver._conn, busy_timeout_ms)  # type: ignore[no-untyped-call]
        done: bool = _await(trip)
        return done

    def _settle(self) -> bool:
        """Forget a ``BEGIN`` no statement took along; whether a transaction is open."""
        self.begin_pending = False
        sqlite = self._connection._connection  # None once aiosqlite closed it
        return sqlite is None or sqlite.in_transaction  # closed: let the dialect say so


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI module, connecting :class:`OneTripConnection`."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


DBAPI = OneTripDBAPI(aiosqlite, sqlite3)
"""The DBAPI module for ``create_async_engine(..., module=DBAPI)`` on ``sqlite+aiosqlite``."""
