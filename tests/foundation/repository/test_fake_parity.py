"""The in-memory fake and ``SQLAlchemyRepository`` answer bad input alike: the same error
class, message and details, because both build on the same public checks."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from fixtures.memory import MemoryRepository
from foundation.errors import FoundationError
from foundation.repository import (
    CursorPagination,
    OffsetPagination,
    Op,
    and_,
    signing_cursors,
    where,
)
from tests.foundation.repository.conftest import catalogue_rows
from tests.foundation.repository.models import Gadget, GadgetRepository

Call = Callable[[Any], Awaitable[Any]]
MISSING = uuid.UUID("0190a8e4-0000-7000-8000-000000000000")

BAD_INPUT: dict[str, Call] = {
    "unknown filter field": lambda r: r.list({"nope": 1}),
    "operator not allowed": lambda r: r.list(where("quantity", Op.CONTAINS, "1")),
    "value of the wrong type": lambda r: r.list(where("quantity", Op.GT, "many")),
    "in without a list": lambda r: r.list(where("sku", Op.IN, "A-1")),
    "between with three": lambda r: r.list(where("quantity", Op.BETWEEN, [1, 2, 3])),
    "ordering without a value": lambda r: r.list(where("quantity", Op.GT, None)),
    "text operator on a number": lambda r: r.list(where("name", Op.CONTAINS, 5)),
    "nested bad value": lambda r: r.count(and_(where("active", Op.EQ, "perhaps"))),
    "NUL in a search": lambda r: r.list(search="a\x00b"),
    "sort not allowed": lambda r: r.list(sort="category"),
    "sort twice": lambda r: r.list(sort="name,-name"),
    "limit too large": lambda r: r.list(page=OffsetPagination(limit=21)),
    "limit zero on a cursor": lambda r: r.list_cursor(page=CursorPagination(limit=0)),
    "negative offset": lambda r: r.list(page=OffsetPagination(offset=-1)),
    "malformed cursor": lambda r: r.list_cursor(page=CursorPagination(after="not-a-cursor")),
    "both cursors": lambda r: r.list_cursor(page=CursorPagination(after="a", before="b")),
    "writing the version": lambda r: r.create({"sku": "x", "name": "x", "version": 3}),
    "writing an unknown column": lambda r: r.create({"sku": "x", "name": "x", "nope": 1}),
    "changing the key": lambda r: r.update(MISSING, {"id": MISSING}),
    # deleted_at changes only through delete and restore, which apply the child policies
    "soft-deleting by update": lambda r: r.update(MISSING, {"deleted_at": None}),
    "reviving by update_many": lambda r: r.update_many({}, {"deleted_at": None}),
    "a missing row": lambda r: r.get(MISSING),
    "a malformed id": lambda r: r.get("not-a-uuid"),
    "a malformed key to create": lambda r: r.create({"id": "not-a-uuid", "sku": "x", "name": "x"}),
    "a malformed number to create": lambda r: r.create({"sku": "x", "name": "x", "quantity": "x"}),
    "a naive time to create": lambda r: r.create(
        {"sku": "x", "name": "x", "launched_at": "2026-01-01T00:00:00"}
    ),
    "a malformed key to upsert": lambda r: r.upsert(
        {"id": "nope", "sku": "x", "name": "x"}, conflict=["sku"]
    ),
}


def _answer(error: FoundationError) -> tuple[type, str, dict[str, Any]]:
    return type(error), str(error), error.details


async def _error(call: Call, repository: Any) -> tuple[type, str, dict[str, Any]]:
    with pytest.raises(FoundationError) as caught:
        await call(repository)
    return _answer(caught.value)


def _fake() -> MemoryRepository[Gadget]:
    return MemoryRepository(
        Gadget,
        filterable=GadgetRepository.filterable,
        sortable=GadgetRepository.sortable,
        searchable=GadgetRepository.searchable,
        max_limit=GadgetRepository.max_limit,
    )


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
async def test_the_fake_refuses_bad_input_as_the_real_repository_does(
    case: str, gadgets: GadgetRepository
) -> None:
    call = BAD_INPUT[case]
    real = await _error(call, gadgets)
    fake = await _error(call, _fake())
    assert fake == real


@pytest.mark.parametrize("method", ["list", "list_cursor", "list_values", "list_cursor_values"])
async def test_the_fake_refuses_the_other_kind_of_page_as_the_real_repository_does(
    method: str, gadgets: GadgetRepository
) -> None:
    cursor = "cursor" in method
    page = OffsetPagination() if cursor else CursorPagination()
    arguments = (["id"],) if method.endswith("_values") else ()
    answers = []
    for repository in (gadgets, _fake()):
        with pytest.raises(TypeError) as caught:
            await getattr(repository, method)(*arguments, page=page)
        answers.append(str(caught.value))
    assert answers[0] == answers[1]


async def test_cursors_of_the_fake_walk_like_the_real_ones(gadgets: GadgetRepository) -> None:
    """The same rows, sorted descending with ties, walked forward then back one page at a
    time, give the same pages on both; cursors are signed alike and are not
    interchangeable with another sort."""
    fake = _fake()
    rows = catalogue_rows()
    await gadgets.create_many(rows)
    await fake.create_many(rows)
    with signing_cursors(b"k" * 32):
        for repository in (gadgets, fake):
            pages: list[list[str]] = []
            page = await repository.list_cursor(
                sort="-quantity,sku", page=CursorPagination(limit=2)
            )
            pages.append([g.sku for g in page.items])
            while page.next_cursor:
                page = await repository.list_cursor(
                    sort="-quantity,sku", page=CursorPagination(limit=2, after=page.next_cursor)
                )
                pages.append([g.sku for g in page.items])
            back = await repository.list_cursor(
                sort="-quantity,sku", page=CursorPagination(limit=2, before=page.previous_cursor)
            )
            assert [g.sku for g in back.items] == pages[-2]
            assert "." in str(page.previous_cursor)  # signed
            with pytest.raises(FoundationError, match="cursor"):
                await repository.list_cursor(
                    sort="name", page=CursorPagination(limit=2, after=page.previous_cursor)
                )
            if repository is gadgets:
                real_pages = pages
    assert pages == real_pages
    assert [sku for page in pages for sku in page] == ["G-1", "D-1", "A-1", "A-2", "E-1", "B_1"]
