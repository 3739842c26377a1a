"""The reference service on the per-test isolated database of every chosen backend."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

import httpx
import pytest
import taskboard.models  # noqa: F401  (the tables join the test schema)
from fastapi import FastAPI
from taskboard.app import create_app
from taskboard.auth import SCOPES, create_user

from foundation import Database, Settings
from foundation.security import JWTCodec

SETTINGS = Settings(_env_file=None, database={"url": "sqlite+aiosqlite:///:memory:"})  # type: ignore[call-arg]
CODEC = JWTCodec.from_settings(SETTINGS.security)


def bearer(subject: str = "tester", scopes: Iterable[str] = SCOPES) -> dict[str, str]:
    """Headers with a token for ``subject`` holding ``scopes``."""
    return {"Authorization": f"Bearer {CODEC.issue(subject, scopes)}"}


@pytest.fixture
def app(database: Database) -> FastAPI:
    return create_app(SETTINGS, database=database)


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def user_id(database: Database) -> str:
    """An active user ``ada@example.com`` / ``correct horse`` with every scope."""
    user = await create_user(database, "Ada@Example.com", "correct horse", full_name="Ada")
    return str(user.id)
