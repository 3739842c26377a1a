"""Every error path answers an RFC 9457 problem document carrying the request id."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import APIRouter, HTTPException
from sqlalchemy import text

from foundation import (
    AuthenticationError,
    Database,
    DatabaseUnavailableError,
    DuplicateError,
    FoundationError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    ValidationError,
)
from foundation.schemas import BaseSchema, Email, Problem
from foundation.web import SessionDep, create_app
from tests.foundation.web.helpers import client, make_settings

PROBLEM = "application/problem+json"


class Signup(BaseSchema):
    email: Email
    age: int
    nickname: str | None = None


router = APIRouter()
raised: dict[str, FoundationError] = {}


@router.get("/raise/{name}")
async def raise_error(name: str) -> None:
    raise raised[name]


@router.post("/signups", status_code=201)
async def signup(body: Signup) -> dict[str, Any]:
    return body.model_dump()


@router.get("/teapot")
async def teapot() -> None:
    raise HTTPException(418, "short and stout", headers={"X-Tea": "earl grey"})


@router.get("/crash")
async def crash() -> None:
    raise RuntimeError("password=hunter2 in /srv/secret.py")


@router.get("/bad-sql")
async def bad_sql(session: SessionDep) -> None:
    await session.execute(text("SELECT secret_column FROM w_no_such_table"))


def _app(database: Database | None = None) -> Any:
    return create_app(make_settings(), routers=[router], database=database)


def _check(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    Problem.model_validate(body)
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:problem:{code}"
    assert body["request_id"] == response.headers["x-request-id"]
    return body


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (NotFoundError(), 404, "not_found"),
        (DuplicateError(details={"constraint": "uq_x"}), 409, "duplicate"),
        (PreconditionFailedError(), 412, "precondition_failed"),
        (ValidationError("Unknown sort field."), 422, "validation_error"),
        (PermissionDeniedError(), 403, "forbidden"),
        (AuthenticationError(), 401, "unauthenticated"),
        (DatabaseUnavailableError(), 503, "database_unavailable"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
async def test_foundation_errors_become_their_problem(
    error: FoundationError, status: int, code: str
) -> None:
    raised[code] = error
    async with client(_app()) as http:
        response = await http.get(f"/api/v1/raise/{code}")
    body = _check(response, status, code)
    assert body["detail"] == error.message
    assert body["instance"] == f"/api/v1/raise/{code}"
    if code == "duplicate":
        assert body["constraint"] == "uq_x"
    if code == "unauthenticated":
        assert response.headers["www-authenticate"] == "Bearer"
    if code == "database_unavailable":
        assert response.headers["retry-after"] == "1"


async def test_validation_error_lists_each_invalid_field() -> None:
    async with client(_app()) as http:
        response = await http.post(
            "/api/v1/signups", json={"email": "nope", "age": "12", "extra": "x\x00"}
        )
    body = _check(response, 422, "validation_error")
    errors = {tuple(e["location"]): e for e in body["errors"]}
    assert set(errors) == {("body", "email"), ("body", "age"), ("body", "extra")}
    assert errors[("body", "age")]["type"] == "int_type"
    assert errors[("body", "email")]["type"] == "email"
    assert errors[("body", "extra")]["type"] == "extra_forbidden"
    assert all(set(e) == {"location", "message", "type"} for e in body["errors"])
    assert "nope" not in response.text  # inputs are not echoed back


async def test_missing_body_is_a_validation_error() -> None:
    async with client(_app()) as http:
        response = await http.post("/api/v1/signups")
    body = _check(response, 422, "validation_error")
    assert body["errors"][0]["location"] == ["body"]


@pytest.mark.parametrize("payload", [b"{not json", b'{"email": "a@b.co", "age": 1', b"\xff\xfe"])
async def test_malformed_json_body_answers_400(payload: bytes) -> None:
    async with client(_app()) as http:
        response = await http.post(
            "/api/v1/signups", content=payload, headers={"Content-Type": "application/json"}
        )
    _check(response, 400, "malformed_body")


async def test_http_exception_keeps_status_detail_and_headers() -> None:
    async with client(_app()) as http:
        response = await http.get("/api/v1/teapot")
    body = _check(response, 418, "im_a_teapot")
    assert body["detail"] == "short and stout"
    assert response.headers["x-tea"] == "earl grey"


async def test_unknown_path_answers_404() -> None:
    async with client(_app()) as http:
        response = await http.get("/api/v1/nowhere")
    _check(response, 404, "not_found")


async def test_wrong_method_answers_405_with_allow() -> None:
    async with client(_app()) as http:
        response = await http.delete("/api/v1/signups")
    _check(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"


async def test_unhandled_exception_answers_500_without_internals() -> None:
    async with client(_app()) as http:
        response = await http.get("/api/v1/crash", headers={"X-Request-ID": "trace-me-1"})
    body = _check(response, 500, "internal_error")
    assert body["request_id"] == "trace-me-1"
    for leak in ("hunter2", "secret", "Traceback", "RuntimeError"):
        assert leak not in response.text


async def test_database_error_answers_500_without_sql(database: Database) -> None:
    async with client(_app(database)) as http:
        response = await http.get("/api/v1/bad-sql")
    _check(response, 500, "database_error")
    for leak in ("SELECT", "secret_column", "w_no_such_table"):
        assert leak not in response.text


def test_every_operation_documents_its_problems() -> None:
    spec = _app().openapi()
    assert "Problem" in spec["components"]["schemas"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status in ("400", "422", "500", "503"):
                if (path, status) == ("/health", "503"):
                    continue  # the detailed report answers 503 with the report itself
                content = responses[status]["content"]
                assert PROBLEM in content, (path, method, status)
                assert content[PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert "413" in spec["paths"]["/api/v1/signups"]["post"]["responses"]
    assert "413" not in spec["paths"]["/api/v1/crash"]["get"]["responses"]
    assert "409" in spec["paths"]["/api/v1/bad-sql"]["get"]["responses"]
