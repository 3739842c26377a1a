"""Offset and keyset pagination at their boundaries, sorting, and cursor validation."""

from __future__ import annotations

import base64
import json
from collections.abc import Collection, Mapping
from typing import Any, ClassVar

import pytest

from foundation.errors import ConfigurationError, ValidationError
from foundation.repository import (
    CursorPagination,
    OffsetPagination,
    Op,
    SQLAlchemyRepository,
    TotalStrategy,
    signing_cursors,
)
from tests.foundation.repository.models import Gadget, GadgetRepository, PartRepository

MAX = GadgetRepository.max_limit


async def seed(repo: GadgetRepository, count: int) -> list[Gadget]:
    """``count`` gadgets; quantities repeat so that sorting needs the key tie-break."""
    return await repo.create_many(
        [{"sku": f"p-{i:03d}", "name": f"N{i % 4}", "quantity": i % 3} for i in range(count)]
    )


async def walk_forward(repo: GadgetRepository, sort: str, limit: int) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        page = await repo.list_cursor(sort=sort, page=CursorPagination(limit=limit, after=cursor))
        pages.append([g.sku for g in page.items])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


# -- offset --------------------------------------------------------------------------


async def test_offset_on_an_empty_table(gadgets: GadgetRepository) -> None:
    page = await gadgets.list(page=OffsetPagination(limit=5))
    assert (list(page.items), page.total, page.limit, page.offset) == ([], 0, 5, 0)


@pytest.mark.parametrize(
    ("limit", "offset", "expected", "total"),
    [
        (1, 0, 1, 7),
        (MAX, 0, 7, 7),
        (3, 6, 1, 7),
        (3, 7, 0, 7),  # exactly at the end
        (3, 50, 0, 7),  # past the end
    ],
)
async def test_offset_boundaries(
    gadgets: GadgetRepository, limit: int, offset: int, expected: int, total: int
) -> None:
    await seed(gadgets, 7)
    page = await gadgets.list(sort="sku", page=OffsetPagination(limit=limit, offset=offset))
    assert [g.sku for g in page.items] == [f"p-{i:03d}" for i in range(offset, 7)][:limit]
    assert len(page.items) == expected
    assert page.total == total


@pytest.mark.parametrize(
    "page",
    [
        OffsetPagination(limit=MAX + 1),
        OffsetPagination(limit=0),
        OffsetPagination(offset=-1),
        OffsetPagination(offset=10**27),
    ],
)
async def test_offset_limit_over_the_maximum_is_refused_not_clamped(
    gadgets: GadgetRepository, page: OffsetPagination
) -> None:
    with pytest.raises(ValidationError):
        await gadgets.list(page=page)


async def test_total_strategies(gadgets: GadgetRepository, db_backend: Any) -> None:
    await seed(gadgets, 5)
    exact = await gadgets.list(page=OffsetPagination(limit=2, total=TotalStrategy.EXACT))
    none = await gadgets.list(page=OffsetPagination(limit=2, total=TotalStrategy.NONE))
    estimated = await gadgets.list(page=OffsetPagination(limit=2, total=TotalStrategy.ESTIMATED))
    assert exact.total == 5
    assert none.total is None
    assert estimated.total is not None
    assert estimated.total >= 0
    if db_backend.dialect != "postgresql":
        assert estimated.total == 5  # exact where there is no planner estimate
    past = await gadgets.list(page=OffsetPagination(limit=2, offset=9))
    assert past.total == 5


async def test_offset_sorts_by_several_keys_then_the_key(gadgets: GadgetRepository) -> None:
    rows = await seed(gadgets, 9)
    page = await gadgets.list(sort="-quantity,name", page=OffsetPagination(limit=MAX))
    expected = sorted(rows, key=lambda g: (-g.quantity, g.name, g.id))
    assert [g.id for g in page.items] == [g.id for g in expected]


async def test_default_sort_is_the_primary_key(gadgets: GadgetRepository) -> None:
    rows = await seed(gadgets, 4)
    page = await gadgets.list()
    assert [g.id for g in page.items] == sorted(g.id for g in rows)


@pytest.mark.parametrize("sort", ["colour", "updated_by", "name,-name", "category"])
async def test_sorting_by_a_field_not_allowed_is_refused(
    gadgets: GadgetRepository, sort: str
) -> None:
    with pytest.raises(ValidationError):
        await gadgets.list(sort=sort)


