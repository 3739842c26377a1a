"""CORS from settings: preflight answered for allowed origins only."""

from __future__ import annotations

from foundation.web import create_app
from tests.foundation.web.helpers import client, make_settings

ORIGIN = "https://app.example"
CORS = {"origins": [ORIGIN], "methods": ["GET", "POST"], "credentials": True}


async def test_preflight_from_an_allowed_origin() -> None:
    app = create_app(make_settings(cors=CORS))
    async with client(app) as http:
        response = await http.options(
            "/api/v1/anything",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "Authorization, Content-Type",
            },
        )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


async def test_preflight_from_another_origin_is_refused() -> None:
    app = create_app(make_settings(cors=CORS))
    async with client(app) as http:
        response = await http.options(
            "/api/v1/anything",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_simple_request_exposes_the_request_id() -> None:
    app = create_app(make_settings(cors=CORS))
    async with client(app) as http:
        response = await http.get("/health/live", headers={"Origin": ORIGIN})
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "X-Request-ID" in response.headers["access-control-expose-headers"]


async def test_no_cors_headers_without_configured_origins() -> None:
    app = create_app(make_settings())
    async with client(app) as http:
        response = await http.get("/health/live", headers={"Origin": ORIGIN})
    assert "access-control-allow-origin" not in response.headers
