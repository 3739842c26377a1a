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

A plain read (:mod:`foundation.db.plain_reads`) makes no trip at all on a file database with
a write-ahead log, whose readers never wait for writers: it runs on the event loop's thread,
where a trip's hand-overs cost more than the read (not in memory, where one connection
serves every task and its thread keeps their calls apart). Under a concurrent load the trips
are worse than their count says: ``sqlite3`` lets go of the GIL for every row it steps, and
each time the worker thread must wait for the busy loop to give it back. Two guards keep the
loop from stalling. The read runs with a busy timeout of 0, so a lock it would wait for (a
recovery, another process's exclusive lock) sends it to the thread, where it waits with the
configured timeout. And a read still running after its budget
(``DatabaseSettings.sqlite_inline_read_ms``) is interrupted and run again in the thread;
that statement goes to the thread from then on.

It leans on two names the SQLAlchemy dialect itself uses: ``aiosqlite.Connection._execute``
(run a function in the connection's thread) and ``._conn`` (the ``sqlite3`` connection).
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
import time
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
SQLITE_INTERRUPT = 9
_WOULD_WAIT = frozenset({5, 6, SQLITE_INTERRUPT})  # and SQLITE_BUSY, SQLITE_LOCKED
PROGRESS_STEPS = 1_000
"""SQLite virtual-machine steps between two looks at an inline read's budget."""
SLOW_READS_KEPT = 1_024
_slow_reads: set[str] = set()  # statements that ran past their budget: the thread's


class _Budget:
    """The progress handler of an inline read: true (interrupt) once its time is up."""

    __slots__ = ("ends",)

    def __init__(self) -> None:
        self.ends = 0.0

    def __call__(self) -> bool:
        return time.monotonic() > self.ends


class _Outcome:
    """What a finished statement's cursor reported, kept after the cursor is closed."""

    __slots__ = ("arraysize", "description", "lastrowid", "rowcount")

    def __init__(self, description: Any, rowcount: int, lastrowid: int | None) -> None:
        self.description = description
        self.rowcount = rowcount
        self.lastrowid = lastrowid
        self.arraysize = 1


def _run(
    connection: sqlite3.Connection,
    operation: str,
    parameters: Any,
    many: bool,
    begin: bool,
    busy_timeout_ms: int | None = None,
) -> tuple[_Outcome, list[Any]]:
    """In aiosqlite's thread: the whole statement, from opening a cursor to closing it,
    after a ``BEGIN`` when ``begin`` (and the busy timeout set back after inline reads)."""
    if busy_timeout_ms is not None:
        connection.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
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
        done: Any = None
        try:
            if read:
                done = adapted.read_here(operation, parameters)
            if done is None:
                busy = adapted.busy_restored()
                trip = driver._execute(_run, driver._conn, operation, parameters, many, begin, busy)  # type: ignore[no-untyped-call]
                done = _await(trip)
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        outcome, rows = done
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

    __slots__ = ("_budget", "_busy_timeout_ms", "_quick", "begin_pending", "inline_seconds")

    _cursor_cls = OneTripCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.begin_pending = False
        self.inline_seconds = 0.0  # 0: every statement makes its trip
        self._busy_timeout_ms = 0
        self._quick = False  # the busy timeout is 0 for inline reads
        self._budget = _Budget()

    def read_inline(self, seconds: float, busy_timeout_ms: int) -> None:
        """Run plain reads on the calling thread for up to ``seconds`` each; only for a
        database whose readers never wait for a writer. ``busy_timeout_ms`` is the
        connection's busy timeout, set back before a statement runs in the thread."""
        self.inline_seconds = seconds
        self._busy_timeout_ms = busy_timeout_ms

    def read_here(self, operation: str, parameters: Any) -> tuple[_Outcome, list[Any]] | None:
        """Run a plain read on this thread; ``None`` when it must make its trip instead:
        inline reads are off, a transaction is open, or the read would wait for a lock
        or ran past its budget."""
        sqlite: sqlite3.Connection | None = self._connection._conn
        if not self.inline_seconds or sqlite is None or sqlite.in_transaction:
            return None
        if operation in _slow_reads:
            return None
        # One turn of the event loop first. SQLAlchemy's async layer insists that a statement
        # awaits something, and a request that never yields lets uvloop starve some of its
        # connections: under wrk (32 connections) keyset pages had a p99 of 410-620 ms
        # without this turn, 46-140 ms with it, for a fifth fewer pages a second.
        _await(asyncio.sleep(0))
        if not self._quick:
            sqlite.execute("PRAGMA busy_timeout=0")  # a lock to wait for: the thread's
            self._quick = True
        budget = self._budget
        budget.ends = time.monotonic() + self.inline_seconds
        sqlite.set_progress_handler(budget, PROGRESS_STEPS)
        try:
            return _run(sqlite, operation, parameters, False, False)
        except sqlite3.OperationalError as error:
            code = getattr(error, "sqlite_errorcode", 0) & 0xFF
            if code not in _WOULD_WAIT:
                raise
            if code == SQLITE_INTERRUPT:  # past its budget
                if len(_slow_reads) >= SLOW_READS_KEPT:
                    _slow_reads.clear()
                _slow_reads.add(operation)
            return None
        finally:
            sqlite.set_progress_handler(None, 0)

    def busy_restored(self) -> int | None:
        """The busy timeout to set back before a statement in the thread, when inline reads
        left it at 0."""
        if not self._quick:
            return None
        self._quick = False
        return self._busy_timeout_ms

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
        self._quick = False  # it set the busy timeout to busy_timeout_ms
        return done

    def _settle(self) -> bool:
        """Forget a ``BEGIN`` no statement took along; whether a transaction is open."""
        self.begin_pending = False
        sqlite = self._connection._connection  # None once aiosqlite closed it
        return sqlite is None or sqlite.in_transaction  # closed: let the dialect say so


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI module, connecting :class:`OneTripConnection`."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        # inline reads use the connection from the event loop's thread too, never while a
        # trip is under way
        kw["check_same_thread"] = False
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


DBAPI = OneTripDBAPI(aiosqlite, sqlite3)
"""The DBAPI module for ``create_async_engine(..., module=DBAPI)`` on ``sqlite+aiosqlite``."""
