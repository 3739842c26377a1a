"""``idempotent``: keyed requests running at once, on real connections and real commits."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import delete, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from foundation import Database
from foundation.models import utcnow
from foundation.models.idempotency import IdempotencyRecord
from foundation.web import create_app
from foundation.web.idempotency import (
    IDEMPOTENCY_HEADER,
    REPLAYED_HEADER,
    idempotent,
    purge_expired,
    record_id,
)
from tests.foundation.web.helpers import client, make_settings


class Gate:
    """Holds the keyed endpoint inside its transaction until opened."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.opened = asyncio.Event()
        self.calls = 0


def _router(gate: Gate) -> APIRouter:
    router = APIRouter()

    async def slow_write(request: Request) -> Response:
        gate.calls += 1
        gate.entered.set()
        await gate.opened.wait()
        return JSONResponse({"call": gate.calls}, status_code=201, headers={"ETag": '"1"'})

    router.add_api_route("/slow", idempotent(slow_write), methods=["POST"])
    return router


@pytest.fixture
async def committed(db_url: str, db_engine: AsyncEngine) -> AsyncIterator[tuple[Database, str]]:
    """A database that really commits (``db_engine``: the schema exists), and a fresh key
    whose record is removed afterwards."""
    if make_url(db_url).get_backend_name() == "sqlite":
        pytest.skip("SQLite's writers take turns: a second keyed request waits for the first")
    database = Database.from_settings(db_url)
    key = f"concurrent-{uuid.uuid4()}"
    try:
        yield database, key
    finally:
        async with database.writing() as connection:
            stored = IdempotencyRecord.id == record_id(None, key)
            await connection.execute(delete(IdempotencyRecord).where(stored))
        await database.dispose()


async def test_a_duplicate_while_the_first_is_in_flight_is_409_then_replayed(
    committed: tuple[Database, str],
) -> None:
    database, key = committed
    gate = Gate()
    app = create_app(make_settings(), routers=[_router(gate)], database=database)
    headers = {IDEMPOTENCY_HEADER: key}
    async with client(app) as http:
        first = asyncio.create_task(http.post("/api/v1/slow", json={"a": 1}, headers=headers))
        await asyncio.wait_for(gate.entered.wait(), 10)
        async with asyncio.timeout(5):  # answered at once, not after the first finishes
            duplicate = await http.post("/api/v1/slow", json={"a": 1}, headers=headers)
        assert duplicate.status_code == 409, duplicate.text
        assert duplicate.json()["code"] == "idempotency_key_in_use"
        assert duplicate.headers["retry-after"] == "1"

        gate.opened.set()
        original = await first
        assert original.status_code == 201
        retry = await http.post("/api/v1/slow", json={"a": 1}, headers=headers)
    assert gate.calls == 1
    assert (retry.status_code, retry.content) == (201, original.content)
    assert retry.headers["etag"] == '"1"'
    assert retry.headers[REPLAYED_HEADER] == "true"


async def test_expired_records_are_purged(database: Database) -> None:
    async with database.writing() as connection:
        await connection.execute(
            IdempotencyRecord.__table__.insert(),  # type: ignore[attr-defined]
            [
                {"id": "a" * 64, "fingerprint": "f", "expires_at": _ago(60)},
                {"id": "b" * 64, "fingerprint": "f", "expires_at": _ago(-60)},
            ],
        )
    assert await purge_expired(database) == 1
    async with database.reading() as connection:
        left = await connection.scalar(select(func.count()).select_from(IdempotencyRecord))
        assert left == 1


def _ago(seconds: int) -> datetime:
    return utcnow() - timedelta(seconds=seconds)
