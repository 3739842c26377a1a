"""What a delete of a parent does to its children: cascade, refuse, or leave them.

A repository declares it for each kind of child, naming the child's repository and the
child's foreign key to the parent::

    class ProjectRepository(SQLAlchemyRepository[Project]):
        model = Project
        children = (Children(TaskRepository, "project_id", OnParentDelete.CASCADE),)

- ``CASCADE``: a soft delete soft-deletes the parent's live children in the same unit of
  work, stamped with the parent's own ``deleted_at``; ``restore`` brings back exactly those
  (a child deleted on its own before keeps its deletion). A hard delete deletes every child
  for good, soft-deleted ones included. Cascades follow the children's own declarations,
  grandchildren included.
- ``REFUSE``: a soft delete is a ``ConflictError`` (409) while the parent has live children;
  a hard delete while it has any child row at all (a deleted one still refers to it, and
  the foreign key would refuse too). Nothing is deleted.
- ``LEAVE``: nothing happens to the children (the default when nothing is declared); a hard
  delete is left to the database's foreign keys.

``delete``, ``delete_many`` and ``hard_delete`` apply the policies, ``delete_many`` to every
matched parent at once. The declaration also tells the child's repository (and its
subclasses) about the parent: restoring a child whose ``CASCADE`` or ``REFUSE`` parent is
soft-deleted is a ``ConflictError``, since both policies promise that no live child sits
under a deleted parent. Under ``LEAVE`` such children are allowed (the parent's delete
leaves them live), so their restore is too.

The refusals are built by ``children_conflict`` and ``deleted_parent_conflict``, which
another implementation (the test kit's in-memory fake) uses to refuse alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import Select, delete, exists, select, update
from sqlalchemy.engine import Result

from foundation.errors import ConfigurationError, ConflictError
from foundation.repository.values import coerce


class OnParentDelete(StrEnum):
    """What a delete of the parent does to a kind of child."""

    CASCADE = "cascade"
    REFUSE = "refuse"
    LEAVE = "leave"


@dataclass(frozen=True)
class Children:
    """Rows of ``repository``'s model whose ``foreign_key`` points at the parent."""

    repository: type[Any]
    foreign_key: str
    on_delete: OnParentDelete = OnParentDelete.LEAVE

    def __post_init__(self) -> None:
        traits = getattr(self.repository, "traits", None)
        if traits is None:
            raise ConfigurationError(f"{self.repository!r} is not a repository with a model.")
        if self.foreign_key not in traits.columns:
            raise ConfigurationError(f"{traits.model.__name__} has no column {self.foreign_key!r}.")
        if self.on_delete is OnParentDelete.CASCADE and not traits.soft_delete:
            raise ConfigurationError(
                f"{traits.model.__name__} cannot soft delete: a cascade needs SoftDeleteMixin "
                "on the child (or declare REFUSE)."
            )


@dataclass(frozen=True)
class Parent:
    """A parent repository whose ``Children`` declaration names this repository."""

    repository: type[Any]
    foreign_key: str
    on_delete: OnParentDelete


class Executes(Protocol):
    """Where the statements run: the repository's unit of work."""

    async def execute(self, statement: Any, parameters: Any = None) -> Result[Any]: ...


_PARENTS = "_declared_parents"


def adopt(parent: type[Any], declared: tuple[Children, ...]) -> None:
    """Tell the repository of each child in ``declared`` that ``parent`` declared it."""
    for child in declared:
        link = Parent(parent, child.foreign_key, child.on_delete)
        own = vars(child.repository).get(_PARENTS, ())
        setattr(child.repository, _PARENTS, (*own, link))


def guarding_parents(repository: type[Any]) -> tuple[Parent, ...]:
    """The parents of ``repository`` (declared for it or a base) that keep its rows from
    being restored while they are deleted: soft-deleting ones under ``CASCADE`` or
    ``REFUSE``, one per foreign key."""
    found: dict[tuple[Any, str], Parent] = {}
    for klass in repository.__mro__:
        for link in vars(klass).get(_PARENTS, ()):
            # LEAVE lets children live under a deleted parent: restoring one is no worse
            if link.on_delete is OnParentDelete.LEAVE or not link.repository.traits.soft_delete:
                continue
            found.setdefault((link.repository.traits.model, link.foreign_key), link)
    return tuple(found.values())


async def refuse_restore_under_deleted_parent(
    unit: Executes, traits: Any, parents: tuple[Parent, ...], key: Any
) -> None:
    """``ConflictError`` if the deleted row ``key`` (of ``traits``' model) belongs to a
    soft-deleted parent in ``parents``; a live row is left alone (its restore is a no-op)."""
    table = traits.model.__table__
    for link in parents:
        parent_traits = link.repository.traits
        parent = parent_traits.model.__table__.alias("parent")  # the child's own table, maybe
        parent_key = parent.c[parent_traits.pk_column.key]
        stmt = select(parent_key).where(
            parent_key == table.c[link.foreign_key],
            parent.c.deleted_at.is_not(None),
            traits.pk_column == key,
            table.c.deleted_at.is_not(None),
        )
        found = (await unit.execute(stmt.limit(1))).scalar()
        if found is not None:
            raise deleted_parent_conflict(
                traits.model.__name__, key, parent_traits.model.__name__, found, link.on_delete
            )


