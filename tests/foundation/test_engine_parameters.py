"""SQL parameters (user data) stay out of database errors, and so out of the log, unless
``FOUNDATION_DATABASE__ECHO`` asks to debug SQL."""

from __future__ import annotations

import io
from typing import Annotated

import pytest
from fastapi import APIRouter, Body
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from foundation.config import DatabaseSettings
from foundation.db import create_engine
from foundation.logging import configure_logging, logger
from foundation.web import SessionDep, create_app
from tests.foundation.web.helpers import client, make_settings

SECRET = "hunter2-user-data"


async def _failing_statement_error(url: str, *, echo: bool) -> str:
    engine = create_engine(DatabaseSettings(url=SecretStr(url), echo=echo))
    try:
        async with engine.connect() as connection:
            with pytest.raises(DBAPIError) as info:
                await connection.execute(
                    text("SELECT * FROM no_such_table_anywhere WHERE x = :v"), {"v": SECRET}
                )
        return str(info.value)
    finally:
        await engine.dispose()


async def test_a_database_error_carries_no_parameters(db_url: str) -> None:
    message = await _failing_statement_error(db_url, echo=False)
    assert "no_such_table_anywhere" in message  # the statement is still there to debug
    assert SECRET not in message
    assert "hidden" in message


async def test_echo_shows_the_parameters_for_debugging(db_url: str) -> None:
    assert SECRET in await _failing_statement_error(db_url, echo=True)


async def test_the_log_of_a_failed_request_holds_no_parameters(db_url: str) -> None:
    router = APIRouter()

    @router.post("/lookup")
    async def lookup(session: SessionDep, q: Annotated[str, Body(embed=True)]) -> None:
        await session.execute(text("SELECT * FROM no_such_table_anywhere WHERE x = :v"), {"v": q})

    settings = make_settings(database={"url": db_url})
    sink = io.StringIO()
    configure_logging(settings, sink=sink)
    try:
        app = create_app(settings, routers=[router])
        async with app.router.lifespan_context(app), client(app) as http:
            response = await http.post("/api/v1/lookup", json={"q": SECRET})
    finally:
        logger.remove()
    assert response.status_code == 500
    assert "no_such_table_anywhere" in sink.getvalue()  # the error was logged
    assert SECRET not in sink.getvalue()
    assert SECRET not in response.text
