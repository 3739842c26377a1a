"""What a soft delete of a parent does to its children: cascade, refuse, or leave them.

A repository declares it for each kind of child, naming the child's repository and the
child's foreign key to the parent::

    class ProjectRepository(SQLAlchemyRepository[Project]):
        model = Project
        children = (Children(TaskRepository, "project_id", OnParentDelete.CASCADE),)

- ``CASCADE``: ``delete`` soft-deletes the parent's live children in the same unit of work,
  stamped with the parent's own ``deleted_at``; ``restore`` brings back exactly those (a
  child deleted on its own before keeps its deletion). Cascades follow the children's own
  declarations, grandchildren included.
- ``REFUSE``: ``delete`` is a ``ConflictError`` (409) while the parent has live children.
- ``LEAVE``: nothing happens to the children (the default when nothing is declared).

Only ``delete`` and ``restore`` of a single row apply the policies; ``hard_delete`` leaves
them to the database's foreign keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import Select, exists, select, update
from sqlalchemy.engine import Result

from foundation.errors import ConfigurationError, ConflictError


class OnParentDelete(StrEnum):
    """What a soft delete of the parent does to a kind of child."""

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


class Executes(Protocol):
    """Where the statements run: the repository's unit of work."""

    async def execute(self, statement: Any, parameters: Any = None) -> Result[Any]: ...


async def refuse_live_children(
    unit: Executes, parent: str, declared: tuple[Children, ...], parent_keys: Any
) -> None:
    """``ConflictError`` if a ``REFUSE`` child of the parents in ``parent_keys`` (a key or
    a ``SELECT`` of keys) is live, here or below a cascade."""
    for child in declared:
        matches = _of(child, parent_keys)
        live = _live(child)
        if child.on_delete is OnParentDelete.REFUSE:
            found = (await unit.execute(select(exists().where(matches, *live)))).scalar()
            if found:
                name = child.repository.traits.model.__name__
                raise ConflictError(
                    f"{parent} still has live {name} rows: delete them first.",
                    details={"children": name, "policy": OnParentDelete.REFUSE.value},
                )
        elif child.on_delete is OnParentDelete.CASCADE:
            keys = select(_pk(child)).where(matches, *live)
            await refuse_live_children(unit, parent, _declared(child), keys)


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
