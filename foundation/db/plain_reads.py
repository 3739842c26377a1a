"""Plain reads of a read-only unit, run without a transaction of their own.

A read-only unit commits nothing, so the ``BEGIN`` and ``ROLLBACK`` around its reads only
cost round trips: on PostgreSQL two of a one-statement read's three, on SQLite the trip of
the ``ROLLBACK`` (its ``BEGIN`` rides with the first statement). The repository marks the
statements it knows to be plain reads (a ``SELECT`` that takes no lock) with the execution
option :data:`PLAIN_READ` when it runs them in a read-only unit. While no transaction is
open on the connection, such a statement runs on its own, as in autocommit mode. Any other
statement (a write, a lock, a statement of the user's) begins the transaction first, as
the driver always did, and the unit's end rolls it back: a write in a read-only unit is
still undone.

What it changes: each plain read sees its own snapshot, where a transaction would make
them share one. PostgreSQL under ``READ COMMITTED``, its default, takes a snapshot per
statement inside a transaction too; under a stricter level, the server's or the engine's,
its driver begins the transaction as before. On SQLite a page and its total may now see
different commits, as they may on PostgreSQL.

The drivers that honour the mark (:mod:`foundation.db.sqlite_driver`,
:mod:`foundation.db.pg_driver`) give their cursors an ``execute_read``; :func:`install`
makes the engine's dialect call it for marked statements. Other drivers ignore the mark.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.util import immutabledict

PLAIN_READ = "foundation_plain_read"
"""Execution option marking a plain ``SELECT`` that may run outside a transaction."""

PLAIN_READ_OPTIONS: immutabledict[str, Any] = immutabledict({PLAIN_READ: True})
NO_OPTIONS: immutabledict[str, Any] = immutabledict()


def install(dialect: Dialect, cursor_class: type[Any]) -> None:
    """Make ``dialect`` run statements marked :data:`PLAIN_READ` through the
    ``execute_read`` of its cursors of ``cursor_class``."""
    # the dialect methods, not "before_cursor_execute" events: one connection-level event
    # makes every connection of the engine dispatch every event it has, on every statement
    plain_execute = dialect.do_execute
    plain_execute_no_params = dialect.do_execute_no_params

    def do_execute(cursor: Any, statement: str, parameters: Any, context: Any) -> None:
        if context.execution_options.get(PLAIN_READ) and type(cursor) is cursor_class:
            cursor.execute_read(statement, parameters)
        else:
            plain_execute(cursor, statement, parameters, context)

    def do_execute_no_params(cursor: Any, statement: str, context: Any) -> None:
        if context.execution_options.get(PLAIN_READ) and type(cursor) is cursor_class:
            cursor.execute_read(statement, None)
        else:
            plain_execute_no_params(cursor, statement, context)

    dialect.do_execute = do_execute  # type: ignore[method-assign, assignment]
    dialect.do_execute_no_params = do_execute_no_params  # type: ignore[method-assign, assignment]
