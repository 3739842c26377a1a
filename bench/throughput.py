"""The HTTP benchmark: every operation on every variant, interleaved rounds, medians."""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from bench.data import Store, new_rows
from bench.server import Server
from bench.variants import Variant
from bench.wrk import Load, Measurement, run_wrk, write_script

OPERATIONS = ("create", "get", "list_offset", "list_cursor", "patch", "delete")
PAGE_LIMIT = 50


@dataclass(frozen=True)
class HttpConfig:
    """Durations and sizes of the HTTP benchmark."""

    seconds: float = 4.0
    warmup_seconds: float = 1.0
    rounds: int = 3
    connections: int = 32
    rows: int = 10_000  # every read phase starts from exactly these rows
    pool_size: int = 10  # database connections per server, the same for every variant


def fetch_json(url: str) -> Any:
    """GET ``url`` and decode the JSON answer."""
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def collect_cursors(server: Server, limit: int) -> list[str]:
    """Walk every cursor page of ``server`` and return each page's cursor."""
    variant = server.variant
    first = server.base_url + variant.list_cursor.format(limit=limit)
    cursors: list[str] = []
    page = fetch_json(first)
    while page.get("next_cursor"):
        cursor = page["next_cursor"]
        cursors.append(cursor)
        page = fetch_json(f"{first}&{variant.cursor_param}={urllib.parse.quote(cursor)}")
    return cursors


