"""Throttling of failed sign-ins per account and per client address, kept in the database.

Each failure counts under two keys, the account and the client address. Once a key holds
the configured number of failures inside the window that began with its first failure,
sign-ins under it answer 429 with ``Retry-After`` until that window ends; a successful
sign-in clears the account's count. The counts live in the ``foundation_sign_in_failures``
table (:class:`foundation.models.sign_in.SignInFailure`), so every worker sees them.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, case, delete, insert, literal, select, update

from foundation.config import SecuritySettings
from foundation.db import Database
from foundation.errors import DuplicateError, FoundationError, TransactionConflictError
from foundation.metrics import SIGN_IN_FAILURES, SIGN_INS_THROTTLED
from foundation.models.sign_in import SignInFailure
from foundation.models.types import utcnow

_TABLE = cast(Table, SignInFailure.__table__)  # declared as a Table: typed as its base


class TooManySignInsError(FoundationError):
    """Raised when an account or client address has failed to sign in too often lately."""

    code = "too_many_sign_ins"
    status = 429
    default_message = "Too many failed sign-ins; try again later."

    def __init__(self, retry_after: int) -> None:
        super().__init__(details={"retry_after": retry_after})
        self.headers = {"Retry-After": str(retry_after)}


def sign_in_key(kind: str, value: str) -> str:
    """The stored key of an ``account`` or ``client`` value: a SHA-256 hex digest."""
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


class SignInThrottle:
    """Counts failed sign-ins in ``database`` and refuses keys over their limit (0: none)."""

    def __init__(
        self,
        database: Database,
        *,
        per_account: int,
        per_client: int,
        window: timedelta,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.database = database
        self.per_account = per_account
        self.per_client = per_client
        self.window = window
        self._clock = clock

    @classmethod
    def from_settings(cls, database: Database, settings: SecuritySettings) -> SignInThrottle:
        """The throttle with the ``sign_in_*`` limits of ``settings``."""
        return cls(
            database,
            per_account=settings.sign_in_failures_per_account,
            per_client=settings.sign_in_failures_per_client,
            window=timedelta(seconds=settings.sign_in_window_seconds),
        )

    def _limits(self, account: str, client: str) -> dict[str, int]:
        limits = {
            sign_in_key("account", account): self.per_account,
            sign_in_key("client", client): self.per_client,
        }
        return {key: limit for key, limit in limits.items() if limit > 0}

    async def check(self, account: str, client: str) -> None:
        """Raise ``TooManySignInsError`` if ``account`` or ``client`` is over its limit."""
        limits = self._limits(account, client)
        if not limits:
            return
        now = self._clock()
        query = select(_TABLE.c.key, _TABLE.c.failures, _TABLE.c.window_started_at).where(
            _TABLE.c.key.in_(limits), _TABLE.c.window_started_at > now - self.window
        )
        async with self.database.reading() as connection:
            rows = (await connection.execute(query)).all()
        blocked = [
            started + self.window - now
            for key, failures, started in rows
            if failures >= limits[key]
        ]
        if blocked:
            SIGN_INS_THROTTLED.inc()
            raise TooManySignInsError(max(1, math.ceil(max(blocked).total_seconds())))

    async def record_failure(self, account: str, client: str) -> None:
        """Count one failed sign-in for ``account`` and ``client`` (committed at once)."""
        SIGN_IN_FAILURES.inc()
        now = self._clock()
        cutoff = now - self.window
        for key in self._limits(account, client):
            await self._count(key, now, cutoff)
        try:  # expired rows mean the same as absent ones; removing them bounds the table
            async with self.database.writing() as connection:
                await connection.execute(delete(_TABLE).where(_TABLE.c.window_started_at <= cutoff))
        except TransactionConflictError:  # another worker is cleaning up: leave it to them
            pass

    async def clear(self, account: str) -> None:
        """Forget the failures of ``account`` (after it signed in)."""
        key = sign_in_key("account", account)
        async with self.database.writing() as connection:
            await connection.execute(delete(_TABLE).where(_TABLE.c.key == key))

    async def _count(self, key: str, now: datetime, cutoff: datetime) -> None:
        current = _TABLE.c.window_started_at > literal(cutoff, _TABLE.c.window_started_at.type)
        # one statement, so concurrent workers never lose a count; ``failures`` comes first
        # because MariaDB evaluates SET left to right with the values already assigned
        bump = (
            update(_TABLE)
            .where(_TABLE.c.key == key)
            .ordered_values(
                (_TABLE.c.failures, case((current, _TABLE.c.failures + 1), else_=1)),
                (
                    _TABLE.c.window_started_at,
                    case(
                        (current, _TABLE.c.window_started_at),
                        else_=literal(now, _TABLE.c.window_started_at.type),
                    ),
                ),
            )
        )
        insert_first = insert(_TABLE).values(key=key, failures=1, window_started_at=now)
        for _attempt in range(3):
            try:
                async with self.database.writing() as connection:
                    if (await connection.execute(bump)).rowcount:
                        return
                async with self.database.writing() as connection:
                    await connection.execute(insert_first)
                return
            # another worker inserted the row first (or a deadlock chose us): count again
            except (DuplicateError, TransactionConflictError):
                continue
