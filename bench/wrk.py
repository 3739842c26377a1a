"""Drive a server with wrk: a Lua script replays a list of requests and reports as JSON."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_SCRIPT = r"""
local method, body_file, paths_file = "{method}", "{body_file}", "{paths_file}"
local headers = {{["Content-Type"] = "application/json"}}
local body = nil
local paths = {{}}
local index = 0

init = function(args)
  for line in io.lines(paths_file) do paths[#paths + 1] = line end
  if body_file ~= "" then
    local handle = io.open(body_file, "rb")
    body = handle:read("*a")
    handle:close()
  end
end

request = function()
  index = index + 1
  if index > #paths then index = 1 end
  return wrk.format(method, paths[index], headers, body)
end

done = function(summary, latency, requests)
  io.write(string.format(
    'BENCH_JSON {{"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d}}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max))
end
"""


@dataclass(frozen=True)
class Load:
    """What to send: a method, the request paths (replayed in order, cycling) and a body."""

    method: str
    paths: Sequence[str]
    body: dict[str, object] | None = None


@dataclass(frozen=True)
class Measurement:
    """One wrk run: throughput, latency percentiles (ms) and failed requests."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    errors: int  # non-2xx/3xx answers and socket errors
    cpu_ms: float = 0.0  # server CPU time per request: robust when the machine is shared


def wrk_binary() -> str:
    """The wrk executable; a clear error when it is missing."""
    path = shutil.which("wrk")
    if path is None:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk")
    return path


def write_script(directory: Path, name: str, load: Load) -> Path:
    """Write the Lua script (and its request list and body) for ``load`` into ``directory``."""
    paths_file = directory / f"{name}.paths"
    paths_file.write_text("\n".join(load.paths) + "\n")
    body_file = ""
    if load.body is not None:
        body_path = directory / f"{name}.body"
        body_path.write_text(json.dumps(load.body))
        body_file = str(body_path)
    script = directory / f"{name}.lua"
    script.write_text(
        _SCRIPT.format(method=load.method, body_file=body_file, paths_file=paths_file)
    )
    return script


async def run_wrk(
    base_url: str, script: Path, *, seconds: float, connections: int, threads: int = 1
) -> Measurement:
    """Run wrk against ``base_url`` and parse the report of the script's ``done``."""
    process = await asyncio.create_subprocess_exec(
        wrk_binary(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        base_url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    text = stdout.decode(errors="replace")
    for line in text.splitlines():
        if line.startswith("BENCH_JSON "):
            data = json.loads(line.removeprefix("BENCH_JSON "))
            break
    else:
        raise RuntimeError(f"wrk gave no report:\n{text}\n{stderr.decode(errors='replace')}")
    seconds_run = data["duration_us"] / 1e6
    return Measurement(
        requests=data["requests"],
        seconds=seconds_run,
        rps=data["requests"] / seconds_run if seconds_run else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        mean_ms=data["mean_us"] / 1000,
        errors=data["status_errors"] + data["socket_errors"],
    )
