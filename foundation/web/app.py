"""``create_app``: a FastAPI application with the foundation's web layer wired in.

The lifespan owns the ``Database`` (created at startup, disposed at shutdown) unless one is
injected; nothing is created at import time. Routers are mounted under ``/api/v1``; other
versions go beside it through ``versions={"v2": [...]}``.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from foundation.config import Settings, get_settings
from foundation.db import Database
from foundation.db.instrument import instrument_engine
from foundation.errors import ConfigurationError
from foundation.metrics import forget_process
from foundation.web.collector import serving_collector
from foundation.web.dependencies import get_session
from foundation.web.docs import DOCS_URL, REDOC_URL, install_bundled_docs
from foundation.web.health import DEFAULT_PING_TIMEOUT, build_health_router
from foundation.web.metrics import MetricsMiddleware, install_metrics
from foundation.web.middleware import (
    REQUEST_ID_HEADER,
    BodySizeLimitMiddleware,
    RequestMiddleware,
    TrustedHostMiddleware,
    UnhandledErrorMiddleware,
)
from foundation.web.mounting import mount_router
from foundation.web.openapi import api_routes, build_openapi
from foundation.web.problems import install_problem_handlers
from foundation.web.tracing import install_tracing

API_PREFIX = "/api"
DEFAULT_VERSION = "v1"
UserLifespan = Callable[[FastAPI], AbstractAsyncContextManager[Any]]


def _middleware(settings: Settings) -> list[Middleware]:
    """Outermost first: the request id must wrap everything that logs or answers.

    Trusted proxies' headers are applied first. ``RequestMiddleware`` is the request id,
    the access log and the security headers in one layer; the metrics (when on), the
    trusted-host check, CORS, the body limit and the last-resort 500 stay inside it, so
    that their answers carry the id and are logged.
    """
    stack: list[Middleware] = []
    if settings.security.trusted_proxies:
        # outermost: every layer below sees the client and scheme the trusted proxy reports
        stack.append(
            Middleware(ProxyHeadersMiddleware, trusted_hosts=settings.security.trusted_proxies)
        )
    stack.append(
        Middleware(
            RequestMiddleware,
            access_log=settings.logging.access_log,
            hsts_seconds=settings.security.hsts_seconds,
            cursor_key=settings.security.cursor_key(),
        )
    )
    if settings.metrics.enabled:
        # inside the request layer, which hands HEAD on as a copy of the scope asking for GET:
        # the route the router matches is then visible here
        stack.append(Middleware(MetricsMiddleware))
    if "*" not in settings.security.trusted_hosts:
        stack.append(Middleware(TrustedHostMiddleware, hosts=settings.security.trusted_hosts))
    if settings.cors.origins:
        stack.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors.origins,
                allow_methods=settings.cors.methods,
                allow_headers=settings.cors.headers,
                allow_credentials=settings.cors.credentials,
                expose_headers=[REQUEST_ID_HEADER],
            )
        )
    stack.append(Middleware(BodySizeLimitMiddleware, max_bytes=settings.security.max_body_bytes))
    stack.append(Middleware(UnhandledErrorMiddleware))
    return stack


def check_session_scopes(app: FastAPI) -> None:
    """Refuse routes that take the session without ``scope="function"`` (commit too late)."""
    for route in api_routes(app):
        pending = list(route.dependant.dependencies)
        while pending:
            dependant = pending.pop()
            if dependant.call is get_session and dependant.scope != "function":
                raise ConfigurationError(
                    f"route {route.path_format} depends on get_session without scope='function'; "
                    "use SessionDep so the commit happens before the response is sent"
                )
            pending.extend(dependant.dependencies)


def _lifespan(user_lifespan: UserLifespan | None) -> UserLifespan:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        check_session_scopes(app)
        owned = app.state.database is None
        if owned:
            app.state.database = Database.from_settings(app.state.settings.database)
        app.state.started_at = time.monotonic()
        metrics_on = app.state.settings.metrics.enabled
        if metrics_on:
            instrument_engine(app.state.database.engine)
        try:
            async with AsyncExitStack() as serving:
                state = None
                if user_lifespan is not None:
                    state = await serving.enter_async_context(user_lifespan(app))
                if app.state.settings.gc_tuning:  # once startup is complete
                    serving.enter_context(serving_collector(app.state.settings.server.gc_threshold))
                yield state
        finally:
            if owned:
                await app.state.database.dispose()
                app.state.database = None
            if metrics_on:
                forget_process()

    return lifespan


def create_app(
    settings: Settings | None = None,
    *,
    routers: Sequence[APIRouter] = (),
    versions: Mapping[str, Sequence[APIRouter]] | None = None,
    database: Database | None = None,
    lifespan: UserLifespan | None = None,
    description: str = "",
    contact: dict[str, str] | None = None,
    license_info: dict[str, str] | None = None,
    servers: list[dict[str, str]] | None = None,
    tags: list[dict[str, Any]] | None = None,
    health_timeout: float = DEFAULT_PING_TIMEOUT,
) -> FastAPI:
    """Build the application.

    ``routers`` go under ``/api/v1``; ``versions`` maps further version names to routers.
    ``database`` injects a ready ``Database`` (tests: the per-test isolated one); the
    lifespan then neither creates nor disposes it. ``lifespan`` runs inside the
    foundation's own, after the database exists.
    """
    settings = settings or get_settings()
    # bundled: our pages with the installed assets; cdn: FastAPI's own pages
    bundled_docs = settings.docs.assets == "bundled"
    app = FastAPI(
        title=settings.app.name,
        version=settings.app.version,
        description=description,
        contact=contact,
        license_info=license_info,
        servers=servers,
        openapi_tags=[
            *(tags or []),
            {"name": "health", "description": "Liveness and readiness probes"},
        ],
        lifespan=_lifespan(lifespan),
        middleware=_middleware(settings),
        docs_url=None if bundled_docs else DOCS_URL,
        redoc_url=None if bundled_docs else REDOC_URL,
        # a redirect's Location is built from the client's Host header; APIs need none
        redirect_slashes=False,
    )
    if bundled_docs:
        install_bundled_docs(app)
    app.state.settings = settings
    app.state.database = database
    app.state.started_at = time.monotonic()
    install_problem_handlers(app)
    install_metrics(app, settings.metrics)
    install_tracing(app, settings)
    mounted = {DEFAULT_VERSION: list(routers), **{k: list(v) for k, v in (versions or {}).items()}}
    for version, version_routers in mounted.items():
        for router in version_routers:
            mount_router(app, router, prefix=f"{API_PREFIX}/{version}")
    # after the API (no path of one can be a path of the other): an API request is matched
    # against every route before its own
    mount_router(app, build_health_router(timeout=health_timeout))
    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]
    return app
