"""List query parameters derived from a repository's allow-lists, published in OpenAPI.

Every allowed filter becomes one typed query parameter — ``status`` for ``eq``,
``priority__gt``, ``title__icontains``, ``status__in`` (repeated) — and sorting is a
repeated ``sort`` parameter whose values are an enum (``name``, ``-name``). Bounds that the
database would enforce with a server error (32-bit integers, NUL in text) are stated in
the schema, so any value the schema admits is one the repository accepts.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal

from annotated_types import Interval
from fastapi import Query, Request
from pydantic import BeforeValidator, StringConstraints
from sqlalchemy import BigInteger, Column, String

from foundation.errors import ValidationError
from foundation.repository import (
    DEFAULT_LIMIT,
    TEXT_OPS,
    Condition,
    CursorPagination,
    Filter,
    OffsetPagination,
    Op,
    SortKey,
    and_,
    cursor_direction,
    read_traits,
)
from foundation.repository.values import python_type
from foundation.schemas.base import NO_NUL_PATTERN
from foundation.schemas.decimals import decimal_pattern as number_pattern

MAX_LIST_ITEMS = 100
MAX_TEXT_LENGTH = 1000
MAX_OFFSET = 2**31 - 1
MAX_CURSOR_LENGTH = 4096
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)?$"
"""A cursor as the server issues it: base64url, then a dot and the base64url signature."""
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_ORDER = {op: index for index, op in enumerate(Op)}


RepositoryFacts = Any
"""A repository class or instance with the allow-lists list routes read: ``model`` (a mapped
class), ``filterable``, ``sortable``, ``searchable``, ``max_limit`` — what
``SQLAlchemyRepository`` declares, and any implementation of the protocol may carry."""


@dataclass(frozen=True, slots=True)
class ListQuery:
    """What a list request asked for: filters, sort order, search term and page."""

    filters: Filter | None
    sort: tuple[SortKey, ...] | None
    search: str | None
    page: OffsetPagination | CursorPagination
    deleted: bool | Literal["only"] = False


_DELETED: dict[str | None, bool | Literal["only"]] = {None: False, "include": True, "only": "only"}


def parameter_name(field: str, op: Op) -> str:
    """The query parameter for ``field op``: ``field`` for ``eq``, else ``field__op``."""
    return field if op is Op.EQ else f"{field}__{op.value}"


def sort_values(repository: RepositoryFacts) -> list[str]:
    """Every accepted ``sort`` value: each sortable field ascending, then descending."""
    fields = [*repository.sortable]
    pk = read_traits(repository.model).pk
    if pk not in fields:
        fields.append(pk)
    return [*fields, *(f"-{field}" for field in fields)]


def python_type_of(column: Column[Any]) -> type:
    """The Python type a column holds (``str`` when the type does not say)."""
    return python_type(column) or str


def _scalar(column: Column[Any], op: Op) -> Any:
    """The annotated type of one value for ``op`` on ``column``."""
    kind = python_type_of(column)
    if op in TEXT_OPS or kind is str:
        length = getattr(column.type, "length", None) if isinstance(column.type, String) else None
        return Annotated[
            str, StringConstraints(pattern=NO_NUL_PATTERN, max_length=length or MAX_TEXT_LENGTH)
        ]
    if kind is int:
        low, high = _INT64 if isinstance(column.type, BigInteger) else _INT32
        return Annotated[int, Interval(ge=low, le=high)]
    if kind is Decimal:
        return Annotated[str, StringConstraints(pattern=decimal_pattern(column))]
    if kind is datetime:
        return Annotated[datetime, BeforeValidator(_iso_datetime)]
    if kind is date:
        return Annotated[date, BeforeValidator(_iso_date)]
    if kind in (bool, float, uuid.UUID) or issubclass(kind, Enum):
        return kind
    return str


def decimal_pattern(column: Column[Any]) -> str:
    """A decimal number as text, with no more digits than ``column`` holds: ``12.50``,
    ``-3``. Taken as a string, never a float: ``9.99`` as a float is not 9.99."""
    precision = getattr(column.type, "precision", None) or 38
    return number_pattern(precision, getattr(column.type, "scale", None))


def _cursor_page(limit: int, cursor: str | None) -> CursorPagination:
    """The keyset page ``cursor`` asks for: after it or before it, as it says."""
    if cursor is not None and cursor_direction(cursor) == "previous":
        return CursorPagination(limit=limit, before=cursor)
    return CursorPagination(limit=limit, after=cursor)


def _iso_datetime(value: Any) -> Any:
    """An RFC 3339 date-time with an offset, in UTC (pydantic alone would also read a
    number as a Unix time, which the schema's ``format: date-time`` does not admit)."""
    if not isinstance(value, str):
        return value
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.utcoffset() is None:
            raise ValueError("a date-time needs a timezone offset")
        return parsed.astimezone(UTC)
    except OverflowError as exc:  # an offset pushing year 1 or 9999 out of range
        raise ValueError("date-time out of range") from exc


def _iso_date(value: Any) -> Any:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _split_commas(values: Any) -> Any:
    """``["2,3", "5"]`` as ``["2", "3", "5"]``: list filters on values that never hold a
    comma (numbers, dates, UUIDs, enums) also take the comma-separated form users type."""
    if not isinstance(values, list):
        return values
    return [
        part
        for value in values
        for part in (value.split(",") if isinstance(value, str) else [value])
    ]


def _commas_are_separators(column: Column[Any], op: Op) -> bool:
    """Whether no value of ``column`` can hold a comma, so one may separate list items."""
    if op in TEXT_OPS:
        return False
    kind = python_type_of(column)
    if issubclass(kind, Enum):
        return not any("," in str(member.value) for member in kind)
    return kind is not str


def _list_of(value: Any, commas: bool) -> Any:
    listed = list[value]
    return Annotated[listed, BeforeValidator(_split_commas)] if commas else listed


def _filter_parameter(index: int, field: str, op: Op, column: Column[Any]) -> inspect.Parameter:
    value, description = _scalar(column, op), f"Filter: {field} {op.value}"
    constraints: dict[str, Any] = {}
    if op is Op.IS_NULL:
        value = bool
    elif op in (Op.IN, Op.NOT_IN, Op.BETWEEN):
        commas = _commas_are_separators(column, op)
        how = (
            "repeat the parameter or separate values with commas"
            if commas
            else "repeat the parameter; a comma is part of a value"
        )
        value = _list_of(value, commas)
        if op is Op.BETWEEN:
            description += f" (two values, low then high: {how})"
            constraints = {"min_length": 2, "max_length": 2}
        else:
            description += f" (one or more values: {how})"
            constraints = {"min_length": 1, "max_length": MAX_LIST_ITEMS}
    alias = parameter_name(field, op)
    return _query_parameter(f"f{index}", value, description, alias=alias, **constraints)


def _query_parameter(
    name: str,
    annotation: Any,
    description: str,
    default: Any = None,
    *,
    alias: str | None = None,
    **constraints: Any,
) -> inspect.Parameter:
    """The keyword parameter ``name``, read from the query string as ``alias`` (or ``name``)."""
    query = Query(alias=alias or name, description=description, **constraints)
    # no ``| None``: absent means unset, and the schema then offers no ``null`` to send
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=default,
        annotation=Annotated[annotation, query],
    )


