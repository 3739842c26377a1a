"""Client-supplied values checked against a column's Python type before they reach SQL.

Filters and cursors carry values that may come from a query string or a JSON document.
Coercing them here turns a bad value into a ``ValidationError`` (422) instead of a driver
error deep inside the database round trip (500).
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from sqlalchemy import BigInteger, Column
from sqlalchemy.types import TypeDecorator

from foundation.errors import ValidationError

_TRUE = {"true", "1", "yes", "on"}
# PostgreSQL's numeric limits (digits before and after the point) bound an unconstrained column
_MAX_DIGITS = 131072
_MIN_DECIMAL_EXPONENT = -16383
_FALSE = {"false", "0", "no", "off"}


def python_type(column: Column[Any]) -> type | None:
    """The Python type a column holds, when the type says so."""
    column_type: Any = column.type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    try:
        kind: type = column_type.python_type
    except NotImplementedError:
        return None
    return None if kind is object else kind


def coerce(column: Column[Any], value: Any, *, field: str) -> Any:
    """``value`` converted to ``column``'s Python type; ``ValidationError`` if it cannot be."""
    if value is None:
        return None
    kind = python_type(column)
    try:
        converted = _convert(kind, value)
        _check_range(column, converted)
        return converted
    except (TypeError, ValueError, InvalidOperation, ArithmeticError) as exc:
        name = kind.__name__ if kind else "value"
        raise ValidationError(
            f"Invalid value for '{field}': expected {name}.",
            details={"field": field},
        ) from exc


def _convert(kind: type | None, value: Any) -> Any:
    if kind is None or (isinstance(value, kind) and kind not in (int, datetime)):
        return value
    if kind is bool:
        if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        raise TypeError("not a boolean")
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise TypeError("not an integer")
        return int(value)
    if kind is float or kind is Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise TypeError("not a number")
        if kind is Decimal and isinstance(value, float):
            value = str(value)  # Decimal(9.99) is 9.9900000000000002131628..., never equal
        return kind(value)
    if kind is str:
        raise TypeError("not a string")
    if kind is uuid.UUID:
        return uuid.UUID(str(value)) if isinstance(value, str) else _fail()
    if kind is datetime:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
        if not isinstance(parsed, datetime) or parsed.utcoffset() is None:
            raise ValueError("a timezone-aware datetime is required")
        # near year 1 or 9999 an offset pushes the instant out of range: OverflowError here
        # instead of at bind time
        return parsed.astimezone(UTC)
    if kind is date:
        return date.fromisoformat(value) if isinstance(value, str) else _fail()
    if issubclass(kind, Enum):
        return kind(value)
    return value


def _check_range(column: Column[Any], value: Any) -> None:
    """Refuse what the driver would reject with a server error: out-of-range integers,
    non-finite or too large numbers, NUL and lone surrogates in text."""
    if isinstance(value, int) and not isinstance(value, bool):
        bits = 64 if isinstance(column.type, BigInteger) else 32
        if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
            raise ValueError("integer out of range")
    elif isinstance(value, str):
        if "\x00" in value:
            raise ValueError("NUL character in text")
        value.encode("utf-8")  # UnicodeEncodeError (a ValueError) on a lone surrogate
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("not a finite number")
    elif isinstance(value, Decimal):
        _check_decimal(column, value)


def _check_decimal(column: Column[Any], value: Decimal) -> None:
    """Finite, and no more integer digits than the column holds (PostgreSQL casts the
    parameter to the column type: ``numeric field overflow``)."""
    if not value.is_finite():
        raise ValueError("not a finite number")
    exponent = value.as_tuple().exponent
    if not (isinstance(exponent, int) and exponent >= _MIN_DECIMAL_EXPONENT):
        raise ValueError("too many digits after the point")
    if value.is_zero():
        if exponent > _MAX_DIGITS:  # 0E+200000: the driver cannot encode it either
            raise ValueError("number out of range")
        return
    precision = getattr(column.type, "precision", None)
    scale = getattr(column.type, "scale", None) or 0
    integer_digits = value.adjusted() + 1
    if precision is not None and integer_digits > precision - scale:
        raise ValueError("number out of range")
    if integer_digits > _MAX_DIGITS:
        raise ValueError("number out of range")


def _fail() -> Any:
    raise TypeError("unsupported value")


def to_json(value: Any) -> Any:
    """A JSON-safe form of a column value (for cursors); ``coerce`` reverses it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value
