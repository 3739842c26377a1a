"""The request's unit of work commits before the response is sent; a failed commit is an error.

A deferred foreign key (PostgreSQL, SQLite) fails only at COMMIT, after the endpoint has
returned its 201 body. Where constraints cannot be deferred (MariaDB), the connection is
killed between the endpoint's flush and the commit. Either way the client must get an
error problem and nothing may be stored. These tests need real commits, so they run an app
with its own engine on the test database instead of the per-test rolled-back transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

import pytest
import pytest_asyncio
from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from fixtures.database import ResolvedBackend
from foundation import ConflictError, Database, DatabaseSettings, create_engine
from foundation.errors import ConfigurationError
from foundation.schemas import BaseSchema
from foundation.web import SessionDep, create_app, get_session
from foundation.web.app import check_session_scopes
from tests.foundation.web.helpers import client, make_settings
from tests.foundation.web.models import WLink, WNote


class LinkIn(BaseSchema):
    note_id: uuid.UUID


class NoteIn(BaseSchema):
    title: str


def build_router(admin: AsyncEngine | None = None) -> APIRouter:
    router = APIRouter()

    @router.post("/links", status_code=201)
    async def create_link(body: LinkIn, session: SessionDep) -> dict[str, Any]:
        link = WLink(note_id=body.note_id)
        session.add(link)
        await session.flush()
        return {"id": str(link.id)}

    @router.post("/notes", status_code=201)
    async def create_note(body: NoteIn, session: SessionDep) -> dict[str, Any]:
        note = WNote(title=body.title)
        session.add(note)
        await session.flush()
        return {"id": str(note.id)}

    @router.post("/notes/refused", status_code=201)
    async def refuse_note(body: NoteIn, session: SessionDep) -> dict[str, Any]:
        session.add(WNote(title=body.title))
        await session.flush()
        raise ConflictError("refused after the flush")

    @router.post("/notes/connection-lost", status_code=201)
    async def lose_connection(body: NoteIn, session: SessionDep) -> dict[str, Any]:
        assert admin is not None
        note = WNote(title=body.title)
        session.add(note)
        await session.flush()
        async with admin.connect() as connection:
            if admin.dialect.name == "postgresql":
                pid = await session.scalar(text("SELECT pg_backend_pid()"))
                # the timeout makes the call wait until the backend has exited
                await connection.execute(
                    text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}
                )
            else:
                connection_id = int(await session.scalar(text("SELECT CONNECTION_ID()")) or 0)
                await connection.execute(text(f"KILL CONNECTION {connection_id}"))
        return {"id": str(note.id)}

    return router


# -- on the per-test isolated database --------------------------------------------------


async def test_successful_request_commits_its_unit_of_work(database: Database) -> None:
    app = create_app(make_settings(), routers=[build_router()], database=database)
    async with client(app) as http:
        response = await http.post("/api/v1/notes", json={"title": "committed"})
    assert response.status_code == 201
    async with database.session() as session:
        stored = await session.scalar(select(WNote).where(WNote.title == "committed"))
    assert stored is not None
    assert str(stored.id) == response.json()["id"]


async def test_failing_endpoint_rolls_back_what_it_flushed(database: Database) -> None:
    app = create_app(make_settings(), routers=[build_router()], database=database)
    async with client(app) as http:
        response = await http.post("/api/v1/notes/refused", json={"title": "refused"})
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    async with database.session() as session:
        count = await session.scalar(select(func.count()).where(WNote.title == "refused"))
    assert count == 0


# -- with real commits -----------------------------------------------------------------


@pytest_asyncio.fixture(loop_scope="session")
async def live_app(
    db_engine: AsyncEngine, db_url: str
) -> AsyncIterator[tuple[FastAPI, AsyncEngine]]:
    """An app with its own engine on the test database (commits are real); cleans up after."""
    admin = create_engine(DatabaseSettings(url=db_url))
    app = create_app(make_settings(database={"url": db_url}), routers=[build_router(admin)])
    try:
        async with app.router.lifespan_context(app):
            yield app, admin
    finally:
        async with admin.begin() as connection:
            await connection.execute(delete(WLink).where(WLink.note_id.is_not(None)))
            await connection.execute(delete(WNote).where(WNote.title.like("live-%")))
        await admin.dispose()


async def _count(engine: AsyncEngine, statement: Any) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(statement) or 0)


async def test_commit_time_failure_answers_an_error_and_stores_nothing(
    db_backend: ResolvedBackend, live_app: tuple[FastAPI, AsyncEngine]
) -> None:
    if db_backend.dialect == "mysql":
        pytest.skip("MariaDB cannot defer constraints; see the connection-lost test")
    app, admin = live_app
    missing = uuid.uuid4()
    async with client(app) as http:
        response = await http.post("/api/v1/links", json={"note_id": str(missing)})
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "foreign_key_violation"
    assert await _count(admin, select(func.count()).where(WLink.note_id == missing)) == 0


async def test_connection_lost_before_commit_answers_503_and_stores_nothing(
    db_backend: ResolvedBackend, live_app: tuple[FastAPI, AsyncEngine]
) -> None:
    if db_backend.dialect == "sqlite":
        pytest.skip("SQLite has no server connection to lose")
    app, admin = live_app
    async with client(app) as http:
        response = await http.post("/api/v1/notes/connection-lost", json={"title": "live-lost"})
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "database_unavailable"
    assert response.headers["retry-after"]
    assert await _count(admin, select(func.count()).where(WNote.title == "live-lost")) == 0
    # the pool recovers: the next request gets a fresh connection
    async with client(app) as http:
        again = await http.post("/api/v1/notes", json={"title": "live-after"})
    assert again.status_code == 201


async def test_committed_row_is_visible_to_others_once_the_response_arrives(
    live_app: tuple[FastAPI, AsyncEngine],
) -> None:
    app, admin = live_app
    async with client(app) as http:
        response = await http.post("/api/v1/notes", json={"title": "live-visible"})
    assert response.status_code == 201
    assert await _count(admin, select(func.count()).where(WNote.title == "live-visible")) == 1


# -- the scope guard ---------------------------------------------------------------------


async def test_session_without_function_scope_is_refused_at_startup() -> None:
    router = APIRouter()

    @router.get("/late")
    async def late(session: Annotated[Any, Depends(get_session)]) -> None:
        return None

    app = create_app(make_settings(), routers=[router])
    with pytest.raises(ConfigurationError, match="scope='function'"):
        check_session_scopes(app)
    with pytest.raises(ConfigurationError):
        async with app.router.lifespan_context(app):
            pass
