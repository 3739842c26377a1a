"""OpenTelemetry: one request is an HTTP span with the database spans as its children, and
the request's log lines carry the same trace id (in-memory span exporter)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import APIRouter
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import text

from foundation import logger
from foundation.logging import configure_logging
from foundation.web import SessionDep, create_app
from tests.foundation.web.helpers import client, make_settings

router = APIRouter()
EXPORTER = InMemorySpanExporter()


@router.get("/traced")
async def traced(session: SessionDep) -> dict[str, Any]:
    logger.info("inside the handler")
    return {"one": await session.scalar(text("SELECT 1"))}


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):  # once per process: the global provider
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
        trace.set_tracer_provider(provider)
    EXPORTER.clear()
    yield EXPORTER
    EXPORTER.clear()


@pytest.fixture
def records() -> Iterator[list[dict[str, Any]]]:
    """The extra fields of every record, with the foundation's logging configured."""
    configure_logging(make_settings(tracing={"enabled": True}), sink=io.StringIO())
    lines: list[dict[str, Any]] = []
    sink = logger.add(lambda message: lines.append(dict(message.record["extra"])))
    yield lines
    logger.remove(sink)


async def test_a_request_is_one_trace_with_database_spans_and_traced_logs(
    db_url: str, spans: InMemorySpanExporter, records: list[dict[str, Any]]
) -> None:
    settings = make_settings(database={"url": db_url}, tracing={"enabled": True})
    app = create_app(settings, routers=[router])
    async with app.router.lifespan_context(app), client(app) as http:
        response = await http.get("/api/v1/traced")
    assert response.json() == {"one": 1}
    finished = spans.get_finished_spans()
    [server] = [s for s in finished if s.kind == trace.SpanKind.SERVER]
    assert server.attributes is not None
    assert server.attributes.get("http.route") == "/api/v1/traced"
    trace_id = server.context.trace_id
    database = [s for s in finished if s.kind == trace.SpanKind.CLIENT]
    assert database, [s.name for s in finished]
    assert all(s.context.trace_id == trace_id for s in database)
    assert any(
        s.parent is not None and s.parent.span_id == server.context.span_id for s in database
    ) or all(s.parent is not None for s in database)
    hex_id = format(trace_id, "032x")
    handler = [r for r in records if r.get("trace_id") == hex_id]
    assert {r.get("event") for r in handler} >= {
        None,
        "access",
    }  # the handler's and the access line
    assert all(r["span_id"] for r in handler)


def test_tracing_is_off_by_default() -> None:
    app = create_app(make_settings(), routers=[router])
    assert not getattr(app, "_is_instrumented_by_opentelemetry", False)
