"""Bodies over the limit answer 413, whether declared up front or streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request

from foundation.schemas import BaseSchema
from foundation.web import create_app
from tests.foundation.web.helpers import client, make_settings

LIMIT = 64
calls: list[str] = []


class Note(BaseSchema):
    text: str


router = APIRouter()


@router.post("/notes")
async def create(note: Note) -> dict[str, Any]:
    calls.append("notes")
    return {"length": len(note.text)}


@router.post("/raw")
async def raw(request: Request) -> dict[str, int]:
    calls.append("raw")
    return {"length": len(await request.body())}


def _app() -> Any:
    return create_app(make_settings(security={"max_body_bytes": LIMIT}), routers=[router])


async def _chunks(total: int, size: int = 16) -> AsyncIterator[bytes]:
    for start in range(0, total, size):
        yield b"x" * min(size, total - start)


async def test_body_within_the_limit_passes() -> None:
    async with client(_app()) as http:
        response = await http.post("/api/v1/notes", json={"text": "short"})
    assert response.status_code == 200
    assert response.json() == {"length": 5}


async def test_declared_length_over_the_limit_is_refused_before_the_endpoint() -> None:
    calls.clear()
    async with client(_app()) as http:
        response = await http.post("/api/v1/notes", json={"text": "x" * LIMIT})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "payload_too_large"
    assert response.json()["request_id"] == response.headers["x-request-id"]
    assert calls == []


async def test_streamed_body_over_the_limit_is_stopped_while_reading() -> None:
    calls.clear()
    async with client(_app()) as http:
        for path in ("/api/v1/notes", "/api/v1/raw"):
            response = await http.post(
                path, content=_chunks(LIMIT * 4), headers={"Content-Type": "application/json"}
            )
            assert "content-length" not in response.request.headers
            assert response.status_code == 413, (path, response.text)
            assert response.json()["code"] == "payload_too_large"
    # FastAPI reads a model body before the endpoint; a raw reader fails inside it
    assert calls == ["raw"]


async def test_streamed_body_within_the_limit_passes() -> None:
    async with client(_app()) as http:
        response = await http.post("/api/v1/raw", content=_chunks(LIMIT))
    assert response.status_code == 200
    assert response.json() == {"length": LIMIT}


async def test_unparseable_content_length_answers_400() -> None:
    async with client(_app()) as http:
        response = await http.post("/api/v1/raw", content=b"{}", headers={"Content-Length": "lots"})
    assert response.status_code == 400
    assert response.json()["code"] == "bad_content_length"
