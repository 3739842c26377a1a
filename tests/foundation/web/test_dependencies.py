"""Providers for settings, database, session, repositories and services — all overridable."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from foundation import Database, Settings
from foundation.schemas import BaseSchema
from foundation.web import (
    SettingsDep,
    create_app,
    get_database,
    get_session,
    provide_repository,
    provide_service,
)
from tests.foundation.web.helpers import client, make_settings
from tests.foundation.web.models import WNote


class NoteRepository:
    """A minimal repository: flushes, never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, title: str) -> WNote:
        note = WNote(title=title)
        self.session.add(note)
        await self.session.flush()
        return note


class NoteService:
    def __init__(self, notes: NoteRepository, settings: Settings) -> None:
        self.notes = notes
        self.settings = settings

    async def create(self, title: str) -> WNote:
        return await self.notes.add(f"{self.settings.app.name}:{title}")


def _settings_provider(settings: SettingsDep) -> Settings:
    return settings


notes_dep = provide_repository(NoteRepository)
service_dep = provide_service(NoteService, notes=notes_dep, settings=_settings_provider)


class NoteIn(BaseSchema):
    title: str


router = APIRouter()


@router.post("/notes", status_code=201)
async def create(
    body: NoteIn, service: Annotated[NoteService, Depends(service_dep)]
) -> dict[str, Any]:
    note = await service.create(body.title)
    return {"title": note.title, "same_session": service.notes.session is not None}


@router.get("/settings")
async def settings_name(settings: SettingsDep) -> dict[str, str]:
    return {"name": settings.app.name}


async def _stored_titles(database: Database) -> list[str]:
    async with database.session() as session:
        return list(await session.scalars(select(WNote.title).where(WNote.title.like("svc%"))))


async def test_settings_provider_returns_the_app_settings() -> None:
    app = create_app(make_settings(app={"name": "named"}), routers=[router])
    async with client(app) as http:
        assert (await http.get("/api/v1/settings")).json() == {"name": "named"}


async def test_service_is_built_from_repository_and_settings(database: Database) -> None:
    app = create_app(make_settings(app={"name": "svc"}), routers=[router], database=database)
    async with client(app) as http:
        response = await http.post("/api/v1/notes", json={"title": "one"})
    assert response.status_code == 201, response.text
    assert response.json()["title"] == "svc:one"
    assert await _stored_titles(database) == ["svc:one"]


async def test_database_can_be_overridden(database: Database) -> None:
    """The test kit's pattern: give the app the per-test database through an override."""
    app = create_app(make_settings(app={"name": "svc"}), routers=[router])
    app.dependency_overrides[get_database] = lambda: database
    async with client(app) as http:
        response = await http.post("/api/v1/notes", json={"title": "two"})
    assert response.status_code == 201
    assert await _stored_titles(database) == ["svc:two"]


async def test_session_can_be_overridden(database: Database) -> None:
    sessions: list[AsyncSession] = []

    async def test_session() -> Any:
        async with database.transaction() as session:
            sessions.append(session)
            yield session

    app = create_app(make_settings(app={"name": "svc"}), routers=[router])
    app.dependency_overrides[get_session] = test_session
    async with client(app) as http:
        response = await http.post("/api/v1/notes", json={"title": "three"})
    assert response.status_code == 201
    assert len(sessions) == 1
    assert await _stored_titles(database) == ["svc:three"]


async def test_repository_and_service_can_be_overridden() -> None:
    class FakeService:
        async def create(self, title: str) -> Any:
            return type("Note", (), {"title": f"fake:{title}"})()

        notes = type("Repo", (), {"session": None})()

    app = create_app(make_settings(), routers=[router])
    app.dependency_overrides[service_dep] = FakeService
    async with client(app) as http:
        response = await http.post("/api/v1/notes", json={"title": "x"})
    assert response.json() == {"title": "fake:x", "same_session": False}


async def test_missing_database_answers_503() -> None:
    app = create_app(make_settings(), routers=[router])  # lifespan not run, nothing injected
    async with client(app) as http:
        response = await http.post("/api/v1/notes", json={"title": "x"})
    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"
