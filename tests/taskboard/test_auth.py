"""Signing in under attack and tokens of users who changed: throttling, the per-request
check of the token's user, revocation, and the token response's headers."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, update
from taskboard.app import create_app
from taskboard.auth import SCOPES, change_password, revoke_tokens
from taskboard.models import User

from foundation import Database, NotFoundError
from foundation.web import PASSWORD_SCHEME
from tests.taskboard.conftest import CODEC, SETTINGS, bearer
from tests.taskboard.test_api import problem

TOKEN = "/api/v1/auth/token"
ME = "/api/v1/users/me"
ADA = {"username": "ada@example.com", "password": "correct horse"}
WRONG = {"username": "ada@example.com", "password": "wrong horse"}


def throttled_app(database: Database, **limits: int) -> FastAPI:
    security = SETTINGS.security.model_copy(update=limits)
    return create_app(SETTINGS.model_copy(update={"security": security}), database=database)


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def sign_in(http: httpx.AsyncClient, form: dict[str, str] = ADA) -> dict[str, str]:
    response = await http.post(TOKEN, data=form)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


# -- throttling -----------------------------------------------------------------------


async def test_an_account_failing_too_often_gets_429_even_with_the_right_password(
    database: Database, user_id: str
) -> None:
    async with client(throttled_app(database, sign_in_failures_per_account=2)) as http:
        for _ in range(2):
            problem(await http.post(TOKEN, data=WRONG), 401, "invalid_credentials")
        refused = problem(await http.post(TOKEN, data=ADA), 429, "too_many_sign_ins")
    retry_after = int(refused["retry_after"])
    assert 0 < retry_after <= SETTINGS.security.sign_in_window_seconds
    assert refused["retry_after"] == retry_after


async def test_the_throttle_answers_retry_after(database: Database, user_id: str) -> None:
    async with client(throttled_app(database, sign_in_failures_per_account=1)) as http:
        await http.post(TOKEN, data=WRONG)
        response = await http.post(TOKEN, data=WRONG)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= SETTINGS.security.sign_in_window_seconds


async def test_a_client_address_failing_on_many_accounts_gets_429(
    database: Database, user_id: str
) -> None:
    app = throttled_app(database, sign_in_failures_per_account=5, sign_in_failures_per_client=2)
    async with client(app) as http:
        for email in ("x@example.com", "y@example.com"):
            form = {"username": email, "password": "guess"}
            problem(await http.post(TOKEN, data=form), 401, "invalid_credentials")
        problem(await http.post(TOKEN, data=ADA), 429, "too_many_sign_ins")


async def test_a_successful_sign_in_clears_the_account_count(
    database: Database, user_id: str
) -> None:
    async with client(throttled_app(database, sign_in_failures_per_account=2)) as http:
        await http.post(TOKEN, data=WRONG)
        await sign_in(http)
        problem(await http.post(TOKEN, data=WRONG), 401, "invalid_credentials")
        await sign_in(http)  # one failure since the last success: still under the limit


async def test_the_count_holds_across_workers(database: Database, user_id: str) -> None:
    """Two app instances (two workers) share the count through the database."""
    limits = {"sign_in_failures_per_account": 2}
    async with client(throttled_app(database, **limits)) as first:
        for _ in range(2):
            await first.post(TOKEN, data=WRONG)
    async with client(throttled_app(database, **limits)) as second:
        problem(await second.post(TOKEN, data=ADA), 429, "too_many_sign_ins")


# -- the token response -------------------------------------------------------------------


async def test_the_token_response_is_not_cached(http: httpx.AsyncClient, user_id: str) -> None:
    response = await http.post(TOKEN, data=ADA)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"


async def test_a_missing_scope_is_challenged_with_insufficient_scope(
    http: httpx.AsyncClient,
) -> None:
    response = await http.get("/api/v1/projects", headers=bearer(scopes=["tasks:read"]))
    problem(response, 403, "forbidden")
    assert response.headers["WWW-Authenticate"] == (
        'Bearer error="insufficient_scope", scope="projects:read"'
    )


# -- tokens of users who changed ----------------------------------------------------------


async def test_a_disabled_users_tokens_stop_working(
    http: httpx.AsyncClient, database: Database, user_id: str
) -> None:
    headers = await sign_in(http)
    assert (await http.get(ME, headers=headers)).status_code == 200
    async with database.writing() as connection:
        await connection.execute(
            update(User).where(User.id == uuid.UUID(user_id)).values(is_active=False)
        )
    problem(await http.get(ME, headers=headers), 401, "invalid_token")
    problem(
        await http.post("/api/v1/projects", json={"slug": "a", "name": "A"}, headers=headers),
        401,
        "invalid_token",
    )


async def test_a_deleted_users_tokens_stop_working(
    http: httpx.AsyncClient, database: Database, user_id: str
) -> None:
    headers = await sign_in(http)
    async with database.writing() as connection:
        await connection.execute(delete(User).where(User.id == uuid.UUID(user_id)))
    problem(await http.get("/api/v1/projects", headers=headers), 401, "invalid_token")


async def test_revoked_tokens_stop_working_and_new_ones_work(
    http: httpx.AsyncClient, database: Database, user_id: str
) -> None:
    old = await sign_in(http)
    await revoke_tokens(database, uuid.UUID(user_id))
    problem(await http.get(ME, headers=old), 401, "invalid_token")
    assert (await http.get(ME, headers=await sign_in(http))).status_code == 200


async def test_a_password_change_revokes_the_tokens_issued_before(
    http: httpx.AsyncClient, database: Database, user_id: str
) -> None:
    old = await sign_in(http)
    await change_password(database, uuid.UUID(user_id), "battery staple")
    problem(await http.get(ME, headers=old), 401, "invalid_token")
    new = await sign_in(http, {"username": "ada@example.com", "password": "battery staple"})
    assert (await http.get(ME, headers=new)).status_code == 200


async def test_revoking_an_unknown_user_is_not_found(database: Database) -> None:
    with pytest.raises(NotFoundError):
        await revoke_tokens(database, uuid.uuid4())


@pytest.mark.parametrize(
    "claims",
    [{}, {"ver": "0"}, {"ver": True}, {"ver": 1}],
    ids=["no-version", "string-version", "bool-version", "future-version"],
)
async def test_tokens_without_the_users_current_version_are_refused(
    http: httpx.AsyncClient, user_id: str, claims: dict[str, Any]
) -> None:
    token = CODEC.issue(user_id, SCOPES, claims=claims)
    problem(await http.get(ME, headers={"Authorization": f"Bearer {token}"}), 401, "invalid_token")


async def test_a_token_whose_subject_is_no_user_id_is_refused(http: httpx.AsyncClient) -> None:
    token = CODEC.issue("not-a-uuid", SCOPES, claims={"ver": 0})
    problem(await http.get(ME, headers={"Authorization": f"Bearer {token}"}), 401, "invalid_token")


# -- the Authorize button -----------------------------------------------------------------


def test_the_document_offers_the_password_flow_on_every_secured_operation(app: FastAPI) -> None:
    document = app.openapi()
    scheme = document["components"]["securitySchemes"][PASSWORD_SCHEME]
    assert scheme["flows"]["password"]["tokenUrl"] == TOKEN
    assert set(scheme["flows"]["password"]["scopes"]) == set(SCOPES)
    secured = [
        operation
        for operations in document["paths"].values()
        for operation in operations.values()
        if operation.get("security")
    ]
    assert len(secured) > 10
    assert all({PASSWORD_SCHEME: []} in operation["security"] for operation in secured)
    assert "security" not in document["paths"][TOKEN]["post"]


async def test_the_password_flow_works_as_swagger_ui_sends_it(
    http: httpx.AsyncClient, user_id: str
) -> None:
    """Swagger UI posts grant_type, username, password and the ticked scopes as a form."""
    form = {"grant_type": "password", "username": "ada@example.com", "password": "correct horse"}
    response = await http.post(TOKEN, data=form | {"scope": "projects:read"})
    assert response.status_code == 200
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["scope"] == "projects:read"
