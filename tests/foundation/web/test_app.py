"""``create_app``: the lifespan owns the database, routers are versioned, OpenAPI is complete."""

from __future__ import annotations

import gc
from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from foundation import Database
from foundation.web import SessionDep, create_app
from tests.foundation.web.helpers import client, make_settings

v1 = APIRouter(tags=["things"])
v2 = APIRouter(tags=["things"])


@v1.get("/things")
async def things_v1(session: SessionDep) -> dict[str, Any]:
    return {"version": 1, "one": await session.scalar(text("SELECT 1"))}


@v2.get("/things")
async def things_v2() -> dict[str, Any]:
    return {"version": 2}


async def test_lifespan_creates_the_database_at_startup_and_disposes_it(db_url: str) -> None:
    app = create_app(make_settings(database={"url": db_url}), routers=[v1])
    assert app.state.database is None  # nothing is created before startup
    async with app.router.lifespan_context(app):
        database = app.state.database
        assert isinstance(database, Database)
        async with client(app) as http:
            assert (await http.get("/api/v1/things")).json() == {"version": 1, "one": 1}
        assert database.engine.pool.checkedin() >= 1
    assert app.state.database is None
    assert database.engine.pool.checkedin() == 0  # disposed


async def test_injected_database_is_used_and_left_open(database: Database) -> None:
    app = create_app(make_settings(), routers=[v1], database=database)
    async with app.router.lifespan_context(app), client(app) as http:
        assert (await http.get("/api/v1/things")).json() == {"version": 1, "one": 1}
    assert app.state.database is database
    async with database.session() as session:  # still usable: not disposed
        assert await session.scalar(text("SELECT 1")) == 1


async def test_user_lifespan_runs_inside_with_the_database_ready(database: Database) -> None:
    from contextlib import asynccontextmanager

    seen: list[Any] = []

    @asynccontextmanager
    async def hook(app: Any) -> Any:
        seen.append(app.state.database)
        yield
        seen.append("stopped")

    app = create_app(make_settings(), database=database, lifespan=hook)
    async with app.router.lifespan_context(app):
        assert seen == [database]
    assert seen == [database, "stopped"]


async def test_gc_tuning_freezes_startup_and_raises_the_threshold_until_shutdown(
    database: Database,
) -> None:
    from contextlib import asynccontextmanager

    before = gc.get_threshold()
    during_startup: list[tuple[int, int]] = []

    @asynccontextmanager
    async def hook(app: Any) -> Any:
        during_startup.append((gc.get_threshold()[0], gc.get_freeze_count()))
        yield

    settings = make_settings(server={"gc_tuning": True, "gc_threshold": 12_345})
    app = create_app(settings, database=database, routers=[v1], lifespan=hook)
    async with app.router.lifespan_context(app):
        # the user's startup ran first, untuned: what it built is frozen with the rest
        assert during_startup == [(before[0], 0)]
        assert gc.get_threshold() == (12_345, *before[1:])
        assert gc.get_freeze_count() > 1_000  # modules, classes, tables, the app
        async with client(app) as http:
            assert (await http.get("/api/v1/things")).json() == {"version": 1, "one": 1}
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


async def test_gc_is_left_alone_by_default_outside_production(database: Database) -> None:
    before = gc.get_threshold()
    app = create_app(make_settings(), database=database)
    async with app.router.lifespan_context(app):
        assert gc.get_threshold() == before
        assert gc.get_freeze_count() == 0


async def test_versions_are_mounted_side_by_side(database: Database) -> None:
    app = create_app(make_settings(), routers=[v1], versions={"v2": [v2]}, database=database)
    async with client(app) as http:
        assert (await http.get("/api/v1/things")).json()["version"] == 1
        assert (await http.get("/api/v2/things")).json() == {"version": 2}
        assert (await http.get("/api/v3/things")).status_code == 404


def test_openapi_carries_the_metadata() -> None:
    app = create_app(
        make_settings(app={"name": "Widgets", "version": "2.0.0"}),
        routers=[v1],
        description="Widgets for everyone.",
        contact={"name": "Team", "email": "team@example.com"},
        license_info={"name": "MIT"},
        servers=[{"url": "https://api.example.com"}],
        tags=[{"name": "things", "description": "Things we keep"}],
    )
    spec = app.openapi()
    info = spec["info"]
    assert (info["title"], info["version"]) == ("Widgets", "2.0.0")
    assert info["description"] == "Widgets for everyone."
    assert info["contact"]["email"] == "team@example.com"
    assert info["license"]["name"] == "MIT"
    assert spec["servers"] == [{"url": "https://api.example.com"}]
    assert [t["name"] for t in spec["tags"]] == ["things", "health"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["type"] == "http"
    assert set(spec["paths"]) == {"/api/v1/things", "/health/live", "/health/ready", "/health"}
    assert app.openapi() is spec  # generated once
