"""Property: listing with any allowed sort visits every row exactly once, by offset and by
cursor, forwards and backwards."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from foundation.repository import CursorPagination, OffsetPagination
from tests.foundation.repository.models import GadgetRepository

SORTABLE = GadgetRepository.sortable

rows = st.lists(
    st.fixed_dictionaries(
        {
            # few distinct values, mixed case: ties and collation questions on purpose
            "name": st.sampled_from(["a", "A", "b", "B b", "ä", "z"]),
            "quantity": st.integers(min_value=0, max_value=3),
            "active": st.booleans(),
            "deleted": st.booleans(),
        }
    ),
    max_size=12,
)
sorts = st.lists(
    st.tuples(st.sampled_from(SORTABLE), st.booleans()),
    max_size=3,
    unique_by=lambda item: item[0],
).map(lambda keys: ",".join(("-" if desc else "") + name for name, desc in keys))


async def offset_walk(repo: GadgetRepository, sort: str, limit: int) -> list[Any]:
    seen: list[Any] = []
    offset = 0
    while True:
        page = await repo.list(sort=sort, page=OffsetPagination(limit=limit, offset=offset))
        seen.extend(g.id for g in page.items)
        offset += limit
        if offset >= (page.total or 0):
            return seen


async def cursor_walk(repo: GadgetRepository, sort: str, limit: int) -> tuple[list[Any], Any]:
    seen: list[Any] = []
    cursor = None
    while True:
        page = await repo.list_cursor(sort=sort, page=CursorPagination(limit=limit, after=cursor))
        seen.extend(g.id for g in page.items)
        if page.next_cursor is None:
            return seen, page
        cursor = page.next_cursor


async def backward_walk(
    repo: GadgetRepository, sort: str, limit: int, cursor: str | None
) -> list[Any]:
    seen: list[Any] = []
    while cursor is not None:
        page = await repo.list_cursor(sort=sort, page=CursorPagination(limit=limit, before=cursor))
        seen[:0] = [g.id for g in page.items]
        cursor = page.previous_cursor
    return seen


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=rows, sort=sorts, limit=st.integers(min_value=1, max_value=5))
async def test_any_allowed_sort_visits_every_live_row_exactly_once(
    db_session: AsyncSession, data: list[dict[str, Any]], sort: str, limit: int
) -> None:
    savepoint = await db_session.begin_nested()
    try:
        repo = GadgetRepository(db_session)
        created = await repo.create_many(
            [
                {k: v for k, v in row.items() if k != "deleted"} | {"sku": f"h-{i}"}
                for i, row in enumerate(data)
            ]
        )
        for gadget, row in zip(created, data, strict=True):
            if row["deleted"]:
                await repo.delete(gadget.id)
        live = {g.id for g, row in zip(created, data, strict=True) if not row["deleted"]}

        reference = await repo.list(sort=sort, page=OffsetPagination(limit=repo.max_limit))
        ordered = [g.id for g in reference.items]
        assert set(ordered) == live
        assert len(ordered) == len(live)

        assert await offset_walk(repo, sort, limit) == ordered
        forward, last = await cursor_walk(repo, sort, limit)
        assert forward == ordered
        if last.items:  # back from the last page to the start
            tail = [g.id for g in last.items]
            assert await backward_walk(repo, sort, limit, last.previous_cursor) + tail == ordered
    finally:
        await savepoint.rollback()
