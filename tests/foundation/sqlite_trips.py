"""Counting the trips a SQLite connection makes to aiosqlite's worker thread."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection


async def trips_of(connection: AsyncConnection) -> list[object]:
    """From now on, the functions the connection's aiosqlite driver runs in its thread,
    one per trip (every call of aiosqlite goes through ``_execute``)."""
    driver = (await connection.get_raw_connection()).driver_connection
    trips: list[object] = []
    execute = driver._execute

    async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
        trips.append(fn)
        return await execute(fn, *args, **kwargs)

    driver._execute = counted
    return trips
