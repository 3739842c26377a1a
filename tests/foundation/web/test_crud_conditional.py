"""``crud_router``: conditional requests (``If-Match``, ``If-None-Match``) and ``Link``
headers on pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from foundation import Database
from foundation.errors import ConfigurationError
from foundation.web import create_app, crud_router
from foundation.web.crud_http import ETAG_PATTERN
from tests.foundation.web.crud_models import GadgetIn, GadgetPatch, LabelIn, LabelService
from tests.foundation.web.helpers import client
from tests.foundation.web.test_crud import BASE, OPENAPI, SETTINGS, WRITER, build, create

PATHS = OPENAPI["paths"]
ITEM = f"{BASE}/{{gadget_id}}"


def header(path: str, method: str, name: str) -> dict[str, Any] | None:
    for parameter in PATHS[path][method].get("parameters", []):
        if parameter["in"] == "header" and parameter["name"] == name:
            return dict(parameter)
    return None


@pytest.fixture
async def http(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with client(build(database)) as http:
        yield http


# -- OpenAPI ------------------------------------------------------------------------------


def test_if_match_is_offered_on_every_write_of_a_versioned_model_with_its_grammar() -> None:
    for method, path in [("patch", ITEM), ("delete", ITEM), ("post", f"{ITEM}/restore")]:
        found = header(path, method, "If-Match")
        assert found is not None, (method, path)
        assert found["schema"]["pattern"] == ETAG_PATTERN
        assert not found.get("required", False)
        assert {"400", "412"} <= PATHS[path][method]["responses"].keys()
    assert header(ITEM, "get", "If-None-Match") is not None
    assert "304" in PATHS[ITEM]["get"]["responses"]


def test_models_without_versions_offer_no_conditional_headers() -> None:
    label = "/api/v1/labels/{label_id}"
    assert header(label, "delete", "If-Match") is None
    assert header(label, "get", "If-None-Match") is None
    assert "412" not in PATHS[label]["delete"]["responses"]
    assert "304" not in PATHS[label]["get"]["responses"]


def test_links_carry_the_etag_to_update_and_delete() -> None:
    links = PATHS[BASE]["post"]["responses"]["201"]["links"]
    for name in ("Update", "Delete"):
        assert links[name]["parameters"]["header.If-Match"] == "$response.header.ETag"
    assert "header.If-Match" not in links["Get"]["parameters"]


def test_requiring_if_match_needs_versions() -> None:
    with pytest.raises(ConfigurationError, match="versioned"):
        crud_router(
            LabelService,
            path="/labels",
            name="label",
            create_schema=LabelIn,
            update_schema=LabelIn,
            require_if_match=True,
        )


def test_pages_document_their_link_header() -> None:
    for path in (BASE, f"{BASE}/cursor"):
        assert "Link" in PATHS[path]["get"]["responses"]["200"]["headers"]


# -- If-Match on DELETE and restore -------------------------------------------------------


async def test_delete_with_a_stale_if_match_is_412_and_deletes_nothing(
    http: httpx.AsyncClient,
) -> None:
    gadget = await create(http, "keep")
    url = f"{BASE}/{gadget['id']}"
    await http.patch(url, json={"size": 1}, headers=WRITER)  # now version 2
    stale = await http.delete(url, headers={**WRITER, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    assert (await http.get(url)).status_code == 200
    deleted = await http.delete(url, headers={**WRITER, "If-Match": '"2"'})
    assert deleted.status_code == 204
    assert (await http.get(url)).status_code == 404


async def test_restore_honours_if_match(http: httpx.AsyncClient) -> None:
    gadget = await create(http, "back")
    url = f"{BASE}/{gadget['id']}"
    assert (await http.delete(url, headers=WRITER)).status_code == 204  # version 2
    stale = await http.post(f"{url}/restore", headers={**WRITER, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert (await http.get(url)).status_code == 404
    restored = await http.post(f"{url}/restore", headers={**WRITER, "If-Match": '"2"'})
    assert restored.status_code == 200, restored.text
    assert (await http.get(url)).status_code == 200


async def test_malformed_if_match_is_400_saying_what_a_tag_looks_like(
    http: httpx.AsyncClient,
) -> None:
    gadget = await create(http, "x")
    url = f"{BASE}/{gadget['id']}"
    for method in ("DELETE", "POST"):
        target = url if method == "DELETE" else f"{url}/restore"
        response = await http.request(method, target, headers={**WRITER, "If-Match": "1"})
        assert response.status_code == 400, method
        assert response.headers["content-type"] == "application/problem+json"
        assert 'a version in double quotes, e.g. "3"' in response.json()["detail"]
    assert (await http.get(url)).status_code == 200


async def test_delete_with_if_match_of_an_unknown_item_is_404(http: httpx.AsyncClient) -> None:
    url = f"{BASE}/01937a4e-0000-7000-8000-000000000000"
    response = await http.delete(url, headers={**WRITER, "If-Match": '"1"'})
    assert response.status_code == 404


async def test_a_router_may_require_if_match_on_writes(database: Database) -> None:
    router = crud_router(
        _gadget_service(),
        path="/gadgets",
        name="gadget",
        create_schema=GadgetIn,
        update_schema=GadgetPatch,
        write_access=["gadgets:write"],
        require_if_match=True,
    )
    app: FastAPI = create_app(SETTINGS, routers=[router], database=database)
    spec = app.openapi()["paths"]
    assert "428" in spec[ITEM]["delete"]["responses"]
    async with client(app) as http:
        gadget = await create(http, "strict")
        url = f"{BASE}/{gadget['id']}"
        for method, target, body in [
            ("PATCH", url, {"size": 2}),
            ("DELETE", url, None),
            ("POST", f"{url}/restore", None),
        ]:
            response = await http.request(method, target, json=body, headers=WRITER)
            assert response.status_code == 428, (method, response.text)
            assert response.json()["code"] == "precondition_required"
        ok = await http.patch(url, json={"size": 2}, headers={**WRITER, "If-Match": '"1"'})
        assert ok.status_code == 200
        assert (await http.delete(url, headers={**WRITER, "If-Match": "*"})).status_code == 204


def _gadget_service() -> Any:
    from tests.foundation.web.crud_models import GadgetService

    return GadgetService


# -- If-None-Match ------------------------------------------------------------------------


async def test_get_with_the_current_etag_is_304_without_a_body(http: httpx.AsyncClient) -> None:
    gadget = await create(http, "cached")
    url = f"{BASE}/{gadget['id']}"
    first = await http.get(url)
    tag = first.headers["ETag"]
    for sent in (tag, f"W/{tag}", f'"7", {tag}', "*"):
        cached = await http.get(url, headers={"If-None-Match": sent})
        assert cached.status_code == 304, sent
        assert cached.content == b""
        assert cached.headers["ETag"] == tag
    await http.patch(url, json={"size": 5}, headers=WRITER)
    changed = await http.get(url, headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.json()["size"] == 5
    assert changed.headers["ETag"] != tag
    unrelated = await http.get(url, headers={"If-None-Match": "not a tag"})
    assert unrelated.status_code == 200


# -- Link headers -------------------------------------------------------------------------


def links_of(response: httpx.Response) -> dict[str, str]:
    found = {}
    for part in response.headers["Link"].split(", "):
        target, relation = part.split("; ")
        found[relation.removeprefix('rel="').removesuffix('"')] = target.strip("<>")
    return found


async def test_offset_pages_link_first_prev_and_next(http: httpx.AsyncClient) -> None:
    for name in "abcde":
        await create(http, name)
    first = await http.get(BASE, params={"limit": 2, "sort": "name", "name__icontains": ""})
    assert first.json()["total_strategy"] == "exact"
    links = links_of(first)
    assert set(links) == {"first", "next"}
    assert links["first"] == f"{BASE}?limit=2&sort=name&name__icontains="
    following = await http.get(links["next"])
    assert [i["name"] for i in following.json()["items"]] == ["c", "d"]
    last = await http.get(links_of(following)["next"])
    assert [i["name"] for i in last.json()["items"]] == ["e"]
    assert set(links_of(last)) == {"first", "prev"}
    back = await http.get(links_of(last)["prev"])
    assert [i["name"] for i in back.json()["items"]] == ["c", "d"]


async def test_cursor_pages_link_with_their_cursors(http: httpx.AsyncClient) -> None:
    for name in "abcde":
        await create(http, name)
    first = await http.get(f"{BASE}/cursor", params={"limit": 2})
    assert set(links_of(first)) == {"first", "next"}
    second = await http.get(links_of(first)["next"])
    assert [i["name"] for i in second.json()["items"]] == ["c", "d"]
    assert set(links_of(second)) == {"first", "prev", "next"}
    back = await http.get(links_of(second)["prev"])
    assert [i["name"] for i in back.json()["items"]] == ["a", "b"]
    assert links_of(second)["first"] == f"{BASE}/cursor?limit=2"


async def test_links_never_name_the_host_the_client_sent(http: httpx.AsyncClient) -> None:
    await create(http, "a")
    response = await http.get(BASE, headers={"Host": "evil.example"})
    assert "evil.example" not in response.headers["Link"]
    assert all(target.startswith("/") for target in links_of(response).values())
