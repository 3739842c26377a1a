"""ORM loads hide soft-deleted rows (relationships, ``session.get``, ``select``) unless the
execution option ``include_deleted=True`` asks for them; repositories are unaffected."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import pytest
from sqlalchemy import event, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, joinedload, selectinload

from foundation import Database
from foundation.models import INCLUDE_DELETED
from foundation.repository import SQLAlchemyRepository
from tests.soft_delete_models import Board, Card

OPT_OUT = {INCLUDE_DELETED: True}


class Boards(SQLAlchemyRepository[Board]):
    model = Board


class Cards(SQLAlchemyRepository[Card]):
    model = Card


@pytest.fixture
async def board_id(database: Database) -> uuid.UUID:
    """A committed board with a live card ``a`` and a soft-deleted card ``b``."""
    async with database.transaction() as session:
        board = await Boards(session).create({"slug": "loading"})
        cards = Cards(session)
        await cards.create({"board_id": board.id, "title": "a"})
        gone = await cards.create({"board_id": board.id, "title": "b"})
        await cards.delete(gone.id)
        return board.id  # type: ignore[no-any-return]


def titles(cards: Sequence[Card]) -> list[str]:
    return [card.title for card in cards]


async def lazy_cards(session: AsyncSession, board: Board) -> list[str]:
    return await session.run_sync(lambda _: titles(board.cards))


async def test_a_lazy_relationship_leaves_deleted_children_out(
    database: Database, board_id: uuid.UUID
) -> None:
    async with database.session() as session:
        board = await session.get_one(Board, board_id)
        assert await lazy_cards(session, board) == ["a"]
    async with database.session() as session:  # a parent the repository loaded, too
        board = await Boards(session).get(board_id)
        assert await lazy_cards(session, board) == ["a"]


@pytest.mark.parametrize("loader", [selectinload, joinedload], ids=["selectin", "joined"])
async def test_eager_loads_leave_them_out_unless_asked(
    database: Database, board_id: uuid.UUID, loader: object
) -> None:
    stmt = select(Board).options(loader(Board.cards))  # type: ignore[operator]
    async with database.session() as session:
        board = (await session.scalars(stmt)).unique().one()
        assert titles(board.cards) == ["a"]
    async with database.session() as session:
        board = (await session.scalars(stmt, execution_options=OPT_OUT)).unique().one()
        assert titles(board.cards) == ["a", "b"]


async def test_get_and_select_hide_deleted_rows_unless_asked(
    database: Database, board_id: uuid.UUID
) -> None:
    async with database.session() as session:
        gone = await session.scalar(
            select(Card.id).where(Card.title == "b"), execution_options=OPT_OUT
        )
        assert gone is not None
        assert await session.get(Card, gone) is None
        assert titles((await session.scalars(select(Card))).all()) == ["a"]
        found = await session.get(Card, gone, execution_options=OPT_OUT)
        assert found is not None
        assert found.title == "b"
        everything = await session.scalars(
            select(Card).order_by(Card.title), execution_options=OPT_OUT
        )
        assert titles(everything.all()) == ["a", "b"]


async def test_repositories_still_read_deleted_rows_when_asked(
    database: Database, board_id: uuid.UUID
) -> None:
    async with database.session() as session:
        cards = Cards(session)
        listed = await cards.list(include_deleted=True)
        assert sorted(titles(listed.items)) == ["a", "b"]
        gone = next(card for card in listed.items if card.title == "b")
        assert (await cards.get(gone.id, include_deleted=True)).title == "b"
        assert await cards.get_or_none(gone.id) is None


async def test_repository_reads_are_not_rewritten(database: Database, board_id: uuid.UUID) -> None:
    # repositories filter in their own statements: the hook leaves them as they are
    seen: list[str] = []

    def record(state: ORMExecuteState) -> None:  # runs after the foundation's hook
        if state.is_select:
            seen.append(str(state.statement.compile(dialect=sqlite.dialect())))

    event.listen(Session, "do_orm_execute", record)
    try:
        async with database.session() as session:
            cards, boards = Cards(session), Boards(session)
            await boards.get(board_id)
            await cards.list()
            await cards.list(include_deleted=True)
        async with database.session() as session:
            await session.scalars(select(Card))
    finally:
        event.remove(Session, "do_orm_execute", record)
    *repository, plain = seen
    assert [sql.count("deleted_at IS NULL") for sql in repository] == [1, 1, 0]
    assert plain.count("deleted_at IS NULL") == 1  # what the hook adds to a plain select
