"""``BaseSchema`` refuses what JSON cannot mean; ``ReadSchema`` reads ORM objects."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import Field, ValidationError

from foundation.schemas import BaseSchema, ReadSchema
from foundation.schemas.base import NO_NUL_PATTERN
from tests.foundation.web.models import WNote


class Address(BaseSchema):
    street: str


class Order(BaseSchema):
    quantity: int
    price: float = 0.0
    paid: bool = False
    placed_at: datetime | None = None
    reference: uuid.UUID | None = None
    amount: Decimal | None = None
    tags: list[str] = Field(default_factory=list)
    address: Address | None = None


def _errors(data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as info:
        Order.model_validate({"quantity": 1, **data})
    return [(tuple(e["loc"]), e["type"]) for e in info.value.errors()]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"quantity": False}, (("quantity",), "int_type")),
        ({"quantity": "1"}, (("quantity",), "int_type")),
        ({"quantity": 1.5}, (("quantity",), "int_type")),
        ({"price": True}, (("price",), "float_type")),
        ({"price": "1.5"}, (("price",), "float_type")),
        ({"paid": 1}, (("paid",), "bool_type")),
        ({"paid": "true"}, (("paid",), "bool_type")),
        ({"tags": [1]}, (("tags", 0), "string_type")),
    ],
    ids=str,
)
def test_json_values_of_the_wrong_kind_are_refused(
    data: dict[str, Any], expected: tuple[tuple[Any, ...], str]
) -> None:
    assert _errors(data) == [expected]


def test_unknown_fields_are_refused() -> None:
    assert _errors({"discount": 5}) == [(("discount",), "extra_forbidden")]


@pytest.mark.parametrize(
    ("data", "location"),
    [
        ({"tags": ["ok", "bad\x00"]}, ("tags", 1)),
        ({"address": {"street": "Main\x00St"}}, ("address", "street")),
    ],
)
def test_nul_characters_are_refused_anywhere(
    data: dict[str, Any], location: tuple[Any, ...]
) -> None:
    assert _errors(data) == [(location, "string_nul")]


def test_types_json_spells_as_strings_are_still_accepted() -> None:
    order = Order.model_validate(
        {
            "quantity": 2,
            "price": 3,
            "placed_at": "2026-01-02T03:04:05Z",
            "reference": "0193a3c4-5d6e-7f80-9123-456789abcdef",
            "amount": "12.50",
        }
    )
    assert order.placed_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert order.reference == uuid.UUID("0193a3c4-5d6e-7f80-9123-456789abcdef")
    assert order.amount == Decimal("12.50")
    assert order.price == 3.0


def test_json_schema_forbids_additional_properties() -> None:
    assert Order.model_json_schema()["additionalProperties"] is False


class NoteRead(ReadSchema):
    id: uuid.UUID
    title: str
    created_by: str | None


def test_read_schema_is_built_from_an_orm_object() -> None:
    note = WNote(id=uuid.uuid4(), title="from orm", created_by="ada")
    read = NoteRead.model_validate(note)
    assert (read.id, read.title, read.created_by) == (note.id, "from orm", "ada")


def test_json_schema_states_the_nul_rule_for_plain_strings() -> None:
    properties = Order.model_json_schema()["properties"]
    assert properties["tags"]["items"]["pattern"] == NO_NUL_PATTERN
    assert "pattern" not in properties["placed_at"]["anyOf"][0]  # formats keep their own rules
