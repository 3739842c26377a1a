"""No answer echoes an untrusted ``Host``: no slash redirects, and an optional allow-list."""

from __future__ import annotations

import pydantic
import pytest
from fastapi import APIRouter

from foundation import Settings
from foundation.web import create_app
from tests.foundation.web.helpers import client, make_settings

router = APIRouter()


@router.get("/things")
async def things() -> list[str]:
    return ["thing"]


@pytest.mark.parametrize("path", ["/api/v1/things/", "/health/live/"])
async def test_a_trailing_slash_is_a_404_problem_not_a_redirect_to_the_host_sent(
    path: str,
) -> None:
    async with client(create_app(make_settings(), routers=[router])) as http:
        response = await http.get(path, headers={"Host": "evil.example"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "location" not in response.headers
    assert "evil.example" not in response.text


async def test_any_host_is_served_by_default() -> None:
    async with client(create_app(make_settings(), routers=[router])) as http:
        response = await http.get("/api/v1/things", headers={"Host": "whatever.example"})
    assert response.status_code == 200


TRUSTED = ["api.example.com", "*.internal.example"]


@pytest.mark.parametrize(
    "host",
    ["api.example.com", "API.example.com:8443", "a.internal.example", "b.a.internal.example"],
)
async def test_a_trusted_host_is_served(host: str) -> None:
    app = create_app(make_settings(security={"trusted_hosts": TRUSTED}), routers=[router])
    async with client(app) as http:
        response = await http.get("/api/v1/things", headers={"Host": host})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "host",
    ["evil.example", "api.example.com.evil.example", "internal.example", "xinternal.example", ""],
)
async def test_an_untrusted_host_is_a_400_problem(host: str) -> None:
    app = create_app(make_settings(security={"trusted_hosts": TRUSTED}), routers=[router])
    async with client(app) as http:
        response = await http.get("/api/v1/things", headers={"Host": host})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "untrusted_host"
    assert body["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize("pattern", ["*example.com", "api.*.com", "**"])
def test_a_malformed_host_pattern_is_refused(pattern: str) -> None:
    with pytest.raises(pydantic.ValidationError):
        Settings(_env_file=None, security={"trusted_hosts": [pattern]})  # type: ignore[call-arg]
