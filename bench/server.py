"""Run one variant as a single uvicorn worker on a free loopback port."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.variants import Variant

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT_S = 60.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_status(url: str) -> int | None:
    """The status of a GET, or ``None`` when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, urllib.error.URLError):
        return None


class Server:
    """A variant's uvicorn process; its output goes to a temporary log file."""

    def __init__(self, variant: Variant, database_url: str, env: dict[str, str]) -> None:
        self.variant = variant
        self.database_url = database_url
        self.env = env
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: asyncio.subprocess.Process | None = None
        self._log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - kept open for the process
            prefix=f"bench-{variant.key}-", suffix=".log", delete=False
        )

    async def start(self) -> None:
        """Start uvicorn and wait until the list endpoint answers 200."""
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            self.variant.target,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            "1",
            "--no-access-log",
            "--log-level",
            "warning",
            "--loop",
            "auto",
            "--http",
            "auto",
        ]
        if self.variant.factory:
            command.append("--factory")
        env = {**os.environ, **self.env, **self.variant.env}
        env["BENCH_DATABASE_URL"] = self.database_url
        env["PYTHONPATH"] = str(ROOT)
        self.process = await asyncio.create_subprocess_exec(
            *command, cwd=ROOT, env=env, stdout=self._log, stderr=self._log
        )
        probe = self.base_url + self.variant.list_offset.format(limit=1, offset=0)
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.returncode is not None:
                raise RuntimeError(f"{self.variant.key} exited at startup:\n{self.log_tail()}")
            status = await asyncio.to_thread(http_status, probe)
            if status == 200:
                return
            await asyncio.sleep(0.2)
        await self.stop()
        raise RuntimeError(f"{self.variant.key} did not become ready:\n{self.log_tail()}")

    async def stop(self) -> None:
        """Terminate the process (SIGTERM, then SIGKILL) and remove the log."""
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        self._log.close()
        os.unlink(self._log.name)

    @property
    def pid(self) -> int:
        """The uvicorn process id (for a profiler)."""
        assert self.process is not None
        return self.process.pid

    def cpu_seconds(self) -> float:
        """User plus system CPU time the server has used so far (Linux ``/proc``)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's output."""
        self._log.flush()
        text = Path(self._log.name).read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])
