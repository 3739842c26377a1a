"""Health endpoints: liveness (no I/O), readiness (database ping) and a detailed report.

No authentication, no caching (``Cache-Control: no-store``); the ping is bounded by a
timeout so a dead database answers 503 quickly instead of hanging the probe. Why the database
is down (no such database, wrong password, unreachable host) goes to the log for operators;
the probes answer with an error code only.
"""

from __future__ import annotations

import time
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.pool import QueuePool

from foundation.db import Database
from foundation.db.replica import Replica
from foundation.errors import FoundationError, classify_db_error
from foundation.logging import logger
from foundation.web.openapi import problem_responses
from foundation.web.problems import problem_response

NO_STORE = {"Cache-Control": "no-store"}
DEFAULT_PING_TIMEOUT = 2.0


class PoolHealth(BaseModel):
    """The database connection pool: connections in use, open and idle, and the most it opens."""

    in_use: int = Field(examples=[1], description="connections serving requests now")
    idle: int = Field(examples=[4], description="open connections waiting in the pool")
    capacity: int | None = Field(
        examples=[15], description="the most connections the pool opens (null: no limit)"
    )


class ComponentHealth(BaseModel):
    """The state of one dependency of the service."""

    status: Literal["up", "down"]
    latency_ms: float | None = Field(None, examples=[1.2])
    error: str | None = Field(None, examples=["database_unavailable"])
    pool: PoolHealth | None = None


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


def pool_health(database: Database) -> PoolHealth | None:
    """The pool's counts where the engine pools connections (not in-memory SQLite)."""
    pool = database.engine.pool
    if not isinstance(pool, QueuePool):
        return None
    # QueuePool has no public accessor for it (SQLAlchemy 2.0 and 2.1); -1 means no limit
    max_overflow: int = pool._max_overflow
    return PoolHealth(
        in_use=pool.checkedout(),
        idle=pool.checkedin(),
        capacity=None if max_overflow < 0 else pool.size() + max_overflow,
    )


def _log_down(database: Database, error: FoundationError) -> None:
    cause = error.__cause__
    reason = classify_db_error(cause).reason if cause is not None else error.reason
    logger.warning(
        "database {url} is down: {reason}",
        url=database.engine.url.render_as_string(hide_password=True),
        reason=reason or error.message,
    )


async def check_database(database: Database | None, seconds: float) -> ComponentHealth:
    """Ping the database, waiting at most ``seconds``; never raises. Logs why it is down."""
    if database is None:
        return ComponentHealth(status="down", error="not_initialised")
    try:
        latency = await database.ping(timeout=seconds)
    except FoundationError as exc:
        _log_down(database, exc)
        return ComponentHealth(status="down", error=exc.code, pool=pool_health(database))
    return ComponentHealth(
        status="up", latency_ms=round(latency * 1000, 2), pool=pool_health(database)
    )


async def check_replica(replica: Replica, seconds: float) -> ComponentHealth:
    """Ping the read replica, waiting at most ``seconds``; never raises."""
    try:
        latency = await replica.ping(timeout=seconds)
    except FoundationError as exc:
        return ComponentHealth(status="down", error=exc.code)
    return ComponentHealth(status="up", latency_ms=round(latency * 1000, 2))


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
        # reads fall back to the primary: a replica that is down leaves the service up
        down = components["database"].status == "down"
        if database is not None and database.replica is not None:
            components["replica"] = await check_replica(database.replica, timeout)
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
