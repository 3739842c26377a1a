"""An EMPTY database per backend for migration tests, next to (not inside) the shared one.

SQLite: a file in the test's tmp dir. Servers: ``<db>_mig`` on the same server, created on
demand, with every table dropped before and after each test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from foundation import create_engine

SAMPLE = Path(__file__).parent
MIGRATIONS = SAMPLE / "migrations"


async def _create_database(url: str) -> None:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    admin = create_engine(
        parsed.set(database="postgres" if backend == "postgresql" else "").render_as_string(False)
    )
    try:
        async with admin.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            if backend == "postgresql":
                found = await connection.scalar(
                    text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
                )
                if not found:
                    await connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
            else:
                await connection.execute(text(f"CREATE DATABASE IF NOT EXISTS `{parsed.database}`"))
    finally:
        await admin.dispose()


def _drop_everything(connection: Connection) -> None:
    reflected = MetaData()
    reflected.reflect(connection)
    reflected.drop_all(connection)


async def drop_tables(url: str) -> None:
    """Drop every table of the database at ``url`` (alembic_version included)."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_drop_everything)
    finally:
        await engine.dispose()


async def table_names(engine: AsyncEngine) -> set[str]:
    """The tables that exist in the engine's database."""

    def names(connection: Connection) -> set[str]:
        reflected = MetaData()
        reflected.reflect(connection)
        return set(reflected.tables)

    async with engine.connect() as connection:
        return await connection.run_sync(names)


async def column_names(engine: AsyncEngine, table: str) -> set[str]:
    """The columns of ``table``."""

    def names(connection: Connection) -> set[str]:
        reflected = MetaData()
        reflected.reflect(connection, only=[table])
        return {column.name for column in reflected.tables[table].columns}

    async with engine.connect() as connection:
        return await connection.run_sync(names)


@pytest_asyncio.fixture(loop_scope="session")
async def migration_url(db_backend: Any, db_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """URL of an empty database on this test's backend; emptied again afterwards."""
    if db_backend.dialect == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
        return
    parsed = make_url(db_url)
    url = parsed.set(database=f"{parsed.database}_mig").render_as_string(hide_password=False)
    await _create_database(url)
    await drop_tables(url)
    try:
        yield url
    finally:
        await drop_tables(url)


@pytest_asyncio.fixture(loop_scope="session")
async def migration_engine(migration_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the empty migration database."""
    engine = create_engine(migration_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def migrations_copy(tmp_path: Path) -> Path:
    """A copy of the sample script directory without its last revision (models run ahead)."""
    import shutil

    target = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, target, ignore=shutil.ignore_patterns("__pycache__"))
    (target / "versions" / "0002_books_and_email.py").unlink()
    return target
