"""The reference service on the per-test isolated database of every chosen backend."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

import httpx
import pytest
import taskboard.models  # noqa: F401  (the tables join the test schema)
from fastapi import FastAPI
from taskboard.app import create_app
from taskboard.auth import SCOPES, VERSION_CLAIM, create_user
from taskboard.models import User

from fixtures.web import DEFAULT_ACTOR
from foundation import Database, Settings
from foundation.security import JWTCodec

SETTINGS = Settings(_env_file=None, database={"url": "sqlite+aiosqlite:///:memory:"})  # type: ignore[call-arg]
CODEC = JWTCodec.from_settings(SETTINGS.security)


ACTORS = ("tester", "u1", "u2", "fuzzer", DEFAULT_ACTOR)
"""Names of the users the ``app`` fixture stores, so tokens issued for them pass the
service's check of each token's user."""
_ACTOR_NAMESPACE = uuid.UUID("0190a000-0000-7000-8000-00000000acdc")


def subject_of(actor: str) -> str:
    """The user id a test names ``actor`` (a UUID stays itself: a user that may not exist)."""
    try:
        return str(uuid.UUID(actor))
    except ValueError:
        return str(uuid.uuid5(_ACTOR_NAMESPACE, actor))


def bearer(subject: str = "tester", scopes: Iterable[str] = SCOPES) -> dict[str, str]:
    """Headers with a token for the user ``subject`` (see ``ACTORS``) holding ``scopes``."""
    token = CODEC.issue(subject_of(subject), scopes, claims={VERSION_CLAIM: 0})
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def app(database: Database) -> FastAPI:
    """The service on the per-test database, with a user for each name of ``ACTORS``."""
    async with database.transaction() as session:
        session.add_all(
            User(
                id=uuid.UUID(subject_of(actor)),
                email=f"{actor}@actors.test",
                full_name=actor,
                password_hash="!",  # no password matches it: these users never sign in
                scopes=" ".join(SCOPES),
            )
            for actor in ACTORS
        )
    return create_app(SETTINGS, database=database)


@pytest.fixture
def token() -> Callable[..., str]:
    """The plugin's ``token`` fixture for this service: tokens of the ``ACTORS`` users."""

    def mint(*scopes: str, actor: str = DEFAULT_ACTOR, **claims: Any) -> str:
        return CODEC.issue(subject_of(actor), scopes, claims={VERSION_CLAIM: 0, **claims})

    return mint


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
