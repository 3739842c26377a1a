"""Cursors through the reference service: a forged, tampered or unsigned one names no
page of the listing and answers 404."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from taskboard.app import create_app
from taskboard.models import Project, Task
from taskboard.services import ProjectRepository, TaskRepository

from foundation import Database
from foundation.repository import CursorCodec
from foundation.repository.sorting import resolve_sort
from tests.taskboard.conftest import SETTINGS
from tests.taskboard.test_api import PROJECTS, TASKS, WRITE, new_project, new_task, problem

UNSIGNED = SETTINGS.model_copy(
    update={"security": SETTINGS.security.model_copy(update={"cursor_signing": False})}
)
MISSING_ID = "01937a4e-0000-7000-8000-000000000000"

# (route, resource, sort, model, sortable, hostile first key)
FORGED = [
    (PROJECTS, "projects", "name", Project, ProjectRepository.sortable, "\ud800"),
    (PROJECTS, "projects", "name", Project, ProjectRepository.sortable, "a\x00"),
    (PROJECTS, "projects", "name", Project, ProjectRepository.sortable, ["x"]),
    (
        PROJECTS,
        "projects",
        "created_at",
        Project,
        ProjectRepository.sortable,
        "0001-01-01T00:00:00+01:00",
    ),
    (
        PROJECTS,
        "projects",
        "created_at",
        Project,
        ProjectRepository.sortable,
        "9999-12-31T23:59:59-01:00",
    ),
    (
        PROJECTS,
        "projects",
        "created_at",
        Project,
        ProjectRepository.sortable,
        "2026-01-01T00:00:00",
    ),
    (TASKS, "tasks", "priority", Task, TaskRepository.sortable, 2**40),
    (TASKS, "tasks", "priority", Task, TaskRepository.sortable, "NaN"),
    (TASKS, "tasks", "priority", Task, TaskRepository.sortable, True),
]
FORGED_IDS = [
    "surrogate",
    "nul",
    "list",
    "year-1",
    "year-9999",
    "naive",
    "int-range",
    "nan",
    "bool",
]


def forge(
    resource: str, sort: str, model: type[Any], sortable: Any, first: Any, key: bytes | None
) -> str:
    """A cursor for ``?sort=sort`` whose first value is ``first``, signed with ``key``."""
    order = resolve_sort(model, sort, None, sortable, "id")
    if key is None:
        return _unsigned(resource, order.spec, [first, MISSING_ID])
    return CursorCodec(resource, key).encode(order, "next", [first, MISSING_ID])


def _unsigned(resource: str, spec: str, values: list[Any]) -> str:
    payload = {"v": 1, "r": resource, "s": spec, "d": "next", "k": values}
    body = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(body).rstrip(b"=").decode()


@pytest.fixture
async def unsigned_http(database: Database, app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The service with ``FOUNDATION_SECURITY__CURSOR_SIGNING=false`` (``app`` stores the
    users whose tokens the tests send)."""
    transport = httpx.ASGITransport(app=create_app(UNSIGNED, database=database))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.mark.parametrize(
    ("route", "resource", "sort", "model", "sortable", "first"), FORGED, ids=FORGED_IDS
)
async def test_a_forged_value_in_a_signed_cursor_answers_404(
    http: httpx.AsyncClient,
    route: str,
    resource: str,
    sort: str,
    model: type[Any],
    sortable: Any,
    first: Any,
) -> None:
    """Even signed with the service's own key (a leaked key), the values are checked."""
    cursor = forge(resource, sort, model, sortable, first, SETTINGS.security.cursor_key())
    response = await http.get(
        f"{route}/cursor", params={"sort": sort, "cursor": cursor}, headers=WRITE
    )
    problem(response, 404, "not_found")


@pytest.mark.parametrize(
    ("route", "resource", "sort", "model", "sortable", "first"), FORGED, ids=FORGED_IDS
)
async def test_a_forged_value_in_an_unsigned_cursor_answers_404(
    unsigned_http: httpx.AsyncClient,
    route: str,
    resource: str,
    sort: str,
    model: type[Any],
    sortable: Any,
    first: Any,
) -> None:
    cursor = forge(resource, sort, model, sortable, first, None)
    response = await unsigned_http.get(
        f"{route}/cursor", params={"sort": sort, "cursor": cursor}, headers=WRITE
    )
    problem(response, 404, "not_found")


async def test_cursors_are_signed_and_a_tampered_or_unsigned_one_answers_404(
    http: httpx.AsyncClient,
) -> None:
    for slug in ("alpha", "beta", "gamma"):
        await new_project(http, slug)
    first = await http.get(f"{PROJECTS}/cursor", params={"sort": "slug", "limit": 1}, headers=WRITE)
    cursor = first.json()["next_cursor"]
    body, dot, signature = cursor.partition(".")
    assert dot
    assert signature
    follow = await http.get(
        f"{PROJECTS}/cursor", params={"sort": "slug", "limit": 1, "cursor": cursor}, headers=WRITE
    )
    assert [p["slug"] for p in follow.json()["items"]] == ["beta"]
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["k"][0] = "alpha0"  # a valid value the service did not hand out
    edited = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    for forged in (body, f"{edited}.{signature}", f"{body}.{signature[::-1]}"):
        response = await http.get(
            f"{PROJECTS}/cursor", params={"sort": "slug", "cursor": forged}, headers=WRITE
        )
        problem(response, 404, "not_found")


async def test_opting_out_gives_unsigned_cursors_that_work(
    unsigned_http: httpx.AsyncClient,
) -> None:
    project = await new_project(unsigned_http, "web")
    for title in ("a", "b", "c"):
        await new_task(unsigned_http, project["id"], title)
    first = await unsigned_http.get(f"{TASKS}/cursor", params={"limit": 2}, headers=WRITE)
    cursor = first.json()["next_cursor"]
    assert "." not in cursor
    follow = await unsigned_http.get(
        f"{TASKS}/cursor", params={"limit": 2, "cursor": cursor}, headers=WRITE
    )
    assert len(follow.json()["items"]) == 1
