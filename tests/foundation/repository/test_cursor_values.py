"""Property: whatever JSON a cursor carries, decoding it gives values of the sort columns'
types that the database accepts, or a ``ValidationError`` (422) — never another error.

The cursors here are signed with the key in force, as an attacker who knew the key (or a
service that opted out of signing) would send them: the values behind the signature are
checked on their own.
"""

from __future__ import annotations

import base64
import math
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import BigInteger, Column, Numeric
from sqlalchemy.ext.asyncio import AsyncSession

from foundation.errors import ValidationError
from foundation.repository import CursorCodec, CursorPagination, signing_cursors
from foundation.repository.sorting import SortOrder, resolve_sort
from foundation.repository.values import python_type
from tests.foundation.repository.models import Color, Specimen, SpecimenRepository

KEY = b"k" * 32
SORTS = (*SpecimenRepository.sortable, "id")

# any JSON document json.loads can give (NaN and infinities included), text with lone
# surrogates and NUL among the strings
_text = st.text() | st.text(st.characters(categories=["Cs"]), min_size=1) | st.just("a\x00b")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _text,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=6,
)


def _aware(moment: datetime, minutes: int) -> str:
    return moment.replace(tzinfo=timezone(timedelta(minutes=minutes))).isoformat()


# strings shaped like each key type, edges included: what gets past the first parse
typed_strings = st.one_of(
    st.uuids().map(str),
    st.integers(min_value=-(2**65), max_value=2**65).map(str),
    st.builds(_aware, st.datetimes(), st.integers(min_value=-1439, max_value=1439)),
    st.sampled_from(["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]),
    # zero with an exponent past what PostgreSQL's numeric encodes (found by CI once)
    st.sampled_from(["0E-16384", "0e-20000", "0E+1000000", "-0E-99999"]),
    st.datetimes().map(datetime.isoformat),  # naive
    st.dates().map(date.isoformat),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.builds(
        "{}e{}".format, st.integers(-999, 999), st.integers(min_value=-20000, max_value=140000)
    ),
    st.sampled_from(["nan", "-inf", "1e308", "1e-400", *(c.value for c in Color), "RED"]),
)
raw_values = json_values | typed_strings


def _order(field: str) -> SortOrder:
    return resolve_sort(Specimen, field, None, SORTS, "id")


def _columns(order: SortOrder) -> list[Column[Any]]:
    mapped = Specimen.__mapper__.columns
    return [mapped[key.field] for key in order.keys]


def assert_valid(column: Column[Any], value: Any) -> None:
    """``value`` is of the column's type and within what every supported database takes."""
    kind = python_type(column)
    assert kind is not None
    assert isinstance(value, kind)
    if kind is int:
        assert not isinstance(value, bool)
        bits = 64 if isinstance(column.type, BigInteger) else 32
        assert -(2 ** (bits - 1)) <= value < 2 ** (bits - 1)
    elif kind is str:
        assert "\x00" not in value
        value.encode("utf-8")
    elif kind is datetime:
        assert value.utcoffset() is not None
        value.astimezone(UTC)
    elif kind is float:
        assert math.isfinite(value)
    elif kind is Decimal:
        assert isinstance(column.type, Numeric)
        assert value.is_finite()
        precision, scale = column.type.precision or 0, column.type.scale or 0
        assert value.is_zero() or value.adjusted() < precision - scale
    elif kind is uuid.UUID or kind is date or kind is Color:
        pass  # the isinstance check says it all
    else:  # pragma: no cover - a new key type needs its own rule here
        pytest.fail(f"no validity rule for {kind}")


@pytest.mark.parametrize("field", SORTS)
@settings(max_examples=300, deadline=None)
@given(raw=raw_values, pk=raw_values | st.uuids().map(str))
def test_decoding_any_json_gives_valid_values_or_a_validation_error(
    field: str, raw: Any, pk: Any
) -> None:
    order = _order(field)
    columns = _columns(order)
    codec = CursorCodec(Specimen.__tablename__, KEY)
    values = [raw] if field == "id" else [raw, pk]
    cursor = codec.encode(order, "next", values)
    try:
        position = codec.decode(cursor, order, columns)
    except ValidationError:  # the library's 422
        return
    for column, value in zip(columns, position.values, strict=True):
        assert_valid(column, value)


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        ("label", "\ud800"),
        ("label", "a\x00"),
        ("at", "0001-01-01T00:00:00+01:00"),
        ("at", "9999-12-31T23:59:59-01:00"),
        ("at", "2026-01-01T00:00:00"),  # naive
        ("price", "NaN"),
        ("price", "1e9"),  # more integer digits than Numeric(10, 2) holds
        ("price", "1e-20000"),
        ("ratio", math.inf),
        ("count", 2**31),
        ("count", True),
        ("big", "1.5"),
        ("color", "RED"),
        ("day", "2026-02-30"),
        ("id", "not-a-uuid"),
        ("label", ["x"]),
    ],
)
async def test_known_hostile_values_are_validation_errors(
    db_session: AsyncSession, field: str, raw: Any
) -> None:
    order = _order(field)
    values = [raw] if field == "id" else [raw, str(uuid.uuid4())]
    with signing_cursors(KEY):
        cursor = CursorCodec(Specimen.__tablename__).encode(order, "next", values)
        with pytest.raises(ValidationError) as info:
            await SpecimenRepository(db_session).list_cursor(
                sort=field, page=CursorPagination(limit=2, after=cursor)
            )
    assert info.value.status == 422


def test_deeply_nested_json_in_an_unsigned_cursor_is_a_validation_error() -> None:
    order = _order("label")
    nested = ("[" * 100_000 + "]" * 100_000).encode()
    with signing_cursors(None):
        forged = base64.urlsafe_b64encode(nested).rstrip(b"=").decode()
        with pytest.raises(ValidationError):
            CursorCodec(Specimen.__tablename__).decode(forged, order, _columns(order))
        shallow = base64.urlsafe_b64encode(b"[" * 1500 + b"]" * 1500).rstrip(b"=").decode()
        with pytest.raises(ValidationError):  # under the length limit, deeper than Python goes
            CursorCodec(Specimen.__tablename__).decode(shallow, order, _columns(order))


@pytest.mark.parametrize("field", SORTS)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(raw=raw_values)
async def test_a_forged_cursor_value_never_reaches_the_database_as_an_error(
    db_session: AsyncSession, field: str, raw: Any
) -> None:
    """On every backend: the page is served, or the answer is a ``ValidationError``."""
    repo = SpecimenRepository(db_session)
    order = _order(field)
    pk = str(uuid.uuid4())
    values = [raw] if field == "id" else [raw, pk]
    with signing_cursors(KEY):
        cursor = CursorCodec(Specimen.__tablename__).encode(order, "next", values)
        savepoint = await db_session.begin_nested()
        try:
            await repo.list_cursor(sort=field, page=CursorPagination(limit=2, after=cursor))
        except ValidationError:  # the library's 422
            pass
        finally:
            await savepoint.rollback()
