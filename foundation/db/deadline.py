"""Client-side time limits on waiting for the database inside a unit of work.

A partition that resets nothing leaves a driver waiting on an open socket for as long as
the partition lasts; neither a server-side ``statement_timeout`` (the server never sees the
statement) nor TCP keepalive (a proxy or a middlebox answers the probes) ends the wait.
So each unit of work runs under one ``asyncio.timeout``, armed only while a call to the
database is in flight: a statement, a commit or a rollback for ``command_timeout`` seconds,
opening a connection for ``connect_timeout``. When it fires, the call is cancelled;
SQLAlchemy then discards that connection (a call cancelled half-way leaves it in an unknown
state) instead of returning it to the pool, and the unit raises
``DatabaseUnavailableError`` — a 503 with ``Retry-After``.

``create_engine`` installs the events (``install`` and :mod:`foundation.db.calls`) and
records the limits as the engine's ``TIMEOUTS_OPTION`` execution option;
``Database.unit()`` starts a ``Deadline``.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar, Token
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from foundation.errors import DatabaseUnavailableError

TIMEOUTS_OPTION = "foundation_timeouts"
"""Execution option of an engine with limits: ``(command_timeout, connect_timeout)``."""

_current: ContextVar[Deadline | None] = ContextVar("foundation_deadline", default=None)


class Deadline:
    """The time limit of one unit of work, armed by the engine events while a call runs.

    Like ``asyncio.timeout`` (a fired limit cancels the task, and ``finish`` turns that
    cancellation into an error), but arming and disarming only note the time: one timer
    per unit, moved only when it fires early or must fire sooner, since calls come often.
    """

    __slots__ = (
        "_cancelling",
        "_expires",
        "_fired",
        "_handle",
        "_handle_at",
        "_loop",
        "_token",
        "command",
        "connect",
        "task",
    )

    def __init__(self, command: float, connect: float) -> None:
        self.command = command
        self.connect = connect
        self.task = asyncio.current_task()
        self._loop = asyncio.get_running_loop()
        self._cancelling = 0 if self.task is None else self.task.cancelling()
        self._expires: float | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._handle_at = 0.0
        self._fired = False
        self._token: Token[Deadline | None] | None = None

    def start(self) -> None:
        """Make this the task's deadline (unarmed)."""
        self._token = _current.set(self)

    async def finish(self, error: BaseException | None) -> None:
        """Stop the timer; when it fired and ``error`` is its cancellation, raise
        ``DatabaseUnavailableError`` instead."""
        if self._token is not None:
            _current.reset(self._token)
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if not self._fired or self.task is None:
            return
        # a cancellation from elsewhere as well (shutdown, a client gone) stays one
        if self.task.uncancel() <= self._cancelling and isinstance(error, asyncio.CancelledError):
            raise DatabaseUnavailableError(
                "The database did not answer in time.",
                reason=f"no answer within the {self.command:g} s command timeout "
                f"(or {self.connect:g} s to connect); the connection was discarded",
            ) from error

    def arm(self, seconds: float) -> None:
        """Cancel the task if the database has not answered within ``seconds``."""
        # another task (one started inside the unit) has no business with this deadline
        if self._fired or asyncio.current_task(self._loop) is not self.task:
            return
        expires = self._expires = self._loop.time() + seconds
        if self._handle is None or expires < self._handle_at:
            if self._handle is not None:
                self._handle.cancel()
            self._handle_at = expires
            self._handle = self._loop.call_at(expires, self._check)

    def disarm(self) -> None:
        """The database answered: no limit until the next call."""
        if asyncio.current_task(self._loop) is self.task:
            self._expires = None

    def _check(self) -> None:
        self._handle = None
        expires = self._expires
        if expires is None or self._fired or self.task is None:
            return
        if self._loop.time() < expires:  # armed again since: wait for that call
            self._handle_at = expires
            self._handle = self._loop.call_at(expires, self._check)
            return
        self._fired = True
        self.task.cancel()


def engine_timeouts(engine: AsyncEngine) -> tuple[float, float] | None:
    """``(command_timeout, connect_timeout)`` when ``install`` gave the engine limits."""
    timeouts: tuple[float, float] | None = engine.get_execution_options().get(TIMEOUTS_OPTION)
    return timeouts


def current_deadline() -> Deadline | None:
    """The running unit's deadline, when its engine has limits."""
    return _current.get()


def _on_call(*_args: Any) -> None:
    deadline = _current.get()
    if deadline is not None:
        deadline.arm(deadline.command)


def _on_connect(*_args: Any) -> None:
    deadline = _current.get()
    if deadline is not None:
        deadline.arm(deadline.connect)


def _on_invalidate(dbapi_connection: Any, _record: Any, exception: BaseException | None) -> None:
    # A cancelled call: end the connection at once. SQLAlchemy would first try a graceful
    # close of an asyncpg connection, which waits (2 s) on the very server that is stuck.
    if isinstance(exception, asyncio.CancelledError):
        terminate = getattr(dbapi_connection.driver_connection, "terminate", None)
        if terminate is not None:
            terminate()


def install(engine: AsyncEngine) -> None:
    """Arm the unit's deadline around every call ``engine`` makes to the database.

    Statements (SAVEPOINTs and the driver's own BEGIN included) are armed and disarmed by
    :mod:`foundation.db.calls`, which ``create_engine`` installs too; a new connection's
    handshake and the checkout's idle ping by the events below. ``Database.unit()`` disarms
    once its connection is in hand and arms the commit or rollback at its end.
    """
    target = engine.sync_engine
    # a new connection: its handshake; the checkout's idle ping is a call like any other
    event.listen(target, "do_connect", _on_connect)
    event.listen(target.pool, "checkout", _on_call)
    event.listen(target.pool, "invalidate", _on_invalidate)
