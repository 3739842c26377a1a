"""``HEAD`` on a ``GET`` route answers like ``GET`` without a body (RFC 9110 §9.3.2)."""

from __future__ import annotations

import httpx
from fastapi import APIRouter

from foundation.web import create_app
from tests.foundation.web.helpers import client, make_settings
from tests.foundation.web.server import serving

router = APIRouter()


@router.get("/things")
async def things() -> list[str]:
    return ["thing", "other"]


@router.post("/only-post")
async def only_post() -> None:
    return None


async def test_head_answers_the_status_and_headers_of_get_without_a_body() -> None:
    async with client(create_app(make_settings(), routers=[router])) as http:
        get = await http.get("/api/v1/things")
        head = await http.head("/api/v1/things")
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"] == str(len(get.content))
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["x-request-id"]


async def test_head_on_health_and_on_a_missing_path() -> None:
    async with client(create_app(make_settings(), routers=[router])) as http:
        live = await http.head("/health/live")
        missing = await http.head("/api/v1/nothing")
        post_only = await http.head("/api/v1/only-post")
    assert live.status_code == 200
    assert (missing.status_code, missing.content) == (404, b"")
    assert (post_only.status_code, post_only.headers["allow"]) == (405, "POST")


def test_head_over_real_http_leaves_the_connection_usable() -> None:
    with (
        serving(create_app(make_settings(), routers=[router])) as url,
        httpx.Client(base_url=url) as http,
    ):
        head = http.head("/api/v1/things")
        assert (head.status_code, head.content) == (200, b"")
        assert http.get("/api/v1/things").json() == ["thing", "other"]
