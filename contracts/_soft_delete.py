"""``RepositoryContract`` checks of soft delete beyond the row: unique values among live
rows, and the declared policy for a deleted parent's children."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from foundation import ConflictError, DuplicateError, NotFoundError
from foundation.repository import OnParentDelete

if TYPE_CHECKING:
    from contracts.repository import RepositoryContract


async def check_unique_among_live(suite: RepositoryContract, repository: Any) -> None:
    """A deleted row frees its unique values; restoring it once they are taken is a
    ``DuplicateError`` and leaves it deleted."""
    old = await repository.create(suite.data(0))
    await repository.delete(old.id)
    new = await repository.create(suite.data(0))  # same unique values as the deleted row
    assert new.id != old.id
    await suite.expect_error(repository, DuplicateError, repository.restore(old.id))
    suite.expire(repository)
    assert await repository.get_or_none(old.id) is None, "a refused restore revived the row"
    await repository.delete(new.id)
    assert (await repository.restore(old.id)).id == old.id  # free again: the restore works


async def check_child_policy(suite: RepositoryContract, repository: Any) -> None:
    """Deleting a parent cascades to its live children (and restoring it brings exactly
    those back), is refused while live children exist, or leaves them, as declared."""
    policy = OnParentDelete(suite.child_policy)
    children = suite.child_repository(repository)
    parent = await repository.create(suite.data(0))
    kept = await children.create(suite.new_child_data(parent, 0))
    alone = await children.create(suite.new_child_data(parent, 1))
    await children.delete(alone.id)  # deleted on its own, before the parent

    if policy is OnParentDelete.REFUSE:
        await suite.expect_error(repository, ConflictError, repository.delete(parent.id))
        suite.expire(repository)
        assert await repository.get_or_none(parent.id) is not None, "refused, yet deleted"
        assert await children.get_or_none(kept.id) is not None
        await children.delete(kept.id)
        await repository.delete(parent.id)  # no live child left: allowed
        with pytest.raises(NotFoundError):
            await repository.get(parent.id)
        return

    await repository.delete(parent.id)
    suite.expire(repository)
    child_is_live = await children.get_or_none(kept.id) is not None
    if policy is OnParentDelete.LEAVE:
        assert child_is_live, "policy 'leave', yet the parent's delete hid its child"
        return
    assert not child_is_live, "policy 'cascade', yet the child outlived its parent"
    await repository.restore(parent.id)
    suite.expire(repository)
    assert await children.get_or_none(kept.id) is not None, "the restore left the child deleted"
    assert await children.get_or_none(alone.id) is None, (
        "the restore revived a child deleted before its parent"
    )


async def _deleted_child_and_parent(
    suite: RepositoryContract, repository: Any
) -> tuple[OnParentDelete, Any, Any, Any]:
    """A parent and its child, the child deleted on its own first (every policy lets the
    parent go then), then the parent: the policy, the children's repository, both rows."""
    policy = OnParentDelete(suite.child_policy)
    children = suite.child_repository(repository)
    parent = await repository.create(suite.data(0))
    child = await children.create(suite.new_child_data(parent, 0))
    if not hasattr(child, "deleted_at"):
        pytest.skip("the children do not soft delete: there is nothing to bring back")
    await children.delete(child.id)
    await repository.delete(parent.id)
    return policy, children, parent, child


async def check_restore_under_deleted_parent(suite: RepositoryContract, repository: Any) -> None:
    """Restoring a child whose parent is deleted is a ``ConflictError`` under ``cascade``
    and ``refuse`` (both promise no live child under a deleted parent) and leaves it
    deleted; under ``leave`` it is restored. Once the parent is back, it can be."""
    policy, children, parent, child = await _deleted_child_and_parent(suite, repository)
    if policy is OnParentDelete.LEAVE:
        assert (await children.restore(child.id)).deleted_at is None
        return
    await suite.expect_error(repository, ConflictError, children.restore(child.id))
    suite.expire(repository)
    assert await children.get_or_none(child.id) is None, "restored under a deleted parent"
    await repository.restore(parent.id)
    suite.expire(repository)
    assert await children.get_or_none(child.id) is None, "deleted alone, yet back with it"
    assert (await children.restore(child.id)).deleted_at is None


