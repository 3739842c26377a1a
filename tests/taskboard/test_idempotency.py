"""``Idempotency-Key`` on the reference service: a create whose answer was lost and that
is retried happens once, and every retry gets the same answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, func, select, update
from starlette.types import Message, Receive, Scope, Send
from taskboard.models import Task

from foundation import Database
from foundation.models import utcnow
from foundation.models.idempotency import IdempotencyRecord
from foundation.web.idempotency import IDEMPOTENCY_HEADER, REPLAYED_HEADER
from tests.taskboard.conftest import bearer
from tests.taskboard.test_api import PROJECTS, TASKS, new_project, problem

WRITE = bearer()


class LostAcknowledgement:
    """Runs the app to the end, then drops its answer: the client sees a reset connection
    for a write that was committed. Only the first request is hit."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.lost: list[Message] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.lost:
            await self.app(scope, receive, send)
            return

        async def swallow(message: Message) -> None:
            self.lost.append(message)

        await self.app(scope, receive, swallow)
        raise ConnectionResetError("the acknowledgement was lost on the way")

    def lost_response(self) -> tuple[int, dict[str, str], bytes]:
        start, body = self.lost[0], self.lost[1]
        headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
        return start["status"], headers, body["body"]


async def _tasks_titled(database: Database, title: str) -> int:
    async with database.reading() as connection:
        query = select(func.count()).select_from(Task).where(Task.title == title)
        return int(await connection.scalar(query) or 0)


def _keyed(key: str, actor: str = "tester") -> dict[str, str]:
    return {**bearer(actor), IDEMPOTENCY_HEADER: key}


async def test_a_retry_after_a_lost_acknowledgement_writes_once_and_answers_the_same(
    app: FastAPI, http: httpx.AsyncClient, database: Database
) -> None:
    project = await new_project(http)
    task = {"project_id": project["id"], "title": "ship it"}
    lossy = LostAcknowledgement(app)
    transport = httpx.ASGITransport(app=lossy)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as flaky:
        with pytest.raises(ConnectionResetError):
            await flaky.post(TASKS, json=task, headers=_keyed("retry-1"))
        assert await _tasks_titled(database, "ship it") == 1  # committed, never acknowledged
        retries = [await flaky.post(TASKS, json=task, headers=_keyed("retry-1")) for _ in "ab"]

    assert await _tasks_titled(database, "ship it") == 1
    status, headers, body = lossy.lost_response()
    assert status == 201
    for retry in retries:
        assert retry.status_code == 201
        assert retry.content == body  # the same task, id and version included
        assert retry.headers["location"] == headers["location"]
        assert retry.headers["etag"] == headers["etag"]
        assert retry.headers[REPLAYED_HEADER] == "true"
    assert (await http.get(headers["location"], headers=WRITE)).status_code == 200


async def test_without_a_key_a_retried_create_writes_twice(
    http: httpx.AsyncClient, database: Database
) -> None:
    project = await new_project(http)
    task = {"project_id": project["id"], "title": "twice"}
    for _ in range(2):
        assert (await http.post(TASKS, json=task, headers=WRITE)).status_code == 201
    assert await _tasks_titled(database, "twice") == 2


async def test_the_same_key_with_another_body_is_refused(
    http: httpx.AsyncClient, database: Database
) -> None:
    project = await new_project(http)
    first = {"project_id": project["id"], "title": "first"}
    assert (await http.post(TASKS, json=first, headers=_keyed("k"))).status_code == 201
    other = {**first, "title": "other"}
    problem(await http.post(TASKS, json=other, headers=_keyed("k")), 422, "idempotency_key_reused")
    # the same body in another order and spacing is the same request
    same = '{ "title": "first",  "project_id": "' + project["id"] + '" }'
    replay = await http.post(
        TASKS, content=same, headers={**_keyed("k"), "Content-Type": "application/json"}
    )
    assert replay.headers[REPLAYED_HEADER] == "true"
    # and another route is another request
    project_body = {"slug": "other", "name": "Other"}
    problem(
        await http.post(PROJECTS, json=project_body, headers=_keyed("k")),
        422,
        "idempotency_key_reused",
    )
    assert await _tasks_titled(database, "other") == 0


