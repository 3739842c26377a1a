"""``crud_router``: generated list/get/create/update/delete/restore routes and their OpenAPI."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from foundation import Database
from foundation.errors import ConfigurationError
from foundation.security import JWTCodec
from foundation.web import DatabaseDep, Operation, SessionDep, create_app, crud_router
from tests.foundation.web.crud_models import (
    GadgetIn,
    GadgetPatch,
    GadgetRead,
    GadgetRepository,
    GadgetService,
    LabelIn,
    LabelService,
)
from tests.foundation.web.helpers import client, make_settings

SETTINGS = make_settings()
CODEC = JWTCodec.from_settings(SETTINGS.security)
WRITER = {"Authorization": f"Bearer {CODEC.issue('writer-1', ['gadgets:write'])}"}
READER = {"Authorization": f"Bearer {CODEC.issue('reader-1', [])}"}
BASE = "/api/v1/gadgets"


def gadget_router() -> APIRouter:
    router = APIRouter()

    @router.get("/gadgets/count")
    async def count_gadgets(session: SessionDep) -> dict[str, int]:
        return {"count": await GadgetRepository(session).count()}

    return crud_router(
        GadgetService,
        path="/gadgets",
        name="gadget",
        create_schema=GadgetIn,
        update_schema=GadgetPatch,
        write_access=["gadgets:write"],
        router=router,
    )


def label_router() -> APIRouter:
    return crud_router(
        LabelService,
        path="/labels",
        name="label",
        create_schema=LabelIn,
        update_schema=LabelIn,
        read_access=(),
        write_access=(),
        operations=[Operation.LIST, Operation.GET, Operation.CREATE, Operation.DELETE],
    )


def build(database: Database | None = None) -> FastAPI:
    return create_app(SETTINGS, routers=[gadget_router(), label_router()], database=database)


@pytest.fixture
async def http(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with client(build(database)) as http:
        yield http


async def create(http: httpx.AsyncClient, name: str, **fields: Any) -> dict[str, Any]:
    response = await http.post(BASE, json={"name": name, **fields}, headers=WRITER)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


# -- OpenAPI ------------------------------------------------------------------------------

OPENAPI = build().openapi()
PATHS = OPENAPI["paths"]


def parameters(path: str, method: str = "get") -> dict[str, Any]:
    return {p["name"]: p for p in PATHS[path][method].get("parameters", [])}


def test_generates_the_operations_with_stable_ids() -> None:
    ids = {
        (method.upper(), path): operation["operationId"]
        for path, operations in PATHS.items()
        if path.startswith("/api/v1/")
        for method, operation in operations.items()
    }
    assert ids == {
        ("GET", "/api/v1/gadgets/count"): "count_gadgets_api_v1_gadgets_count_get",
        ("GET", "/api/v1/gadgets"): "list_gadgets",
        ("GET", "/api/v1/gadgets/cursor"): "list_gadgets_by_cursor",
        ("GET", "/api/v1/gadgets/{gadget_id}"): "get_gadget",
        ("POST", "/api/v1/gadgets"): "create_gadget",
        ("PATCH", "/api/v1/gadgets/{gadget_id}"): "update_gadget",
        ("DELETE", "/api/v1/gadgets/{gadget_id}"): "delete_gadget",
        ("POST", "/api/v1/gadgets/{gadget_id}/restore"): "restore_gadget",
        ("GET", "/api/v1/labels"): "list_labels",
        ("GET", "/api/v1/labels/{label_id}"): "get_label",
        ("POST", "/api/v1/labels"): "create_label",
        ("DELETE", "/api/v1/labels/{label_id}"): "delete_label",
    }


def test_a_model_with_a_composite_key_is_refused_when_the_router_is_built() -> None:
    # the router reads the model as the repository does (``read_traits``): one key column
    class Base(DeclarativeBase):
        pass

    class Pair(Base):
        __tablename__ = "pairs"
        left: Mapped[int] = mapped_column(primary_key=True)
        right: Mapped[int] = mapped_column(primary_key=True)

    class PairFacts:  # the allow-lists any implementation of the protocol carries
        model, filterable, sortable, searchable, max_limit = Pair, {}, (), (), 10

    with pytest.raises(ConfigurationError, match="single-column primary key"):
        crud_router(
            GadgetService,
            path="/pairs",
            name="pair",
            create_schema=GadgetIn,
            update_schema=GadgetPatch,
            read_schema=GadgetRead,
            repository=PairFacts,
        )


def test_sort_values_are_an_enum_of_the_allow_list() -> None:
    sort = parameters("/api/v1/gadgets")["sort"]["schema"]
    assert sort["type"] == "array"
    assert sort["items"]["enum"] == ["name", "size", "id", "-name", "-size", "-id"]


def test_filters_are_typed_parameters_of_the_allow_list() -> None:
    params = parameters("/api/v1/gadgets")
    filters = {name for name in params if name not in {"limit", "offset", "sort", "search"}}
    assert "name__icontains" in filters
    assert "size__between" in filters
    assert "active" in filters
    assert "size__is_null" in filters
    assert "name__is_null" not in filters
    size_gt = params["size__gt"]["schema"]
    assert (size_gt["type"], size_gt["minimum"], size_gt["maximum"]) == (
        "integer",
        -(2**31),
        2**31 - 1,
    )
    assert params["size__between"]["schema"]["minItems"] == 2
    assert params["size__between"]["schema"]["maxItems"] == 2
    assert params["active"]["schema"]["type"] == "boolean"
    assert params["name"]["schema"]["maxLength"] == 50
    assert params["limit"]["schema"]["maximum"] == 20
    cursor = parameters("/api/v1/gadgets/cursor")
    assert "cursor" in cursor
    assert not {"after", "before"} & cursor.keys()
    assert "offset" not in cursor
    assert "search" not in parameters("/api/v1/labels")


def test_create_links_to_get_update_and_delete_and_documents_the_etag() -> None:
    created = PATHS["/api/v1/gadgets"]["post"]["responses"]["201"]
    assert created["links"] == {
        "Get": {"operationId": "get_gadget", "parameters": {"gadget_id": "$response.body#/id"}},
        "Update": {
            "operationId": "update_gadget",
            "parameters": {
                "gadget_id": "$response.body#/id",
                "header.If-Match": "$response.header.ETag",
            },
        },
        "Delete": {
            "operationId": "delete_gadget",
            "parameters": {
                "gadget_id": "$response.body#/id",
                "header.If-Match": "$response.header.ETag",
            },
        },
    }
    assert "ETag" in created["headers"]
    assert "headers" not in PATHS["/api/v1/labels"]["post"]["responses"]["201"]


def test_every_error_status_is_documented_with_the_problem_schema() -> None:
    update = PATHS["/api/v1/gadgets/{gadget_id}"]["patch"]["responses"]
    for status in ("400", "401", "403", "404", "409", "412", "413", "422", "500", "503"):
        schema = update[status]["content"]["application/problem+json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Problem"}
    assert "412" not in PATHS["/api/v1/labels/{label_id}"]["delete"]["responses"]
    assert "401" not in PATHS["/api/v1/gadgets"]["get"]["responses"]
    assert "401" in PATHS["/api/v1/labels"]["get"]["responses"]
    assert "403" not in PATHS["/api/v1/labels"]["get"]["responses"]


def test_writes_declare_the_bearer_scheme_and_open_reads_do_not() -> None:
    assert PATHS["/api/v1/gadgets"]["post"]["security"] == [{"bearerAuth": []}]
    assert "security" not in PATHS["/api/v1/gadgets"]["get"]


# -- behaviour ----------------------------------------------------------------------------


async def test_create_answers_201_with_location_etag_and_audit(http: httpx.AsyncClient) -> None:
    response = await http.post(BASE, json={"name": "a", "size": 3}, headers=WRITER)
    assert response.status_code == 201
    body = response.json()
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"{BASE}/{body['id']}"
    assert body["created_by"] == "writer-1"
    assert body["version"] == 1
    fetched = await http.get(response.headers["Location"])
    assert fetched.status_code == 200
    assert fetched.json() == body
    assert fetched.headers["ETag"] == '"1"'


async def test_writes_need_a_token_with_the_scope(http: httpx.AsyncClient) -> None:
    missing = await http.post(BASE, json={"name": "a"})
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    refused = await http.post(BASE, json={"name": "a"}, headers=READER)
    assert refused.status_code == 403
    assert refused.json()["missing_scopes"] == ["gadgets:write"]


async def test_empty_access_needs_any_valid_token(http: httpx.AsyncClient) -> None:
    assert (await http.get("/api/v1/labels")).status_code == 401
    assert (await http.get("/api/v1/labels", headers=READER)).status_code == 200


async def test_duplicate_is_409_and_invalid_body_is_422(http: httpx.AsyncClient) -> None:
    await create(http, "same")
    duplicate = await http.post(BASE, json={"name": "same"}, headers=WRITER)
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "duplicate"
    invalid = await http.post(BASE, json={"name": "x", "size": "3"}, headers=WRITER)
    assert invalid.status_code == 422
    assert invalid.json()["errors"][0]["location"] == ["body", "size"]


async def test_get_unknown_or_malformed_id(http: httpx.AsyncClient) -> None:
    unknown = await http.get(f"{BASE}/01937a4e-0000-7000-8000-000000000000")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "not_found"
    malformed = await http.get(f"{BASE}/not-a-uuid")
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["location"] == ["path", "gadget_id"]


async def test_list_filters_sorts_searches_and_pages(http: httpx.AsyncClient) -> None:
    for name, size in [("alpha", 3), ("beta", 1), ("gamma", 2), ("delta", 5)]:
        await create(http, name, size=size)
    page = (await http.get(BASE, params={"sort": "-size", "limit": 2})).json()
    assert [item["name"] for item in page["items"]] == ["delta", "alpha"]
    assert (page["total"], page["limit"], page["offset"]) == (4, 2, 0)
    second = (await http.get(BASE, params={"sort": "-size", "limit": 2, "offset": 2})).json()
    assert [item["name"] for item in second["items"]] == ["gamma", "beta"]
    filtered = await http.get(BASE, params=[("size__between", 2), ("size__between", 3)])
    assert sorted(i["name"] for i in filtered.json()["items"]) == ["alpha", "gamma"]
    names = await http.get(BASE, params=[("name__in", "beta"), ("name__in", "delta")])
    assert [i["name"] for i in names.json()["items"]] == ["beta", "delta"]
    searched = await http.get(BASE, params={"search": "MMA"})
    assert [i["name"] for i in searched.json()["items"]] == ["gamma"]
    assert (await http.get(BASE, params={"size__gt": 4})).json()["total"] == 1


async def test_list_filters_on_numbers_take_commas_and_text_filters_do_not(
    http: httpx.AsyncClient,
) -> None:
    for name, size in [("alpha", 3), ("beta", 1), ("gamma", 2), ("a,b", 5)]:
        await create(http, name, size=size)
    listed = await http.get(BASE, params={"size__in": "1,3", "sort": "size"})
    assert [i["name"] for i in listed.json()["items"]] == ["beta", "alpha"]
    mixed = await http.get(BASE, params=[("size__not_in", "1,3"), ("size__not_in", "5")])
    assert [i["name"] for i in mixed.json()["items"]] == ["gamma"]
    between = await http.get(BASE, params={"size__between": "2,3", "sort": "size"})
    assert [i["name"] for i in between.json()["items"]] == ["gamma", "alpha"]
    text = await http.get(BASE, params={"name__in": "a,b"})
    assert [i["name"] for i in text.json()["items"]] == ["a,b"]
    for params in ({"size__in": "1,x"}, {"size__between": "1,2,3"}, {"size__in": ","}):
        response = await http.get(BASE, params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"


def test_list_filter_descriptions_say_whether_commas_separate_values() -> None:
    params = parameters("/api/v1/gadgets")
    assert "separate values with commas" in params["size__in"]["description"]
    assert "separate values with commas" in params["size__between"]["description"]
    assert "a comma is part of a value" in params["name__in"]["description"]


async def test_repeated_sort_keys_apply_in_order_and_first_wins(
    http: httpx.AsyncClient,
) -> None:
    for name, size in [("b", 1), ("a", 1), ("c", 0)]:
        await create(http, name, size=size)
    response = await http.get(BASE, params=[("sort", "-size"), ("sort", "name"), ("sort", "size")])
    assert [i["name"] for i in response.json()["items"]] == ["a", "b", "c"]


async def test_list_refuses_what_the_schema_refuses(http: httpx.AsyncClient) -> None:
    for params in ({"sort": "active"}, {"limit": 21}, {"size__gt": 2**31}, {"offset": -1}):
        response = await http.get(BASE, params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"


async def test_cursor_pages_walk_forward_and_back(http: httpx.AsyncClient) -> None:
    for name in ["a", "b", "c", "d", "e"]:
        await create(http, name)
    first = (await http.get(f"{BASE}/cursor", params={"limit": 2})).json()
    assert [i["name"] for i in first["items"]] == ["a", "b"]
    assert first["previous_cursor"] is None
    second = (
        await http.get(f"{BASE}/cursor", params={"limit": 2, "cursor": first["next_cursor"]})
    ).json()
    assert [i["name"] for i in second["items"]] == ["c", "d"]
    back = (
        await http.get(f"{BASE}/cursor", params={"limit": 2, "cursor": second["previous_cursor"]})
    ).json()
    assert [i["name"] for i in back["items"]] == ["a", "b"]
    # a cursor of the right shape that this listing did not issue names no page of it
    bad = await http.get(f"{BASE}/cursor", params={"cursor": "garbage"})
    assert bad.status_code == 404
    assert bad.json()["field"] == "cursor"
    other_order = await http.get(
        f"{BASE}/cursor", params={"cursor": first["next_cursor"], "sort": "-name"}
    )
    assert other_order.status_code == 404
    for malformed in ("", "not a cursor!", "a.b.c"):  # outside the published pattern
        response = await http.get(f"{BASE}/cursor", params={"cursor": malformed})
        assert response.status_code == 422, malformed


async def test_patch_with_if_match_updates_that_version_only(http: httpx.AsyncClient) -> None:
    gadget = await create(http, "v")
    url = f"{BASE}/{gadget['id']}"
    ok = await http.patch(url, json={"size": 7}, headers={**WRITER, "If-Match": '"1"'})
    assert ok.status_code == 200, ok.text
    assert ok.json()["size"] == 7
    assert ok.headers["ETag"] == '"2"'
    stale = await http.patch(url, json={"size": 8}, headers={**WRITER, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    assert stale.json()["current_version"] == 2
    anything = await http.patch(url, json={"size": 9}, headers={**WRITER, "If-Match": "*"})
    assert anything.status_code == 200
    assert anything.json()["version"] == 3
    beyond = await http.patch(url, json={}, headers={**WRITER, "If-Match": '"9999999999"'})
    assert beyond.status_code == 412  # well-formed, names no version
    for header in ['W/"3"', "3", '"99999999999"', '"3", "4"', "0000"]:  # outside the grammar
        refused = await http.patch(url, json={}, headers={**WRITER, "If-Match": header})
        assert refused.status_code == 400, header
        assert 'e.g. "3"' in refused.json()["detail"]


async def test_patch_with_a_version_field_is_409_when_stale(http: httpx.AsyncClient) -> None:
    gadget = await create(http, "w")
    url = f"{BASE}/{gadget['id']}"
    ok = await http.patch(url, json={"size": 2, "version": 1}, headers=WRITER)
    assert ok.status_code == 200
    assert ok.json()["version"] == 2
    stale = await http.patch(url, json={"size": 3, "version": 1}, headers=WRITER)
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    unversioned = await http.patch(url, json={"name": "w2"}, headers=WRITER)
    assert unversioned.status_code == 200
    assert unversioned.json()["version"] == 3


async def test_patch_unknown_is_404(http: httpx.AsyncClient) -> None:
    url = f"{BASE}/01937a4e-0000-7000-8000-000000000000"
    assert (await http.patch(url, json={"size": 1}, headers=WRITER)).status_code == 404


async def test_soft_delete_hides_and_restore_brings_back(http: httpx.AsyncClient) -> None:
    gadget = await create(http, "gone")
    url = f"{BASE}/{gadget['id']}"
    deleted = await http.delete(url, headers=WRITER)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert (await http.get(url)).status_code == 404
    assert (await http.delete(url, headers=WRITER)).status_code == 404
    assert (await http.patch(url, json={"size": 1}, headers=WRITER)).status_code == 404
    restored = await http.post(f"{url}/restore", headers=WRITER)
    assert restored.status_code == 200
    assert restored.json()["name"] == "gone"
    assert (await http.get(url)).status_code == 200
    again = await http.post(f"{url}/restore", headers=WRITER)  # a retried restore is harmless
    assert again.status_code == 200
    assert again.headers["ETag"] == restored.headers["ETag"]
    missing = f"{BASE}/{uuid.uuid4()}/restore"
    assert (await http.post(missing, headers=WRITER)).status_code == 404


async def test_hard_delete_without_restore_route(http: httpx.AsyncClient) -> None:
    created = await http.post("/api/v1/labels", json={"text": "t"}, headers=READER)
    assert created.status_code == 201
    assert "ETag" not in created.headers
    url = f"/api/v1/labels/{created.json()['id']}"
    assert (await http.delete(url, headers=READER)).status_code == 204
    assert (await http.get(url, headers=READER)).status_code == 404
    assert (await http.post(f"{url}/restore", headers=READER)).status_code == 404
    assert (await http.patch(url, json={"text": "u"}, headers=READER)).status_code == 405


async def test_hand_written_routes_share_the_router(http: httpx.AsyncClient) -> None:
    await create(http, "one")
    response = await http.get(f"{BASE}/count")
    assert response.status_code == 200
    assert response.json() == {"count": 1}


async def test_each_route_is_one_unit_of_work_closed_before_the_response(
    database: Database,
) -> None:
    """The service call is the route's unit of work: its hooks share it, and it
    has committed and closed when the route answers, so nothing is left for after."""
    seen: list[tuple[str, Any]] = []

    class RecordingService(GadgetService):
        async def before_create(self, unit: Any, values: dict[str, Any]) -> dict[str, Any]:
            seen.append(("hook", unit is self.database.current_unit()))
            return values

        async def create(self, data: Any) -> Any:
            item = await super().create(data)
            seen.append(("returned", self.database.current_unit()))
            return item

    router = crud_router(
        RecordingService,
        path="/gadgets",
        name="gadget",
        create_schema=GadgetIn,
        update_schema=GadgetPatch,
        write_access=None,
    )
    async with client(create_app(SETTINGS, routers=[router], database=database)) as http:
        assert (await http.post(BASE, json={"name": "x"})).status_code == 201
        assert (await http.get(BASE)).json()["total"] == 1
    assert seen == [("hook", True), ("returned", None)]


async def test_a_custom_provider_builds_the_service(database: Database) -> None:
    built: list[str] = []

    async def provide(database: DatabaseDep, session: SessionDep) -> GadgetService:
        built.append("custom")
        return GadgetService(database)

    router = crud_router(
        GadgetService,
        path="/gadgets",
        name="gadget",
        create_schema=GadgetIn,
        update_schema=GadgetPatch,
        provider=provide,
        operations=[Operation.LIST],
    )
    async with client(create_app(SETTINGS, routers=[router], database=database)) as http:
        assert (await http.get(BASE)).status_code == 200
    assert built == ["custom"]


async def test_pages_of_other_items_are_validated_through_the_read_schema(
    database: Database,
) -> None:
    """A service answering items that are not the read schema (plain dicts here) still
    gets the documented page: its items are validated on the way out."""

    class DictService(GadgetService):
        async def list(self, *args: Any, **kwargs: Any) -> Any:
            page = await super().list(*args, **kwargs)
            page.items = [item.model_dump() for item in page.items]
            return page

        async def list_cursor(self, *args: Any, **kwargs: Any) -> Any:
            page = await super().list_cursor(*args, **kwargs)
            page.items = [item.model_dump() for item in page.items]
            return page

    def router_for(service: Any) -> APIRouter:
        return crud_router(
            service,
            path="/gadgets",
            name="gadget",
            create_schema=GadgetIn,
            update_schema=GadgetPatch,
            operations=[Operation.LIST, Operation.CURSOR, Operation.CREATE],
            write_access=None,
        )

    async with client(
        create_app(SETTINGS, routers=[router_for(GadgetService)], database=database)
    ) as http:
        assert (await http.post(BASE, json={"name": "x"})).status_code == 201
        expected = [(await http.get(BASE)).json(), (await http.get(f"{BASE}/cursor")).json()]
    async with client(
        create_app(SETTINGS, routers=[router_for(DictService)], database=database)
    ) as http:
        answered = [(await http.get(BASE)).json(), (await http.get(f"{BASE}/cursor")).json()]
    assert answered == expected
    assert expected[0]["items"][0]["name"] == "x"


async def test_unsupported_method_lists_every_method_of_the_path(
    http: httpx.AsyncClient,
) -> None:
    collection = await http.put(BASE, json={})
    assert collection.status_code == 405
    assert collection.headers["Allow"] == "GET, POST"
    item = await http.options(f"{BASE}/01937a4e-0000-7000-8000-000000000000")
    assert item.headers["Allow"] == "DELETE, GET, PATCH"


async def test_location_follows_the_prefix_of_each_app_serving_the_router(
    database: Database,
) -> None:
    router = crud_router(
        LabelService,
        path="/labels",
        name="label",
        create_schema=LabelIn,
        update_schema=LabelIn,
        write_access=None,
    )
    apps = {"/one": FastAPI(), "/two/deeper": FastAPI()}
    for prefix, app in apps.items():
        app.include_router(router, prefix=prefix)
        app.state.database = database
    for _ in range(2):  # the second round reuses what the first one worked out
        for prefix, app in apps.items():
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                response = await http.post(f"{prefix}/labels", json={"text": "x"})
            assert response.status_code == 201, response.text
            assert response.headers["Location"] == f"{prefix}/labels/{response.json()['id']}"


async def test_a_router_may_ignore_unknown_query_parameters(database: Database) -> None:
    router = crud_router(
        GadgetService,
        path="/gadgets",
        name="gadget",
        create_schema=GadgetIn,
        update_schema=GadgetPatch,
        read_access=None,
        refuse_unknown_query=False,
    )
    async with client(create_app(SETTINGS, routers=[router], database=database)) as http:
        assert (await http.get(f"{BASE}?colour=red")).status_code == 200
        assert (await http.get(f"{BASE}/cursor?colour=red")).status_code == 200
