"""Request bodies accept exactly what their JSON Schema admits (fuzzers rely on it)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from foundation.schemas import AwareDatetime, BaseSchema


class Body(BaseSchema):
    count: int
    when: AwareDatetime | None = None


def test_an_integral_float_is_an_integer_as_json_schema_says() -> None:
    assert Body.model_validate({"count": 3.0}).count == 3
    assert Body.model_validate_json('{"count": 2.0}').count == 2


@pytest.mark.parametrize(
    "body",
    [
        {"count": 3.5},
        {"count": "3"},
        {"count": True},
        {"count": 1, "when": 1_700_000_000},
        {"count": 1, "when": "2026-01-01T00:00:00"},
        {"count": 1, "when": "0001-01-01T00:00:00+01:00"},
    ],
    ids=["fraction", "string", "bool", "unix-number", "naive", "overflow"],
)
def test_values_outside_the_schema_are_refused_with_a_validation_error(body: Any) -> None:
    with pytest.raises(ValidationError):
        Body.model_validate(body)
