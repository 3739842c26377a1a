"""The reference service served as `make run` serves it, on a free port and a fresh SQLite file.

`foundation serve` with taskboard's app and migrations (applied on start, as on SQLite by
default); tests that need a real server (a browser, curl) use it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def taskboard_environment(folder: Path, **settings: str) -> dict[str, str]:
    """`make run`'s environment with the database in ``folder``, plus ``settings``; no other
    ``FOUNDATION_*`` variable of the caller leaks in."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FOUNDATION_")}
    return clean | {
        "PYTHONPATH": os.pathsep.join(filter(None, ["examples", clean.get("PYTHONPATH")])),
        "FOUNDATION_DATABASE__MIGRATIONS": "examples/taskboard/migrations",
        "FOUNDATION_DATABASE__URL": f"sqlite+aiosqlite:///{folder / 'taskboard.db'}",
        **settings,
    }


def serve_taskboard(folder: Path, settings: Mapping[str, str] | None = None) -> Iterator[str]:
    """Serve taskboard with its database in ``folder``; yields the base URL, stops it after."""
    port = free_port()
    command = Path(sys.executable).with_name("foundation")
    assert command.exists(), f"the `foundation` command is not installed beside {sys.executable}"
    server = subprocess.Popen(
        [command, "serve", "--app", "taskboard.app:create_app", "--port", str(port)],
        cwd=ROOT,
        env=taskboard_environment(folder, **(settings or {})),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://{LOOPBACK}:{port}"
    try:
        wait_until_ready(f"{base}/health/live", server)
        yield base
    finally:
        server.terminate()
        server.communicate(timeout=30)


def wait_until_ready(url: str, server: subprocess.Popen[str]) -> None:
    """Return once ``url`` answers (a generous guard, not a timing assertion)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            _, err = server.communicate()
            pytest.fail(f"foundation serve exited with {server.returncode}: {err}")
        try:
            httpx.get(url, timeout=5).raise_for_status()
            return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("foundation serve did not answer within 60 s")
