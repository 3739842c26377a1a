"""schemathesis (all checks) finds nothing wrong with an app built from the web layer.

Strict request models, NUL-free strings and email rules stated in the schema, problem
documents for 400/401/403/404/413/422 on every route: generated valid input is accepted and
generated invalid input is refused with a documented status. The app keeps its data in a
dict: schemathesis calls it on its own thread and loop, where a test connection cannot go.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import schemathesis
from fastapi import APIRouter, Depends
from hypothesis import HealthCheck, settings

from foundation import NotFoundError
from foundation.schemas import BaseSchema, Email, NonBlankStr, ReadSchema, Slug
from foundation.security import JWTCodec, Principal
from foundation.web import create_app, problem_responses, require_scopes
from tests.foundation.web.helpers import make_settings

SETTINGS = make_settings()
TOKEN = JWTCodec.from_settings(SETTINGS.security).issue("tester", ["contacts:write"])
store: dict[uuid.UUID, dict[str, Any]] = {}


class ContactIn(BaseSchema):
    name: NonBlankStr
    email: Email
    handle: Slug | None = None
    age: int | None = None
    tags: list[str] = []  # noqa: RUF012  (pydantic copies defaults)


class ContactOut(ReadSchema):
    id: uuid.UUID
    name: str
    email: str
    handle: str | None
    age: int | None
    tags: list[str]


router = APIRouter(tags=["contacts"])
Writer = Annotated[Principal, Depends(require_scopes("contacts:write"))]


@router.post("/contacts", status_code=201, response_model=ContactOut)
async def create_contact(body: ContactIn, principal: Writer) -> Any:
    row = {"id": uuid.uuid4(), **body.model_dump()}
    store[row["id"]] = row
    return row


@router.get("/contacts/{contact_id}", response_model=ContactOut, responses=problem_responses(404))
async def get_contact(contact_id: uuid.UUID) -> Any:
    if contact_id not in store:
        raise NotFoundError()
    return store[contact_id]


schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(SETTINGS, routers=[router]))


@schema.auth()
class BearerToken:
    def get(self, case: Any, context: Any) -> str:
        return TOKEN

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.parametrize()
@settings(max_examples=40, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: Any) -> None:
    case.call_and_validate()