async def refuse_revival_under_deleted_parent(
    unit: Executes, child: str, key: Any, parents: tuple[Parent, ...], row: Mapping[str, Any]
) -> None:
    """``ConflictError`` if the deleted row ``key`` of model ``child``, revived with the
    foreign keys in ``row`` (by column name), would belong to a soft-deleted parent in
    ``parents``: an upsert may not revive what ``restore`` refuses."""
    for link in parents:
        value = row.get(link.foreign_key)
        if value is None:
            continue
        traits = link.repository.traits
        value = coerce(traits.pk_column, value, field=link.foreign_key)
        deleted = traits.model.__mapper__.columns["deleted_at"]
        stmt = select(traits.pk_column).where(traits.pk_column == value, deleted.is_not(None))
        found = (await unit.execute(stmt.limit(1))).scalar()
        if found is not None:
            raise deleted_parent_conflict(
                child, key, traits.model.__name__, found, link.on_delete, operation="upsert"
            )


async def refuse_children(
    unit: Executes,
    parent: str,
    declared: tuple[Children, ...],
    parent_keys: Any,
    *,
    hard: bool = False,
) -> None:
    """``ConflictError`` if a ``REFUSE`` child of the parents in ``parent_keys`` (a key or
    a ``SELECT`` of keys) holds them back, here or below a cascade: a live child, or with
    ``hard`` any child row at all."""
    for child in declared:
        matches = _of(child, parent_keys)
        held = [] if hard else _live(child)
        if child.on_delete is OnParentDelete.REFUSE:
            found = (await unit.execute(select(exists().where(matches, *held)))).scalar()
            if found:
                raise children_conflict(parent, child.repository.traits.model.__name__, hard=hard)
        elif child.on_delete is OnParentDelete.CASCADE:
            keys = select(_pk(child)).where(matches, *held)
            await refuse_children(unit, parent, _declared(child), keys, hard=hard)


async def cascade_delete(
    unit: Executes, declared: tuple[Children, ...], parent_keys: Any, when: datetime
) -> None:
    """Soft-delete the live ``CASCADE`` children of ``parent_keys`` at ``when``, and theirs."""
    for child in declared:
        if child.on_delete is not OnParentDelete.CASCADE:
            continue
        traits = child.repository.traits
        table = traits.model.__table__
        matches = _of(child, parent_keys)
        values = {"deleted_at": when, **traits.touch_values(), **_next_version(traits)}
        await unit.execute(update(table).where(matches, *_live(child)).values(values))
        keys = select(_pk(child)).where(matches, table.c.deleted_at == when)
        await cascade_delete(unit, _declared(child), keys, when)


async def cascade_hard_delete(
    unit: Executes, declared: tuple[Children, ...], parent_keys: Any
) -> None:
    """Delete every ``CASCADE`` child of ``parent_keys`` for good (soft-deleted ones too),
    their own children first."""
    for child in declared:
        if child.on_delete is not OnParentDelete.CASCADE:
            continue
        matches = _of(child, parent_keys)
        await cascade_hard_delete(unit, _declared(child), select(_pk(child)).where(matches))
        await unit.execute(delete(child.repository.traits.model.__table__).where(matches))


async def cascade_restore(
    unit: Executes, declared: tuple[Children, ...], parent_keys: Any, when: datetime
) -> None:
    """Restore the ``CASCADE`` children of ``parent_keys`` deleted with them at ``when``."""
    for child in declared:
        if child.on_delete is not OnParentDelete.CASCADE:
            continue
        traits = child.repository.traits
        table = traits.model.__table__
        with_parent = (_of(child, parent_keys), table.c.deleted_at == when)
        # grandchildren first: their parents are found by the deletion time they still carry
        await cascade_restore(unit, _declared(child), select(_pk(child)).where(*with_parent), when)
        values = {"deleted_at": None, **traits.touch_values(), **_next_version(traits)}
        await unit.execute(update(table).where(*with_parent).values(values))


def children_conflict(parent: str, children: str, *, hard: bool = False) -> ConflictError:
    """The 409 for deleting ``parent`` (``"Board 12"``, ``"A matching Board"``) while
    ``REFUSE`` children of model ``children`` hold it back: live ones, or with ``hard``
    any row at all."""
    what = (
        f"{children} rows, deleted ones included: delete them for good first."
        if hard
        else f"live {children} rows: delete them first."
    )
    return ConflictError(
        f"{parent} still has {what}",
        details={"children": children, "policy": OnParentDelete.REFUSE.value},
    )


def deleted_parent_conflict(
    child: str,
    key: Any,
    parent: str,
    parent_key: Any,
    policy: OnParentDelete,
    *,
    operation: str = "restore",
) -> ConflictError:
    """The 409 for restoring row ``key`` of model ``child`` (by ``restore``, or by an
    ``upsert`` that revives it) while its ``parent`` row ``parent_key``, which declares it
    under ``policy``, is deleted."""
    return ConflictError(
        f"{child} {key} cannot be restored: its {parent} {parent_key} is deleted. "
        f"Restore the {parent} first.",
        details={
            "id": str(key),
            "operation": operation,
            "parent": parent,
            "parent_id": str(parent_key),
            "policy": policy.value,
        },
    )


def cascades(declared: tuple[Children, ...]) -> bool:
    """Whether any declared child follows the parent's delete and restore."""
    return any(child.on_delete is OnParentDelete.CASCADE for child in declared)


def _declared(child: Children) -> tuple[Children, ...]:
    return tuple(getattr(child.repository, "children", ()))


def _pk(child: Children) -> Any:
    return child.repository.traits.pk_column


def _of(child: Children, parent_keys: Any) -> Any:
    column = child.repository.traits.model.__table__.c[child.foreign_key]
    if isinstance(parent_keys, Select):
        return column.in_(parent_keys)
    return column == parent_keys


def _live(child: Children) -> list[Any]:
    traits = child.repository.traits
    return [traits.model.__table__.c.deleted_at.is_(None)] if traits.soft_delete else []


def _next_version(traits: Any) -> dict[str, Any]:
    if traits.version is None:
        return {}
    column = traits.model.__table__.c[traits.version]
    return {traits.version: column + 1}