def _refuse_unknown(request: Request, accepted: frozenset[str]) -> None:
    unknown = sorted(set(request.query_params) - accepted)
    if unknown:
        raise ValidationError(
            f"Unknown query parameter{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}.",
            details={"unknown": unknown, "accepted": sorted(accepted)},
        )


def _filters(repository: RepositoryFacts) -> list[tuple[str, Op, Column[Any]]]:
    traits = read_traits(repository.model)
    return [
        (field, op, traits.column(field))
        for field, ops in repository.filterable.items()
        for op in sorted(ops, key=_ORDER.__getitem__)
    ]


def _dedupe_sort(values: Collection[str] | None) -> tuple[SortKey, ...] | None:
    """Sort keys in order; a later value naming a field already used is ignored."""
    if not values:
        return None
    keys: dict[str, SortKey] = {}
    for value in values:
        field = value.lstrip("-")
        keys.setdefault(field, SortKey(field, value.startswith("-")))
    return tuple(keys.values())


def list_query(
    repository: RepositoryFacts,
    *,
    cursor: bool,
    refuse_unknown: bool = True,
    deleted: str | None = None,
) -> Callable[..., Awaitable[ListQuery]]:
    """A dependency reading the list parameters of ``repository`` from the query string.

    ``cursor`` selects the keyset parameter ``cursor`` instead of ``offset``.
    A parameter the route does not declare (a misspelt filter, an operator the field does
    not allow) is a ``ValidationError`` naming it and the accepted ones, unless
    ``refuse_unknown`` is false: silently ignored, it would answer the unfiltered list.
    ``deleted`` (the parameter's description) adds ``deleted=include|only`` for
    soft-deleted rows.
    """
    filters = _filters(repository)
    limit, max_limit = min(DEFAULT_LIMIT, repository.max_limit), repository.max_limit
    sort_type: Any = Literal.__getitem__(tuple(sort_values(repository)))
    sort = "Sort keys in order (repeat the parameter); '-' sorts descending"
    parameters = [
        _query_parameter("limit", int, "Page size", limit, ge=1, le=max_limit),
        _query_parameter("sort", list[sort_type], sort, max_length=MAX_LIST_ITEMS),
        _query_parameter(
            "cursor",
            str,
            "A next_cursor or previous_cursor of an earlier page (it knows its direction)",
            pattern=CURSOR_PATTERN,
            max_length=MAX_CURSOR_LENGTH,
        )
        if cursor
        else _query_parameter("offset", int, "Rows to skip", 0, ge=0, le=MAX_OFFSET),
    ]
    if repository.searchable:
        where = f"Case-insensitive text search in {', '.join(repository.searchable)}"
        parameters.append(
            _query_parameter(
                "search", str, where, pattern=NO_NUL_PATTERN, max_length=MAX_TEXT_LENGTH
            )
        )
    if deleted is not None:
        parameters.append(_query_parameter("deleted", Literal["include", "only"], deleted))
    parameters.extend(_filter_parameter(index, *found) for index, found in enumerate(filters))
    accepted = frozenset(parameter.annotation.__metadata__[-1].alias for parameter in parameters)
    keys = [(f"f{index}", field, op) for index, (field, op, _) in enumerate(filters)]

    async def read(foundation_request: Request | None = None, **values: Any) -> ListQuery:
        if refuse_unknown and foundation_request is not None:
            _refuse_unknown(foundation_request, accepted)
        conditions = [
            Condition(field, op, values[key])
            for key, field, op in keys
            if values.get(key) is not None
        ]
        limit = values["limit"]
        page: OffsetPagination | CursorPagination
        if cursor:
            page = _cursor_page(limit, values["cursor"])
        else:
            page = OffsetPagination(limit=limit, offset=values["offset"])
        return ListQuery(
            filters=and_(*conditions) if conditions else None,
            sort=_dedupe_sort(values["sort"]),
            search=values.get("search") or None,
            page=page,
            deleted=_DELETED[values.get("deleted")],
        )

    request = inspect.Parameter(
        "foundation_request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request
    )
    read.__signature__ = inspect.Signature([request, *parameters])  # type: ignore[attr-defined]  # FastAPI reads it
    read.__name__ = f"list_query_{repository.model.__name__}"
    return read
