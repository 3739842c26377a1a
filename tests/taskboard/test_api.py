"""The taskboard API end to end: every endpoint, its success and its problem documents."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from foundation.models import uuid7
from tests.taskboard.conftest import bearer, subject_of

PROJECTS = "/api/v1/projects"
TASKS = "/api/v1/tasks"
MISSING = "01937a4e-0000-7000-8000-000000000000"
WRITE = bearer()


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert ``response`` is a problem document with ``status`` and ``code``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert (body["status"], body["code"]) == (status, code)
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


async def new_project(http: httpx.AsyncClient, slug: str = "web", **fields: Any) -> dict[str, Any]:
    body = {"slug": slug, "name": slug.title(), **fields}
    response = await http.post(PROJECTS, json=body, headers=WRITE)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def new_task(http: httpx.AsyncClient, project_id: str, title: str, **fields: Any) -> Any:
    response = await http.post(
        TASKS, json={"project_id": project_id, "title": title, **fields}, headers=WRITE
    )
    assert response.status_code == 201, response.text
    return response.json()


# -- auth --------------------------------------------------------------------------------


async def test_password_flow_issues_a_token_for_the_user(
    http: httpx.AsyncClient, user_id: str
) -> None:
    response = await http.post(
        "/api/v1/auth/token",
        data={"username": "ada@example.com", "password": "correct horse", "grant_type": "password"},
    )
    assert response.status_code == 200, response.text
    token = response.json()
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == 1800
    assert token["scope"] == "projects:read projects:write tasks:read tasks:write"
    me = await http.get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json() == {
        "id": user_id,
        "email": "ada@example.com",
        "full_name": "Ada",
        "scopes": ["projects:read", "projects:write", "tasks:read", "tasks:write"],
        "is_active": True,
    }


async def test_a_token_can_ask_for_fewer_scopes(http: httpx.AsyncClient, user_id: str) -> None:
    response = await http.post(
        "/api/v1/auth/token",
        data={"username": "ada@example.com", "password": "correct horse", "scope": "tasks:read x"},
    )
    assert response.json()["scope"] == "tasks:read"
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    problem(
        await http.post(PROJECTS, json={"slug": "a", "name": "A"}, headers=headers),
        403,
        "forbidden",
    )


async def test_wrong_password_or_unknown_user_is_401(http: httpx.AsyncClient, user_id: str) -> None:
    for username, password in [("ada@example.com", "wrong"), ("bob@example.com", "correct horse")]:
        response = await http.post(
            "/api/v1/auth/token", data={"username": username, "password": password}
        )
        problem(response, 401, "invalid_credentials")
        assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_inactive_user_cannot_sign_in(
    http: httpx.AsyncClient, user_id: str, database: Any
) -> None:
    from taskboard.services import UserRepository

    async with database.transaction() as session:
        await UserRepository(session).update(user_id, {"is_active": False})
    response = await http.post(
        "/api/v1/auth/token", data={"username": "ada@example.com", "password": "correct horse"}
    )
    problem(response, 401, "invalid_credentials")


async def test_token_form_fields_are_validated(http: httpx.AsyncClient) -> None:
    body = problem(
        await http.post("/api/v1/auth/token", data={"username": "x"}), 422, "validation_error"
    )
    assert body["errors"][0]["location"] == ["body", "password"]


async def test_me_needs_a_token_of_an_existing_user(http: httpx.AsyncClient) -> None:
    problem(await http.get("/api/v1/users/me"), 401, "unauthenticated")
    # the token's user is checked on every request: a token of a missing user is refused
    problem(await http.get("/api/v1/users/me", headers=bearer(MISSING)), 401, "invalid_token")
    problem(
        await http.get("/api/v1/users/me", headers={"Authorization": "Bearer nonsense"}),
        401,
        "invalid_token",
    )


# -- projects ----------------------------------------------------------------------------


async def test_project_lifecycle(http: httpx.AsyncClient) -> None:
    created = await http.post(
        PROJECTS, json={"slug": "web", "name": "Web", "description": "site"}, headers=bearer("u1")
    )
    assert created.status_code == 201
    project = created.json()
    assert (project["created_by"], project["version"], created.headers["ETag"]) == (
        subject_of("u1"),
        1,
        '"1"',
    )
    url = created.headers["Location"]
    assert url == f"{PROJECTS}/{project['id']}"
    assert (await http.get(url, headers=WRITE)).json() == project
    by_slug = await http.get(f"{PROJECTS}/by-slug/web", headers=WRITE)
    assert by_slug.status_code == 200
    assert by_slug.json()["id"] == project["id"]
    changed = await http.patch(
        url, json={"name": "Website"}, headers={**bearer("u2"), "If-Match": '"1"'}
    )
    assert changed.status_code == 200
    assert (changed.json()["name"], changed.json()["updated_by"], changed.json()["version"]) == (
        "Website",
        subject_of("u2"),
        2,
    )
    assert (await http.delete(url, headers=WRITE)).status_code == 204
    problem(await http.get(url, headers=WRITE), 404, "not_found")
    problem(await http.get(f"{PROJECTS}/by-slug/web", headers=WRITE), 404, "not_found")
    restored = await http.post(f"{url}/restore", headers=WRITE)
    assert restored.status_code == 200
    assert restored.json()["name"] == "Website"
    assert (await http.get(url, headers=WRITE)).status_code == 200


async def test_project_slug_is_unique(http: httpx.AsyncClient) -> None:
    await new_project(http, "web")
    body = problem(
        await http.post(PROJECTS, json={"slug": "web", "name": "Again"}, headers=WRITE),
        409,
        "duplicate",
    )
    assert body["fields"] == ["slug"]


async def test_project_body_rules(http: httpx.AsyncClient) -> None:
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"slug": "Not A Slug", "name": "x"}, ["body", "slug"]),
        ({"slug": "ok", "name": "   "}, ["body", "name"]),
        ({"slug": "ok", "name": "x", "extra": 1}, ["body", "extra"]),
        ({"slug": "ok", "name": 5}, ["body", "name"]),
        ({"slug": "ok", "name": "a\x00b"}, ["body", "name"]),
    ]
    for body, location in cases:
        found = problem(
            await http.post(PROJECTS, json=body, headers=WRITE), 422, "validation_error"
        )
        assert found["errors"][0]["location"] == location, body


async def test_malformed_json_is_400(http: httpx.AsyncClient) -> None:
    response = await http.post(
        PROJECTS, content=b"{not json", headers={**WRITE, "content-type": "application/json"}
    )
    problem(response, 400, "malformed_body")


async def test_project_writes_need_the_write_scope(http: httpx.AsyncClient) -> None:
    problem(await http.post(PROJECTS, json={"slug": "a", "name": "A"}), 401, "unauthenticated")
    reader = bearer(scopes=["projects:read"])
    problem(
        await http.post(PROJECTS, json={"slug": "a", "name": "A"}, headers=reader), 403, "forbidden"
    )
    problem(await http.get(PROJECTS, headers=bearer(scopes=["tasks:read"])), 403, "forbidden")
    assert (await http.get(PROJECTS, headers=reader)).status_code == 200


async def test_project_optimistic_locking(http: httpx.AsyncClient) -> None:
    project = await new_project(http)
    url = f"{PROJECTS}/{project['id']}"
    assert (
        await http.patch(url, json={"name": "B", "version": 1}, headers=WRITE)
    ).status_code == 200
    stale = problem(
        await http.patch(url, json={"name": "C", "version": 1}, headers=WRITE), 409, "stale_version"
    )
    assert (stale["expected_version"], stale["current_version"]) == (1, 2)
    problem(
        await http.patch(url, json={"name": "C"}, headers={**WRITE, "If-Match": '"1"'}),
        412,
        "precondition_failed",
    )
    problem(await http.patch(url, json={"name": None}, headers=WRITE), 422, "validation_error")


async def test_project_list_filters_sort_search_and_pages(http: httpx.AsyncClient) -> None:
    for slug, name, description in [
        ("alpha", "Alpha", "first"),
        ("beta", "Beta", "the second"),
        ("gamma", "Gamma", "third"),
    ]:
        await new_project(http, slug, name=name, description=description)
    listed = (await http.get(PROJECTS, params={"sort": "name", "limit": 2}, headers=WRITE)).json()
    assert [p["slug"] for p in listed["items"]] == ["alpha", "beta"]
    assert listed["total"] == 3
    searched = await http.get(PROJECTS, params={"search": "SECOND"}, headers=WRITE)
    assert [p["slug"] for p in searched.json()["items"]] == ["beta"]
    prefix = await http.get(PROJECTS, params={"name__istarts_with": "g"}, headers=WRITE)
    assert [p["slug"] for p in prefix.json()["items"]] == ["gamma"]
    pages: list[str] = []
    params: dict[str, Any] = {"sort": "-slug", "limit": 2}
    while True:
        page = (await http.get(f"{PROJECTS}/cursor", params=params, headers=WRITE)).json()
        pages.extend(p["slug"] for p in page["items"])
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert pages == ["gamma", "beta", "alpha"]
    problem(
        await http.get(PROJECTS, params={"sort": "description"}, headers=WRITE),
        422,
        "validation_error",
    )
    problem(
        await http.get(f"{PROJECTS}/cursor", params={"cursor": "nope"}, headers=WRITE),
        404,
        "not_found",
    )


async def test_an_empty_patch_changes_nothing(http: httpx.AsyncClient) -> None:
    created = await new_project(http, "still")
    url = f"{PROJECTS}/{created['id']}"
    response = await http.patch(url, json={}, headers={**WRITE, "If-Match": '"1"'})
    assert response.status_code == 200, response.text
    assert response.json() == created
    assert response.headers["ETag"] == '"1"'
    stale = await http.patch(url, json={}, headers={**WRITE, "If-Match": '"2"'})
    problem(stale, 412, "precondition_failed")
    assert (await http.get(url, headers=WRITE)).json() == created


@pytest.mark.parametrize(
    "query", ["name__regex=x", "slug__eq=web", "name__ne=x", "description=x", "foo=1"]
)
@pytest.mark.parametrize("route", [PROJECTS, f"{PROJECTS}/cursor"])
async def test_an_unknown_query_parameter_is_422_not_the_whole_list(
    http: httpx.AsyncClient, route: str, query: str
) -> None:
    await new_project(http, "web")
    body = problem(await http.get(f"{route}?{query}", headers=WRITE), 422, "validation_error")
    assert body["unknown"] == [query.partition("=")[0]]
    assert "limit" in body["accepted"]
    assert query.partition("=")[0] in body["detail"]


async def test_unknown_projects_are_404(http: httpx.AsyncClient) -> None:
    url = f"{PROJECTS}/{MISSING}"
    problem(await http.get(url, headers=WRITE), 404, "not_found")
    problem(await http.patch(url, json={}, headers=WRITE), 404, "not_found")
    problem(await http.delete(url, headers=WRITE), 404, "not_found")
    problem(await http.post(f"{url}/restore", headers=WRITE), 404, "not_found")
    problem(await http.get(f"{PROJECTS}/by-slug/none", headers=WRITE), 404, "not_found")


# -- tasks -------------------------------------------------------------------------------


async def test_task_in_a_missing_or_deleted_project_is_409(http: httpx.AsyncClient) -> None:
    body = problem(
        await http.post(TASKS, json={"project_id": MISSING, "title": "t"}, headers=WRITE),
        409,
        "foreign_key_violation",
    )
    assert body["field"] == "project_id"
    project = await new_project(http)
    await http.delete(f"{PROJECTS}/{project['id']}", headers=WRITE)
    problem(
        await http.post(TASKS, json={"project_id": project["id"], "title": "t"}, headers=WRITE),
        409,
        "foreign_key_violation",
    )


async def test_task_lifecycle_and_moves(http: httpx.AsyncClient) -> None:
    first, second = await new_project(http, "one"), await new_project(http, "two")
    task = await new_task(http, first["id"], "Write", due_at="2030-01-01T12:00:00+02:00")
    assert (task["status"], task["priority"], task["due_at"]) == (
        "todo",
        3,
        "2030-01-01T10:00:00Z",
    )
    url = f"{TASKS}/{task['id']}"
    moved = await http.patch(
        url, json={"project_id": second["id"], "status": "doing"}, headers=WRITE
    )
    assert moved.status_code == 200
    assert moved.json()["project_id"] == second["id"]
    problem(
        await http.patch(url, json={"project_id": MISSING}, headers=WRITE),
        409,
        "foreign_key_violation",
    )
    cleared = await http.patch(url, json={"due_at": None}, headers=WRITE)
    assert cleared.json()["due_at"] is None
    assert (await http.delete(url, headers=WRITE)).status_code == 204
    problem(await http.get(url, headers=WRITE), 404, "not_found")
    assert (await http.post(f"{url}/restore", headers=WRITE)).status_code == 200


async def test_task_body_rules(http: httpx.AsyncClient) -> None:
    project = await new_project(http)
    for fields, location in [
        ({"priority": 6}, ["body", "priority"]),
        ({"priority": True}, ["body", "priority"]),
        ({"status": "blocked"}, ["body", "status"]),
        ({"due_at": "2030-01-01T12:00:00"}, ["body", "due_at"]),
    ]:
        response = await http.post(
            TASKS, json={"project_id": project["id"], "title": "t", **fields}, headers=WRITE
        )
        found = problem(response, 422, "validation_error")
        assert found["errors"][0]["location"] == location, fields


async def test_task_filters(http: httpx.AsyncClient) -> None:
    one, two = await new_project(http, "one"), await new_project(http, "two")
    await new_task(http, one["id"], "Alpha", priority=5, status="done")
    await new_task(http, one["id"], "Beta", priority=1, due_at="2030-01-01T00:00:00Z")
    await new_task(http, two["id"], "Gamma", priority=3, status="doing")

    async def titles(params: Any) -> list[str]:
        response = await http.get(TASKS, params=params, headers=WRITE)
        assert response.status_code == 200, response.text
        return [t["title"] for t in response.json()["items"]]

    assert await titles({}) == ["Alpha", "Gamma", "Beta"]  # default: -priority, created_at
    assert await titles({"project_id": one["id"], "sort": "title"}) == ["Alpha", "Beta"]
    assert await titles([("status__in", "done"), ("status__in", "doing")]) == ["Alpha", "Gamma"]
    assert await titles({"priority__lt": 3}) == ["Beta"]
    assert await titles({"due_at__is_null": "false"}) == ["Beta"]
    assert await titles({"title__icontains": "AMM"}) == ["Gamma"]
    assert await titles({"search": "et"}) == ["Beta"]
    assert await titles({"status__ne": "todo", "sort": "-title"}) == ["Gamma", "Alpha"]
    by_cursor = await http.get(f"{TASKS}/cursor", params={"limit": 2}, headers=WRITE)
    assert [t["title"] for t in by_cursor.json()["items"]] == ["Alpha", "Gamma"]
    problem(
        await http.get(TASKS, params={"priority": "high"}, headers=WRITE), 422, "validation_error"
    )


async def test_task_writes_need_the_task_scope(http: httpx.AsyncClient) -> None:
    project = await new_project(http)
    response = await http.post(
        TASKS,
        json={"project_id": project["id"], "title": "t"},
        headers=bearer(scopes=["projects:write"]),
    )
    problem(response, 403, "forbidden")


async def test_date_time_filters_and_fields_take_rfc3339_text_only(http: httpx.AsyncClient) -> None:
    project = await new_project(http)
    for value in ["0.5", "2030-01-01T00:00:00", "0001-01-01T00:00:00+01:00"]:
        response = await http.get(TASKS, params={"due_at__lt": value}, headers=WRITE)
        problem(response, 422, "validation_error")
    ok = await http.get(TASKS, params={"due_at__lt": "2030-01-01T00:00:00+01:00"}, headers=WRITE)
    assert ok.status_code == 200
    for due_at in [12345, "0001-01-01T00:00:00+01:00", "2030-01-01"]:
        response = await http.post(
            TASKS, json={"project_id": project["id"], "title": "t", "due_at": due_at}, headers=WRITE
        )
        problem(response, 422, "validation_error")


async def test_empty_credentials_are_invalid_input(http: httpx.AsyncClient) -> None:
    response = await http.post("/api/v1/auth/token", data={"username": "", "password": ""})
    problem(response, 422, "validation_error")


async def test_unsupported_methods_name_every_allowed_one(http: httpx.AsyncClient) -> None:
    response = await http.options(PROJECTS, headers=WRITE)
    problem(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "GET, POST"


@pytest.mark.parametrize("method", ["PATCH", "DELETE", "POST"])
async def test_the_cursor_listing_is_not_mistaken_for_an_item(
    http: httpx.AsyncClient, method: str
) -> None:
    response = await http.request(method, f"{PROJECTS}/cursor", headers=WRITE, json={})
    problem(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "GET"


async def test_an_item_path_still_names_the_item_methods(http: httpx.AsyncClient) -> None:
    response = await http.put(f"{PROJECTS}/{uuid7()}", headers=WRITE, json={})
    problem(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "DELETE, GET, PATCH"
