"""Every filter operator, their combinations, search, and the allow-list, on real databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from foundation.errors import ValidationError
from foundation.repository import Op, and_, or_, where
from tests.foundation.repository.conftest import T0
from tests.foundation.repository.models import Gadget, GadgetRepository


async def skus(repo: GadgetRepository, filters: Any = None, search: str | None = None) -> set[str]:
    page = await repo.list(filters, search=search)
    found = {g.sku for g in page.items}
    assert page.total == len(found) == await repo.count(filters, search=search)
    assert await repo.exists(filters) is bool(found) or search is not None
    return found


OPERATOR_CASES: list[tuple[str, Op, Any, set[str]]] = [
    ("sku", Op.EQ, "A-1", {"A-1"}),
    ("category", Op.EQ, None, {"B_1", "D-1"}),
    ("quantity", Op.NE, 5, {"B_1", "G-1", "D-1"}),
    ("category", Op.NE, None, {"A-1", "A-2", "G-1", "E-1"}),
    ("quantity", Op.LT, 5, {"B_1"}),
    ("quantity", Op.LE, 5, {"A-1", "A-2", "B_1", "E-1"}),
    ("quantity", Op.GT, 5, {"G-1", "D-1"}),
    ("quantity", Op.GE, 7, {"G-1", "D-1"}),
    ("quantity", Op.IN, [0, 7], {"B_1", "D-1"}),
    ("quantity", Op.IN, [], set()),
    ("quantity", Op.NOT_IN, [5], {"B_1", "G-1", "D-1"}),
    ("sku", Op.IN, ("A-1", "E-1"), {"A-1", "E-1"}),
    ("name", Op.CONTAINS, "lph", {"A-1", "A-2"}),
    ("name", Op.CONTAINS, "Al", {"A-1"}),
    ("name", Op.CONTAINS, "100%", {"G-1"}),
    ("sku", Op.CONTAINS, "_", {"B_1"}),
    ("name", Op.ICONTAINS, "AL", {"A-1", "A-2"}),
    ("name", Op.STARTS_WITH, "al", {"A-2"}),
    ("name", Op.ISTARTS_WITH, "al", {"A-1", "A-2"}),
    ("sku", Op.ENDS_WITH, "-1", {"A-1", "G-1", "D-1", "E-1"}),
    ("name", Op.ENDS_WITH, "ON", set()),
    ("name", Op.IENDS_WITH, "ON", {"E-1"}),
    ("name", Op.IEQ, "ALPHA", {"A-1", "A-2"}),
    ("category", Op.IS_NULL, True, {"B_1", "D-1"}),
    ("category", Op.IS_NULL, False, {"A-1", "A-2", "G-1", "E-1"}),
    ("quantity", Op.BETWEEN, (5, 7), {"A-1", "A-2", "E-1", "D-1"}),
    ("launched_at", Op.BETWEEN, (T0 + timedelta(days=1), T0 + timedelta(days=2)), {"A-2", "B_1"}),
    ("active", Op.EQ, False, {"A-2", "D-1"}),
]


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize(("field", "op", "value", "expected"), OPERATOR_CASES)
async def test_each_operator_selects_exactly_the_matching_rows(
    gadgets: GadgetRepository, field: str, op: Op, value: Any, expected: set[str]
) -> None:
    assert await skus(gadgets, where(field, op, value)) == expected


def test_every_operator_has_a_case() -> None:
    assert {op for _, op, _, _ in OPERATOR_CASES} == set(Op)


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize(
    ("field", "op", "value", "expected"),
    [
        ("quantity", "gt", "6", {"G-1", "D-1"}),
        ("active", "eq", "false", {"A-2", "D-1"}),
        ("launched_at", "ge", (T0 + timedelta(days=4)).isoformat(), {"D-1", "E-1"}),
        ("category", "is_null", "true", {"B_1", "D-1"}),
    ],
)
async def test_values_from_query_strings_are_converted_to_the_column_type(
    gadgets: GadgetRepository, field: str, op: str, value: Any, expected: set[str]
) -> None:
    assert await skus(gadgets, where(field, op, value)) == expected


@pytest.mark.usefixtures("catalogue")
async def test_conditions_combine_with_and_or(gadgets: GadgetRepository) -> None:
    spec = or_(
        where("quantity", Op.GT, 10),
        and_(where("active", Op.EQ, False), where("name", Op.ISTARTS_WITH, "d")),
    )
    assert await skus(gadgets, spec) == {"G-1", "D-1"}
    assert await skus(gadgets, and_()) == {"A-1", "A-2", "B_1", "G-1", "D-1", "E-1"}
    assert await skus(gadgets, or_()) == set()


@pytest.mark.usefixtures("catalogue")
async def test_a_mapping_means_equality_on_every_key(gadgets: GadgetRepository) -> None:
    assert await skus(gadgets, {"category": "toys", "quantity": 5}) == {"E-1"}
    assert await skus(gadgets, {}) == {"A-1", "A-2", "B_1", "G-1", "D-1", "E-1"}


@pytest.mark.usefixtures("catalogue")
async def test_search_looks_in_every_searchable_field_ignoring_case(
    gadgets: GadgetRepository,
) -> None:
    assert await skus(gadgets, search="ALP") == {"A-1", "A-2"}
    assert await skus(gadgets, search="g-1") == {"G-1"}
    assert await skus(gadgets, {"active": True}, search="a") == {"A-1", "B_1", "G-1"}


@pytest.mark.parametrize(
    "spec",
    [
        where("updated_by", Op.EQ, "x"),  # a column, but not allow-listed
        where("__class__", Op.EQ, "x"),  # an attribute, never looked up
        where("nope", Op.EQ, 1),
        where("quantity", Op.CONTAINS, "1"),  # operator not allowed on the field
        where("created_at", Op.EQ, "2026-01-01T00:00:00+00:00"),
        where("quantity", Op.EQ, "many"),
        where("quantity", Op.GT, None),
        where("quantity", Op.IN, "57"),
        where("quantity", Op.BETWEEN, (1, 2, 3)),
        where("launched_at", Op.GT, "2026-01-01T00:00:00"),  # naive
        where("name", Op.CONTAINS, 5),
        where("category", Op.IS_NULL, "maybe"),
        where("active", Op.EQ, "perhaps"),
        where("id", Op.EQ, "not-a-uuid"),
        where("quantity", Op.EQ, 2**40),  # beyond a 32-bit INTEGER
        where("name", Op.CONTAINS, "nul\x00byte"),
        where("sku", Op.EQ, "nul\x00byte"),
        {"owner": "me"},
    ],
)
async def test_forbidden_fields_operators_and_values_are_validation_errors(
    gadgets: GadgetRepository, spec: Any
) -> None:
    with pytest.raises(ValidationError) as info:
        await gadgets.list(spec)
    assert info.value.status == 422


async def test_search_without_searchable_fields_is_a_validation_error(parts: Any) -> None:
    with pytest.raises(ValidationError):
        await parts.list(search="x")


async def test_a_search_term_with_a_nul_byte_is_a_validation_error(
    gadgets: GadgetRepository,
) -> None:
    with pytest.raises(ValidationError):
        await gadgets.list(search="a\x00")


async def test_filters_never_show_soft_deleted_rows_unless_asked(
    gadgets: GadgetRepository, catalogue: list[Gadget]
) -> None:
    await gadgets.delete(catalogue[0].id)
    assert await skus(gadgets, {"quantity": 5}) == {"A-2", "E-1"}
    page = await gadgets.list({"quantity": 5}, include_deleted=True)
    assert {g.sku for g in page.items} == {"A-1", "A-2", "E-1"}
    assert await gadgets.count({"quantity": 5}, include_deleted=True) == 3
