"""Rows as named tuples: what ``get_values``, ``list_values`` and the other row methods answer.

A SQLAlchemy ``Row`` looks an attribute up by name in Python, and pydantic's
``from_attributes`` (``BaseService.to_read``) reads every field of every row that way: about
three times the cost of validating the same values from a named tuple, whose fields are C
descriptors. So a result's rows are copied into a named tuple class made once per set of
column names (a C call per row). Rows keep what the repository documents, ``row.name``,
indexing and ``_asdict()``; ``Row``-only methods (``_mapping``, ``_t``) are gone. Names a
named tuple cannot have (a leading underscore, a keyword, a duplicate) keep SQLAlchemy's rows.
"""

from __future__ import annotations

import collections
import functools
from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any

from sqlalchemy.engine import Result

RECORD_TYPES_KEPT = 512
"""Named tuple classes kept, one per set of column names a statement answered."""


def records(result: Result[Any]) -> list[Any]:
    """The rows of ``result``, as named tuples where their names allow."""
    rows = result.all()
    make = _maker(tuple(result.keys())) if rows else None
    return list(rows) if make is None else list(map(make, rows))


def make_record(names: tuple[str, ...], values: Iterable[Any]) -> Any:
    """One row of ``names`` holding ``values``, as the row methods answer it (a named tuple;
    a ``SimpleNamespace`` for names a named tuple cannot have): for fakes of a repository."""
    make = _maker(names)
    if make is None:
        return SimpleNamespace(**dict(zip(names, values, strict=True)))
    return make(tuple(values))


@functools.lru_cache(maxsize=RECORD_TYPES_KEPT)
def _maker(names: tuple[str, ...]) -> Callable[[Any], Any] | None:
    try:
        record = collections.namedtuple("Record", names)  # type: ignore[misc]
    except ValueError:  # not identifiers, a leading underscore, a keyword, a duplicate
        return None
    return functools.partial(tuple.__new__, record)
