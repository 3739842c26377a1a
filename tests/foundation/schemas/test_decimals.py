"""``DecimalString``: what its JSON schema admits is exactly what it accepts."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from foundation.schemas import DecimalString

Price = TypeAdapter(Annotated[Decimal, DecimalString(6, 2)])
SCHEMA = Price.json_schema()


def test_the_json_schema_is_a_bounded_decimal_string() -> None:
    assert SCHEMA == {
        "type": "string",
        "pattern": r"^-?[0-9]{1,4}(\.[0-9]{1,2})?$",
        "examples": ["12.50"],
    }
    assert TypeAdapter(Annotated[Decimal, DecimalString(5, 0)]).json_schema()["pattern"] == (
        r"^-?[0-9]{1,5}$"
    )


def test_accepts_strings_and_answers_with_the_scale() -> None:
    assert Price.validate_json('"1234.5"') == Decimal("1234.5")
    assert Price.dump_json(Price.validate_json('"-0.5"')) == b'"-0.50"'
    assert Price.dump_python(Decimal("3")) == Decimal("3")  # python mode keeps the Decimal


@pytest.mark.parametrize(
    "raw", ["9.99", "12345", "1.234", "1e3", "NaN", "Infinity", " 1", "", "1,5", "+1", "١٢"]
)
def test_refuses_numbers_and_strings_outside_the_pattern(raw: str) -> None:
    if raw == "9.99":
        with pytest.raises(PydanticValidationError, match="decimal as a string"):
            Price.validate_json(raw)  # a JSON number
        return
    with pytest.raises(PydanticValidationError, match=re.escape("e.g. '12.50'")):
        Price.validate_json(f'"{raw}"')


@given(st.text(alphabet="-0123456789.e", max_size=9))
def test_the_pattern_and_the_validator_agree(raw: str) -> None:
    admitted = re.fullmatch(SCHEMA["pattern"], raw) is not None
    try:
        Price.validate_python(raw)
        accepted = True
    except PydanticValidationError:
        accepted = False
    assert admitted == accepted, raw


def test_bad_bounds_fail_when_declared() -> None:
    with pytest.raises(ValueError, match="precision"):
        DecimalString(2, 3)
