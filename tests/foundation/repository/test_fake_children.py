"""The in-memory fake keeps ``children`` declarations as ``SQLAlchemyRepository`` does: the
same steps on both leave the same rows (live, deleted together or apart, versions) and
raise the same errors, with the same message and details."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, ClassVar

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from fixtures.memory import MemoryRepository, MemorySession
from foundation.errors import FoundationError
from foundation.repository import Children, OnParentDelete, Op, SQLAlchemyRepository, where
from tests.soft_delete_models import Board, Card, Comment

CASCADE, REFUSE, LEAVE = OnParentDelete.CASCADE, OnParentDelete.REFUSE, OnParentDelete.LEAVE


def _id(n: int) -> uuid.UUID:
    return uuid.UUID(f"0190a8e4-0000-7000-8000-{n:012d}")


A, B, A1, A2, B1, C1, C2 = (_id(n) for n in range(1, 8))
ROWS = {"boards": (A, B), "cards": (A1, A2, B1), "comments": (C1, C2)}


def family(boards_policy: OnParentDelete, cards_policy: OnParentDelete) -> tuple[type, ...]:
    """Repositories of boards, cards and comments, each child kind under its policy (own
    classes per family: a repository learns its parents from the declarations naming it)."""

    class Comments(SQLAlchemyRepository[Comment]):
        model = Comment

    class Cards(SQLAlchemyRepository[Card]):
        model = Card
        children = (Children(Comments, "card_id", cards_policy),)

    class Boards(SQLAlchemyRepository[Board]):
        model = Board
        filterable: ClassVar[dict[str, Any]] = {"slug": {Op.IN}}
        children = (Children(Cards, "board_id", boards_policy),)

    return Boards, Cards, Comments


FAMILIES = {
    "cascade": family(CASCADE, CASCADE),
    "refuse": family(REFUSE, CASCADE),
    "leave": family(LEAVE, CASCADE),
    "refuse below a cascade": family(CASCADE, REFUSE),
}


class Times:
    """Names deletion times by order of appearance, so that runs compare."""

    def __init__(self) -> None:
        self.seen: list[datetime] = []

    def name(self, when: datetime | None) -> str | None:
        if when is None:
            return None
        if when not in self.seen:
            self.seen.append(when)
        return f"t{self.seen.index(when)}"


async def play(unit: Any, repositories: dict[str, Any]) -> list[Any]:
    """Run the script on ``repositories`` (over ``unit``, a session or a ``MemorySession``);
    return what each step answered and the rows after it."""
    boards, cards, comments = (repositories[name] for name in ROWS)
    times, log = Times(), []

    async def rows() -> list[Any]:
        unit.expunge_all()  # read what is stored, not what the session remembers
        found = []
        for name, ids in ROWS.items():
            for id in ids:
                row = await repositories[name].get_or_none(id, include_deleted=True)
                if row is not None:
                    row = (times.name(row.deleted_at), getattr(row, "version", None))
                found.append(row)
        return found

    async def step(name: str, call: Callable[[], Awaitable[Any]]) -> None:
        try:
            async with unit.begin_nested():
                await call()
            answer: tuple[Any, ...] = ("ok",)
        except FoundationError as error:
            answer = (type(error).__name__, str(error), error.details)
            if error.code == "foreign_key_violation":  # each database names it its own way
                answer = (type(error).__name__,)
        log.append((name, *answer, await rows()))

    await boards.create({"id": A, "slug": "a"})
    await boards.create({"id": B, "slug": "b"})
    for card, board in ((A1, A), (A2, A), (B1, B)):
        await cards.create({"id": card, "board_id": board, "title": "card"})
    for comment in (C1, C2):
        await comments.create({"id": comment, "card_id": A1, "body": "hi"})
    both = where("slug", Op.IN, ["a", "b"])
    again = {"id": A1, "board_id": A, "title": "again"}
    moved = {"id": A1, "board_id": B, "title": "moved"}
    script: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
        ("a card goes alone", lambda: cards.delete(A2)),
        ("a comment goes alone", lambda: comments.delete(C2)),
        ("board A goes", lambda: boards.delete(A)),
        ("its card comes back", lambda: cards.restore(A1)),
        ("its comment comes back", lambda: comments.restore(C1)),
        ("board A comes back", lambda: boards.restore(A)),
        ("its comment goes alone", lambda: comments.delete(C1)),
        ("its card goes alone", lambda: cards.delete(A1)),
        ("board A goes", lambda: boards.delete(A)),
        ("an upsert revives its card", lambda: cards.upsert(again, conflict=["id"])),
        ("an upsert revives it on board B", lambda: cards.upsert(moved, conflict=["id"])),
        ("its card comes back", lambda: cards.restore(A1)),
        ("board A comes back", lambda: boards.restore(A)),
        ("both boards go", lambda: boards.delete_many(both)),
        ("board A comes back", lambda: boards.restore(A)),
        ("board B comes back", lambda: boards.restore(B)),
        ("board B goes for good", lambda: boards.hard_delete(B)),
        ("board A goes for good", lambda: boards.hard_delete(A)),
        ("a malformed id", lambda: boards.delete("not-an-id")),
        ("a missing board", lambda: boards.hard_delete(_id(99))),
    ]
    for name, call in script:
        await step(name, call)
    return log


@pytest.mark.parametrize("declared", list(FAMILIES))
async def test_the_fake_keeps_the_declared_policies_as_the_real_repository_does(
    db_session: AsyncSession, declared: str
) -> None:
    boards, cards, comments = FAMILIES[declared]
    real = await play(
        db_session,
        {"boards": boards(db_session), "cards": cards(db_session)}
        | {"comments": comments(db_session)},
    )
    memory = MemorySession()
    fake = await play(
        memory,
        {
            "boards": MemoryRepository(
                Board, memory, filterable=boards.filterable, children=boards.children
            ),
            "cards": MemoryRepository(Card, memory, children=cards.children),
            "comments": MemoryRepository(Comment, memory),
        },
    )
    assert fake == real
    assert any(entry[1] == "ConflictError" for entry in real) is (declared != "leave")
