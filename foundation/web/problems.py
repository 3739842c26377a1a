"""Errors as RFC 9457 problem documents: the renderer and the exception handlers.

Every error response is ``application/problem+json`` and carries the request id. Nothing
internal (tracebacks, SQL, driver messages) ever reaches a client.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from foundation.context import current_request_id
from foundation.errors import (
    PROBLEM_TYPE_PREFIX,
    AuthenticationError,
    FoundationError,
    classify_db_error,
)
from foundation.logging import logger
from foundation.schemas.problem import PROBLEM_MEDIA_TYPE
from foundation.web.openapi import api_routes

RETRY_AFTER_SECONDS = 1
# where the standard phrase makes an awkward code
_STATUS_CODES = {413: "payload_too_large", 418: "im_a_teapot"}


class ProblemResponse(JSONResponse):
    """A JSON response with the problem media type."""

    media_type = PROBLEM_MEDIA_TYPE


def status_code_name(status: int) -> str:
    """A stable code for a bare status: ``404`` → ``not_found``."""
    if status in _STATUS_CODES:
        return _STATUS_CODES[status]
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        return "error"
    return phrase.lower().replace(" ", "_").replace("-", "_").replace("'", "")


def problem_response(
    status: int,
    *,
    code: str | None = None,
    detail: str | None = None,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    **members: Any,
) -> ProblemResponse:
    """A problem response for ``status``; ``members`` become extra document members."""
    code = code or status_code_name(status)
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + code,
        "title": title,
        "status": status,
        "detail": detail or title,
        "code": code,
    }
    if instance is not None:
        body["instance"] = instance
    body.update({key: value for key, value in members.items() if value is not None})
    body["request_id"] = current_request_id()
    return ProblemResponse(body, status_code=status, headers=dict(headers or {}))


def error_response(error: FoundationError, instance: str | None = None) -> ProblemResponse:
    """The problem response for a foundation error, with the headers its kind calls for."""
    body = error.to_problem(instance=instance, request_id=current_request_id())
    headers: dict[str, str] = dict(getattr(error, "headers", None) or {})
    if isinstance(error, AuthenticationError):
        headers.setdefault("WWW-Authenticate", "Bearer")
    if error.transient:
        headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
    return ProblemResponse(body, status_code=error.status, headers=headers)


async def _foundation_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, FoundationError)
    if exc.status >= 500:
        logger.opt(exception=exc).error("{code}: {message}", code=exc.code, message=exc.message)
    return error_response(exc, request.url.path)


async def _database_error(request: Request, exc: Exception) -> ProblemResponse:
    # a driver error that escaped the unit of work's translation
    error = classify_db_error(exc)
    logger.opt(exception=exc).error("database error: {code}", code=error.code)
    return error_response(error, request.url.path)


def _is_malformed_body(errors: list[Any]) -> bool:
    return any(error.get("type") == "json_invalid" for error in errors)


async def _request_validation(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if _is_malformed_body(errors):
        return problem_response(
            400,
            code="malformed_body",
            detail="The request body is not valid JSON.",
            instance=request.url.path,
        )
    return problem_response(
        422,
        code="validation_error",
        detail="The request is invalid.",
        instance=request.url.path,
        errors=[
            {
                "location": [str(part) if not isinstance(part, int) else part for part in e["loc"]],
                "message": e["msg"],
                "type": e["type"],
            }
            for e in errors
        ],
    )


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (Starlette names only the first route's)."""
    path = request.scope["path"]
    routes = [r for r in api_routes(request.app) if r.include_in_schema]
    # a literal path (``/projects/cursor``) shadows a templated one (``/projects/{id}``)
    exact = [r for r in routes if r.path_format == path]
    methods: set[str] = set()
    for route in exact or routes:
        if exact or compile_path(route.path_format)[0].match(path):
            methods |= route.methods
    return ", ".join(sorted(methods))


async def _http_exception(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else None
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    return problem_response(
        exc.status_code, detail=detail, instance=request.url.path, headers=headers
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every expected error into a problem document."""
    app.add_exception_handler(FoundationError, _foundation_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(HTTPException, _http_exception)
