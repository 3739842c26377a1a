"""``crud_router(deleted_access=...)``: soft-deleted items listed on request, with scopes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from foundation import Database
from foundation.errors import ConfigurationError
from foundation.security import JWTCodec
from foundation.web import create_app, crud_router
from tests.foundation.web.crud_models import (
    GadgetIn,
    GadgetPatch,
    GadgetService,
    LabelIn,
    LabelService,
)
from tests.foundation.web.helpers import client, make_settings

SETTINGS = make_settings()
CODEC = JWTCodec.from_settings(SETTINGS.security)
WRITER = {"Authorization": f"Bearer {CODEC.issue('writer-1', ['gadgets:write'])}"}
ADMIN = {"Authorization": f"Bearer {CODEC.issue('admin-1', ['gadgets:write', 'gadgets:admin'])}"}
BASE = "/api/v1/gadgets"


def build(database: Database | None = None) -> FastAPI:
    router = crud_router(
        GadgetService,
        path="/gadgets",
        name="gadget",
        create_schema=GadgetIn,
        update_schema=GadgetPatch,
        write_access=["gadgets:write"],
        deleted_access=["gadgets:admin"],
    )
    return create_app(SETTINGS, routers=[router], database=database)


@pytest.fixture
async def http(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with client(build(database)) as http:
        yield http


def test_the_deleted_parameter_is_documented_with_its_values_and_statuses() -> None:
    paths = build().openapi()["paths"]
    for path in (BASE, f"{BASE}/cursor"):
        operation = paths[path]["get"]
        found = {p["name"]: p for p in operation["parameters"]}["deleted"]
        assert found["schema"]["enum"] == ["include", "only"]
        assert "gadgets:admin" in found["description"]
        assert {"401", "403"} <= operation["responses"].keys()


def test_routers_without_the_option_or_soft_delete_offer_no_deleted_parameter() -> None:
    from tests.foundation.web.test_crud import PATHS

    assert "deleted" not in {p["name"] for p in PATHS[BASE]["get"]["parameters"]}
    with pytest.raises(ConfigurationError, match="soft delete"):
        crud_router(
            LabelService,
            path="/labels",
            name="label",
            create_schema=LabelIn,
            update_schema=LabelIn,
            deleted_access=["labels:admin"],
        )


async def test_deleted_only_lists_what_can_be_restored(http: httpx.AsyncClient) -> None:
    ids = {}
    for name in ("kept", "gone-1", "gone-2"):
        response = await http.post(BASE, json={"name": name}, headers=WRITER)
        ids[name] = response.json()["id"]
    for name in ("gone-1", "gone-2"):
        assert (await http.delete(f"{BASE}/{ids[name]}", headers=WRITER)).status_code == 204

    def names(response: httpx.Response) -> list[str]:
        assert response.status_code == 200, response.text
        return sorted(item["name"] for item in response.json()["items"])

    assert names(await http.get(BASE, params={"sort": "name"})) == ["kept"]
    only = await http.get(BASE, params={"deleted": "only"}, headers=ADMIN)
    assert names(only) == ["gone-1", "gone-2"]
    assert only.json()["total"] == 2
    everything = await http.get(BASE, params={"deleted": "include"}, headers=ADMIN)
    assert names(everything) == ["gone-1", "gone-2", "kept"]
    by_cursor = await http.get(f"{BASE}/cursor", params={"deleted": "only"}, headers=ADMIN)
    assert names(by_cursor) == ["gone-1", "gone-2"]
    filtered = await http.get(
        BASE, params={"deleted": "only", "name__icontains": "1"}, headers=ADMIN
    )
    assert names(filtered) == ["gone-1"]
    restored = await http.post(f"{BASE}/{ids['gone-1']}/restore", headers=WRITER)
    assert restored.status_code == 200
    after = await http.get(BASE, params={"deleted": "only"}, headers=ADMIN)
    assert names(after) == ["gone-2"]


async def test_deleted_needs_the_scopes(http: httpx.AsyncClient) -> None:
    assert (await http.get(BASE, params={"deleted": "only"})).status_code == 401
    refused = await http.get(BASE, params={"deleted": "only"}, headers=WRITER)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert (await http.get(BASE, params={"deleted": "all"}, headers=ADMIN)).status_code == 422
