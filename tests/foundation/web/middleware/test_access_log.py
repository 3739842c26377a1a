"""One structured access record per request, with the actor when authenticated."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import APIRouter

from foundation import logger
from foundation.security import JWTCodec
from foundation.web import PrincipalDep, create_app
from tests.foundation.web.helpers import client, make_settings

SETTINGS = make_settings()
router = APIRouter()


@router.get("/private")
async def private(principal: PrincipalDep) -> dict[str, str]:
    return {"subject": principal.subject}


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("boom")


@pytest.fixture
def access_records() -> Iterator[list[dict[str, Any]]]:
    records: list[dict[str, Any]] = []
    sink = logger.add(
        lambda message: records.append(dict(message.record["extra"])),
        filter=lambda record: record["extra"].get("event") == "access",
    )
    yield records
    logger.remove(sink)


async def test_one_record_per_request_with_its_fields(
    access_records: list[dict[str, Any]],
) -> None:
    app = create_app(SETTINGS, routers=[router])
    token = JWTCodec.from_settings(SETTINGS.security).issue("ada")
    async with client(app) as http:
        await http.get(
            "/api/v1/private?secret=1",
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": "acc-1"},
        )
    assert len(access_records) == 1
    record = access_records[0]
    assert record["method"] == "GET"
    assert record["path"] == "/api/v1/private"  # no query string: it may carry secrets
    assert record["status"] == 200
    assert record["request_id"] == "acc-1"
    assert record["actor"] == "ada"
    assert isinstance(record["duration_ms"], float)
    assert record["duration_ms"] >= 0


async def test_anonymous_and_failed_requests_are_logged_with_their_status(
    access_records: list[dict[str, Any]],
) -> None:
    app = create_app(SETTINGS, routers=[router])
    async with client(app) as http:
        await http.get("/api/v1/private")
        await http.get("/api/v1/boom")
    assert [(r["status"], r["actor"]) for r in access_records] == [(401, None), (500, None)]


async def test_access_log_can_be_switched_off(access_records: list[dict[str, Any]]) -> None:
    app = create_app(make_settings(logging={"access_log": False}), routers=[router])
    async with client(app) as http:
        await http.get("/health/live")
    assert access_records == []
