"""``SQLAlchemyRepository``: the async repository for any model built on the foundation's base.

Subclasses declare the ``model`` and their allow-lists::

    class WidgetRepository(SQLAlchemyRepository[Widget]):
        model = Widget
        filterable = {"name": ALL_OPS, "quantity": EQUALITY_OPS | ORDERING_OPS}
        sortable = ("name", "quantity", "created_at")
        searchable = ("name",)
        default_sort = "-created_at"

Writes are single statements (``INSERT … RETURNING``, one ``UPDATE`` with the version in its
``WHERE``), never a flush per row. The repository flushes and never commits: the unit of
work (``Database.transaction()``) does. After a database error the transaction is unusable
on PostgreSQL; let the error reach the unit of work, which rolls back.

Reads refresh objects already in the session (``populate_existing``) so that a bulk
statement that bypassed the identity map can never be observed stale. The statements a
request runs most (read by key, update, soft delete, insert, the unfiltered count) are built
once per repository class with bound parameters: building an ORM statement and its cache
key costs more CPU than the database spends running it. Soft delete and version checks come
from the model's mixins; ``updated_at``/``updated_by`` and the version move on every write,
bulk and upsert included.
"""

from __future__ import annotations

from typing import TypeVar

from foundation.repository.deletes import Deletes
from foundation.repository.reads import Reads
from foundation.repository.writes import Writes

ModelT = TypeVar("ModelT")


class SQLAlchemyRepository(Reads[ModelT], Writes[ModelT], Deletes[ModelT]):
    """Async data access for ``model`` within one unit of work.

    Built on a ``UnitOfWork`` (``Database.unit()``), statements run on the unit's
    connection until an entity method asks for its session, and through the session from
    then on. An ``AsyncSession`` or an ``AsyncConnection`` serve as well: a connection gets
    a session of its own on first use, joined to its transaction.

    Every operation answers entities, or rows of named fields through its ``*_values``
    twin (``row.name``, no ORM object built): one implementation serves both.

    Allow-lists: ``filterable`` maps a field to the operators it accepts, ``sortable`` and
    ``searchable`` name fields (sortable columns must be NOT NULL). ``max_limit`` bounds
    page sizes: a larger ``limit`` is a ``ValidationError``, not silently clamped.
    ``cursor_secret`` (optional) HMAC-signs keyset cursors. ``children`` says what a delete
    does to rows that refer to this one (``foundation.repository.children``); the
    repositories it names learn of this parent when the class is defined, and refuse to
    restore a row under a deleted ``CASCADE`` or ``REFUSE`` parent.
    """