def test_nullable_or_unknown_sort_columns_are_refused_when_the_class_is_defined() -> None:
    with pytest.raises(ConfigurationError):

        class Nullable(SQLAlchemyRepository[Gadget]):
            model = Gadget
            sortable = ("category",)

    with pytest.raises(ConfigurationError):

        class Unknown(SQLAlchemyRepository[Gadget]):
            model = Gadget
            filterable: ClassVar[Mapping[str, Collection[Op]]] = {"colour": ()}


# -- the two listings ----------------------------------------------------------------


async def test_each_listing_refuses_the_other_kind_of_page_naming_the_right_one(
    gadgets: GadgetRepository,
) -> None:
    await seed(gadgets, 2)
    cursor, offset = CursorPagination(limit=1), OffsetPagination(limit=1)
    with pytest.raises(TypeError) as caught:
        await gadgets.list(page=cursor)  # type: ignore[arg-type]  # the mistake under test
    assert str(caught.value) == (
        "list() pages by offset, not by keyset: pass the CursorPagination to list_cursor() instead."
    )
    with pytest.raises(TypeError, match=r"^list_cursor\(\) .* to list\(\) instead\.$"):
        await gadgets.list_cursor(page=offset)  # type: ignore[arg-type]  # the mistake under test
    with pytest.raises(TypeError, match=r"^list_values\(\) .* to list_cursor_values\(\) "):
        await gadgets.list_values(["id"], page=cursor)  # type: ignore[arg-type]  # the mistake under test
    with pytest.raises(TypeError, match=r"^list_cursor_values\(\) .* to list_values\(\) "):
        await gadgets.list_cursor_values(["id"], page=offset)  # type: ignore[arg-type]  # the mistake under test


async def test_list_cursor_without_a_page_is_the_first_page_of_the_default_size(
    gadgets: GadgetRepository,
) -> None:
    """The default size is the offset listing's: 50, or ``max_limit`` when smaller."""
    await seed(gadgets, MAX + 1)
    page = await gadgets.list_cursor(sort="name")
    assert (page.limit, len(page.items), page.previous_cursor) == (MAX, MAX, None)
    assert page.next_cursor is not None
    offset = await gadgets.list(sort="name")
    assert [g.id for g in page.items] == [g.id for g in offset.items]
    rows = await gadgets.list_cursor_values(["id"], sort="name")
    assert [row.id for row in rows.items] == [g.id for g in page.items]
    assert rows.next_cursor == page.next_cursor


# -- keyset --------------------------------------------------------------------------


async def test_cursor_on_an_empty_table(gadgets: GadgetRepository) -> None:
    page = await gadgets.list_cursor(page=CursorPagination(limit=3))
    assert (list(page.items), page.next_cursor, page.previous_cursor) == ([], None, None)


@pytest.mark.parametrize("limit", [1, 3, 7, MAX])
async def test_cursor_walks_every_row_once_in_order(gadgets: GadgetRepository, limit: int) -> None:
    await seed(gadgets, 7)
    offset = await gadgets.list(sort="-quantity,name", page=OffsetPagination(limit=MAX))
    pages = await walk_forward(gadgets, "-quantity,name", limit)
    assert [sku for page in pages for sku in page] == [g.sku for g in offset.items]
    assert all(len(page) == limit for page in pages[:-1])


async def test_previous_cursor_walks_back_to_the_first_page(gadgets: GadgetRepository) -> None:
    await seed(gadgets, 7)
    first = await gadgets.list_cursor(sort="name", page=CursorPagination(limit=3))
    assert first.previous_cursor is None
    second = await gadgets.list_cursor(
        sort="name", page=CursorPagination(limit=3, after=first.next_cursor)
    )
    third = await gadgets.list_cursor(
        sort="name", page=CursorPagination(limit=3, after=second.next_cursor)
    )
    assert len(third.items) == 1
    assert third.next_cursor is None
    back = await gadgets.list_cursor(
        sort="name", page=CursorPagination(limit=3, before=third.previous_cursor)
    )
    assert [g.id for g in back.items] == [g.id for g in second.items]
    assert back.next_cursor is not None
    start = await gadgets.list_cursor(
        sort="name", page=CursorPagination(limit=3, before=back.previous_cursor)
    )
    assert [g.id for g in start.items] == [g.id for g in first.items]
    assert start.previous_cursor is None


async def test_cursor_is_stable_when_rows_are_inserted_or_deleted(
    gadgets: GadgetRepository,
) -> None:
    rows = await seed(gadgets, 6)
    first = await gadgets.list_cursor(sort="sku", page=CursorPagination(limit=2))
    assert [g.sku for g in first.items] == ["p-000", "p-001"]
    await gadgets.create({"sku": "p-0005", "name": "late", "quantity": 0})  # before the cursor
    await gadgets.create({"sku": "p-0025", "name": "late", "quantity": 0})  # after it
    await gadgets.delete(rows[1].id)  # the cursor's own row
    await gadgets.delete(rows[2].id)
    second = await gadgets.list_cursor(
        sort="sku", page=CursorPagination(limit=2, after=first.next_cursor)
    )
    assert [g.sku for g in second.items] == ["p-0025", "p-003"]


