"""The child policies on the bulk and for-good paths: ``delete_many`` applies them to every
matched parent, ``hard_delete`` deletes ``CASCADE`` children for good and refuses while a
``REFUSE`` child row (live or deleted) still refers to the parent."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from foundation.errors import ConflictError, ForeignKeyError, NotFoundError
from foundation.repository import Children, OnParentDelete, Op, SQLAlchemyRepository, where
from tests.soft_delete_models import Board, Card, Comment, Poster, Sticker, Wall

SLUG: dict[str, Any] = {"slug": {Op.IN}}


class CommentRepository(SQLAlchemyRepository[Comment]):
    model = Comment


class CardRepository(SQLAlchemyRepository[Card]):
    model = Card
    children = (Children(CommentRepository, "card_id", OnParentDelete.CASCADE),)


class StickerRepository(SQLAlchemyRepository[Sticker]):
    model = Sticker


class PosterRepository(SQLAlchemyRepository[Poster]):
    model = Poster


def boards_declaring(policy: OnParentDelete) -> type[SQLAlchemyRepository[Board]]:
    """A board repository whose cards follow ``policy``, filterable by slug."""

    class Boards(SQLAlchemyRepository[Board]):
        model = Board
        filterable = SLUG
        children = (Children(CardRepository, "board_id", policy),)

    return Boards


CASCADE, REFUSE, LEAVE = (boards_declaring(policy) for policy in OnParentDelete)


async def boards_with_cards(
    session: AsyncSession, boards: SQLAlchemyRepository[Board], *slugs: str
) -> dict[str, tuple[Board, Card]]:
    """A board per slug, each with one card."""
    made = {}
    for slug in slugs:
        board = await boards.create({"slug": slug})
        made[slug] = (
            board,
            await CardRepository(session).create({"board_id": board.id, "title": slug}),
        )
    return made


async def card(session: AsyncSession, id: Any) -> Card | None:
    return await CardRepository(session).get_or_none(id, include_deleted=True)


# -- delete_many ----------------------------------------------------------------------


async def test_delete_many_cascades_to_the_children_of_every_match(
    db_session: AsyncSession,
) -> None:
    boards, cards = CASCADE(db_session), CardRepository(db_session)
    made = await boards_with_cards(db_session, boards, "a", "b", "kept")
    (a, a_card), (b, b_card), (_, kept_card) = made.values()
    comment = await CommentRepository(db_session).create({"card_id": a_card.id, "body": "hi"})
    early = await cards.create({"board_id": a.id, "title": "early"})
    await cards.delete(early.id)
    earlier = (await cards.get(early.id, include_deleted=True)).deleted_at

    assert await boards.delete_many(where("slug", Op.IN, ["a", "b"])) == 2

    when = (await boards.get(a.id, include_deleted=True)).deleted_at
    assert (await boards.get(b.id, include_deleted=True)).deleted_at == when
    for child in (a_card, b_card):
        found = await card(db_session, child.id)
        assert found is not None
        assert found.deleted_at == when
        assert found.version == 2
    gone = await CommentRepository(db_session).get(comment.id, include_deleted=True)
    assert gone.deleted_at == when  # grandchildren follow their card's declaration
    assert (await cards.get(kept_card.id)).deleted_at is None  # not a match
    assert (await cards.get(early.id, include_deleted=True)).deleted_at == earlier

    await boards.restore(a.id)  # brings back exactly what the bulk delete took
    assert (await cards.get(a_card.id)).deleted_at is None
    assert (await CommentRepository(db_session).get(comment.id)).body == "hi"
    assert await cards.get_or_none(early.id) is None
    assert await cards.get_or_none(b_card.id) is None  # its board is still deleted


async def test_delete_many_refuses_if_any_match_has_live_children(
    db_session: AsyncSession,
) -> None:
    boards, cards = REFUSE(db_session), CardRepository(db_session)
    made = await boards_with_cards(db_session, boards, "a", "b")
    await cards.delete(made["b"][1].id)  # b could go alone; a holds the batch back
    with pytest.raises(ConflictError) as caught:
        await boards.delete_many(where("slug", Op.IN, ["a", "b"]))
    assert caught.value.message == "A matching Board still has live Card rows: delete them first."
    assert caught.value.details == {"children": "Card", "policy": "refuse"}
    assert await boards.count() == 2  # nothing deleted
    await cards.delete(made["a"][1].id)
    assert await boards.delete_many(where("slug", Op.IN, ["a", "b"])) == 2


async def test_delete_many_leaves_the_children_under_leave(db_session: AsyncSession) -> None:
    boards = LEAVE(db_session)
    made = await boards_with_cards(db_session, boards, "a")
    assert await boards.delete_many({}) == 1
    assert (await CardRepository(db_session).get(made["a"][1].id)).deleted_at is None


# -- hard_delete ----------------------------------------------------------------------


async def test_hard_delete_cascades_for_good_deleted_children_included(
    db_session: AsyncSession,
) -> None:
    boards, cards = CASCADE(db_session), CardRepository(db_session)
    made = await boards_with_cards(db_session, boards, "a", "kept")
    (board, live), (_, kept) = made.values()
    deleted = await cards.create({"board_id": board.id, "title": "deleted"})
    await cards.delete(deleted.id)
    comment = await CommentRepository(db_session).create({"card_id": deleted.id, "body": "x"})
    await boards.hard_delete(board.id)
    assert await boards.get_or_none(board.id, include_deleted=True) is None
    assert await card(db_session, live.id) is None
    assert await card(db_session, deleted.id) is None
    assert await CommentRepository(db_session).get_or_none(comment.id, include_deleted=True) is None
    assert await card(db_session, kept.id) is not None
    with pytest.raises(NotFoundError):
        await boards.hard_delete(board.id)


async def test_hard_delete_refuses_while_any_child_row_refers_to_the_parent(
    db_session: AsyncSession,
) -> None:
    boards, cards = REFUSE(db_session), CardRepository(db_session)
    ((board, child),) = (await boards_with_cards(db_session, boards, "a")).values()
    await cards.delete(child.id)  # deleted, yet it still refers to the board
    with pytest.raises(ConflictError) as caught:
        await boards.hard_delete(board.id)
    assert caught.value.message == (
        f"Board {board.id} still has Card rows, deleted ones included: delete them for good first."
    )
    assert type(caught.value) is ConflictError  # refused before the foreign key is reached
    assert await boards.get_or_none(board.id) is not None
    await cards.hard_delete(child.id)
    await boards.hard_delete(board.id)
    assert await boards.get_or_none(board.id, include_deleted=True) is None


async def test_hard_delete_refusal_reaches_below_a_cascade(db_session: AsyncSession) -> None:
    class RefusingCards(SQLAlchemyRepository[Card]):
        model = Card
        children = (Children(CommentRepository, "card_id", OnParentDelete.REFUSE),)

    class Boards(SQLAlchemyRepository[Board]):
        model = Board
        children = (Children(RefusingCards, "board_id", OnParentDelete.CASCADE),)

    boards = Boards(db_session)
    ((board, child),) = (await boards_with_cards(db_session, boards, "a")).values()
    comments = CommentRepository(db_session)
    comment = await comments.create({"card_id": child.id, "body": "hi"})
    await comments.delete(comment.id)
    with pytest.raises(ConflictError, match="still has Comment rows, deleted ones included"):
        await boards.hard_delete(board.id)
    assert await card(db_session, child.id) is not None  # nothing deleted


async def test_hard_delete_leaves_left_children_to_the_foreign_key(
    db_session: AsyncSession,
) -> None:
    boards = LEAVE(db_session)
    ((board, _),) = (await boards_with_cards(db_session, boards, "a")).values()
    with pytest.raises(ForeignKeyError):
        async with db_session.begin_nested():
            await boards.hard_delete(board.id)


async def test_refusing_children_without_soft_delete_count_every_row(
    db_session: AsyncSession,
) -> None:
    class Boards(SQLAlchemyRepository[Board]):
        model = Board
        children = (Children(StickerRepository, "board_id", OnParentDelete.REFUSE),)

    boards = Boards(db_session)
    board = await boards.create({"slug": "a"})
    sticker = await StickerRepository(db_session).create({"board_id": board.id})
    with pytest.raises(ConflictError, match="still has live Sticker rows"):
        await boards.delete(board.id)
    with pytest.raises(ConflictError, match="still has Sticker rows"):
        await boards.hard_delete(board.id)
    await StickerRepository(db_session).delete(sticker.id)  # for good: it cannot soft delete
    await boards.hard_delete(board.id)


# -- a parent without soft delete: every delete is for good -----------------------------


def walls_declaring(policy: OnParentDelete) -> type[SQLAlchemyRepository[Wall]]:
    """A wall repository whose posters follow ``policy``, filterable by name."""

    class Walls(SQLAlchemyRepository[Wall]):
        model = Wall
        filterable: ClassVar[dict[str, Any]] = {"name": {Op.IN}}
        children = (Children(PosterRepository, "wall_id", policy),)

    return Walls


async def test_deleting_a_wall_takes_its_posters_for_good(db_session: AsyncSession) -> None:
    walls, posters = (
        walls_declaring(OnParentDelete.CASCADE)(db_session),
        PosterRepository(db_session),
    )
    one, two, kept = [await walls.create({"name": n}) for n in ("one", "two", "kept")]
    made = [await posters.create({"wall_id": w.id}) for w in (one, two, two, kept)]
    await posters.delete(made[1].id)
    await walls.delete(one.id)  # no soft delete: delete is hard_delete
    assert await posters.get_or_none(made[0].id, include_deleted=True) is None
    assert await walls.delete_many(where("name", Op.IN, ["two"])) == 1
    assert await posters.count(include_deleted=True) == 1
    assert (await posters.get(made[3].id)).wall_id == kept.id


async def test_deleting_walls_is_refused_while_a_poster_refers_to_one(
    db_session: AsyncSession,
) -> None:
    walls, posters = (
        walls_declaring(OnParentDelete.REFUSE)(db_session),
        PosterRepository(db_session),
    )
    wall = await walls.create({"name": "one"})
    poster = await posters.create({"wall_id": wall.id})
    await posters.delete(poster.id)
    with pytest.raises(ConflictError, match="A matching Wall still has Poster rows"):
        await walls.delete_many({})
    with pytest.raises(ConflictError, match=f"Wall {wall.id} still has Poster rows"):
        await walls.delete(wall.id)
    assert await walls.count() == 1
    await posters.hard_delete(poster.id)
    assert await walls.delete_many({}) == 1
