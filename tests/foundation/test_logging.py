"""One log stream: loguru lines or JSON, stdlib records routed in, request context bound."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import datetime

import pytest

from foundation import Settings, configure_logging, logger, request_context
from foundation.logging import info_line


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    sink = io.StringIO()
    yield sink
    logger.remove()


def _records(sink: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in sink.getvalue().splitlines() if line]


def test_production_writes_one_json_object_per_line_with_context(stream: io.StringIO) -> None:
    settings = Settings(
        app={"environment": "production"},
        security={"jwt_secret": "x" * 40, "cursor_secret": "y" * 40},
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
    assert messages["from uvicorn"]["level"] == "WARNING"
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


def test_a_json_line_is_one_flat_object_with_the_traceback_but_no_local_values(
    stream: io.StringIO,
) -> None:
    configure_logging(Settings(logging={"json_logs": True}), sink=stream)
    password = "hunter2-local"
    try:
        raise RuntimeError("boom" if password else "")
    except RuntimeError:
        logger.exception("failed with {n}", n=3)
    (record,) = _records(stream)
    assert set(record) == {
        "time",
        "level",
        "message",
        "logger",
        "function",
        "line",
        "extra",
        "exception",
    }
    assert record["level"] == "ERROR"
    assert record["message"] == "failed with 3"
    assert record["logger"] == __name__
    assert record["extra"] == {"n": 3, "request_id": None, "actor": None}
    assert datetime.fromisoformat(str(record["time"])).tzinfo is not None
    assert str(record["exception"]).startswith("Traceback")
    assert "RuntimeError: boom" in str(record["exception"])
    assert password not in stream.getvalue()  # loguru's diagnose would print local values


def _emit(**fields: object) -> None:
    # one call site for both paths, so that function and line agree
    info_line("served {path} with {status}", **fields)


def _json_settings(**logging_options: object) -> Settings:
    return Settings(logging={"json_logs": True, **logging_options})


def test_the_direct_line_is_the_line_loguru_would_write(stream: io.StringIO) -> None:
    configure_logging(_json_settings(), sink=stream)
    with request_context("req-9", "ada"), logger.contextualize(tenant="t1"):
        _emit(path="/a", status=200, event="access")  # straight to the sink
        seen: list[str] = []
        other = logger.add(seen.append, format="{message}")  # now loguru must write it
        _emit(path="/a", status=200, event="access")
        logger.remove(other)
    direct, through_loguru = _records(stream)
    assert seen == ["served /a with 200\n"]  # the other sink got its record
    assert datetime.fromisoformat(str(direct.pop("time"))).tzinfo is not None
    through_loguru.pop("time")
    assert direct == through_loguru
    assert direct["function"] == "_emit"
    assert direct["extra"] == {
        "tenant": "t1",
        "path": "/a",
        "status": 200,
        "event": "access",
        "request_id": "req-9",
        "actor": "ada",
    }


def test_the_direct_line_honours_the_level_and_a_disabled_module(stream: io.StringIO) -> None:
    configure_logging(_json_settings(level="WARNING"), sink=stream)
    _emit(path="/quiet", status=200)
    configure_logging(_json_settings(), sink=stream)
    logger.disable(__name__)
    try:
        _emit(path="/disabled", status=200)
    finally:
        logger.enable(__name__)
    _emit(path="/shown", status=200)
    assert [r["extra"]["path"] for r in _records(stream)] == ["/shown"]  # type: ignore[index]


def test_text_logs_take_loguru_for_the_line_too(stream: io.StringIO) -> None:
    configure_logging(Settings(logging={"json_logs": False}), sink=stream)
    _emit(path="/t", status=204)
    assert "served /t with 204" in stream.getvalue()
    assert not stream.getvalue().lstrip().startswith("{")


def test_values_json_cannot_hold_are_written_as_text(stream: io.StringIO) -> None:
    configure_logging(_json_settings(), sink=stream)
    _emit(path="/b", status=200, raw=b"\xff\xfe", when=datetime(2026, 1, 2, 3, 4, 5))
    (record,) = _records(stream)
    assert record["extra"]["raw"] == str(b"\xff\xfe")  # type: ignore[index]


@pytest.fixture
def standard_library() -> Iterator[None]:
    """Restore the standard library's root and the routed loggers afterwards."""
    names = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "aiosqlite")
    saved = {
        name: (std.handlers[:], std.level, std.propagate, std.disabled)
        for name in names
        for std in [logging.getLogger(name)]
    }
    yield
    for name, (handlers, level, propagate, disabled) in saved.items():
        std = logging.getLogger(name)
        std.handlers, std.level, std.propagate, std.disabled = handlers, level, propagate, disabled
    logging.getLogger().manager._clear_cache()  # type: ignore[attr-defined]


def test_standard_library_records_below_the_level_are_not_built(
    stream: io.StringIO, standard_library: None
) -> None:
    library = logging.getLogger("aiosqlite")  # two DEBUG records per call, on every query
    configure_logging(_json_settings(), sink=stream)
    assert not library.isEnabledFor(logging.DEBUG)
    library.debug("hidden")
    library.info("shown at info")
    configure_logging(_json_settings(level="DEBUG"), sink=stream)
    library.debug("shown at debug")
    assert [r["message"] for r in _records(stream)] == ["shown at info", "shown at debug"]


def test_uvicorn_access_records_stay_off_when_uvicorn_turned_them_off(
    stream: io.StringIO, standard_library: None
) -> None:
    uvicorn = pytest.importorskip("uvicorn")
    access = logging.getLogger("uvicorn.access")
    # ``uvicorn --no-access-log --log-level info``: its access logger has no handler
    uvicorn.Config("app:app", access_log=False, log_level="info")
    configure_logging(_json_settings(), sink=stream)
    assert not access.hasHandlers()  # what uvicorn checks before building each record
    access.info("a second access line")
    # uvicorn's default configuration: its access records are routed like any other
    uvicorn.Config("app:app", log_level="info")
    configure_logging(_json_settings(), sink=stream)
    access.info("routed access line")
    assert [r["message"] for r in _records(stream)] == ["routed access line"]
