"""One log stream: loguru lines or JSON, stdlib records routed in, request context bound."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from foundation import Settings, configure_logging, logger, request_context


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    sink = io.StringIO()
    yield sink
    logger.remove()


def _records(sink: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line)["record"] for line in sink.getvalue().splitlines() if line]


def test_production_writes_one_json_object_per_line_with_context(stream: io.StringIO) -> None:
    settings = Settings(
        app={"environment": "production"},
        security={"jwt_secret": "x" * 40},
    )
    configure_logging(settings, sink=stream)
    with request_context("req-1", "alice"):
        logger.info("inside")
    logger.info("outside")
    inside, outside = _records(stream)
    assert inside["message"] == "inside"
    assert inside["extra"] == {"request_id": "req-1", "actor": "alice"}
    assert outside["extra"] == {"request_id": None, "actor": None}


def test_standard_library_records_are_routed_through_loguru(stream: io.StringIO) -> None:
    configure_logging(Settings(logging={"json_logs": True}), sink=stream)
    with request_context("req-2", "bob"):
        logging.getLogger("uvicorn.error").warning("from uvicorn")
        logging.getLogger("sqlalchemy.engine").warning("from sqlalchemy")
    messages = {r["message"]: r for r in _records(stream)}
    assert set(messages) == {"from uvicorn", "from sqlalchemy"}
    assert messages["from uvicorn"]["level"]["name"] == "WARNING"  # type: ignore[index]
    assert messages["from sqlalchemy"]["extra"]["request_id"] == "req-2"  # type: ignore[index]


def test_development_lines_are_readable_and_respect_the_level(stream: io.StringIO) -> None:
    configure_logging(Settings(logging={"level": "WARNING"}), sink=stream)
    with request_context("req-3"):
        logger.info("hidden")
        logger.warning("shown")
    text = stream.getvalue()
    assert "hidden" not in text
    assert "shown" in text
    assert "rid=req-3" in text
    assert not text.lstrip().startswith("{")


def test_database_password_never_reaches_the_log(stream: io.StringIO) -> None:
    settings = Settings(
        database={"url": "postgresql://svc:hunter2@db.example/app"},
        logging={"json_logs": True},
    )
    configure_logging(settings, sink=stream)
    logger.info("settings {}", settings.masked())
    logger.info("repr {!r}", settings)
    assert "hunter2" not in stream.getvalue()
    assert "svc:***@db.example" in stream.getvalue()
