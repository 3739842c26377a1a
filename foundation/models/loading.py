"""ORM loads hide soft-deleted rows: relationships, ``session.get``, ``select(Model)``.

Repositories filter soft-deleted rows in their own statements; this extends the guarantee
to what the ORM loads by itself. Every ORM ``SELECT`` run through a ``Session`` (lazy and
eager relationship loads included) gets the criterion ``deleted_at IS NULL`` for every
model with ``SoftDeleteMixin`` it touches, so ``project.tasks`` lists live tasks only.

To see deleted rows too, pass the execution option ``include_deleted=True``::

    await session.scalars(select(Task), execution_options={INCLUDE_DELETED: True})
    await session.get(Task, id, execution_options={INCLUDE_DELETED: True})
    select(Project).options(selectinload(Project.tasks)).execution_options(include_deleted=True)

Refreshing an object (``session.refresh``, expired attributes) is never filtered. Statements
on a bare connection (Core) are not ORM loads and are left alone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from foundation.models.mixins import SoftDeleteMixin

INCLUDE_DELETED = "include_deleted"
"""Execution option: ``True`` lets ORM loads return soft-deleted rows."""


def _live(cls: Any) -> ColumnElement[bool]:
    return cls.deleted_at.is_(None)  # type: ignore[no-any-return]


_HIDE_DELETED = with_loader_criteria(SoftDeleteMixin, _live, include_aliases=True)


@event.listens_for(Session, "do_orm_execute")
def _hide_soft_deleted(state: ORMExecuteState) -> None:
    if (
        state.is_select
        and state.is_orm_statement
        and not state.is_column_load
        and not state.execution_options.get(INCLUDE_DELETED, False)
    ):
        state.statement = state.statement.options(_HIDE_DELETED)
