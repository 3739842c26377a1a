"""Logging through loguru: readable lines in development, JSON lines in production.

Standard-library records (uvicorn, SQLAlchemy, Alembic) are routed into loguru, and every
record carries the current request id and actor from :mod:`foundation.context`.

A JSON line is one flat object per record::

    {"time": "2026-11-28T09:00:00.123456+00:00", "level": "INFO", "message": "...",
     "logger": "foundation.web.middleware.access_log", "function": "log_access", "line": 21,
     "extra": {"request_id": "...", "actor": null, "event": "access", ...}}

plus ``"exception"`` (the formatted traceback) when there is one. It is written by
:class:`JsonSink`, not loguru's ``serialize=True``, whose object nests the same facts in
twice the bytes (a preformatted text line, process and thread, elapsed time) and costs
about twice as much per record, which matters on the access log's one line per request.
"""

from __future__ import annotations

import inspect
import json
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from loguru import logger

from foundation.context import actor_var, request_id_var

if TYPE_CHECKING:
    from loguru import Message, Record

    from foundation.config import Settings

__all__ = ["JsonSink", "configure_logging", "logger", "set_trace_ids"]

_TEXT_FORMAT = (
    "<green>{time:YYYY-MM-DD HH:mm:ss.SSS}</green> | <level>{level: <8}</level> | "
    "<cyan>{name}</cyan> | rid={extra[request_id]} actor={extra[actor]} | "
    "<level>{message}</level>"
)
# one encoder for every line: ``json.dumps`` with options builds a new one per call
_encode = json.JSONEncoder(default=str, ensure_ascii=False).encode
_ROUTED_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "sqlalchemy", "alembic")


_trace_ids: Callable[[], tuple[str, str] | None] | None = None


def set_trace_ids(source: Callable[[], tuple[str, str] | None] | None) -> None:
    """Have every record carry ``trace_id`` and ``span_id`` from ``source`` (the current
    span's, hex; ``None`` outside a span); ``foundation.web.tracing`` sets it."""
    global _trace_ids
    _trace_ids = source


def _add_context(record: Record) -> None:
    extra = record["extra"]
    extra.setdefault("request_id", request_id_var.get())
    extra.setdefault("actor", actor_var.get())
    if _trace_ids is not None:
        ids = _trace_ids()
        extra.setdefault("trace_id", ids[0] if ids else None)
        extra.setdefault("span_id", ids[1] if ids else None)


class JsonSink:
    """A loguru sink writing each record to ``stream`` as one JSON object per line."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._flush = getattr(stream, "flush", None)

    def __call__(self, message: Message) -> None:
        """Write ``message``'s record (loguru calls this once per record)."""
        record = message.record
        line: dict[str, Any] = {
            "time": record["time"].isoformat(),
            "level": record["level"].name,
            "message": record["message"],
            "logger": record["name"],
            "function": record["function"],
            "line": record["line"],
            "extra": record["extra"],
        }
        if record["exception"] is not None:
            # the formatted message ends with the traceback loguru rendered (no variables)
            line["exception"] = str(message)[len(record["message"]) :].strip()
        self.stream.write(_encode(line) + "\n")
        if self._flush is not None:
            self._flush()


class InterceptHandler(logging.Handler):
    """Send standard-library log records to loguru, keeping level and caller."""

    def emit(self, record: logging.LogRecord) -> None:
        level: str | int
        try:
            level = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        frame, depth = inspect.currentframe(), 0
        while frame is not None and (depth == 0 or frame.f_code.co_filename == logging.__file__):
            frame = frame.f_back
            depth += 1
        logger.opt(depth=depth, exception=record.exc_info).log(level, record.getMessage())


def configure_logging(settings: Settings, *, sink: TextIO | None = None) -> None:
    """(Re)configure loguru and route the standard library into it; idempotent."""
    logger.remove()
    logger.configure(patcher=_add_context)
    options: dict[str, Any] = {
        "level": settings.logging.level,
        "backtrace": False,
        "diagnose": False,  # variable values could carry secrets
    }
    stream = sink or sys.stderr
    if settings.json_logs:
        logger.add(JsonSink(stream), format="{message}", **options)
    else:
        text_format = _TEXT_FORMAT
        if settings.tracing.enabled:
            if _trace_ids is None:  # until the app installs tracing: the field, empty
                set_trace_ids(lambda: None)
            text_format = text_format.replace(
                "| <level>{message}", "trace={extra[trace_id]} | <level>{message}"
            )
        logger.add(stream, format=text_format, **options)
    logging.basicConfig(handlers=[InterceptHandler()], level=0, force=True)
    for name in _ROUTED_LOGGERS:
        std = logging.getLogger(name)
        std.handlers = []
        std.propagate = True
