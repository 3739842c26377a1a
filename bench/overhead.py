"""In-process overhead: CPU time per request of each variant, without HTTP or a load
generator in the way.

Each application is called directly through ASGI, one request at a time, in this process;
``time.process_time`` then counts only this process's CPU (database waits excluded), which
stays meaningful on a busy machine where requests per second do not. ``--profile`` writes
a cProfile of the foundation variant per operation, for finding where its time goes.
"""

from __future__ import annotations

import cProfile
import importlib
import json
import os
import pstats
import random
import statistics
import time
import urllib.parse
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from loguru import logger

from bench.data import Store, new_rows
from bench.throughput import OPERATIONS, PAGE_LIMIT
from bench.variants import CORE, FOUNDATION, Variant

REQUESTS = 100
WARMUP = 20
ROUNDS = 3


async def call(app: Any, method: str, target: str, body: bytes = b"") -> tuple[int, bytes]:
    """Send one request to an ASGI app; its status and body."""
    path, _, query = target.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": urllib.parse.unquote(path),
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [
            (b"host", b"bench"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    pending = [{"type": "http.request", "body": body, "more_body": False}]
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return pending.pop() if pending else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


@asynccontextmanager
async def running(variant: Variant, url: str, sink: Any) -> AsyncIterator[Any]:
    """The variant's app for ``url``, lifespan started."""
    os.environ["BENCH_DATABASE_URL"] = url
    os.environ.update(variant.env)
    module_name, _, attribute = variant.target.partition(":")
    module = importlib.reload(importlib.import_module(module_name))
    app = getattr(module, attribute)
    if variant.factory:
        app = app(log_sink=sink)
    for name in variant.env:
        del os.environ[name]
    async with app.router.lifespan_context(app):
        yield app
    engine = getattr(module, "engine", None)
    if engine is not None:
        await engine.dispose()
    if variant.factory:
        logger.remove()  # the app logged to ``sink``, which the caller closes next


class Overhead:
    """Sequential requests against apps in this process, CPU time per request."""

    def __init__(self, url: str, variants: Sequence[Variant], rows: int = 10_000) -> None:
        self.url = url
        self.variants = variants
        self.store = Store(url)
        self.seed = new_rows(rows)
        self.random = random.Random(11)

    def requests(
        self, variant: Variant, op: str, cursors: list[str]
    ) -> list[tuple[str, str, bytes]]:
        """``REQUESTS + WARMUP`` requests of one operation (deletes get fresh rows later)."""
        count = REQUESTS + WARMUP
        ids = [str(row["id"]) for row in self.random.sample(self.seed, count)]
        if op == "create":
            body = json.dumps({"name": "created", "quantity": 3}).encode()
            return [("POST", variant.collection, body)] * count
        if op == "get":
            return [("GET", variant.item.format(id=i), b"") for i in ids]
        if op == "patch":
            body = json.dumps({"quantity": 7}).encode()
            return [("PATCH", variant.item.format(id=i), body) for i in ids]
        if op == "list_offset":
            top = len(self.seed) - PAGE_LIMIT
            return [
                (
                    "GET",
                    variant.list_offset.format(
                        limit=PAGE_LIMIT, offset=self.random.randint(0, top)
                    ),
                    b"",
                )
                for _ in range(count)
            ]
        base = variant.list_cursor.format(limit=PAGE_LIMIT)
        return [
            (
                "GET",
                f"{base}&{variant.cursor_param}={urllib.parse.quote(self.random.choice(cursors))}",
                b"",
            )
            for _ in range(count)
        ]

    async def cursors(self, app: Any, variant: Variant) -> list[str]:
        """Every cursor of the variant over the seed rows."""
        first = variant.list_cursor.format(limit=PAGE_LIMIT)
        found: list[str] = []
        _, body = await call(app, "GET", first)
        page = json.loads(body)
        while page.get("next_cursor"):
            found.append(page["next_cursor"])
            _, body = await call(
                app, "GET", f"{first}&{variant.cursor_param}={urllib.parse.quote(found[-1])}"
            )
            page = json.loads(body)
        return found

    async def run(self, log: Any, profile_dir: Path | None = None) -> dict[str, Any]:
        """Median CPU and wall microseconds per request, per variant and operation."""
        samples: dict[str, dict[str, list[tuple[float, float]]]] = {
            v.key: {op: [] for op in OPERATIONS} for v in self.variants
        }
        await self.store.recreate()
        profiles: dict[str, cProfile.Profile] = {}
        with open(os.devnull, "w") as sink:  # noqa: ASYNC230 - opening /dev/null does not block
            async with AsyncExitStack() as stack:
                apps = {
                    v.key: await stack.enter_async_context(running(v, self.url, sink))
                    for v in self.variants
                }
                for round_index in range(ROUNDS):
                    await self.store.reset(self.seed)
                    cursors = {v.key: await self.cursors(apps[v.key], v) for v in self.variants}
                    shift = round_index % len(self.variants)
                    order = list(self.variants[shift:]) + list(self.variants[:shift])
                    for op in OPERATIONS:
                        for variant in order:
                            if op == "delete":
                                rows = new_rows(REQUESTS + WARMUP, prefix="doomed")
                                await self.store.insert(rows)
                                batch = [
                                    ("DELETE", variant.item.format(id=row["id"]), b"")
                                    for row in rows
                                ]
                            else:
                                batch = self.requests(variant, op, cursors[variant.key])
                            profiler = None
                            if (
                                profile_dir is not None
                                and variant.key == "foundation"
                                and round_index == ROUNDS - 1
                            ):
                                profiler = profiles.setdefault(op, cProfile.Profile())
                            samples[variant.key][op].append(
                                await self.measure(apps[variant.key], batch, profiler)
                            )
                    log(f"  overhead round {round_index + 1}/{ROUNDS} done")
        await self.store.dispose()
        if profile_dir is not None:
            profile_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - local, instant
            dialect = self.store.dialect
            for op, profiler in profiles.items():
                profiler.dump_stats(profile_dir / f"foundation-{op}-{dialect}.prof")
        return {
            key: {
                op: {
                    "cpu_us": statistics.median(cpu for cpu, _ in runs),
                    "wall_us": statistics.median(wall for _, wall in runs),
                }
                for op, runs in ops.items()
            }
            for key, ops in samples.items()
        }

    async def measure(
        self, app: Any, batch: list[tuple[str, str, bytes]], profiler: cProfile.Profile | None
    ) -> tuple[float, float]:
        """Warm up, then time the rest of ``batch``; every answer must be a success."""
        for method, target, body in batch[:WARMUP]:
            await call(app, method, target, body)
        measured = batch[WARMUP:]
        if profiler is not None:
            profiler.enable()
        cpu, wall = time.process_time(), time.perf_counter()
        for method, target, body in measured:
            status, answer = await call(app, method, target, body)
            if status >= 300:
                raise RuntimeError(f"{method} {target} answered {status}: {answer[:300]!r}")
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if profiler is not None:
            profiler.disable()
        return 1e6 * cpu / len(measured), 1e6 * wall / len(measured)


async def run_overhead(
    databases: dict[str, str],
    variants: Sequence[Variant],
    log: Any,
    profile_dir: Path | None = None,
) -> dict[str, Any]:
    """CPU per request on each database for the variants that support it."""
    results = {}
    for dialect, url in databases.items():
        chosen = [v for v in variants if dialect in v.dialects]
        log(f"In-process overhead on {dialect}: {', '.join(v.key for v in chosen)}")
        results[dialect] = await Overhead(url, chosen).run(log, profile_dir)
    return results


def ablations() -> list[Variant]:
    """The foundation variant with one feature (then all of them) switched off."""
    from bench.apps.foundation import TWEAKS

    variants = [FOUNDATION, CORE]
    for tweak in TWEAKS:
        variants.append(
            replace(FOUNDATION, key=f"foundation-{tweak}", label=tweak, env={"BENCH_TWEAKS": tweak})
        )
    every = "no_middleware,no_pre_ping"
    variants.append(
        replace(FOUNDATION, key="foundation-lean", label=every, env={"BENCH_TWEAKS": every})
    )
    return variants


def top_functions(path: Path, limit: int = 30) -> str:
    """The profile's functions by cumulative time, foundation's first."""
    stats = pstats.Stats(str(path))
    rows = []
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append((cumtime, tottime, calls, f"{filename}:{line}({name})"))
    rows.sort(reverse=True)
    return "\n".join(
        f"{cum:8.3f} {tot:8.3f} {calls:8d}  {where}" for cum, tot, calls, where in rows[:limit]
    )


async def run_ablation(
    url: str, op: str = "get", calls: int = 600, rounds: int = 5
) -> dict[str, float]:
    """Median CPU microseconds per ``op`` request of the foundation with each feature off."""
    variants = ablations()
    bench = Overhead(url, variants, rows=2_000)
    await bench.store.recreate()
    await bench.store.reset(bench.seed)
    samples: dict[str, list[float]] = {v.key: [] for v in variants}
    with open(os.devnull, "w") as sink:  # noqa: ASYNC230 - opening /dev/null does not block
        async with AsyncExitStack() as stack:
            apps = {v.key: await stack.enter_async_context(running(v, url, sink)) for v in variants}
            cursors = {v.key: await bench.cursors(apps[v.key], v) for v in variants}
            for _ in range(rounds):
                for variant in bench.random.sample(variants, len(variants)):
                    batch = bench.requests(variant, op, cursors[variant.key])
                    batch = (batch * (1 + calls // len(batch)))[: calls + WARMUP]
                    cpu, _wall = await bench.measure(apps[variant.key], batch, None)
                    samples[variant.key].append(cpu)
    await bench.store.dispose()
    return {key: statistics.median(values) for key, values in samples.items()}
