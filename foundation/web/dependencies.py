"""Dependency providers: settings, database, the request's unit of work, repositories, services.

Every provider is a plain FastAPI dependency, so ``app.dependency_overrides[provider] = ...``
replaces it. The test kit's pattern: build the app with the per-test ``Database``
(``create_app(settings, database=database)``), or override ``get_database`` (or
``get_session``) with a function returning the test's objects.

The session dependency must be declared with ``scope="function"`` — use ``SessionDep`` —
so that its commit runs after the endpoint returns and *before* the response is sent; a
failed commit then becomes an error response instead of a 2xx for data never stored.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from foundation.config import Settings
from foundation.db import Database
from foundation.errors import DatabaseUnavailableError
from foundation.web.openapi import problem_statuses

T = TypeVar("T")


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


@problem_statuses(503)
async def get_database(request: Request) -> Database:
    """The app's ``Database`` (created by the lifespan, or injected into ``create_app``)."""
    database: Database | None = getattr(request.app.state, "database", None)
    if database is None:
        raise DatabaseUnavailableError("The database is not initialised; is the lifespan running?")
    return database


@problem_statuses(409, 503)
async def get_session(
    database: Annotated[Database, Depends(get_database)],
) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: commits when the endpoint succeeds, else rolls back."""
    async with database.transaction() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
"""The request's session; its commit happens before the response is sent."""


def provide_repository(repository: Callable[[AsyncSession], T]) -> Callable[..., Awaitable[T]]:
    """A dependency building ``repository(session)`` on the request's unit of work."""

    async def _provide(session: SessionDep) -> T:
        return repository(session)

    _provide.__name__ = f"provide_{getattr(repository, '__name__', 'repository')}"
    return _provide


def provide_service(
    service: Callable[..., T], /, **dependencies: Callable[..., Any]
) -> Callable[..., Awaitable[T]]:
    """A dependency building ``service(**{name: <resolved dependency>})``.

    ``provide_service(OrderService, orders=provide_repository(OrderRepository))`` resolves
    each keyword through FastAPI (so each stays overridable) and passes the results on.
    """

    async def _provide(**resolved: Any) -> T:
        return service(**resolved)

    _provide.__signature__ = inspect.Signature(  # type: ignore[attr-defined]  # FastAPI reads it
        [
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, default=Depends(provider, scope="function")
            )
            for name, provider in dependencies.items()
        ]
    )
    _provide.__name__ = f"provide_{getattr(service, '__name__', 'service')}"
    return _provide
