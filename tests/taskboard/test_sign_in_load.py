"""Sign-ins under load do not stall the server: Argon2 runs off the event loop.

A real server (``foundation serve`` with the taskboard, SQLite file, throttling off so every
attempt costs a full Argon2 check) takes 8 clients sending wrong passwords without pause,
while one more client probes ``/health/live``; the probe's p99 must stay under 50 ms (on
the event loop, each check alone took about 0.4-0.7 s here). The machine is shared, so the
load is measured in up to three rounds of 150 probes and the best round counts: outside
load only adds latency, while a blocked event loop fails every round.
"""

from __future__ import annotations

import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).parents[2]
CLIENTS = 8
PROBES = 150
ROUNDS = 3
P99_LIMIT_SECONDS = 0.050


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[math.ceil(0.99 * len(ordered)) - 1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """The taskboard served on a free port, with the user ``ada@example.com``."""
    port = _free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FOUNDATION_")}
    env = clean | {
        "PYTHONPATH": str(ROOT / "examples"),
        "FOUNDATION_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'load.db'}",
        "FOUNDATION_DATABASE__MIGRATIONS": str(ROOT / "examples" / "taskboard" / "migrations"),
        "FOUNDATION_SECURITY__SIGN_IN_FAILURES_PER_ACCOUNT": "0",
        "FOUNDATION_SECURITY__SIGN_IN_FAILURES_PER_CLIENT": "0",
        "FOUNDATION_LOGGING__LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "foundation.cli", "serve", "--port", str(port)]
    command += ["--app", "taskboard.app:create_app"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # a generous start-up guard, not a timing assertion
            if process.poll() is not None:
                pytest.fail(f"serve exited with {process.returncode}: {process.stderr.read()}")  # type: ignore[union-attr]
            try:
                httpx.get(f"{base}/health/live", timeout=5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail("serve did not answer within 60 s")
                time.sleep(0.1)
        created = subprocess.run(
            [
                sys.executable,
                "-m",
                "taskboard",
                "create-user",
                "ada@example.com",
                "--password",
                "x",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert created.returncode == 0, created.stderr
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)


def _probe(base: str, count: int) -> list[float]:
    samples = []
    with httpx.Client(base_url=base, timeout=10) as http:
        http.get("/health/live")  # the connection is open before measuring
        for _ in range(count):
            started = time.perf_counter()
            response = http.get("/health/live")
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200
            time.sleep(0.02)
    return samples


def test_health_stays_fast_while_eight_clients_send_wrong_passwords(server: str) -> None:
    idle = _probe(server, 30)
    stop = threading.Event()
    statuses: list[int] = []

    def hammer() -> None:
        with httpx.Client(base_url=server, timeout=60) as http:
            while not stop.is_set():
                response = http.post(
                    "/api/v1/auth/token",
                    data={"username": "ada@example.com", "password": "wrong horse"},
                )
                statuses.append(response.status_code)

    clients = [threading.Thread(target=hammer) for _ in range(CLIENTS)]
    for client in clients:
        client.start()
    rounds: list[float] = []
    try:
        time.sleep(1.0)  # every client has an attempt in flight
        while len(rounds) < ROUNDS and min(rounds, default=math.inf) >= P99_LIMIT_SECONDS:
            rounds.append(_p99(_probe(server, PROBES)))
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=60)
    print(  # the measured figures, shown with -s
        f"\n/health/live p99 idle {_p99(idle) * 1000:.1f} ms; under {CLIENTS} clients "
        f"{', '.join(f'{p99 * 1000:.1f}' for p99 in rounds)} ms ({PROBES} probes a round); "
        f"{len(statuses)} sign-in attempts"
    )
    assert len(statuses) >= CLIENTS  # the load was real: every client got answers
    assert set(statuses) == {401}
    assert min(rounds) < P99_LIMIT_SECONDS
