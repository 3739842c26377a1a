"""OpenTelemetry traces: FastAPI and SQLAlchemy instrumented by the contrib packages.

The ``[otel]`` extra (``pip install 'fastapi-foundation[otel]'``) and
``FOUNDATION_TRACING__ENABLED=true`` switch it on. The tracer provider is the process's own
when one is set (by ``opentelemetry-instrument`` or the service's code); otherwise one is
made from the standard variables: ``OTEL_SERVICE_NAME`` and ``OTEL_RESOURCE_ATTRIBUTES`` name
the service, ``OTEL_TRACES_SAMPLER`` samples, ``OTEL_TRACES_EXPORTER`` (``otlp``, which needs
``opentelemetry-exporter-otlp``, ``console`` or ``none``) exports and ``OTEL_EXPORTER_OTLP_*``
say where. Every log record written inside a span carries its ``trace_id`` and ``span_id``.
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI

from foundation.config import Settings
from foundation.errors import ConfigurationError
from foundation.logging import set_trace_ids

try:
    from opentelemetry import trace
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        ConsoleSpanExporter,
        SpanExporter,
    )
except ImportError:  # the [otel] extra is not installed
    trace = None  # type: ignore[assignment]


def current_trace_ids() -> tuple[str, str] | None:
    """The current span's trace and span ids in hex, or ``None`` outside a recorded span."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


def _exporter(name: str) -> SpanExporter | None:
    if name == "console":
        return ConsoleSpanExporter()
    if name == "otlp":
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # type: ignore[import-not-found]
                OTLPSpanExporter,
            )
        except ImportError as error:
            raise ConfigurationError(
                "OTEL_TRACES_EXPORTER=otlp needs opentelemetry-exporter-otlp installed"
            ) from error
        exporter: SpanExporter = OTLPSpanExporter()
        return exporter
    if name in ("", "none"):
        return None
    raise ConfigurationError(f"OTEL_TRACES_EXPORTER={name!r}: use otlp, console or none")


def tracer_provider() -> Any:
    """The process's tracer provider; one made from the ``OTEL_*`` variables when none is
    set yet."""
    current = trace.get_tracer_provider()
    if not isinstance(current, trace.ProxyTracerProvider):
        return current
    provider = TracerProvider(resource=Resource.create())  # reads OTEL_SERVICE_NAME & co.
    for name in os.environ.get("OTEL_TRACES_EXPORTER", "otlp").split(","):
        exporter = _exporter(name.strip())
        if exporter is not None:
            provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return provider


def install_tracing(app: FastAPI, settings: Settings) -> None:
    """Trace ``app``'s requests and every engine created from now on, when tracing is on."""
    if not settings.tracing.enabled:
        return
    if trace is None:
        raise ConfigurationError(
            "FOUNDATION_TRACING__ENABLED needs the otel extra: "
            "pip install 'fastapi-foundation[otel]'"
        )
    provider = tracer_provider()
    instrumentor = SQLAlchemyInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        # wraps engine creation: the lifespan's engine (and a replica's) are traced.
        # 0.66b2 declares "sqlalchemy < 2.1" and would do nothing on 2.1; its engine events
        # are unchanged there, which tests/foundation/web/test_tracing.py checks
        instrumentor.instrument(tracer_provider=provider, skip_dep_check=True)
    excluded = settings.metrics.path if settings.metrics.enabled else None
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls=excluded)
    set_trace_ids(current_trace_ids)
