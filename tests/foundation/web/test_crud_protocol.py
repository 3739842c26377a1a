"""``crud_router`` and ``BaseService`` over any implementation of the repository protocol:
the API served from the in-memory fake, with no ``SQLAlchemyRepository`` involved."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from fixtures.memory import MemoryRepository, MemorySession
from foundation import Database
from foundation.repository import ALL_OPS, EQUALITY_OPS, ORDERING_OPS, Op
from foundation.service import BaseService
from foundation.web import create_app, crud_router
from tests.foundation.web.crud_models import EGadget, GadgetIn, GadgetPatch, GadgetRead
from tests.foundation.web.helpers import client, make_settings

SETTINGS = make_settings()
BASE = "/api/v1/gadgets"


def memory_repository(session: MemorySession) -> MemoryRepository[EGadget]:
    return MemoryRepository(
        EGadget,
        session,
        filterable={
            "name": ALL_OPS - {Op.IS_NULL},
            "size": EQUALITY_OPS | ORDERING_OPS,
            "active": {Op.EQ},
        },
        sortable=("name", "size"),
        searchable=("name",),
        max_limit=20,
    )


class MemoryGadgetService(BaseService[EGadget, GadgetIn, GadgetPatch, GadgetRead]):
    """Gadgets kept in a ``MemorySession``: no database in any call."""

    repository_type = MemoryRepository
    read_schema = GadgetRead

    def __init__(self, session: MemorySession) -> None:
        self.session = session

    @asynccontextmanager
    async def unit_of_work(self, *, readonly: bool = False) -> AsyncIterator[Any]:
        yield None

    def repository(self, unit: Any) -> MemoryRepository[EGadget]:
        return memory_repository(self.session)


@pytest.fixture
async def http(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    session = MemorySession()
    router = crud_router(
        MemoryGadgetService,
        path="/gadgets",
        name="gadget",
        create_schema=GadgetIn,
        update_schema=GadgetPatch,
        repository=memory_repository(session),
        provider=lambda: MemoryGadgetService(session),
        read_access=None,
        write_access=None,
        deleted_access=(),
    )
    app = create_app(SETTINGS, routers=[router], database=database)
    async with client(app) as http:
        yield http


async def test_the_memory_fake_serves_the_generated_api(http: httpx.AsyncClient) -> None:
    created = await http.post(BASE, json={"name": "b", "size": 3})
    assert created.status_code == 201, created.text
    assert created.headers["ETag"] == '"1"'
    url = created.headers["Location"]
    await http.post(BASE, json={"name": "a", "size": 5})
    page = await http.get(BASE, params={"sort": "-size", "size__gt": 1})
    assert [item["name"] for item in page.json()["items"]] == ["a", "b"]
    assert "next" not in page.headers["Link"]
    first = await http.get(f"{BASE}/cursor", params={"limit": 1, "sort": "name"})
    following = await http.get(
        f"{BASE}/cursor", params={"limit": 1, "sort": "name", "cursor": first.json()["next_cursor"]}
    )
    assert following.status_code == 200, following.text
    assert [item["name"] for item in following.json()["items"]] == ["b"]
    assert (await http.get(url, headers={"If-None-Match": '"1"'})).status_code == 304
    stale = await http.patch(url, json={"size": 4}, headers={"If-Match": '"2"'})
    assert stale.status_code == 412
    changed = await http.patch(url, json={"size": 4}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == '"2"'
    assert (await http.delete(url, headers={"If-Match": '"1"'})).status_code == 412
    assert (await http.delete(url, headers={"If-Match": '"2"'})).status_code == 204
    assert (await http.get(url)).status_code == 404
    gone = await http.get(BASE, params={"deleted": "only"})
    assert gone.status_code == 401  # deleted_access=(): any valid token, and there is none
    restored = await http.post(f"{url}/restore")
    assert restored.status_code == 200
    assert (await http.get(url)).json()["size"] == 4
