"""A foundation app for ``foundation serve`` tests: it logs its own access lines."""

from __future__ import annotations

from fastapi import APIRouter

from foundation.web import create_app

router = APIRouter()


@router.get("/ping")
async def ping() -> dict[str, str]:
    return {"pong": "yes"}


app = create_app(routers=[router])
