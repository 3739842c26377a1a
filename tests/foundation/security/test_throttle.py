"""Failed sign-ins counted in the database, per account and per client address."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from foundation import Database
from foundation.models.sign_in import SignInFailure
from foundation.security.throttle import SignInThrottle, TooManySignInsError, sign_in_key

START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
WINDOW = timedelta(seconds=60)


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def throttle(
    database: Database, clock: Clock, *, per_account: int, per_client: int
) -> SignInThrottle:
    return SignInThrottle(
        database, per_account=per_account, per_client=per_client, window=WINDOW, clock=clock
    )


async def fail(
    throttle: SignInThrottle, times: int, account: str = "ada", client: str = "10.0.0.1"
) -> None:
    for _ in range(times):
        await throttle.record_failure(account, client)


async def rows(database: Database) -> int:
    async with database.reading() as connection:
        return int(
            (await connection.execute(select(func.count()).select_from(SignInFailure))).scalar_one()
        )


async def test_an_account_at_its_limit_is_refused_until_the_window_ends(
    database: Database, clock: Clock
) -> None:
    guard = throttle(database, clock, per_account=3, per_client=0)
    await fail(guard, 2)
    await guard.check("ada", "10.0.0.1")  # two failures: still allowed
    await fail(guard, 1)
    clock.now = START + timedelta(seconds=15)
    with pytest.raises(TooManySignInsError) as refused:
        await guard.check("ada", "10.0.0.2")  # another address does not help
    assert refused.value.status == 429
    assert refused.value.headers == {"Retry-After": "45"}
    assert refused.value.details == {"retry_after": 45}
    await guard.check("grace", "10.0.0.1")  # other accounts are not affected
    clock.now = START + WINDOW
    await guard.check("ada", "10.0.0.1")  # the window is over


async def test_a_new_window_counts_from_one(database: Database, clock: Clock) -> None:
    guard = throttle(database, clock, per_account=2, per_client=0)
    await fail(guard, 1)
    clock.now = START + WINDOW + timedelta(seconds=1)
    await fail(guard, 1)  # the old failure has expired: this one is the first again
    await guard.check("ada", "10.0.0.1")
    await fail(guard, 1)
    with pytest.raises(TooManySignInsError):
        await guard.check("ada", "10.0.0.1")


async def test_a_client_address_at_its_limit_is_refused_for_every_account(
    database: Database, clock: Clock
) -> None:
    guard = throttle(database, clock, per_account=10, per_client=3)
    for account in ("ada", "grace", "linus"):
        await fail(guard, 1, account=account)
    with pytest.raises(TooManySignInsError):
        await guard.check("someone-new", "10.0.0.1")
    await guard.check("someone-new", "10.0.0.9")


async def test_clearing_forgets_the_account_but_not_the_address(
    database: Database, clock: Clock
) -> None:
    guard = throttle(database, clock, per_account=2, per_client=3)
    await fail(guard, 2)
    await guard.clear("ada")
    await guard.check("ada", "10.0.0.1")
    await fail(guard, 1)
    with pytest.raises(TooManySignInsError):
        await guard.check("ada", "10.0.0.1")  # the address has three failures now


async def test_zero_limits_count_nothing(database: Database, clock: Clock) -> None:
    guard = throttle(database, clock, per_account=0, per_client=0)
    await fail(guard, 5)
    await guard.check("ada", "10.0.0.1")
    assert await rows(database) == 0


async def test_expired_counts_are_removed_and_nothing_readable_is_stored(
    database: Database, clock: Clock
) -> None:
    guard = throttle(database, clock, per_account=5, per_client=5)
    await fail(guard, 1, account="ada@example.com", client="192.0.2.7")
    async with database.reading() as connection:
        keys = (await connection.execute(select(SignInFailure.key))).scalars().all()
    assert len(keys) == 2
    assert all(len(key) == 64 and "ada" not in key and "192" not in key for key in keys)
    clock.now = START + WINDOW
    await fail(guard, 1, account="grace", client="192.0.2.8")
    assert await rows(database) == 2  # ada's and 192.0.2.7's rows are gone


async def test_concurrent_failures_are_all_counted(db_engine: AsyncEngine) -> None:
    """Workers racing on one key (real pooled connections, committed) lose no count."""
    database = Database(db_engine)
    guard = SignInThrottle(database, per_account=100, per_client=0, window=timedelta(minutes=5))
    account = f"race-{uuid.uuid4()}"
    try:
        await asyncio.gather(*(guard.record_failure(account, "10.0.0.1") for _ in range(8)))
        async with database.reading() as connection:
            failures = (
                await connection.execute(
                    select(SignInFailure.failures).where(
                        SignInFailure.key == sign_in_key("account", account)
                    )
                )
            ).scalar_one()
        assert failures == 8
    finally:
        async with database.writing() as connection:
            await connection.execute(
                delete(SignInFailure).where(SignInFailure.key == sign_in_key("account", account))
            )
