"""Health endpoints: liveness (no I/O), readiness (database ping) and a detailed report.

No authentication, no caching (``Cache-Control: no-store``); the ping is bounded by a
timeout so a dead database answers 503 quickly instead of hanging the probe.
"""

from __future__ import annotations

import time
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from foundation.db import Database
from foundation.errors import FoundationError
from foundation.web.openapi import problem_responses
from foundation.web.problems import problem_response

NO_STORE = {"Cache-Control": "no-store"}
DEFAULT_PING_TIMEOUT = 2.0


class ComponentHealth(BaseModel):
    """The state of one dependency of the service."""

    status: Literal["up", "down"]
    latency_ms: float | None = Field(None, examples=[1.2])
    error: str | None = Field(None, examples=["database_unavailable"])
    pool: dict[str, int] | None = None


class Liveness(BaseModel):
    """The process is alive."""

    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    """The service can take traffic."""

    status: Literal["ready"] = "ready"


class HealthReport(BaseModel):
    """Every component's state, the version and the uptime."""

    status: Literal["up", "down"]
    version: str
    uptime_seconds: float
    components: dict[str, ComponentHealth]


async def check_database(database: Database | None, seconds: float) -> ComponentHealth:
    """Ping the database, waiting at most ``seconds``; never raises."""
    if database is None:
        return ComponentHealth(status="down", error="not_initialised")
    try:
        latency = await database.ping(timeout=seconds)
    except FoundationError as exc:
        return ComponentHealth(status="down", error=exc.code, pool=database.pool_status() or None)
    return ComponentHealth(
        status="up", latency_ms=round(latency * 1000, 2), pool=database.pool_status() or None
    )


def build_health_router(*, timeout: float = DEFAULT_PING_TIMEOUT) -> APIRouter:
    """The ``/health`` routes, pinging the database with ``timeout`` seconds."""
    router = APIRouter(prefix="/health", tags=["health"])

    @router.get("/live", response_model=Liveness, summary="Liveness probe (no I/O)")
    async def live() -> JSONResponse:
        return JSONResponse(Liveness().model_dump(), headers=NO_STORE)

    @router.get(
        "/ready",
        response_model=Readiness,
        summary="Readiness probe: the database answers",
        responses=problem_responses(503),
    )
    async def ready(request: Request) -> JSONResponse:
        database = getattr(request.app.state, "database", None)
        component = await check_database(database, timeout)
        if component.status == "down":
            return problem_response(
                503,
                code="not_ready",
                detail="The service is not ready: database is down.",
                instance=request.url.path,
                headers=NO_STORE,
                components={"database": component.model_dump(exclude_none=True)},
            )
        return JSONResponse(Readiness().model_dump(), headers=NO_STORE)

    @router.get(
        "",
        response_model=HealthReport,
        summary="Detailed health: components, pool, version, uptime",
        responses={503: {"model": HealthReport, "description": "A component is down"}},
    )
    async def report(request: Request) -> JSONResponse:
        database = getattr(request.app.state, "database", None)
        components = {"database": await check_database(database, timeout)}
        down = any(c.status == "down" for c in components.values())
        started = getattr(request.app.state, "started_at", None) or time.monotonic()
        body = HealthReport(
            status="down" if down else "up",
            version=request.app.version,
            uptime_seconds=round(time.monotonic() - started, 3),
            components=components,
        )
        return JSONResponse(
            body.model_dump(mode="json", exclude_none=True),
            status_code=503 if down else 200,
            headers=NO_STORE,
        )

    return router
