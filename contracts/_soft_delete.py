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
