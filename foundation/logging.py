"""Logging through loguru: readable lines in development, JSON lines in production.

Standard-library records (uvicorn, SQLAlchemy, Alembic) are routed into loguru, and every
record carries the current request id and actor from :mod:`foundation.context`.
"""

from __future__ import annotations

import inspect
import logging
import sys
from typing import TYPE_CHECKING, Any, TextIO

from loguru import logger

from foundation.context import actor_var, request_id_var

if TYPE_CHECKING:
    from loguru import Record

    from foundation.config import Settings

__all__ = ["configure_logging", "logger"]

_TEXT_FORMAT = (
    "<green>{time:YYYY-MM-DD HH:mm:ss.SSS}</green> | <level>{level: <8}</level> | "
    "<cyan>{name}</cyan> | rid={extra[request_id]} actor={extra[actor]} | "
    "<level>{message}</level>"
)
_ROUTED_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "sqlalchemy", "alembic")


def _add_context(record: Record) -> None:
    record["extra"].setdefault("request_id", request_id_var.get())
    record["extra"].setdefault("actor", actor_var.get())


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
    options: dict[str, Any] = {"level": settings.logging.level, "backtrace": False}
    if settings.json_logs:
        options["serialize"] = True
    else:
        options["format"] = _TEXT_FORMAT
        options["diagnose"] = False  # variable values could carry secrets
    logger.add(sink or sys.stderr, **options)
    logging.basicConfig(handlers=[InterceptHandler()], level=0, force=True)
    for name in _ROUTED_LOGGERS:
        std = logging.getLogger(name)
        std.handlers = []
        std.propagate = True
