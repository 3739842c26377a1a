"""`foundation serve` with several workers: all answer, metrics add up across them, proxy
headers count only from trusted proxies, and every worker shuts down gracefully."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.taskboard.live_server import free_port, wait_until_ready

ROOT = Path(__file__).resolve().parents[2]
APP = "tests.foundation.workers_sample:app"


class Server:
    """A `foundation serve` process and its base URL."""

    def __init__(self, process: subprocess.Popen[str], base: str) -> None:
        self.process = process
        self.base = base

    def get(self, path: str, **options: Any) -> httpx.Response:
        # a new connection per call, so that the kernel may hand it to any worker
        return httpx.get(self.base + path, timeout=10, **options)


def serve(tmp_path: Path, workers: int, **settings: str) -> Iterator[Server]:
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FOUNDATION_")}
    clean.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env = clean | {
        "FOUNDATION_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'workers.db'}",
        "FOUNDATION_DATABASE__MIGRATE_ON_START": "false",
        "WORKERS_SAMPLE_SHUTDOWN_DIR": str(tmp_path),
        **settings,
    }
    command = [sys.executable, "-m", "foundation.cli", "serve", "--app", APP]
    process = subprocess.Popen(
        [*command, "--port", str(port), "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/health/live", process)
        yield Server(process, f"http://127.0.0.1:{port}")
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)


def worker_pids(server: Server, workers: int) -> tuple[set[int], int]:
    """Ask until ``workers`` distinct processes have answered (a generous bound); the
    process ids and the number of requests it took."""
    pids: set[int] = set()
    for asked in range(1, 401):
        pids.add(server.get("/api/v1/whoami").json()["pid"])
        if len(pids) == workers:
            return pids, asked
    pytest.fail(f"only {len(pids)} of {workers} workers answered 400 requests")


def counter(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[Server]:
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"stale")  # a previous run's: serve removes it
    yield from serve(
        tmp_path,
        2,
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        FOUNDATION_METRICS__ENABLED="true",
        FOUNDATION_SECURITY__TRUSTED_PROXIES='["127.0.0.1"]',
    )


def test_two_workers_answer_add_up_their_metrics_and_shut_down_gracefully(
    two_workers: Server, tmp_path: Path
) -> None:
    server = two_workers
    pids, asked = worker_pids(server, 2)
    assert server.process.pid not in pids  # the supervisor serves nothing itself
    for _ in range(10):
        assert server.get("/api/v1/whoami").status_code == 200

    # multiprocess mode: whichever worker answers the scrape reports both workers' requests
    scrapes = [server.get("/metrics") for _ in range(6)]
    assert {s.status_code for s in scrapes} == {200}
    totals = {
        counter(s.text, "foundation_http_requests_total", route="/api/v1/whoami", status="2xx")
        for s in scrapes
    }
    # the same sum whichever worker answered: every request of either worker
    assert totals == {asked + 10}
    # each worker has its own pool (SQLite file: size 5); the gauge sums the live workers
    assert counter(scrapes[-1].text, "foundation_db_pool_size", database="primary") == 10

    # a trusted proxy (127.0.0.1 here) reports the client and the scheme
    forwarded = server.get(
        "/api/v1/whoami",
        headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
    ).json()
    assert (forwarded["client"], forwarded["scheme"]) == ("203.0.113.7", "https")

    # graceful shutdown: a request in flight is answered, then both workers finish
    slow: list[httpx.Response] = []
    request = threading.Thread(target=lambda: slow.append(server.get("/api/v1/slow")))
    request.start()
    time.sleep(0.5)
    server.process.send_signal(signal.SIGTERM)
    request.join(30)
    _, err = server.process.communicate(timeout=30)
    assert [r.status_code for r in slow] == [200], err
    assert server.process.returncode in (0, -signal.SIGTERM), err
    down = {int(p.name) for p in tmp_path.iterdir() if p.name.isdigit()}
    assert down == pids, err  # each worker ran its lifespan's shutdown
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_proxy_headers_are_ignored_unless_the_proxy_is_trusted(tmp_path: Path) -> None:
    for server in serve(tmp_path, 1):
        seen = server.get(
            "/api/v1/whoami",
            headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
        ).json()
        assert (seen["client"], seen["scheme"]) == ("127.0.0.1", "http")
