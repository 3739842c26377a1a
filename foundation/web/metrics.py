"""The Prometheus endpoint and the middleware that measures requests.

Nothing of this is installed unless ``FOUNDATION_METRICS__ENABLED``: then ``create_app``
adds the middleware and ``install_metrics`` the scrape route, which is not in the OpenAPI
document and answers only the allowed networks and, when a token is set, requests bearing
it.

Requests are labelled by route template (``/api/v1/tasks/{id}``), never by raw path, so the
number of series stays bounded; a request no route matched is ``unmatched``.
"""

from __future__ import annotations

import hmac
import ipaddress
import time

from fastapi import FastAPI, Request
from fastapi import routing as fastapi_routing
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from foundation.config import MetricsSettings
from foundation.errors import AuthenticationError, PermissionDeniedError
from foundation.metrics import (
    CONTENT_TYPE_LATEST,
    HTTP_DURATION,
    HTTP_IN_FLIGHT,
    HTTP_REQUESTS,
    enable,
    exposition,
)

UNMATCHED = "unmatched"
_STATUS_CLASSES = {n: f"{n}xx" for n in range(1, 6)}


# FastAPI 0.165 keeps included routers nested: ``scope["route"]`` is the route as its router
# declared it (without the prefix), and the served template is on the effective route context
_effective_context = getattr(fastapi_routing, "_get_scope_effective_route_context", None)


def route_template(scope: Scope) -> str:
    """The matched route's path template as served (``/api/v1/tasks/{id}``), or
    ``unmatched``."""
    if _effective_context is not None:
        context = _effective_context(scope)
        template = getattr(context, "path_format", None)
        if template:
            return str(template)
    route = scope.get("route")
    return getattr(route, "path_format", None) or getattr(route, "path", None) or UNMATCHED


class MetricsMiddleware:
    """Count and time HTTP requests by method, route template and status class; track the
    requests in flight. Non-HTTP scopes pass through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Measure one request around the rest of the stack."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # what the client gets when the app fails before answering

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        HTTP_IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_and_record)
        finally:
            HTTP_IN_FLIGHT.dec()
            method, route = scope["method"], route_template(scope)
            HTTP_DURATION.labels(method, route).observe(time.perf_counter() - start)
            HTTP_REQUESTS.labels(method, route, _STATUS_CLASSES.get(status // 100, "other")).inc()


class ScrapeGuard:
    """Who may read the metrics: a client in ``networks`` (any when empty), bearing
    ``token`` when one is set."""

    def __init__(self, settings: MetricsSettings) -> None:
        self.networks = [ipaddress.ip_network(n, strict=False) for n in settings.allowed_networks]
        self.token = None if settings.token is None else settings.token.get_secret_value()

    def check(self, request: Request) -> None:
        """Raise ``PermissionDeniedError`` or ``AuthenticationError`` for a refused scrape."""
        if self.networks and not self._allowed_client(request):
            raise PermissionDeniedError("Metrics are not served to this network.")
        if self.token is not None:
            scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                credentials.encode(), self.token.encode()
            ):
                raise AuthenticationError("The metrics token is required.")

    def _allowed_client(self, request: Request) -> bool:
        host = request.client.host if request.client else ""
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)


def install_metrics(app: FastAPI, settings: MetricsSettings) -> None:
    """Add the scrape route when metrics are enabled (``create_app`` adds the middleware
    with its own)."""
    if not settings.enabled:
        return
    enable()
    guard = ScrapeGuard(settings)

    async def metrics(request: Request) -> Response:
        guard.check(request)
        return Response(
            exposition(), media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"}
        )

    app.add_route(settings.path, metrics, methods=["GET"], include_in_schema=False)
