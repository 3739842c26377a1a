"""A tiny app for ``foundation serve`` / ``openapi``: it counts authors, so it needs the schema."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import func, select

from foundation import Database, get_settings
from tests.foundation.migrations_sample.models import SampleAuthor


def create_app() -> FastAPI:
    """Build the app (a factory, as ``--app ...:create_app`` serves it)."""
    api = FastAPI(title="migrations sample", version="1.0")

    @api.get("/authors/count")
    async def count_authors() -> dict[str, Any]:
        database = Database.from_settings(get_settings().database)
        try:
            async with database.session() as session:
                total = await session.scalar(select(func.count()).select_from(SampleAuthor))
        finally:
            await database.dispose()
        return {"count": total}

    return api


app = create_app()
