"""Prometheus metrics of the foundation, in ``prometheus-client``'s default registry.

The metric families exist in every process; values move only where something is measured:
the web layer measures requests only when ``FOUNDATION_METRICS__ENABLED`` installs its
middleware, the database only when the app instruments its engine, services only once
``enable()`` has been called. Failed and throttled sign-ins are rare and always counted.

Several worker processes: ``prometheus-client``'s multiprocess mode. Set
``PROMETHEUS_MULTIPROC_DIR`` to an empty, writable directory before the processes start
(``foundation serve`` empties it); each process writes its values there and a scrape of any
worker adds them up (gauges of live processes only).
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as _multiprocess

__all__ = [
    "CONTENT_TYPE_LATEST",
    "MULTIPROCESS_ENV",
    "enable",
    "enabled",
    "exposition",
    "forget_process",
    "multiprocess_directory",
]

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

# -- HTTP (foundation.web.metrics) -------------------------------------------------------
HTTP_REQUESTS = Counter(
    "foundation_http_requests",
    "HTTP requests answered, by method, route template and status class",
    ("method", "route", "status"),
)
HTTP_DURATION = Histogram(
    "foundation_http_request_duration_seconds",
    "Time from the request's arrival to the end of its response, by route template",
    ("method", "route"),
)
HTTP_IN_FLIGHT = Gauge(
    "foundation_http_requests_in_flight",
    "HTTP requests being handled now",
    multiprocess_mode="livesum",
)

# -- database (foundation.db.instrument) -------------------------------------------------
DB_POOL_SIZE = Gauge(
    "foundation_db_pool_size",
    "Connections the pool keeps open",
    ("database",),
    multiprocess_mode="livesum",
)
DB_POOL_CHECKED_OUT = Gauge(
    "foundation_db_pool_checked_out",
    "Pooled connections in use",
    ("database",),
    multiprocess_mode="livesum",
)
DB_POOL_OVERFLOW = Gauge(
    "foundation_db_pool_overflow",
    "Connections open beyond the pool's size",
    ("database",),
    multiprocess_mode="livesum",
)
DB_QUERY_DURATION = Histogram(
    "foundation_db_query_duration_seconds",
    "Time the database driver took per statement",
    ("database",),
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

# -- services (BaseService.on_operation) -------------------------------------------------
SERVICE_OPERATION_DURATION = Histogram(
    "foundation_service_operation_duration_seconds",
    "Time of service operations, by service, operation and outcome (ok or the error code)",
    ("service", "operation", "outcome"),
)

# -- security ----------------------------------------------------------------------------
SIGN_IN_FAILURES = Counter(
    "foundation_sign_in_failures", "Sign-ins refused for a wrong account or password"
)
SIGN_INS_THROTTLED = Counter(
    "foundation_sign_ins_throttled", "Sign-ins refused with 429 for too many failures"
)

_enabled = False


def enable() -> None:
    """Measure service operations from now on in this process (``create_app`` calls it when
    metrics are switched on)."""
    global _enabled
    _enabled = True


def enabled() -> bool:
    """Whether ``enable()`` has been called in this process."""
    return _enabled


def multiprocess_directory() -> str | None:
    """``PROMETHEUS_MULTIPROC_DIR`` when set: the processes share their values there."""
    return os.environ.get(MULTIPROCESS_ENV) or None


def exposition() -> bytes:
    """The text a scrape receives: this process's values, or every live worker's."""
    directory = multiprocess_directory()
    if directory is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    _multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]  # untyped in prometheus-client
    return generate_latest(registry)


def forget_process(pid: int | None = None) -> None:
    """Drop an ending worker's live gauges from the shared directory (multiprocess mode)."""
    directory = multiprocess_directory()
    if directory is not None:
        _multiprocess.mark_process_dead(pid or os.getpid(), directory)  # type: ignore[no-untyped-call]  # untyped upstream


def clear_directory() -> None:
    """Empty the multiprocess directory before workers start (values of a previous run would
    otherwise be added to this run's); creates it when missing."""
    directory = multiprocess_directory()
    if directory is None:
        return
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))
