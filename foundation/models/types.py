"""Portable column types: timezone-aware UTC datetimes and UUIDv7 generation."""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

if sys.version_info >= (3, 14):  # pragma: no cover - exercised on 3.14 only
    _uuid7 = uuid.uuid7
else:
    from uuid6 import uuid7 as _uuid7


def uuid7() -> uuid.UUID:
    """A time-ordered RFC 9562 UUID version 7 (never a silent v4 fallback)."""
    value = _uuid7()
    return uuid.UUID(int=value.int)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A datetime stored in UTC and always returned timezone-aware; naive input is refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))  # microseconds, like the rest
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is not UTC:  # UTC already (what ``utcnow`` gives) is the common case
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError("naive datetimes are not accepted; attach a timezone (UTC)")
            value = value.astimezone(UTC)
        if dialect.name in ("sqlite", "mysql", "mariadb"):
            return value.replace(tzinfo=None)  # these store no offset: keep UTC wall time
        return value

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        """None on asyncpg, which answers every ``timestamptz`` in UTC already: no Python
        call per value read."""
        if dialect.name == "postgresql" and dialect.driver == "asyncpg":
            return None
        if dialect.name == "sqlite":
            return _as_utc  # one call per value: parse and mark UTC together
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return _as_utc(value)


def _as_utc(value: Any) -> datetime | None:
    """A datetime read back (UTC wall time: naive, aware, or SQLite's text) as an aware
    UTC datetime."""
    if value is None:
        return None
    if value.__class__ is str:  # SQLite's text, naive UTC wall time as written here
        try:
            # parsed with its zone in one call: ``replace(tzinfo=...)`` costs four times more
            return datetime.fromisoformat(value + "+00:00")
        except ValueError:  # text written elsewhere, with an offset of its own
            value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
    if value.tzinfo is UTC:  # pragma: no cover - a driver answering aware UTC values
        return value  # type: ignore[no-any-return]
    return value.astimezone(UTC)  # type: ignore[no-any-return]  # pragma: no cover
