"""Variant 1: the resource built with the foundation, as a downstream user would.

Model on ``BaseModel`` with every mixin (``bench.apps.model``), a ``SQLAlchemyRepository``,
a ``BaseService``, the routes from ``crud_router``, and ``create_app`` with all its
middleware (request id, access log, security headers, body limit, problem details).
Routes are open (no bearer token), like the hand-written variants. ``BENCH_DATABASE_URL``
and ``BENCH_POOL_SIZE`` configure it.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from typing import Any, TextIO

from fastapi import APIRouter, FastAPI
from pydantic import Field

from bench.apps.model import BenchItem
from foundation import Settings, UnitOfWork, ValidationError, configure_logging
from foundation.repository import SQLAlchemyRepository
from foundation.schemas import BaseSchema, ReadSchema
from foundation.service import BaseService
from foundation.web import create_app
from foundation.web.crud import crud_router


class ItemRepository(SQLAlchemyRepository[BenchItem]):
    """Data access for items."""

    model = BenchItem


class ItemCreate(BaseSchema):
    """Request body of ``POST /items``."""

    name: str = Field(min_length=1, max_length=100)
    quantity: int = Field(0, ge=0)


class ItemUpdate(BaseSchema):
    """Request body of ``PATCH /items/{id}``: any subset of the fields."""

    name: str | None = Field(None, min_length=1, max_length=100)
    quantity: int | None = Field(None, ge=0)


class ItemRead(ReadSchema):
    """One item in a response."""

    id: uuid.UUID
    name: str
    quantity: int
    version: int
    created_at: datetime
    updated_at: datetime


class ItemService(BaseService[BenchItem, ItemCreate, ItemUpdate, ItemRead]):
    """Use cases for items: the defaults, no extra rules."""

    repository_type = ItemRepository
    read_schema = ItemRead


class ValidatingItemService(ItemService):
    """Business rules that only look at the values: no ORM session is needed for them."""

    async def before_create(self, unit: UnitOfWork, values: dict[str, Any]) -> dict[str, Any]:
        if values["name"].strip() == "":
            raise ValidationError("An item needs a name.", details={"field": "name"})
        return values

    async def before_update(
        self, unit: UnitOfWork, id: Any, changes: dict[str, Any]
    ) -> dict[str, Any]:
        if "name" in changes and changes["name"].strip() == "":
            raise ValidationError("An item needs a name.", details={"field": "name"})
        return changes


def build_router(service: type[ItemService] = ItemService) -> APIRouter:
    """The CRUD routes, open to anyone (the baselines have no authentication either)."""
    return crud_router(
        service,
        path="/items",
        name="item",
        create_schema=ItemCreate,
        update_schema=ItemUpdate,
        read_access=None,
        write_access=None,
    )


# Ablations (``BENCH_TWEAKS``, comma-separated) switch one feature off to price it; the
# benchmark itself runs with none.
TWEAKS = {
    "no_access_log": "access log middleware off",
    "no_pre_ping": "pool_pre_ping off",
    "text_logs": "text log lines instead of JSON",
    "no_middleware": "none of the foundation's middleware",
    "no_gc_tuning": "the garbage collector as Python sets it (no freeze, young threshold 700)",
    "validating_hooks": "a service whose hooks validate values (the foundation_hooks variant)",
    # additions, priced the same way
    "metrics": "Prometheus metrics on (the foundation_metrics variant)",
    "pgbouncer": "the PgBouncer setting on, straight to PostgreSQL (foundation_pgbouncer)",
}


def bench_settings(tweaks: frozenset[str] = frozenset()) -> Settings:
    """Production-like settings: JSON access logs on, the same pool as the baselines."""
    pool_size = int(os.environ.get("BENCH_POOL_SIZE", "10"))
    return Settings(
        app={"name": "bench", "environment": "production"},
        database={
            "url": os.environ.get("BENCH_DATABASE_URL", "sqlite+aiosqlite:///./bench.db"),
            "pool_size": pool_size,
            "max_overflow": 0,
            "pool_pre_ping": "no_pre_ping" not in tweaks,
            "pgbouncer": "pgbouncer" in tweaks,
        },
        server={"gc_tuning": "no_gc_tuning" not in tweaks},
        metrics={"enabled": "metrics" in tweaks},
        logging={
            "access_log": "no_access_log" not in tweaks,
            "json_logs": "text_logs" not in tweaks,
        },
        security={
            "jwt_secret": "bench-secret-" + "x" * 40,
            "cursor_secret": "bench-cursor-" + "y" * 40,
        },
    )


def create_bench_app(log_sink: TextIO | None = None) -> FastAPI:
    """The application factory uvicorn runs (``--factory``); logs go to stderr by default."""
    tweaks = frozenset(filter(None, os.environ.get("BENCH_TWEAKS", "").split(",")))
    unknown = tweaks - TWEAKS.keys()
    if unknown:
        raise ValueError(f"unknown BENCH_TWEAKS: {sorted(unknown)}")
    settings = bench_settings(tweaks)
    configure_logging(settings, sink=log_sink)
    service = ValidatingItemService if "validating_hooks" in tweaks else ItemService
    app = create_app(settings, routers=[build_router(service)])
    if "no_middleware" in tweaks:
        app.user_middleware.clear()
    return app
