"""Logging through loguru: readable lines in development, JSON lines in production.

Standard-library records (uvicorn, SQLAlchemy, Alembic) are routed into loguru, and every
record carries the current request id and actor from :mod:`foundation.context`.

A JSON line is one flat object per record::

    {"time":"2026-11-28T09:00:00.123456+00:00","level":"INFO","message":"...",
     "logger":"foundation.web.middleware.access_log","function":"log_access","line":21,
     "extra":{"request_id":"...","actor":null,"event":"access",...}}

plus ``"exception"`` (the formatted traceback) when there is one. It is written by
:class:`JsonSink`, not loguru's ``serialize=True``, whose object nests the same facts in
twice the bytes (a preformatted text line, process and thread, elapsed time) and costs
about twice as much per record, which matters on the access log's one line per request.

``info_line`` is ``logger.info`` for lines written on every request (the access log): when
the JSON sink is loguru's only handler and nothing else could change the record (no other
sink, the foundation's patcher, the module enabled, INFO passing the level), it writes the
same line straight to that sink, skipping loguru's full record build (caller frame, thread
and process, elapsed time, level objects); otherwise it is ``logger.info``.
"""

from __future__ import annotations

import inspect
import json
import logging
import sys
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from loguru import logger
from pydantic_core import to_json

from foundation.context import actor_var, request_id_var

if TYPE_CHECKING:
    from loguru import Message, Record

    from foundation.config import Settings

__all__ = ["JsonSink", "configure_logging", "info_line", "logger", "set_trace_ids"]

_TEXT_FORMAT = (
    "<green>{time:YYYY-MM-DD HH:mm:ss.SSS}</green> | <level>{level: <8}</level> | "
    "<cyan>{name}</cyan> | rid={extra[request_id]} actor={extra[actor]} | "
    "<level>{message}</level>"
)
# the fallback encoder: ``json.dumps`` with options builds a new one per call
_json_encode = json.JSONEncoder(default=str, ensure_ascii=False).encode


def _encode(line: dict[str, Any]) -> str:
    """One compact JSON object: pydantic-core's encoder (about twice as fast as the standard
    library's), the standard library's where it refuses a value (bytes that are not UTF-8)."""
    try:
        return to_json(line, fallback=str).decode()
    except ValueError:
        return _json_encode(line)


_ROUTED_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "sqlalchemy", "alembic")


_trace_ids: Callable[[], tuple[str, str] | None] | None = None


def set_trace_ids(source: Callable[[], tuple[str, str] | None] | None) -> None:
    """Have every record carry ``trace_id`` and ``span_id`` from ``source`` (the current
    span's, hex; ``None`` outside a span); ``foundation.web.tracing`` sets it."""
    global _trace_ids
    _trace_ids = source


def _add_context(record: Record) -> None:
    _context_into(record["extra"])


def _context_into(extra: dict[str, Any]) -> None:
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
        # loguru serializes its calls to a sink; ``info_line`` writes from outside it
        self._lock = threading.Lock()

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
        self.write_line(line)

    def write_line(self, line: dict[str, Any]) -> None:
        """Write one record's object as a line (not ``write``: loguru would take the sink
        for a stream and hand it text)."""
        text = _encode(line) + "\n"
        with self._lock:
            self.stream.write(text)
            if self._flush is not None:
                self._flush()


class _Direct:
    """What ``info_line`` needs to bypass loguru: the JSON sink and its handler."""

    __slots__ = ("core", "handler_id", "sink")

    def __init__(self, sink: JsonSink, handler_id: int, core: Any) -> None:
        self.sink = sink
        self.handler_id = handler_id
        self.core = core

    @classmethod
    def of(cls, sink: JsonSink, handler_id: int) -> _Direct | None:
        """The bypass for ``sink``, or ``None`` when loguru's internals are not the ones
        it reads (another loguru version): then every line goes through loguru."""
        core = getattr(logger, "_core", None)
        needed = ("handlers", "min_level", "patcher", "enabled", "extra")
        if _loguru_context is None or not all(hasattr(core, name) for name in needed):
            return None
        return cls(sink, handler_id, core)

    def usable(self, name: str) -> bool:
        """Whether loguru would do nothing but hand an INFO record of ``name`` to the sink."""
        core = self.core
        handlers = core.handlers
        return (
            len(handlers) == 1
            and self.handler_id in handlers
            and core.min_level <= _INFO
            and core.patcher is _add_context
            and core.enabled.get(name) is True
        )


_INFO = 20
_direct: _Direct | None = None
try:  # ``logger.contextualize()`` values, as loguru's records carry them
    from loguru._logger import context as _loguru_context
except ImportError:  # pragma: no cover - another loguru layout: always through loguru
    _loguru_context = None


def info_line(message: str, **fields: Any) -> None:
    """``logger.info(message, **fields)`` (fields formatted into ``message`` and kept in
    ``extra``), written straight to the JSON sink when nothing else would see the record."""
    direct = _direct
    frame = sys._getframe(1)
    name = frame.f_globals.get("__name__", "")
    if direct is None or not direct.usable(name):
        logger.opt(depth=1).info(message, **fields)
        return
    core = direct.core
    extra = {**core.extra, **_loguru_context.get(), **fields}
    _context_into(extra)  # the patcher's part
    direct.sink.write_line(
        {
            # loguru's time: local, with its offset (``datetime.now().astimezone()``)
            "time": datetime.now().astimezone().isoformat(),
            "level": "INFO",
            "message": message.format(**fields),
            "logger": name,
            "function": frame.f_code.co_name,
            "line": frame.f_lineno,
            "extra": extra,
        }
    )


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
    global _direct
    _direct = None
    logger.remove()
    logger.configure(patcher=_add_context)
    options: dict[str, Any] = {
        "level": settings.logging.level,
        "backtrace": False,
        "diagnose": False,  # variable values could carry secrets
    }
    stream = sink or sys.stderr
    if settings.json_logs:
        json_sink = JsonSink(stream)
        handler_id = logger.add(json_sink, format="{message}", **options)
        _direct = _Direct.of(json_sink, handler_id)
    else:
        text_format = _TEXT_FORMAT
        if settings.tracing.enabled:
            if _trace_ids is None:  # until the app installs tracing: the field, empty
                set_trace_ids(lambda: None)
            text_format = text_format.replace(
                "| <level>{message}", "trace={extra[trace_id]} | <level>{message}"
            )
        logger.add(stream, format=text_format, **options)
    # the root's level is the loguru handler's: a standard-library record below it would be
    # built, routed and then dropped by loguru (aiosqlite logs two DEBUG records per call on
    # its worker thread, about 20 µs each, while holding the GIL)
    level = logger.level(settings.logging.level).no
    logging.basicConfig(handlers=[InterceptHandler()], level=level, force=True)
    for name in _ROUTED_LOGGERS:
        std = logging.getLogger(name)
        if not std.handlers and not std.propagate:
            # switched off (``uvicorn --no-access-log`` leaves this): routing it would
            # turn uvicorn's access record back on, a second line for every request
            continue
        std.handlers = []
        std.propagate = True
