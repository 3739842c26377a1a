"""``python -m bench`` (``make bench``): HTTP, depth and test-kit benchmarks, then the report.

Needs PostgreSQL (``--postgres-url``, default the local server; the database is created
when missing) and wrk (installed with apt-get when missing and running as root).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.metadata
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bench import report
from bench.server import ROOT
from bench.throughput import HttpConfig, run_http
from bench.variants import ALL, Variant

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench"
PARTS = ("http", "overhead", "depth", "testkit")


def log(message: str) -> None:
    """Progress on stderr, so stdout carries only the tables."""
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", action="append", choices=PARTS, help="run only these parts")
    parser.add_argument("--seconds", type=int, default=3, help="measured seconds per run")
    parser.add_argument("--warmup", type=int, default=1, help="warm-up seconds per run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--variants", default=",".join(v.key for v in ALL))
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    parser.add_argument("--quick", action="store_true", help="1 round of 2 s: a smoke run")
    return parser.parse_args(argv)


def ensure_wrk() -> None:
    """Install wrk from the distribution when it is missing and we may."""
    if shutil.which("wrk"):
        return
    if shutil.which("apt-get") and os.geteuid() == 0:
        log("wrk is missing: apt-get install -y wrk")
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL
        )
    if not shutil.which("wrk"):
        raise SystemExit("wrk is required: install it (Debian/Ubuntu: apt-get install wrk)")


async def ensure_postgres_database(url: str) -> str:
    """Create the benchmark database if it does not exist; return the server version."""
    import asyncpg

    parsed = make_url(url)
    dsn = parsed.set(drivername="postgresql", database="postgres").render_as_string(False)
    conn = await asyncpg.connect(dsn)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", parsed.database):
            await conn.execute(f'CREATE DATABASE "{parsed.database}"')
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


def usable_variants(keys: str) -> list[Variant]:
    """The requested variants whose application imports (the foundation's may be missing)."""
    chosen = []
    for variant in ALL:
        if variant.key not in keys.split(","):
            continue
        module = variant.target.split(":")[0]
        try:
            importlib.import_module(module)
        except ImportError as exc:
            log(f"variant {variant.key} skipped: {exc}")
            continue
        chosen.append(variant)
    return chosen


def environment(pg_version: str | None) -> dict[str, Any]:
    """What the numbers depend on."""

    def has(module: str) -> bool:
        return importlib.util.find_spec(module) is not None

    def version(distribution: str) -> str | None:
        try:
            return importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            return None

    revision = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "git": revision,
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg_version,
        "uvicorn_loop": "uvloop" if has("uvloop") else "asyncio",
        "uvicorn_http": "httptools" if has("httptools") else "h11",
        "sqlalchemy": version("sqlalchemy"),
        "fastapi": version("fastapi"),
        "advanced_alchemy": version("advanced-alchemy"),
    }


async def main(argv: list[str] | None = None) -> int:
    """Run the chosen parts and write ``bench/results/results.{json,png,md}``."""
    args = parse_args(argv)
    parts = args.only or list(PARTS)
    if args.quick:
        args.seconds, args.rounds = 2, 1
    started = time.monotonic()
    pg_version = await ensure_postgres_database(args.postgres_url)
    workdir = Path(tempfile.mkdtemp(prefix="bench-sqlite-"))
    databases = {
        "postgresql": args.postgres_url,
        "sqlite": f"sqlite+aiosqlite:///{workdir / 'bench.db'}",
    }
    databases = {k: v for k, v in databases.items() if k in args.databases.split(",")}
    env = environment(pg_version)
    log(f"bench: {env}")
    config = HttpConfig(
        seconds=args.seconds,
        warmup_seconds=args.warmup,
        rounds=args.rounds,
        connections=args.connections,
    )
    results: dict[str, Any] = {"environment": env, "config": config.__dict__}
    try:
        if "http" in parts:
            ensure_wrk()
            results["http"] = await run_http(config, databases, usable_variants(args.variants), log)
            report.add_ratios(results["http"])
        if "overhead" in parts:
            from bench.overhead import run_overhead

            results["overhead"] = await run_overhead(databases, usable_variants(args.variants), log)
        if "depth" in parts:
            from bench.depth import run_depth

            results["depth"] = await run_depth(databases, log)
        if "testkit" in parts:
            from bench.testkit import run_testkit

            results["testkit"] = await run_testkit(log)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results["seconds"] = round(time.monotonic() - started, 1)
    markdown = render(results)
    print(markdown)
    json_path = report.write_json(results)
    (report.RESULTS / "results.md").write_text(markdown + "\n")
    chart = report.write_chart(results)
    log(
        f"wrote {json_path}, {report.RESULTS / 'results.md'}"
        + (f", {chart}" if chart else " (no chart: pip install matplotlib)")
    )
    log(f"total {results['seconds']:.0f} s")
    return 0


def render(results: dict[str, Any]) -> str:
    """All tables as Markdown, with a header naming the run's conditions."""
    env = results["environment"]
    config = results["config"]
    parts = [
        f"Run {env['date']} at {env['git']}: {env['cpus']} CPUs, Python {env['python']}, "
        f"PostgreSQL {env['postgresql']}, SQLite {env['sqlite']}, "
        f"SQLAlchemy {env.get('sqlalchemy')}, FastAPI {env.get('fastapi')}, "
        f"advanced-alchemy {env.get('advanced_alchemy')}, uvicorn "
        f"({env['uvicorn_loop']}, {env['uvicorn_http']}) with one worker; wrk "
        f"{config['connections']} connections, {config['rounds']} rounds x "
        f"{config['seconds']} s (+{config['warmup_seconds']} s warm-up), medians; "
        f"{config['rows']:,} rows before each read phase; pool {config['pool_size']} per server.",
    ]
    if "http" in results:
        parts += [
            "",
            "### Requests per second and p99 latency",
            "",
            report.LEGEND,
            "",
            report.http_table(results["http"]),
        ]
    if "overhead" in results:
        parts += [
            "",
            "### In-process CPU time per request (no HTTP, one request at a time)",
            "",
            report.LEGEND,
            "",
            report.overhead_table(results["overhead"]),
        ]
    if "depth" in results:
        parts += [
            "",
            "### Page depth (PostgreSQL, repository) and bulk insert",
            "",
            report.depth_table(results["depth"]),
        ]
    if "testkit" in results:
        parts += [
            "",
            "### Repository contract suite: time per test",
            "",
            report.testkit_table(results["testkit"]),
        ]
    return "\n".join(parts)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