async def check_upsert_under_deleted_parent(suite: RepositoryContract, repository: Any) -> None:
    """An upsert that meets a soft-deleted child revives it, so under ``cascade`` and
    ``refuse`` a deleted parent makes it the ``ConflictError`` that ``restore`` answers,
    and nothing is written; under ``leave`` the child comes back. The children's upsert
    conflicts on their key, the one unique column every child has."""
    policy, children, parent, child = await _deleted_child_and_parent(suite, repository)
    again = {**suite.new_child_data(parent, 0), "id": child.id}
    if policy is OnParentDelete.LEAVE:
        revived = await children.upsert(again, conflict=["id"])
        assert (revived.id, revived.deleted_at) == (child.id, None), "policy 'leave'"
        return
    await suite.expect_error(repository, ConflictError, children.upsert(again, conflict=["id"]))
    suite.expire(repository)
    assert await children.get_or_none(child.id) is None, "revived by upsert under a deleted parent"
    await repository.restore(parent.id)
    revived = await children.upsert(again, conflict=["id"])
    assert (revived.id, revived.deleted_at) == (child.id, None), "the parent is back, yet refused"


async def check_delete_many_child_policy(suite: RepositoryContract, repository: Any) -> None:
    """``delete_many`` applies the policy to every match: cascades to the children of all,
    refuses (deleting nothing) when any has live children, or leaves them."""
    policy = OnParentDelete(suite.child_policy)
    children = suite.child_repository(repository)
    parents = await suite.create_rows(repository, ["gone-1", "gone-2", "kept"])
    kids = [await children.create(suite.new_child_data(p, n)) for n, p in enumerate(parents)]
    matches = suite.any_of("gone-1", "gone-2")

    if policy is OnParentDelete.REFUSE:
        await children.delete(kids[1].id)  # the second could go; the first holds both back
        await suite.expect_error(repository, ConflictError, repository.delete_many(matches))
        suite.expire(repository)
        assert await repository.count() == 3, "refused, yet some parents were deleted"
        await children.delete(kids[0].id)
        assert await repository.delete_many(matches) == 2
        return

    assert await repository.delete_many(matches) == 2
    suite.expire(repository)
    live = [await children.get_or_none(kid.id) is not None for kid in kids]
    if policy is OnParentDelete.LEAVE:
        assert live == [True, True, True], "policy 'leave', yet delete_many hid a child"
        return
    assert live == [False, False, True], (
        "policy 'cascade': delete_many must take exactly the children of its matches"
    )
    await repository.restore(parents[0].id)
    suite.expire(repository)
    assert await children.get_or_none(kids[0].id) is not None, "the restore left the child deleted"


async def check_hard_delete_child_policy(suite: RepositoryContract, repository: Any) -> None:
    """``hard_delete`` deletes ``cascade`` children for good, soft-deleted ones included;
    under ``refuse`` any child row, even a deleted one, makes it a ``ConflictError`` that
    deletes nothing; under ``leave`` the children stay as they are (the foreign key, if
    any, refuses)."""
    policy = OnParentDelete(suite.child_policy)
    children = suite.child_repository(repository)
    parent = await repository.create(suite.data(0))
    live = await children.create(suite.new_child_data(parent, 0))
    deleted = await children.create(suite.new_child_data(parent, 1))
    await children.delete(deleted.id)

    if policy is OnParentDelete.CASCADE:
        await repository.hard_delete(parent.id)
        suite.expire(repository)
        for child in (live, deleted):
            assert await children.get_or_none(child.id, include_deleted=True) is None, (
                "policy 'cascade', yet a child outlived its parent's hard delete"
            )
        return
    if policy is OnParentDelete.REFUSE:
        if hasattr(live, "deleted_at"):
            await children.delete(live.id)  # a deleted row still refers to the parent
        await suite.expect_error(repository, ConflictError, repository.hard_delete(parent.id))
        suite.expire(repository)
        assert await repository.get_or_none(parent.id) is not None, "refused, yet deleted"
        for child in (live, deleted):
            if await children.get_or_none(child.id, include_deleted=True) is not None:
                await children.hard_delete(child.id)
        await repository.hard_delete(parent.id)  # no child row left: allowed
        return
    try:
        async with suite.savepoint(repository):
            await repository.hard_delete(parent.id)
    except ConflictError:
        pass  # a foreign key refused: the children are the database's business
    suite.expire(repository)
    assert await children.get_or_none(live.id) is not None, "policy 'leave', yet a child went"
