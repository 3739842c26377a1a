"""What a parent's soft delete does to its children: cascade (and restore), refuse, leave;
and what a deleted parent does to its child's restore."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from foundation.errors import ConfigurationError, ConflictError, NotFoundError
from foundation.repository import Children, OnParentDelete, Op, SQLAlchemyRepository
from tests.soft_delete_models import Board, Card, Comment, Sticker


class CommentRepository(SQLAlchemyRepository[Comment]):
    model = Comment


class CardRepository(SQLAlchemyRepository[Card]):
    model = Card
    filterable: ClassVar[dict[str, Any]] = {"board_id": {Op.EQ}}
    children = (Children(CommentRepository, "card_id", OnParentDelete.CASCADE),)


class CascadingBoards(SQLAlchemyRepository[Board]):
    model = Board
    children = (Children(CardRepository, "board_id", OnParentDelete.CASCADE),)


# a repository learns its parents from every declaration that names it: each policy names
# its own card repository, so that the restores below see one policy each
class RefusedCards(SQLAlchemyRepository[Card]):
    model = Card


class LeftCards(SQLAlchemyRepository[Card]):
    model = Card


class RefusingBoards(SQLAlchemyRepository[Board]):
    model = Board
    children = (Children(RefusedCards, "board_id", OnParentDelete.REFUSE),)


class LeavingBoards(SQLAlchemyRepository[Board]):
    model = Board
    children = (Children(LeftCards, "board_id", OnParentDelete.LEAVE),)


async def board_with_cards(
    session: AsyncSession, boards: SQLAlchemyRepository[Any], *titles: str
) -> tuple[Board, list[Card]]:
    board = await boards.create({"slug": "-".join(titles)})
    cards = CardRepository(session)
    return board, [await cards.create({"board_id": board.id, "title": t}) for t in titles]


async def deleted_at(session: AsyncSession, repository: type[Any], id: Any) -> datetime | None:
    entity = await repository(session).get(id, include_deleted=True)
    value: datetime | None = entity.deleted_at
    return value


async def test_cascade_deletes_the_live_children_with_the_parents_time(
    db_session: AsyncSession,
) -> None:
    boards = CascadingBoards(db_session)
    board, (a, b, c) = await board_with_cards(db_session, boards, "a", "b", "c")
    cards = CardRepository(db_session)
    await cards.delete(c.id)
    earlier = await deleted_at(db_session, CardRepository, c.id)
    await boards.delete(board.id)
    when = await deleted_at(db_session, CascadingBoards, board.id)
    assert when is not None
    for card in (a, b):
        with pytest.raises(NotFoundError):
            await cards.get(card.id)
        assert await deleted_at(db_session, CardRepository, card.id) == when
        assert (await cards.get(card.id, include_deleted=True)).version == 2
    assert await deleted_at(db_session, CardRepository, c.id) == earlier  # untouched


async def test_cascade_restore_brings_back_exactly_what_it_deleted(
    db_session: AsyncSession,
) -> None:
    boards = CascadingBoards(db_session)
    board, (a, b, c) = await board_with_cards(db_session, boards, "a", "b", "c")
    cards = CardRepository(db_session)
    await cards.delete(c.id)  # deleted on its own: stays deleted
    await boards.delete(board.id)
    restored = await boards.restore(board.id)
    assert restored.deleted_at is None
    assert {card.id for card in (await cards.list({"board_id": board.id})).items} == {a.id, b.id}
    assert (await cards.get(a.id)).version == 3  # created, deleted, restored
    assert await deleted_at(db_session, CardRepository, c.id) is not None


async def test_cascade_follows_the_childrens_own_declarations(db_session: AsyncSession) -> None:
    boards = CascadingBoards(db_session)
    board, (card,) = await board_with_cards(db_session, boards, "a")
    comments = CommentRepository(db_session)
    comment = await comments.create({"card_id": card.id, "body": "hi"})
    await boards.delete(board.id)
    with pytest.raises(NotFoundError):
        await comments.get(comment.id)
    await boards.restore(board.id)
    assert (await comments.get(comment.id)).body == "hi"


async def test_restoring_a_live_parent_touches_no_child(db_session: AsyncSession) -> None:
    boards = CascadingBoards(db_session)
    board, (card,) = await board_with_cards(db_session, boards, "a")
    await CardRepository(db_session).delete(card.id)
    await boards.restore(board.id)  # live already: nothing to undo
    assert await deleted_at(db_session, CardRepository, card.id) is not None


async def test_refuse_is_a_conflict_while_live_children_exist(db_session: AsyncSession) -> None:
    boards = RefusingBoards(db_session)
    board, (a, b) = await board_with_cards(db_session, boards, "a", "b")
    with pytest.raises(ConflictError) as caught:
        await boards.delete(board.id)
    assert caught.value.status == 409
    assert caught.value.message == f"Board {board.id} still has live Card rows: delete them first."
    assert caught.value.details == {"children": "Card", "policy": "refuse"}
    assert (await boards.get(board.id)).deleted_at is None
    cards = CardRepository(db_session)
    await cards.delete(a.id)
    await cards.delete(b.id)  # deleted children do not hold the parent back
    await boards.delete(board.id)
    with pytest.raises(NotFoundError):
        await boards.get(board.id)


async def test_refuse_reaches_below_a_cascade(db_session: AsyncSession) -> None:
    class RefusingCards(SQLAlchemyRepository[Card]):
        model = Card
        children = (Children(CommentRepository, "card_id", OnParentDelete.REFUSE),)

    class Boards(SQLAlchemyRepository[Board]):
        model = Board
        children = (Children(RefusingCards, "board_id", OnParentDelete.CASCADE),)

    boards = Boards(db_session)
    board, (card,) = await board_with_cards(db_session, boards, "a")
    await CommentRepository(db_session).create({"card_id": card.id, "body": "hi"})
    with pytest.raises(ConflictError, match="still has live Comment rows"):
        await boards.delete(board.id)
    assert (await CardRepository(db_session).get(card.id)).deleted_at is None


async def test_leave_keeps_the_children_live(db_session: AsyncSession) -> None:
    boards = LeavingBoards(db_session)
    board, (card,) = await board_with_cards(db_session, boards, "a")
    await boards.delete(board.id)
    assert (await CardRepository(db_session).get(card.id)).deleted_at is None


def test_a_declaration_names_an_existing_column() -> None:
    with pytest.raises(ConfigurationError, match="Card has no column 'parent_id'"):
        Children(CardRepository, "parent_id", OnParentDelete.CASCADE)


def test_a_cascade_needs_children_that_soft_delete() -> None:
    class StickerRepository(SQLAlchemyRepository[Sticker]):
        model = Sticker

    with pytest.raises(ConfigurationError, match="Sticker cannot soft delete"):
        Children(StickerRepository, "board_id", OnParentDelete.CASCADE)
    Children(StickerRepository, "board_id", OnParentDelete.REFUSE)  # refusing needs nothing


# -- restoring a child whose parent is deleted --------------------------------------


@pytest.mark.parametrize(
    ("boards_type", "cards_type", "policy"),
    [(CascadingBoards, CardRepository, "cascade"), (RefusingBoards, RefusedCards, "refuse")],
)
async def test_restoring_a_child_under_a_deleted_parent_is_a_conflict(
    db_session: AsyncSession, boards_type: type[Any], cards_type: type[Any], policy: str
) -> None:
    boards, cards = boards_type(db_session), cards_type(db_session)
    board, (card,) = await board_with_cards(db_session, boards, "a")
    await cards.delete(card.id)  # on its own, so that either policy lets the board go
    await boards.delete(board.id)
    with pytest.raises(ConflictError) as caught:
        await cards.restore(card.id)
    assert caught.value.status == 409
    assert caught.value.message == (
        f"Card {card.id} cannot be restored: its Board {board.id} is deleted. "
        "Restore the Board first."
    )
    assert caught.value.details == {
        "id": str(card.id),
        "operation": "restore",
        "parent": "Board",
        "parent_id": str(board.id),
        "policy": policy,
    }
    assert await deleted_at(db_session, CardRepository, card.id) is not None
    await boards.restore(board.id)  # the card was deleted on its own: it stays deleted
    assert (await cards.restore(card.id)).deleted_at is None


@pytest.mark.parametrize(
    ("boards_type", "cards_type", "policy"),
    [
        (CascadingBoards, CardRepository, "cascade"),
        (RefusingBoards, RefusedCards, "refuse"),
        (LeavingBoards, LeftCards, "leave"),
    ],
)
async def test_an_upsert_revives_a_child_only_where_restore_would(
    db_session: AsyncSession, boards_type: type[Any], cards_type: type[Any], policy: str
) -> None:
    """An upsert that meets a deleted row revives it: under a deleted parent that guards
    it, that is the same 409 as its restore, and nothing is written; onto a live parent it
    goes through."""
    boards, cards = boards_type(db_session), cards_type(db_session)
    board, (card,) = await board_with_cards(db_session, boards, "a")
    elsewhere = await boards.create({"slug": "elsewhere"})
    await cards.delete(card.id)
    await boards.delete(board.id)
    again = {"id": card.id, "board_id": board.id, "title": "again"}
    if policy == "leave":
        assert (await cards.upsert(again, conflict=["id"])).deleted_at is None
        return
    with pytest.raises(ConflictError) as caught:
        await cards.upsert(again, conflict=["id"])
    assert caught.value.details == {
        "id": str(card.id),
        "operation": "upsert",
        "parent": "Board",
        "parent_id": str(board.id),
        "policy": policy,
    }
    kept = await CardRepository(db_session).get(card.id, include_deleted=True)
    assert (kept.title, kept.deleted_at is not None) == ("a", True)  # nothing written
    moved = {"id": card.id, "board_id": elsewhere.id, "title": "moved"}
    revived = await cards.upsert(moved, conflict=["id"])
    assert (revived.board_id, revived.title, revived.deleted_at) == (elsewhere.id, "moved", None)


async def test_under_leave_a_child_is_restored_under_a_deleted_parent(
    db_session: AsyncSession,
) -> None:
    boards, cards = LeavingBoards(db_session), LeftCards(db_session)
    board, (card,) = await board_with_cards(db_session, boards, "a")
    await cards.delete(card.id)
    await boards.delete(board.id)
    assert (await cards.restore(card.id)).deleted_at is None  # as live as a left child


async def test_restoring_a_live_child_under_a_deleted_parent_changes_nothing(
    db_session: AsyncSession,
) -> None:
    boards = CascadingBoards(db_session)
    board, _ = await board_with_cards(db_session, boards)
    await boards.delete(board.id)
    cards = CardRepository(db_session)
    card = await cards.create({"board_id": board.id, "title": "late"})  # not the repo's job
    assert (await cards.restore(card.id)).version == card.version  # a no-op, no conflict


async def test_a_grandchild_waits_for_its_own_parent(db_session: AsyncSession) -> None:
    boards = CascadingBoards(db_session)
    board, (card,) = await board_with_cards(db_session, boards, "a")
    comments = CommentRepository(db_session)
    comment = await comments.create({"card_id": card.id, "body": "hi"})
    await boards.delete(board.id)
    with pytest.raises(ConflictError, match=f"its Card {card.id} is deleted"):
        await comments.restore(comment.id)
    with pytest.raises(ConflictError, match=f"its Board {board.id} is deleted"):
        await CardRepository(db_session).restore(card.id)


async def test_a_subclass_of_the_child_repository_knows_its_parents(
    db_session: AsyncSession,
) -> None:
    class ScopedCards(CardRepository):
        pass

    boards = CascadingBoards(db_session)
    board, (card,) = await board_with_cards(db_session, boards, "a")
    await boards.delete(board.id)
    with pytest.raises(ConflictError, match="Restore the Board first"):
        await ScopedCards(db_session).restore(card.id)
