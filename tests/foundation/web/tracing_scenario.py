"""One traced request in a process of its own (OpenTelemetry's tracer provider is global and
set once; FastAPI traces every app once one is set): ``python -m
tests.foundation.web.tracing_scenario DB_URL`` prints the finished spans and the request's
log records as JSON."""

from __future__ import annotations

import asyncio
import io
import json
import sys
from typing import Any

import httpx
from fastapi import APIRouter
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import text

from foundation import Settings, logger
from foundation.logging import configure_logging
from foundation.web import SessionDep, create_app

router = APIRouter()


@router.get("/traced")
async def traced(session: SessionDep) -> dict[str, Any]:
    logger.info("inside the handler")
    return {"one": await session.scalar(text("SELECT 1"))}


async def main(db_url: str) -> dict[str, Any]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database={"url": db_url}, tracing={"enabled": True}
    )
    configure_logging(settings, sink=io.StringIO())
    records: list[dict[str, Any]] = []
    logger.add(lambda message: records.append(dict(message.record["extra"])))
    app = create_app(settings, routers=[router])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            body = (await http.get("/api/v1/traced")).json()
    spans = [
        {
            "name": span.name,
            "kind": span.kind.name,
            "trace_id": format(span.context.trace_id, "032x"),
            "span_id": format(span.context.span_id, "016x"),
            "parent": format(span.parent.span_id, "016x") if span.parent else None,
            "route": (span.attributes or {}).get("http.route"),
        }
        for span in exporter.get_finished_spans()
    ]
    return {"body": body, "spans": spans, "records": records}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1])), default=str))
