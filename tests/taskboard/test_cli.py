"""``python -m taskboard create-user`` and the migrations, on a fresh SQLite file."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select
from taskboard.__main__ import main
from taskboard.models import IdempotencyRecord, Project, SignInFailure, Task, User

from foundation import Database, get_settings
from foundation.migrations import schema_diff
from foundation.security import verify_password

ROOT = Path(__file__).parents[2]
MIGRATIONS = ROOT / "examples" / "taskboard" / "migrations"


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'taskboard.db'}"
    monkeypatch.setenv("FOUNDATION_DATABASE__URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def migrate(url: str) -> None:
    """Apply the migrations and check they build exactly the models' tables."""

    async def run() -> None:
        database = Database.from_settings(url)
        metadata = MetaData()
        for model in (User, Project, Task, SignInFailure, IdempotencyRecord):
            model.__table__.to_metadata(metadata)
        try:
            assert await schema_diff(database.engine, MIGRATIONS, metadata) == []
        finally:
            await database.dispose()

    asyncio.run(run())


def stored_users(url: str) -> list[User]:
    async def run() -> list[User]:
        database = Database.from_settings(url)
        try:
            async with database.session() as session:
                return list(await session.scalars(select(User)))
        finally:
            await database.dispose()

    return asyncio.run(run())


def test_the_migration_builds_exactly_the_models(database_url: str) -> None:
    migrate(database_url)


def test_create_user_stores_a_hashed_password(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    migrate(database_url)
    status = main(["create-user", "Ada@Example.com", "--scopes", "tasks:read", "--password", "pw"])
    assert status == 0
    assert "created user Ada@Example.com" in capsys.readouterr().out
    [user] = stored_users(database_url)
    assert (user.email, user.scopes, user.full_name) == (
        "ada@example.com",
        "tasks:read",
        "Ada@Example.com",
    )
    assert user.password_hash != "pw"
    assert verify_password(user.password_hash, "pw")
    assert main(["create-user", "ada@example.com", "--password", "x"]) == 1
    assert "already exists" in capsys.readouterr().err


def test_create_user_prompts_for_the_password(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate(database_url)
    monkeypatch.setattr("taskboard.__main__.can_prompt", lambda: True)  # as on a terminal
    answers = iter(["secret", "secret"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["create-user", "bob@example.com"]) == 0
    [user] = stored_users(database_url)
    assert verify_password(user.password_hash, "secret")
    assert user.scopes == "projects:read projects:write tasks:read tasks:write"


def test_create_user_refuses_unknown_scopes_and_empty_passwords(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["create-user", "a@example.com", "--scopes", "admin", "--password", "x"]) == 2
    assert "unknown scopes: admin" in capsys.readouterr().err
    assert main(["create-user", "a@example.com", "--password", ""]) == 2


def test_create_user_without_a_terminal_says_use_password(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FOUNDATION_")}
    result = subprocess.run(
        [sys.executable, "-m", "taskboard", "create-user", "a@example.com"],
        cwd=ROOT,
        env=environment | {"PYTHONPATH": "examples"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == (
        "python -m taskboard: error: no terminal to prompt for the password: use --password\n"
    )
    assert result.stdout == ""
