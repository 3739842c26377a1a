"""Client address and scheme in the access log come from X-Forwarded-* only when the
request arrives from a trusted proxy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Request

from foundation import logger
from foundation.web import create_app
from tests.foundation.web.helpers import make_settings

router = APIRouter()
FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


@router.get("/seen")
async def seen(request: Request) -> dict[str, Any]:
    return {"client": request.client.host if request.client else None, "url": str(request.url)}


@pytest.fixture
def access_records() -> Iterator[list[dict[str, Any]]]:
    records: list[dict[str, Any]] = []
    sink = logger.add(
        lambda message: records.append(dict(message.record["extra"])),
        filter=lambda record: record["extra"].get("event") == "access",
    )
    yield records
    logger.remove(sink)


async def get_from(peer: str, proxies: list[str]) -> dict[str, Any]:
    app = create_app(make_settings(security={"trusted_proxies": proxies}), routers=[router])
    transport = httpx.ASGITransport(app=app, client=(peer, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://api.example") as http:
        response = await http.get("/api/v1/seen", headers=FORWARDED)
    assert response.status_code == 200
    return dict(response.json())


@pytest.mark.parametrize("proxies", [["10.0.0.2"], ["10.0.0.0/8"], ["*"]])
async def test_a_trusted_proxy_sets_client_and_scheme(
    access_records: list[dict[str, Any]], proxies: list[str]
) -> None:
    seen = await get_from("10.0.0.2", proxies)
    assert seen == {"client": "203.0.113.7", "url": "https://api.example/api/v1/seen"}
    assert [(r["client"], r["scheme"]) for r in access_records] == [("203.0.113.7", "https")]


@pytest.mark.parametrize("proxies", [[], ["10.0.0.0/8"]])
async def test_headers_from_an_untrusted_peer_are_ignored(
    access_records: list[dict[str, Any]], proxies: list[str]
) -> None:
    seen = await get_from("192.0.2.9", proxies)
    assert seen == {"client": "192.0.2.9", "url": "http://api.example/api/v1/seen"}
    assert [(r["client"], r["scheme"]) for r in access_records] == [("192.0.2.9", "http")]


def test_a_proxy_that_is_no_address_is_refused() -> None:
    with pytest.raises(ValueError, match="nginx"):
        make_settings(security={"trusted_proxies": ["nginx"]})
