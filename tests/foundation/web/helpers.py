"""Shared helpers for HTTP tests: settings without environment, a client on the test's loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from foundation import Settings


def make_settings(**groups: Any) -> Settings:
    """Settings from keywords only (no environment, no ``.env``)."""
    groups.setdefault("database", {"url": "sqlite+aiosqlite:///:memory:"})
    return Settings(_env_file=None, **groups)


@asynccontextmanager
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client calling ``app`` in-process on the current event loop."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
