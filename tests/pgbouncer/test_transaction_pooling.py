"""Behind PgBouncer in transaction mode: the setting keeps asyncpg working under concurrent
clients, the reference service's API answers through it, and without the setting the same
load breaks on prepared statements (the reason the setting exists)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import taskboard.models  # noqa: F401  (the service's tables are created below)
from sqlalchemy import literal, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from taskboard.app import create_app
from taskboard.auth import SCOPES, VERSION_CLAIM, create_user

from foundation import Base, Database, DatabaseSettings, Settings
from foundation.errors import FoundationError
from foundation.security import JWTCodec
from tests.pgbouncer.conftest import UPSTREAM_ENV

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 6
ROUNDS = 10


def database(url: URL, **options: Any) -> Database:
    settings = DatabaseSettings(url=url.render_as_string(False), pool_size=CLIENTS, **options)
    return Database.from_settings(settings)


async def hammer(db: Database) -> None:
    """``CLIENTS`` tasks, each reading in ``ROUNDS`` transactions of its own."""

    async def client(number: int) -> None:
        for round_ in range(ROUNDS):
            async with db.reading() as connection:
                value = (await connection.execute(select(literal(number * 100 + round_)))).scalar()
                assert value == number * 100 + round_
            async with db.unit() as unit:
                await unit.connection.execute(text("SELECT 1"))

    await asyncio.gather(*(client(n) for n in range(CLIENTS)))


async def test_concurrent_transactions_work_with_the_setting(pgbouncer_url: URL) -> None:
    db = database(pgbouncer_url, pgbouncer=True)
    try:
        await hammer(db)
    finally:
        await db.dispose()


async def test_the_url_flag_does_the_same(pgbouncer_url: URL) -> None:
    db = database(pgbouncer_url.update_query_dict({"pgbouncer": "true"}))
    try:
        await hammer(db)
    finally:
        await db.dispose()


async def test_without_the_setting_prepared_statements_break(pgbouncer_url: URL) -> None:
    # statement_timeout is a startup parameter PgBouncer refuses: off, so that only the
    # prepared statements differ from the test above
    db = database(pgbouncer_url, statement_timeout_ms=0, tcp_keepalive=0)  # no startup parameters
    try:
        with pytest.raises((DBAPIError, FoundationError)) as caught:
            for _ in range(5):
                await hammer(db)
    finally:
        await db.dispose()
    assert "prepared statement" in str(caught.value.__cause__ or caught.value)


@pytest.fixture(scope="module")
async def api_database(pgbouncer_url: URL) -> URL:
    """A fresh database with the reference service's tables, reached through PgBouncer."""
    name = f"{make_url(os.environ[UPSTREAM_ENV]).database}_pgbouncer_api"
    # on the server itself: an AUTOCOMMIT statement's Parse and Execute are two transactions
    # to PgBouncer, which may send them to different server connections
    admin = database(make_url(os.environ[UPSTREAM_ENV]).set(database="postgres"))
    async with admin.engine.connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    url = pgbouncer_url.set(database=name)
    db = database(url, pgbouncer=True)
    async with db.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    await db.dispose()
    return url


async def test_the_reference_service_serves_concurrent_clients(api_database: URL) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database={
            "url": api_database.render_as_string(False),
            "pgbouncer": True,
            "pool_size": CLIENTS,
        },
    )
    app = create_app(settings)
    codec = JWTCodec.from_settings(settings.security)
    async with app.router.lifespan_context(app):
        user = await create_user(app.state.database, f"{uuid.uuid4()}@example.com", "pw")
        token = codec.issue(str(user.id), SCOPES, claims={VERSION_CLAIM: 0})
        headers = {"Authorization": f"Bearer {token}"}
        transport = httpx.ASGITransport(app=app)

        async def client(number: int) -> list[int]:
            statuses = []
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                for round_ in range(ROUNDS):
                    slug = f"c{number}-r{round_}"
                    body = {"slug": slug, "name": slug}
                    created = await http.post("/api/v1/projects", json=body, headers=headers)
                    statuses.append(created.status_code)
                    if created.status_code == 201:
                        one = await http.get(
                            f"/api/v1/projects/{created.json()['id']}", headers=headers
                        )
                        statuses.append(one.status_code)
                    listed = await http.get("/api/v1/projects?limit=5", headers=headers)
                    statuses.append(listed.status_code)
            return statuses

        results = await asyncio.gather(*(client(n) for n in range(CLIENTS)))
    statuses = [status for result in results for status in result]
    assert len(statuses) == CLIENTS * ROUNDS * 3
    assert set(statuses) <= {200, 201}, statuses


# What PgBouncer changes on purpose: the statement timeout is not a startup parameter there
# (set it on the role), and killing the server connection behind a client connection is
# PgBouncer's business (it replaces it), not the pool's
NOT_THROUGH_PGBOUNCER = (
    "not test_engine_applies_session_options"
    " and not test_a_connection_that_died_while_idle_is_replaced_at_checkout"
    " and not test_a_connection_lost_in_use_fails_once_then_the_pool_reconnects"
)


def test_the_database_suite_and_the_api_suite_pass_through_pgbouncer(
    roomy_pgbouncer_url: URL,
) -> None:
    """The database-level tests and the reference service's API tests, unchanged, on a
    backend whose URL is the bouncer's with ``?pgbouncer=true``."""
    suite_database = f"{roomy_pgbouncer_url.database}_pgbouncer_suite"
    url = roomy_pgbouncer_url.set(database=suite_database).update_query_dict({"pgbouncer": "true"})
    env = {k: v for k, v in os.environ.items() if k != UPSTREAM_ENV}
    env["FOUNDATION_TEST_DB"] = f"pgbouncer={url.render_as_string(False)}"
    suites = [
        "tests/foundation/test_database.py",
        "tests/foundation/test_isolation.py",
        "tests/foundation/repository",
        "tests/foundation/security/test_throttle.py",
        "tests/taskboard/test_api.py",
        "tests/taskboard/test_cursors.py",
    ]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-rfE",
            "-k",
            NOT_THROUGH_PGBOUNCER,
            *suites,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    tail = result.stdout[-4000:]
    assert result.returncode == 0, tail + result.stderr[-2000:]
    summary = re.search(r"(\d+) passed", result.stdout)
    assert summary is not None, tail
    assert int(summary.group(1)) > 100, tail
