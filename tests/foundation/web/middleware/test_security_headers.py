"""Security headers on every response; HSTS only when configured."""

from __future__ import annotations

from foundation.web import create_app
from tests.foundation.web.helpers import client, make_settings


async def test_headers_are_on_success_and_error_responses() -> None:
    app = create_app(make_settings())
    async with client(app) as http:
        for path in ("/health/live", "/api/v1/missing"):
            response = await http.get(path)
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
            assert response.headers["x-frame-options"] == "DENY"
            assert response.headers["content-security-policy"] == "frame-ancestors 'none'"
            assert "strict-transport-security" not in response.headers


async def test_hsts_when_configured() -> None:
    app = create_app(make_settings(security={"hsts_seconds": 31536000}))
    async with client(app) as http:
        response = await http.get("/health/live")
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
