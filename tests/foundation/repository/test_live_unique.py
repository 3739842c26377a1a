"""``unique_among_live``: a deleted row frees its unique values; restoring into a value a
live row has taken since is a 409 that says so."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from foundation.errors import ConfigurationError, DuplicateError
from foundation.models import LIVE_MARKER
from foundation.repository import Op, SQLAlchemyRepository
from tests.soft_delete_models import Board


class BoardRepository(SQLAlchemyRepository[Board]):
    model = Board
    filterable: ClassVar[dict[str, Any]] = {"slug": {Op.EQ}}


@pytest.fixture
def boards(db_session: AsyncSession) -> BoardRepository:
    return BoardRepository(db_session)


async def create_fails(
    session: AsyncSession, boards: BoardRepository, data: dict[str, Any]
) -> DuplicateError:
    with pytest.raises(DuplicateError) as caught:
        async with session.begin_nested():  # PostgreSQL: the failed statement, not the test
            await boards.create(data)
    return caught.value


async def test_a_deleted_row_frees_its_unique_value(
    db_session: AsyncSession, boards: BoardRepository
) -> None:
    first = await boards.create({"slug": "website"})
    await boards.delete(first.id)
    second = await boards.create({"slug": "website"})
    assert second.id != first.id
    assert (await boards.get(first.id, include_deleted=True)).slug == "website"


async def test_two_live_rows_still_conflict_and_the_error_names_the_field(
    db_session: AsyncSession, boards: BoardRepository
) -> None:
    await boards.create({"slug": "website"})
    error = await create_fails(db_session, boards, {"slug": "website"})
    assert error.details["fields"] == ["slug"]
    assert LIVE_MARKER not in str(error.details)


async def test_several_deleted_rows_may_share_a_value(
    db_session: AsyncSession, boards: BoardRepository
) -> None:
    for _ in range(3):
        board = await boards.create({"slug": "again"})
        await boards.delete(board.id)
    assert await boards.count({"slug": "again"}, include_deleted=True) == 3


async def test_a_composite_constraint_counts_only_live_rows(
    db_session: AsyncSession, boards: BoardRepository
) -> None:
    first = await boards.create({"slug": "a", "owner": "ann", "code": "X"})
    await boards.create({"slug": "b", "owner": "bob", "code": "X"})  # other owner: fine
    error = await create_fails(db_session, boards, {"slug": "c", "owner": "ann", "code": "X"})
    assert sorted(error.details["fields"]) == ["code", "owner"]
    await boards.delete(first.id)
    await boards.create({"slug": "c", "owner": "ann", "code": "X"})


async def test_restoring_into_a_reused_value_is_a_duplicate_that_says_so(
    db_session: AsyncSession, boards: BoardRepository
) -> None:
    old = await boards.create({"slug": "website"})
    await boards.delete(old.id)
    await boards.create({"slug": "website"})
    with pytest.raises(DuplicateError) as caught:
        async with db_session.begin_nested():
            await boards.restore(old.id)
    error = caught.value
    assert error.status == 409
    assert f"Board {old.id} cannot be restored" in error.message
    assert "has taken its slug since it was deleted" in error.message
    assert error.details["fields"] == ["slug"]
    assert error.details["operation"] == "restore"
    # nothing moved: the old row is still deleted
    assert (await boards.get(old.id, include_deleted=True)).deleted_at is not None


async def test_restoring_a_value_nobody_took_works(
    db_session: AsyncSession, boards: BoardRepository
) -> None:
    old = await boards.create({"slug": "website"})
    await boards.delete(old.id)
    restored = await boards.restore(old.id)
    assert restored.deleted_at is None
    assert restored.slug == "website"


async def test_the_marker_is_computed_never_written(
    db_session: AsyncSession, boards: BoardRepository
) -> None:
    assert LIVE_MARKER not in boards.traits.columns
    board = await boards.create({"slug": "m"})
    await db_session.refresh(board)
    assert getattr(board, LIVE_MARKER) == 1
    await boards.delete(board.id)
    await db_session.refresh(board)
    assert getattr(board, LIVE_MARKER) is None


async def test_each_backend_builds_only_its_own_index(db_session: AsyncSession) -> None:
    def indexes(connection: Any) -> dict[str, list[str]]:
        found = inspect(connection).get_indexes("s_board")
        return {ix["name"]: ix["column_names"] for ix in found if ix["name"].endswith("_live")}

    connection = await db_session.connection()
    found = await connection.run_sync(indexes)
    if connection.dialect.name == "mysql":
        assert found == {
            "uq_s_board_slug_live": ["slug", LIVE_MARKER],
            "uq_s_board_owner_code_live": ["owner", "code", LIVE_MARKER],
        }
    else:
        assert found == {
            "uq_s_board_slug_live": ["slug"],
            "uq_s_board_owner_code_live": ["owner", "code"],
        }


def test_a_model_without_soft_delete_cannot_declare_it() -> None:
    from sqlalchemy import Column, Integer, MetaData, String, Table

    from foundation.models import unique_among_live

    with pytest.raises(ConfigurationError, match="needs SoftDeleteMixin"):
        Table(
            "s_plain",
            MetaData(),
            Column("id", Integer, primary_key=True),
            Column("slug", String(10)),
            *unique_among_live("slug"),
        )
