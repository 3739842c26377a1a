"""Deletes: soft or hard, one row or many, restore, and what each does to children."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import Select, delete, select, update
from sqlalchemy.orm.attributes import set_committed_value

from foundation.errors import DuplicateError, ValidationError
from foundation.models import utcnow
from foundation.repository.children import (
    cascade_delete,
    cascade_hard_delete,
    cascade_restore,
    cascades,
    guarding_parents,
    refuse_children,
    refuse_restore_under_deleted_parent,
)
from foundation.repository.core import RepositoryCore
from foundation.repository.filters import FilterLike
from foundation.repository.soft_delete import restore_conflict
from foundation.repository.statements import ENTITIES, update_params

ModelT = TypeVar("ModelT")


class Deletes(RepositoryCore[ModelT]):
    """Deletes and restore of ``SQLAlchemyRepository``, with the ``children`` policies."""

    if TYPE_CHECKING:  # ``Reads`` provides it; ``restore`` answers a live row through it

        async def get(
            self, id: Any, *, include_deleted: bool = False, for_update: bool = False
        ) -> ModelT: ...

    async def delete(self, id: Any) -> None:
        """Soft-delete when the model supports it, delete otherwise; ``NotFoundError``."""
        if not self.traits.soft_delete:
            return await self.hard_delete(id)
        key = self._id(id)
        if self.children:
            with self._errors():
                await refuse_children(self._unit, self._name(key), self.children, key)
        values = {"deleted_at": utcnow(), **self.traits.touch_values()}
        stmt = self.statements.update(tuple(values), False, None)
        if await self._rowcount(stmt, update_params(key, values, None)) == 0:
            raise self._not_found(key)
        if self.children:
            with self._errors():
                await cascade_delete(self._unit, self.children, key, values["deleted_at"])
        if self._unit.has_session:
            self._synchronize(key, values)
        return None

    async def hard_delete(self, id: Any) -> None:
        """Delete the row for good (soft-deleted rows included); ``NotFoundError``.

        ``CASCADE`` children go for good with it (soft-deleted ones too); a ``REFUSE``
        child row, live or deleted, makes it a ``ConflictError`` and nothing is deleted;
        ``LEAVE`` children are the foreign key's business (``ForeignKeyError``).
        """
        key = self._id(id)
        if self.children:
            this = select(self._pk).where(self._pk == key)  # no row: no child is touched
            await self._delete_children(self._name(key), this, None)
        # in a session, ORM-enabled: the session forgets the deleted object
        target = self.model if self._unit.has_session else self.statements.table
        if await self._rowcount(delete(target).where(self._pk == key)) == 0:
            raise self._not_found(key)

    async def _delete_children(
        self, parent: str, parent_keys: Select[Any], when: datetime | None
    ) -> None:
        """Apply ``children`` to the rows ``parent_keys`` selects, before they go: refuse,
        or cascade softly at ``when`` (for good when ``None``)."""
        with self._errors():
            hard = when is None
            await refuse_children(self._unit, parent, self.children, parent_keys, hard=hard)
            if when is None:
                await cascade_hard_delete(self._unit, self.children, parent_keys)
            else:
                await cascade_delete(self._unit, self.children, parent_keys, when)

    async def restore(self, id: Any) -> ModelT:
        """Undo a soft delete; a live row comes back unchanged (restore is idempotent).

        ``NotFoundError`` when there is no row with this id at all; ``DuplicateError``
        when a live row has taken one of its unique values since (``unique_among_live``);
        ``ConflictError`` while its parent is deleted, when that parent declares it a
        ``CASCADE`` or ``REFUSE`` child (restore the parent first).
        """
        if not self.traits.soft_delete:
            raise ValidationError(f"{self.model.__name__} does not support soft delete.")
        key = self._id(id)
        parents = guarding_parents(type(self))
        if parents:  # a live child under a deleted parent would break the parent's policy
            with self._errors():
                await refuse_restore_under_deleted_parent(self._unit, self.traits, parents, key)
        deleted_at = self.traits.model.__mapper__.columns["deleted_at"]
        when = None
        if cascades(self.children):  # the children deleted with it carry its deletion time
            with self._errors():
                when = await self._unit.scalar(select(deleted_at).where(self._pk == key))
        values = {"deleted_at": None, **self._stamp()}
        try:
            entity = await self._update_one(ENTITIES, key, [deleted_at.is_not(None)], values)
        except DuplicateError as error:
            raise restore_conflict(self.model.__name__, key, error) from error
        if entity is None:
            return await self.get(key)
        if when is not None:
            with self._errors():
                await cascade_restore(self._unit, self.children, key, when)
        return cast(ModelT, entity)

    async def delete_many(self, filters: FilterLike) -> int:
        """Delete (softly where supported) every live match; return how many.

        The ``children`` policies apply to every match as ``delete`` applies them to one,
        in the same unit of work: a ``REFUSE`` child holding back any match is a
        ``ConflictError`` and nothing is deleted.
        """
        where = self._where(filters, None, False)
        when = utcnow() if self.traits.soft_delete else None
        if self.children:  # the children first, while their parents still match the filter
            matched = select(self._pk).where(*where)
            await self._delete_children(f"A matching {self.model.__name__}", matched, when)
        stmt: Any
        if when is not None:
            stmt = update(self.model).where(*where).values(deleted_at=when, **self._stamp())
        else:
            stmt = delete(self.model).where(*where)
        return await self._rowcount(stmt.execution_options(synchronize_session="fetch"))

    def _synchronize(self, key: Any, values: Mapping[str, Any]) -> None:
        """Apply an ``UPDATE`` of row ``key`` to its object in the session, if loaded."""
        identity = self.traits.model.__mapper__.identity_key_from_primary_key([key])
        entity = self.session.sync_session.identity_map.get(identity)
        if entity is None:
            return
        for name, value in values.items():
            set_committed_value(entity, name, value)
        if self.traits.version is not None:
            version = getattr(entity, self.traits.version)
            set_committed_value(entity, self.traits.version, version + 1)