class HttpBenchmark:
    """Runs the operations against the servers of one database."""

    def __init__(self, config: HttpConfig, dialect: str, url: str, servers: Sequence[Server]):
        self.config = config
        self.dialect = dialect
        self.store = Store(url)
        self.servers = list(servers)
        self.seed = new_rows(config.rows)
        self.random = random.Random(7)
        self.workdir = Path(tempfile.mkdtemp(prefix="bench-wrk-"))
        self.samples: dict[str, dict[str, list[Measurement]]] = {
            server.variant.key: {op: [] for op in OPERATIONS} for server in self.servers
        }
        self.cursors: dict[str, list[str]] = {}

    async def run(self, log: Any) -> dict[str, Any]:
        """All rounds; the variant order rotates every round."""
        await self.store.recreate()
        await self.store.reset(self.seed)
        for server in self.servers:
            cursors = await asyncio.to_thread(collect_cursors, server, PAGE_LIMIT)
            self.random.shuffle(cursors)
            self.cursors[server.variant.key] = cursors
        ids = [str(row["id"]) for row in self.seed]
        for round_index in range(self.config.rounds):
            shift = round_index % len(self.servers)
            order = self.servers[shift:] + self.servers[:shift]
            log(f"  round {round_index + 1}/{self.config.rounds}: {[s.variant.key for s in order]}")
            for server in order:
                await self.measure(server, "create", self.create_load(server.variant))
            await self.store.reset(self.seed)
            for op in ("get", "list_offset", "list_cursor"):
                for server in order:
                    await self.measure(server, op, self.read_load(server.variant, op, ids))
            for server in order:
                await self.measure(server, "patch", self.patch_load(server.variant, ids))
            for server in order:
                await self.measure_delete(server)
        await self.store.dispose()
        return self.summary()

    def create_load(self, variant: Variant) -> Load:
        """POST a new item."""
        return Load("POST", [variant.collection], {"name": "created", "quantity": 3})

    def read_load(self, variant: Variant, op: str, ids: list[str]) -> Load:
        """GET an item by id, a page at a random offset, or a page after a random cursor."""
        if op == "get":
            paths = [variant.item.format(id=item_id) for item_id in ids]
            self.random.shuffle(paths)
        elif op == "list_offset":
            top = self.config.rows - PAGE_LIMIT
            paths = [
                variant.list_offset.format(limit=PAGE_LIMIT, offset=self.random.randint(0, top))
                for _ in range(2_000)
            ]
        else:
            base = variant.list_cursor.format(limit=PAGE_LIMIT)
            paths = [
                f"{base}&{variant.cursor_param}={urllib.parse.quote(cursor)}"
                for cursor in self.cursors[variant.key]
            ]
        return Load("GET", paths)

    def patch_load(self, variant: Variant, ids: list[str]) -> Load:
        """PATCH one field of a random existing item."""
        paths = [variant.item.format(id=item_id) for item_id in ids]
        self.random.shuffle(paths)
        return Load("PATCH", paths, {"quantity": 7})

    async def measure(self, server: Server, op: str, load: Load) -> Measurement:
        """Warm up, then measure one operation on one server."""
        key = server.variant.key
        script = write_script(self.workdir, f"{key}-{op}", load)
        if self.config.warmup_seconds:
            await run_wrk(
                server.base_url,
                script,
                seconds=self.config.warmup_seconds,
                connections=self.config.connections,
            )
        result = await self.timed(server, script)
        self.samples[key][op].append(result)
        return result

    async def timed(self, server: Server, script: Path) -> Measurement:
        """One measured wrk run, with the server's CPU time per request."""
        before = server.cpu_seconds()
        result = await run_wrk(
            server.base_url,
            script,
            seconds=self.config.seconds,
            connections=self.config.connections,
        )
        used = server.cpu_seconds() - before
        cpu_ms = 1000 * used / result.requests if result.requests else 0.0
        return replace(result, cpu_ms=cpu_ms)

    async def measure_delete(self, server: Server) -> None:
        """Delete items created for this run: each request consumes one, never repeated."""
        key = server.variant.key
        creates = self.samples[key]["create"]
        rate = max(creates[-1].rps if creates else 1_000.0, 200.0)
        variant = server.variant
        warm_rows = new_rows(int(rate * self.config.warmup_seconds * 2) + 500, prefix="warm")
        rows = new_rows(int(rate * self.config.seconds * 2) + 2_000, prefix="doomed")
        await self.store.insert(warm_rows + rows)
        warm = write_script(
            self.workdir,
            f"{key}-delete-warm",
            Load("DELETE", [variant.item.format(id=row["id"]) for row in warm_rows]),
        )
        measured = write_script(
            self.workdir,
            f"{key}-delete",
            Load("DELETE", [variant.item.format(id=row["id"]) for row in rows]),
        )
        if self.config.warmup_seconds:
            await run_wrk(
                server.base_url,
                warm,
                seconds=self.config.warmup_seconds,
                connections=self.config.connections,
            )
        result = await self.timed(server, measured)
        self.samples[key]["delete"].append(result)

    def summary(self) -> dict[str, Any]:
        """Medians over rounds per variant and operation, with every round kept."""
        out: dict[str, Any] = {}
        for key, ops in self.samples.items():
            out[key] = {}
            for op, runs in ops.items():
                if not runs:
                    continue
                out[key][op] = {
                    "rps": statistics.median(run.rps for run in runs),
                    "p50_ms": statistics.median(run.p50_ms for run in runs),
                    "p99_ms": statistics.median(run.p99_ms for run in runs),
                    "cpu_ms": statistics.median(run.cpu_ms for run in runs),
                    "errors": sum(run.errors for run in runs),
                    "rounds": [asdict(run) for run in runs],
                }
        return out


async def run_http(
    config: HttpConfig,
    databases: dict[str, str],
    variants: Sequence[Variant],
    log: Any,
) -> dict[str, Any]:
    """The HTTP benchmark on each database, every variant that supports it."""
    results: dict[str, Any] = {}
    env = {"BENCH_POOL_SIZE": str(config.pool_size)}
    for dialect, url in databases.items():
        chosen = [variant for variant in variants if dialect in variant.dialects]
        log(f"HTTP benchmark on {dialect}: {', '.join(v.key for v in chosen)}")
        store = Store(url)
        await store.recreate()  # the table must exist before the apps start
        await store.dispose()
        servers = [Server(variant, url, env) for variant in chosen]
        try:
            for server in servers:
                await server.start()
            bench = HttpBenchmark(config, dialect, url, servers)
            results[dialect] = await bench.run(log)
        finally:
            for server in servers:
                await server.stop()
    return results
