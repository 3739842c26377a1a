"""The request id: accepted when well-formed, generated otherwise, echoed and logged."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import Iterator

import pytest
from fastapi import APIRouter

from foundation import configure_logging, current_request_id, logger
from foundation.web import create_app
from tests.foundation.web.helpers import client, make_settings

router = APIRouter()


@router.get("/echo")
async def echo() -> dict[str, str | None]:
    logger.info("inside the endpoint")
    return {"request_id": current_request_id()}


APP = create_app(make_settings(), routers=[router])


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Capture JSON log lines; restore loguru and the standard library's root afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging(make_settings(logging={"json_logs": True}), sink=stream)
    yield stream
    logger.remove()
    logger.add(sys.__stderr__ or sys.stderr)
    root.handlers, root.level = handlers, level


@pytest.mark.parametrize(
    "value", ["abc-123", "0193a3c4-5d6e-7f80-9123-456789abcdef", "a" * 128, "svc:1.2_x"]
)
async def test_well_formed_incoming_id_is_kept(value: str) -> None:
    async with client(APP) as http:
        response = await http.get("/api/v1/echo", headers={"X-Request-ID": value})
    assert response.headers["x-request-id"] == value
    assert response.json() == {"request_id": value}


@pytest.mark.parametrize(
    "value", ["", "a" * 129, "has space", "new\\nline", "<script>", "ünïcode", "a;b", "a/b"]
)
async def test_malformed_incoming_id_is_replaced(value: str) -> None:
    async with client(APP) as http:
        response = await http.get("/api/v1/echo", headers=[(b"X-Request-ID", value.encode())])
    generated = response.headers["x-request-id"]
    assert generated != value
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert response.json() == {"request_id": generated}


async def test_missing_id_is_generated_fresh_for_each_request() -> None:
    async with client(APP) as http:
        first = (await http.get("/api/v1/echo")).headers["x-request-id"]
        second = (await http.get("/api/v1/echo")).headers["x-request-id"]
    assert first != second


async def test_id_is_on_error_responses_and_in_their_problem() -> None:
    async with client(APP) as http:
        response = await http.get("/api/v1/missing", headers={"X-Request-ID": "err-42"})
    assert response.status_code == 404
    assert response.headers["x-request-id"] == "err-42"
    assert response.json()["request_id"] == "err-42"


async def test_every_log_record_of_the_request_carries_its_id(log_lines: io.StringIO) -> None:
    async with client(APP) as http:
        await http.get("/api/v1/echo", headers={"X-Request-ID": "logged-7"})
    records = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    mine = [r for r in records if r["message"] == "inside the endpoint"]
    assert len(mine) == 1
    assert mine[0]["extra"]["request_id"] == "logged-7"
    assert current_request_id() is None  # unbound once the request is over
