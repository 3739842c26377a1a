"""``RequestMiddleware`` (what ``create_app`` installs) answers exactly as the four
single-concern middlewares stacked in its order."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Response
from starlette.middleware import Middleware

from foundation import logger
from foundation.web import (
    AccessLogMiddleware,
    HeadMiddleware,
    RequestIdMiddleware,
    RequestMiddleware,
    SecurityHeadersMiddleware,
)
from tests.foundation.web.helpers import client

STACKED = [
    Middleware(RequestIdMiddleware),
    Middleware(AccessLogMiddleware),
    Middleware(SecurityHeadersMiddleware, hsts_seconds=60),
    Middleware(HeadMiddleware),
]
COMBINED = [Middleware(RequestMiddleware, hsts_seconds=60)]


def _app(middleware: list[Middleware]) -> FastAPI:
    app = FastAPI(middleware=middleware)

    @app.get("/own")
    async def own() -> Response:
        # a header of its own is kept; a request id of its own is replaced
        return Response(headers={"X-Frame-Options": "SAMEORIGIN", "X-Request-ID": "mine"})

    return app


async def _answers(middleware: list[Middleware]) -> list[Any]:
    records: list[dict[str, Any]] = []
    sink = logger.add(
        lambda message: records.append(dict(message.record["extra"])),
        filter=lambda record: record["extra"].get("event") == "access",
    )
    answers: list[Any] = []
    try:
        async with client(_app(middleware)) as http:
            for method, path, rid in (
                ("GET", "/own", "given-1"),
                ("GET", "/missing", "bad id!"),
                ("GET", "/own", None),
                ("HEAD", "/own", "given-2"),
            ):
                headers = {"X-Request-ID": rid} if rid else {}
                response = await http.request(method, path, headers=headers)
                answers.append(
                    (response.status_code, sorted(response.headers.items()), response.content)
                )
    finally:
        logger.remove(sink)
    for record in records:  # fresh ids and durations differ from run to run
        record.pop("duration_ms")
    answers.append(records)
    return answers


def _fresh_ids_masked(answers: list[Any]) -> list[Any]:
    def mask(value: Any) -> Any:
        return "<fresh>" if isinstance(value, str) and len(value) == 32 else value

    masked = []
    for answer in answers[:-1]:
        status, headers, body = answer
        masked.append((status, [(name, mask(value)) for name, value in headers], body))
    masked.append([{k: mask(v) for k, v in record.items()} for record in answers[-1]])
    return masked


async def test_one_layer_answers_as_the_four_it_replaces() -> None:
    combined = _fresh_ids_masked(await _answers(COMBINED))
    assert combined == _fresh_ids_masked(await _answers(STACKED))
    own = dict(combined[0][1])
    assert own["x-request-id"] == "given-1"
    assert own["x-frame-options"] == "SAMEORIGIN"
    assert own["strict-transport-security"] == "max-age=60; includeSubDomains"
    assert dict(combined[1][1])["x-request-id"] == "<fresh>"  # the malformed one is replaced
    assert [record["status"] for record in combined[-1]] == [200, 404, 200, 200]
    assert combined[3][2] == b""  # HEAD: the headers of GET, no body
    assert [record["request_id"] for record in combined[-1]] == [
        "given-1",
        "<fresh>",
        "<fresh>",
        "given-2",
    ]
    assert [record["method"] for record in combined[-1]] == ["GET", "GET", "GET", "HEAD"]