async def test_keys_are_scoped_per_principal(http: httpx.AsyncClient, database: Database) -> None:
    project = await new_project(http)
    task = {"project_id": project["id"], "title": "mine"}
    one = await http.post(TASKS, json=task, headers=_keyed("shared", "u1"))
    two = await http.post(TASKS, json=task, headers=_keyed("shared", "u2"))
    assert (one.status_code, two.status_code) == (201, 201)
    assert one.json()["id"] != two.json()["id"]
    assert REPLAYED_HEADER not in two.headers
    assert await _tasks_titled(database, "mine") == 2


async def test_an_expired_key_is_a_new_request(http: httpx.AsyncClient, database: Database) -> None:
    project = await new_project(http)
    task = {"project_id": project["id"], "title": "again"}
    assert (await http.post(TASKS, json=task, headers=_keyed("old"))).status_code == 201
    async with database.writing() as connection:
        await connection.execute(update(IdempotencyRecord).values(expires_at=utcnow()))
    again = await http.post(TASKS, json=task, headers=_keyed("old"))
    assert again.status_code == 201
    assert REPLAYED_HEADER not in again.headers
    assert await _tasks_titled(database, "again") == 2


async def test_a_failed_write_keeps_no_key(http: httpx.AsyncClient, database: Database) -> None:
    missing = {"project_id": "01937a4e-0000-7000-8000-000000000000", "title": "orphan"}
    for _ in range(2):  # each attempt runs, and fails, again
        problem(
            await http.post(TASKS, json=missing, headers=_keyed("bad")),
            409,
            "foreign_key_violation",
        )
    async with database.reading() as connection:
        stored = await connection.scalar(select(func.count()).select_from(IdempotencyRecord))
    assert stored == 0


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "tab\tbed"])
async def test_a_malformed_key_is_a_validation_problem(http: httpx.AsyncClient, key: str) -> None:
    project = await new_project(http)
    task = {"project_id": project["id"], "title": "t"}
    headers = {**WRITE, IDEMPOTENCY_HEADER: key}
    problem(await http.post(TASKS, json=task, headers=headers), 422, "validation_error")


async def test_a_request_without_the_key_never_touches_the_key_table(
    http: httpx.AsyncClient, database: Database
) -> None:
    project = await new_project(http)
    task = {"project_id": project["id"], "title": "plain"}
    seen: dict[str, list[str]] = {}
    for name, headers in (("plain", WRITE), ("keyed", _keyed("seen"))):
        statements = seen[name] = []
        listener: Callable[..., Any] = lambda *args, into=statements: into.append(args[2])  # noqa: E731
        event.listen(database.engine.sync_engine, "before_cursor_execute", listener)
        try:
            assert (await http.post(TASKS, json=task, headers=headers)).status_code == 201
        finally:
            event.remove(database.engine.sync_engine, "before_cursor_execute", listener)
    assert any("foundation_idempotency_keys" in s for s in seen["keyed"])
    assert not any("idempotency" in s for s in seen["plain"])
    # the keyed request costs the claim and the stored response, and nothing else changes
    assert len(seen["plain"]) < len(seen["keyed"])


def test_post_routes_document_the_header(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    for path in (PROJECTS, TASKS):
        parameters = paths[path]["post"]["parameters"]
        header = next(p for p in parameters if p["name"] == IDEMPOTENCY_HEADER)
        assert header["in"] == "header"
        assert not header.get("required", False)
        assert header["schema"]["maxLength"] == 255
        assert {"409", "422"} <= set(paths[path]["post"]["responses"])
