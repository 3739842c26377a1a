"""``current_principal`` and ``require_scopes`` over HTTP: 401 with a challenge, 403, the actor."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
import pytest
from fastapi import APIRouter, Depends
from sqlalchemy import select

from foundation import Database, current_actor
from foundation.schemas import BaseSchema
from foundation.security import JWTCodec, Principal
from foundation.web import PrincipalDep, SessionDep, create_app, require_scopes
from tests.foundation.web.helpers import client, make_settings
from tests.foundation.web.models import WNote

SECRET = "a-test-secret-that-is-long-enough-for-every-hmac-algorithm-we-allow"
SETTINGS = make_settings(security={"jwt_secret": SECRET})
CODEC = JWTCodec.from_settings(SETTINGS.security)


class NoteIn(BaseSchema):
    title: str


router = APIRouter()


@router.get("/me")
async def me(principal: PrincipalDep) -> dict[str, Any]:
    return {"subject": principal.subject, "actor": current_actor()}


@router.post("/notes", status_code=201)
async def create_note(
    body: NoteIn,
    session: SessionDep,
    principal: Annotated[Principal, Depends(require_scopes("notes:write"))],
) -> dict[str, Any]:
    note = WNote(title=body.title)
    session.add(note)
    await session.flush()
    return {"created_by": note.created_by}


def _app(database: Database | None = None) -> Any:
    return create_app(SETTINGS, routers=[router], database=database)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _forged(**changes: Any) -> str:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": "ada",
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
        "iss": "foundation",
        "aud": "foundation-api",
        "scope": "",
    } | changes
    return jwt.encode(claims, SECRET, algorithm="HS256")


def _alg_none() -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = int(datetime.now(UTC).timestamp())
    claims = {"sub": "ada", "iat": now, "nbf": now, "exp": now + 300}
    return (
        f"{part({'alg': 'none'})}.{part(claims | {'iss': 'foundation', 'aud': 'foundation-api'})}."
    )


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "unauthenticated"),
        ({"Authorization": "Basic YWRhOnB3"}, "unauthenticated"),
        (_bearer("garbage"), "invalid_token"),
        (_bearer(_alg_none()), "invalid_token"),
        (
            _bearer(jwt.encode({"sub": "ada"}, "wrong-secret-wrong-secret-wrong-secret!!")),
            "invalid_token",
        ),
        (_bearer(_forged(iss="elsewhere")), "invalid_token"),
        (_bearer(_forged(aud="other-api")), "invalid_token"),
        (_bearer(_forged(exp=datetime.now(UTC) - timedelta(seconds=1))), "invalid_token"),
        (_bearer(_forged(nbf=datetime.now(UTC) + timedelta(minutes=5))), "invalid_token"),
    ],
    ids=[
        "missing",
        "not-bearer",
        "garbage",
        "alg-none",
        "wrong-signature",
        "wrong-issuer",
        "wrong-audience",
        "expired",
        "not-yet-valid",
    ],
)
async def test_bad_credentials_answer_401_with_a_bearer_challenge(
    headers: dict[str, str], code: str
) -> None:
    async with client(_app()) as http:
        response = await http.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


async def test_valid_token_makes_its_subject_the_actor() -> None:
    async with client(_app()) as http:
        response = await http.get("/api/v1/me", headers=_bearer(CODEC.issue("ada")))
    assert response.status_code == 200
    assert response.json() == {"subject": "ada", "actor": "ada"}


async def test_missing_scope_answers_403_naming_it(database: Database) -> None:
    async with client(_app(database)) as http:
        response = await http.post(
            "/api/v1/notes",
            json={"title": "scoped"},
            headers=_bearer(CODEC.issue("ada", ["notes:read"])),
        )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert response.json()["missing_scopes"] == ["notes:write"]


async def test_principal_fills_the_audit_columns(database: Database) -> None:
    async with client(_app(database)) as http:
        response = await http.post(
            "/api/v1/notes",
            json={"title": "audited"},
            headers=_bearer(CODEC.issue("grace", ["notes:write"])),
        )
    assert response.status_code == 201, response.text
    assert response.json() == {"created_by": "grace"}
    async with database.session() as session:
        note = await session.scalar(select(WNote).where(WNote.title == "audited"))
    assert note is not None
    assert (note.created_by, note.updated_by) == ("grace", "grace")
    assert current_actor() is None  # the request's actor did not leak out of it


def test_openapi_documents_the_bearer_scheme_and_auth_statuses() -> None:
    spec = _app().openapi()
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    me_get = spec["paths"]["/api/v1/me"]["get"]
    notes_post = spec["paths"]["/api/v1/notes"]["post"]
    assert me_get["security"] == [{"bearerAuth": []}]
    assert "401" in me_get["responses"]
    assert "403" not in me_get["responses"]
    assert {"401", "403", "413"} <= set(notes_post["responses"])


@pytest.mark.parametrize(
    "changes",
    [
        {"exp": "9999999999"},
        {"exp": 1e12},
        {"nbf": -1e13},
        {"iat": -1e13},
    ],
    ids=["exp-numeric-string", "exp-1e12", "nbf-minus-1e13", "iat-minus-1e13"],
)
async def test_out_of_range_or_string_time_claims_answer_401_not_500(
    changes: dict[str, Any],
) -> None:
    async with client(_app()) as http:
        response = await http.get("/api/v1/me", headers=_bearer(_forged(**changes)))
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_token"


async def test_missing_scope_challenges_with_insufficient_scope(database: Database) -> None:
    async with client(_app(database)) as http:
        response = await http.post(
            "/api/v1/notes",
            json={"title": "scoped"},
            headers=_bearer(CODEC.issue("ada", ["notes:read"])),
        )
    assert response.status_code == 403
    assert response.headers["www-authenticate"] == (
        'Bearer error="insufficient_scope", scope="notes:write"'
    )