async def test_cursor_after_the_last_row_gives_an_empty_page(gadgets: GadgetRepository) -> None:
    rows = await seed(gadgets, 2)
    first = await gadgets.list_cursor(page=CursorPagination(limit=1))
    assert first.next_cursor is not None
    await gadgets.delete(rows[1].id)  # the only row after the cursor goes away
    tail = await gadgets.list_cursor(page=CursorPagination(limit=1, after=first.next_cursor))
    assert (list(tail.items), tail.next_cursor, tail.previous_cursor) == ([], None, None)


def _tamper(cursor: str, **changes: Any) -> str:
    payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    payload.update(changes)
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "mutate",
    [
        lambda c: c[:-3] + ("A" if c[-3] != "A" else "B") + c[-2:],
        lambda c: "not a cursor!",
        lambda c: "",
        lambda c: c + ".c2lnbmF0dXJl",
        lambda c: _tamper(c, s="-name,id"),  # another sort order
        lambda c: _tamper(c, r="t_widget"),  # another resource
        lambda c: _tamper(c, k=["N1"]),  # wrong arity
        lambda c: _tamper(c, k=[None, None]),
        lambda c: _tamper(c, k=["N1", "not-a-uuid"]),
        lambda c: _tamper(c, k=[{"$ne": 1}, "x"]),
        lambda c: _tamper(c, d="sideways"),
        lambda c: _tamper(c, v=2),
        lambda c: base64.urlsafe_b64encode(b"[1, 2]").decode(),
    ],
)
async def test_a_tampered_or_foreign_cursor_is_a_validation_error(
    gadgets: GadgetRepository, mutate: Any
) -> None:
    await seed(gadgets, 3)
    with signing_cursors(None):  # unsigned, so that the checks behind the signature run
        cursor = (
            await gadgets.list_cursor(sort="name", page=CursorPagination(limit=1))
        ).next_cursor
        assert cursor is not None
        with pytest.raises(ValidationError) as info:
            await gadgets.list_cursor(
                sort="name", page=CursorPagination(limit=1, after=mutate(cursor))
            )
    assert info.value.status == 422


async def test_a_cursor_is_bound_to_its_sort_direction_and_resource(
    gadgets: GadgetRepository, parts: PartRepository
) -> None:
    await seed(gadgets, 3)
    page = await gadgets.list_cursor(sort="name", page=CursorPagination(limit=1))
    with pytest.raises(ValidationError):
        await gadgets.list_cursor(
            sort="-name", page=CursorPagination(limit=1, after=page.next_cursor)
        )
    with pytest.raises(ValidationError):  # a "next" cursor used as "before"
        await gadgets.list_cursor(
            sort="name", page=CursorPagination(limit=1, before=page.next_cursor)
        )
    with pytest.raises(ValidationError):
        await parts.list_cursor(
            sort="label", page=CursorPagination(limit=1, after=page.next_cursor)
        )
    with pytest.raises(ValidationError):
        await gadgets.list_cursor(page=CursorPagination(limit=1, after="x", before="y"))
    with pytest.raises(ValidationError):
        await gadgets.list_cursor(page=CursorPagination(limit=MAX + 1))


async def test_signed_cursors_reject_edited_values(gadgets: GadgetRepository) -> None:
    class Signed(GadgetRepository):
        cursor_secret = b"s3cret"

    signed = Signed(gadgets.session)
    await seed(gadgets, 3)
    page = await signed.list_cursor(sort="name", page=CursorPagination(limit=1))
    assert page.next_cursor is not None
    assert "." in page.next_cursor
    follow = await signed.list_cursor(
        sort="name", page=CursorPagination(limit=1, after=page.next_cursor)
    )
    assert len(follow.items) == 1
    body, _, signature = page.next_cursor.partition(".")
    forged = _tamper(body, k=["N0", "00000000-0000-7000-8000-000000000000"]) + "." + signature
    for cursor in (forged, body):
        with pytest.raises(ValidationError):
            await signed.list_cursor(sort="name", page=CursorPagination(limit=1, after=cursor))
    with pytest.raises(ValidationError):  # unsigned cursors of the plain repository
        await gadgets.list_cursor(
            sort="name", page=CursorPagination(limit=1, after=page.next_cursor)
        )
