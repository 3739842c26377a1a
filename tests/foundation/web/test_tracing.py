"""OpenTelemetry: one request is an HTTP span with the database spans as its children, and
the request's log lines carry the same trace id (in-memory span exporter, in a process of
its own: see ``tracing_scenario``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from fastapi import APIRouter

from foundation.web import create_app
from tests.foundation.web.helpers import make_settings

ROOT = Path(__file__).resolve().parents[3]


def test_a_request_is_one_trace_with_database_spans_and_traced_logs(db_url: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.foundation.web.tracing_scenario", db_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["body"] == {"one": 1}
    spans = result["spans"]
    [server] = [s for s in spans if s["kind"] == "SERVER"]
    assert server["route"] == "/api/v1/traced"
    database = [s for s in spans if s["kind"] == "CLIENT"]
    assert database, [s["name"] for s in spans]
    # the statements are children of the request's span, in its trace
    assert {s["trace_id"] for s in database} == {server["trace_id"]}
    assert {s["parent"] for s in database} == {server["span_id"]}
    request = [r for r in result["records"] if r.get("request_id") is not None]
    assert [r.get("event") for r in request] == [None, "access"]  # the handler's, the access
    assert {r["trace_id"] for r in request} == {server["trace_id"]}
    assert all(r["span_id"] for r in request)


def test_tracing_is_off_by_default() -> None:
    app = create_app(make_settings(), routers=[APIRouter()])
    assert not getattr(app, "_is_instrumented_by_opentelemetry", False)
