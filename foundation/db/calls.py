"""The one place an engine's statements pass through the foundation on their way out.

The running unit's deadline (:mod:`foundation.db.deadline`) is armed around each statement,
and its duration is recorded when the engine is measured (:mod:`foundation.db.instrument`).
Both ride on SQLAlchemy's dialect events ``do_execute``, ``do_executemany`` and
``do_execute_no_params``, whose listener runs the statement itself. Connection events
(``before_cursor_execute`` and the like) would do the same job, but one such listener makes
every connection of the engine dispatch every event it has: about 200 Python calls more on
every request, more than the rest of the request's foundation code.

An engine with neither feature has no listener at all.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from foundation.db.deadline import current_deadline


class Calls:
    """What happens around an engine's statements; see :func:`calls_of`."""

    __slots__ = ("observe",)

    def __init__(self) -> None:
        self.observe: Callable[[float], None] | None = None
        """Receives each statement's duration in seconds (metrics)."""

    def run(self, execute: Callable[..., Any], *args: Any) -> bool:
        """Run ``execute(*args)`` under the deadline and the clock; ``False`` (SQLAlchemy
        then runs the statement itself) when there is nothing to do around it."""
        deadline = current_deadline()
        observe = self.observe
        if deadline is None and observe is None:
            return False
        if deadline is not None:
            deadline.arm(deadline.command)
        start = time.perf_counter() if observe is not None else 0.0
        try:
            execute(*args)
        finally:
            if deadline is not None:
                deadline.disarm()
            if observe is not None:
                observe(time.perf_counter() - start)
        return True


_calls: weakref.WeakKeyDictionary[Engine, Calls] = weakref.WeakKeyDictionary()


def calls_of(engine: AsyncEngine) -> Calls:
    """``engine``'s :class:`Calls`, with the dialect listeners installed on first use."""
    target = engine.sync_engine
    calls = _calls.get(target)
    if calls is not None:
        return calls
    calls = _calls[target] = Calls()
    run = calls.run

    def on_execute(cursor: Any, statement: Any, parameters: Any, context: Any) -> bool:
        return run(context.dialect.do_execute, cursor, statement, parameters, context)

    def on_executemany(cursor: Any, statement: Any, parameters: Any, context: Any) -> bool:
        return run(context.dialect.do_executemany, cursor, statement, parameters, context)

    def on_execute_no_params(cursor: Any, statement: Any, context: Any) -> bool:
        return run(context.dialect.do_execute_no_params, cursor, statement, context)

    event.listen(target, "do_execute", on_execute)
    event.listen(target, "do_executemany", on_executemany)
    event.listen(target, "do_execute_no_params", on_execute_no_params)
    return calls
