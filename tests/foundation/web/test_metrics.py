"""The Prometheus endpoint: off by default, guarded, and requests labelled by route template."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.pool import QueuePool

from foundation import Database
from foundation.security.throttle import SignInThrottle, TooManySignInsError
from foundation.web import SessionDep, create_app
from foundation.web.metrics import MetricsMiddleware
from tests.foundation.web.helpers import client, make_settings

router = APIRouter()


@router.get("/things/{thing_id}")
async def thing(thing_id: int) -> dict[str, int]:
    return {"id": thing_id}


@router.get("/now")
async def now(session: SessionDep) -> dict[str, Any]:
    return {"one": await session.scalar(text("SELECT 1"))}


def sample(name: str, **labels: str) -> float:
    """The current value of one series (0 when it does not exist yet)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def metrics_app(database: Database | None = None, **metrics: Any) -> FastAPI:
    return create_app(
        make_settings(metrics={"enabled": True, **metrics}), routers=[router], database=database
    )


def from_client(app: FastAPI, host: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(host, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_metrics_are_off_by_default_with_no_route_and_no_middleware() -> None:
    app = create_app(make_settings(), routers=[router])
    async with client(app) as http:
        response = await http.get("/metrics")
    assert response.status_code == 404
    assert all(m.cls is not MetricsMiddleware for m in app.user_middleware)


async def test_requests_are_counted_by_route_template_and_status_class() -> None:
    app = metrics_app()
    route = "/api/v1/things/{thing_id}"
    ok, bad = (
        sample("foundation_http_requests_total", method="GET", route=route, status=s)
        for s in ("2xx", "4xx")
    )
    timed = sample("foundation_http_request_duration_seconds_count", method="GET", route=route)
    unmatched = sample(
        "foundation_http_requests_total", method="GET", route="unmatched", status="4xx"
    )
    async with client(app) as http:
        assert (await http.get("/api/v1/things/1")).status_code == 200
        assert (await http.get("/api/v1/things/2")).status_code == 200
        assert (await http.get("/api/v1/things/nope")).status_code == 422
        assert (await http.get("/no/such/path")).status_code == 404
        scrape = await http.get("/metrics")
    assert (
        sample("foundation_http_requests_total", method="GET", route=route, status="2xx") == ok + 2
    )
    assert (
        sample("foundation_http_requests_total", method="GET", route=route, status="4xx") == bad + 1
    )
    assert (
        sample("foundation_http_request_duration_seconds_count", method="GET", route=route)
        == timed + 3
    )
    assert (
        sample("foundation_http_requests_total", method="GET", route="unmatched", status="4xx")
        == unmatched + 1
    )
    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain")
    body = scrape.text
    assert 'route="/api/v1/things/{thing_id}"' in body
    assert "/things/1" not in body  # raw paths never become labels
    assert "foundation_http_requests_in_flight" in body


async def test_the_endpoint_is_not_in_the_openapi_document() -> None:
    app = metrics_app()
    async with client(app) as http:
        paths = (await http.get("/openapi.json")).json()["paths"]
    assert "/metrics" not in paths
    assert "/api/v1/things/{thing_id}" in paths


async def test_a_client_outside_the_allowed_networks_is_refused() -> None:
    app = metrics_app(allowed_networks=["10.0.0.0/8"])
    async with from_client(app, "192.0.2.9") as outsider, from_client(app, "10.1.2.3") as inside:
        refused = await outsider.get("/metrics")
        allowed = await inside.get("/metrics")
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert "foundation_" not in refused.text
    assert allowed.status_code == 200


async def test_a_token_is_required_when_set() -> None:
    app = metrics_app(allowed_networks=[], token="s3cret-scrape-token")
    async with from_client(app, "198.51.100.7") as http:
        missing = await http.get("/metrics")
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
        right = await http.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape-token"})
    assert missing.status_code == wrong.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert right.status_code == 200
    assert "foundation_http_requests_total" in right.text


async def test_queries_and_the_pool_are_measured(database: Database) -> None:
    app = metrics_app(database)
    queries = sample("foundation_db_query_duration_seconds_count", database="primary")
    async with app.router.lifespan_context(app), client(app) as http:
        assert (await http.get("/api/v1/now")).json() == {"one": 1}
        scrape = (await http.get("/metrics")).text
    assert sample("foundation_db_query_duration_seconds_count", database="primary") > queries
    pool = database.engine.pool
    if isinstance(pool, QueuePool):  # in-memory SQLite shares one connection: no pool
        assert sample("foundation_db_pool_size", database="primary") == pool.size()
        # the test's own connection (isolation) is checked out for the whole test
        assert sample("foundation_db_pool_checked_out", database="primary") >= 1
        assert "foundation_db_pool_overflow" in scrape


async def test_failed_and_throttled_sign_ins_are_counted(database: Database) -> None:
    throttle = SignInThrottle(database, per_account=2, per_client=0, window=timedelta(minutes=5))
    failures = sample("foundation_sign_in_failures_total")
    throttled = sample("foundation_sign_ins_throttled_total")
    for _ in range(2):
        await throttle.check("grace", "10.0.0.1")
        await throttle.record_failure("grace", "10.0.0.1")
    with pytest.raises(TooManySignInsError):
        await throttle.check("grace", "10.0.0.1")
    assert sample("foundation_sign_in_failures_total") == failures + 2
    assert sample("foundation_sign_ins_throttled_total") == throttled + 1
