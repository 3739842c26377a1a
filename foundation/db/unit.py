"""``UnitOfWork``: one connection in one transaction, with an ORM session made only when asked.

A unit runs its statements on its connection until something asks for ``unit.session``;
from then on they go through the session, so that changes pending in it are flushed first
and entities loaded by either path are the same objects. The session is bound to the unit's
connection and joins its transaction (``join_transaction_mode="rollback_only"``): the unit,
not the session, decides when to commit.

``Database.unit()`` opens one; see ``Database`` for nesting and the test kit's bound mode.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from foundation.db.plain_reads import NO_OPTIONS, PLAIN_READ_OPTIONS

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import async_sessionmaker


class UnitOfWork:
    """One transaction on one connection; ``session`` is created on first use.

    ``readonly`` units never commit: whatever they did is rolled back when they end. Their
    ``read_options`` mark plain reads (:mod:`foundation.db.plain_reads`): pass them to
    ``execute`` for a ``SELECT`` that takes no lock and calls nothing that writes, and it
    may run without a transaction of its own.
    """

    __slots__ = ("_session", "_sessionmaker", "connection", "read_options", "readonly")

    def __init__(
        self,
        connection: AsyncConnection,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        readonly: bool = False,
        session: AsyncSession | None = None,
    ) -> None:
        self.connection = connection
        self.readonly = readonly
        self.read_options = PLAIN_READ_OPTIONS if readonly else NO_OPTIONS
        self._sessionmaker = sessionmaker
        self._session = session

    @property
    def session(self) -> AsyncSession:
        """The unit's ORM session, bound to its connection (made on first use)."""
        session = self._session
        if session is None:
            session = self._session = self._sessionmaker(
                bind=self.connection, join_transaction_mode="rollback_only"
            )
        return session

    @property
    def has_session(self) -> bool:
        """Whether ``session`` has been asked for."""
        return self._session is not None

    async def execute(
        self,
        statement: Any,
        parameters: Any = None,
        execution_options: Mapping[str, Any] = NO_OPTIONS,
    ) -> Result[Any]:
        """Run ``statement`` through the session if there is one, else on the connection."""
        session = self._session
        result: Result[Any]
        if session is not None:
            result = await session.execute(
                statement, parameters, execution_options=execution_options
            )
        else:
            result = await self.connection.execute(
                statement, parameters, execution_options=execution_options
            )
        return result

    async def scalar(
        self,
        statement: Any,
        parameters: Mapping[str, Any] | None = None,
        execution_options: Mapping[str, Any] = NO_OPTIONS,
    ) -> Any:
        """The first column of the first row of ``statement``, or ``None``."""
        return (await self.execute(statement, parameters, execution_options)).scalar()
