"""The OpenAPI document: metadata, the bearer scheme, and problem responses on every route.

Dependencies declare the error statuses they can cause with ``@problem_statuses(...)``;
each operation then documents, with the ``Problem`` schema, the statuses of everything it
depends on plus those every route can return (400 malformed, 422 invalid, 500, 503) and 413
where it takes a body.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi import routing as fastapi_routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from foundation.schemas.problem import PROBLEM_MEDIA_TYPE, Problem

F = TypeVar("F", bound=Callable[..., Any])

ALWAYS = (400, 422, 500, 503)
BEARER_SCHEME = "bearerAuth"
_ATTRIBUTE = "__problem_statuses__"
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def problem_statuses(*statuses: int) -> Callable[[F], F]:
    """Mark a dependency or endpoint with the error statuses it can answer."""

    def mark(function: F) -> F:
        setattr(function, _ATTRIBUTE, (*getattr(function, _ATTRIBUTE, ()), *statuses))
        return function

    return mark


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries documenting ``statuses`` with the problem schema."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}},
        }
        for status in statuses
    }


@dataclass(frozen=True, slots=True)
class RouteView:
    """An API route as mounted: its full path, methods, dependencies and body field."""

    path_format: str
    methods: frozenset[str]
    dependant: Dependant
    has_body: bool
    include_in_schema: bool


def api_routes(app: FastAPI) -> Iterator[RouteView]:
    """Every ``APIRoute`` of ``app`` with the path it is served under."""
    iter_contexts = getattr(fastapi_routing, "iter_route_contexts", None)
    if iter_contexts is None:  # FastAPI before 0.165 keeps included routes flat
        contexts: Iterable[Any] = app.routes
    else:
        contexts = iter_contexts(app.routes)
    for context in contexts:
        original = getattr(context, "original_route", context)
        if not isinstance(original, APIRoute):
            continue
        yield RouteView(
            path_format=context.path_format,
            methods=frozenset(context.methods or ()),
            dependant=getattr(context, "dependant", None) or original.dependant,
            has_body=getattr(context, "body_field", None) is not None,
            include_in_schema=bool(getattr(context, "include_in_schema", True)),
        )


def _declared(dependant: Dependant) -> set[int]:
    statuses = set(getattr(dependant.call, _ATTRIBUTE, ()))
    for sub in dependant.dependencies:
        statuses |= _declared(sub)
    return statuses


def route_problem_statuses(route: RouteView) -> list[int]:
    """Every error status ``route`` can answer."""
    statuses = set(ALWAYS) | _declared(route.dependant)
    if route.has_body:
        statuses.add(413)
    return sorted(statuses)


def _document_route(operation: dict[str, Any], statuses: Iterable[int]) -> None:
    responses = operation.setdefault("responses", {})
    for status, entry in problem_responses(*statuses).items():
        # keep what the route documents itself, but replace FastAPI's own 422 schema
        if str(status) not in responses or status == 422:
            responses[str(status)] = entry


def _problem_components(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemes = components.setdefault("securitySchemes", {})
    schemes.setdefault(
        BEARER_SCHEME,
        {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
    )


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """Generate (once) the app's OpenAPI document with problems documented everywhere."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        servers=app.servers,
        terms_of_service=app.terms_of_service,
        contact=app.contact,
        license_info=app.license_info,
        separate_input_output_schemas=app.separate_input_output_schemas,
    )
    _problem_components(schema)
    paths = schema.get("paths", {})
    for route in api_routes(app):
        if not route.include_in_schema:
            continue
        operations = paths.get(route.path_format, {})
        for method in route.methods:
            operation = operations.get(method.lower())
            if operation is not None:
                _document_route(operation, route_problem_statuses(route))
    app.openapi_schema = schema
    return schema
