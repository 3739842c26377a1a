"""Row-count estimates from the PostgreSQL planner (``EXPLAIN``), for cheap page totals."""

from __future__ import annotations

import json
from typing import Any, Protocol

from sqlalchemy import Select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement


class Explain(Executable, ClauseElement):
    """``EXPLAIN (FORMAT JSON) <select>`` with the select's parameters bound as usual."""

    inherit_cache = False

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement


@compiles(Explain, "postgresql")
def _compile_explain(element: Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.statement, **kw)


class _Scalars(Protocol):
    async def scalar(self, statement: Any, parameters: Any = None) -> Any: ...


async def estimate_rows(session: _Scalars, statement: Select[Any]) -> int:
    """The planner's estimate of how many rows ``statement`` returns (PostgreSQL only)."""
    raw = await session.scalar(Explain(statement))
    plan = json.loads(raw) if isinstance(raw, str | bytes) else raw
    return max(0, int(plan[0]["Plan"]["Plan Rows"]))
