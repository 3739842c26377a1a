"""Profile one variant under load: ``python -m bench.profile foundation get``.

Starts the variant on a database, drives one operation with wrk while py-spy samples the
server, and prints where the time goes: the hottest functions by self time, and inclusive
time of every function in ``foundation/`` (and of the libraries around it). The raw
collapsed stacks are written to ``$TMPDIR/bench-profile-<variant>-<op>-<db>.txt`` (open them
in speedscope or feed them to flamegraph.pl).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import shutil
import sys
import tempfile
from pathlib import Path

from bench.__main__ import DEFAULT_POSTGRES, ensure_postgres_database, log
from bench.server import Server
from bench.throughput import OPERATIONS, HttpBenchmark, HttpConfig
from bench.variants import ALL
from bench.wrk import run_wrk, write_script

GROUPS = {
    "foundation/": "foundation",
    "sqlalchemy/": "sqlalchemy",
    "fastapi/": "fastapi",
    "starlette/": "starlette",
    "pydantic": "pydantic",
    "loguru/": "loguru",
    "asyncpg/": "asyncpg",
    "aiosqlite/": "aiosqlite",
    "uvicorn/": "uvicorn",
}


def summarize(collapsed: Path, top: int = 25) -> str:
    """Self and inclusive sample shares from py-spy's collapsed stacks."""
    self_time: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    groups: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        self_time[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
        leaf = frames[-1]
        group = next((name for key, name in GROUPS.items() if key in leaf), "other")
        groups[group] += count

    def share(count: int) -> str:
        return f"{100 * count / total:5.1f}%"

    lines = [f"{total} samples", "", "self time by library (leaf frame):"]
    lines += [f"  {share(c)}  {name}" for name, c in groups.most_common()]
    lines += ["", f"top {top} functions by self time:"]
    lines += [f"  {share(c)}  {frame}" for frame, c in self_time.most_common(top)]
    lines += ["", "foundation functions by inclusive time:"]
    lines += [
        f"  {share(c)}  {frame}"
        for frame, c in inclusive.most_common()
        if "foundation/" in frame and c / total >= 0.005
    ]
    return "\n".join(lines)


async def profile(variant_key: str, op: str, dialect: str, seconds: int, url: str) -> Path:
    """Run the load and the sampler; return the collapsed-stacks file."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():  # noqa: ASYNC240 - a stat, instant
        raise SystemExit("py-spy is required: pip install py-spy")
    variant = next(v for v in ALL if v.key == variant_key)
    config = HttpConfig(seconds=seconds, rounds=1)
    server = Server(variant, url, {"BENCH_POOL_SIZE": str(config.pool_size)})
    await HttpBenchmark(config, dialect, url, []).store.recreate()
    await server.start()
    try:
        bench = HttpBenchmark(config, dialect, url, [server])
        await bench.store.reset(bench.seed)
        ids = [str(row["id"]) for row in bench.seed]
        if op == "list_cursor":
            from bench.throughput import PAGE_LIMIT, collect_cursors

            bench.cursors[variant.key] = await asyncio.to_thread(
                collect_cursors, server, PAGE_LIMIT
            )
        if op == "create":
            load = bench.create_load(variant)
        elif op == "patch":
            load = bench.patch_load(variant, ids)
        elif op == "delete":
            from bench.data import new_rows

            rows = new_rows(20_000 * seconds, prefix="doomed")
            await bench.store.insert(rows)
            from bench.wrk import Load

            load = Load("DELETE", [variant.item.format(id=row["id"]) for row in rows])
        else:
            load = bench.read_load(variant, op, ids)
        script = write_script(bench.workdir, f"profile-{op}", load)
        await run_wrk(server.base_url, script, seconds=1, connections=config.connections)
        output = Path(tempfile.gettempdir()) / f"bench-profile-{variant.key}-{op}-{dialect}.txt"
        sampler = await asyncio.create_subprocess_exec(
            py_spy, "record", "--pid", str(server.pid), "--duration", str(seconds),
            "--rate", "250", "--format", "raw", "--output", str(output), "--nonblocking",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        result = await run_wrk(
            server.base_url, script, seconds=seconds, connections=config.connections
        )
        await sampler.wait()
        log(f"{variant.key} {op} on {dialect}: {result.rps:.0f} rps under the profiler")
        await bench.store.dispose()
        return output
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("variant", choices=[v.key for v in ALL])
    parser.add_argument("op", choices=OPERATIONS)
    parser.add_argument("--db", default="postgresql", choices=("postgresql", "sqlite"))
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    args = parser.parse_args(argv)
    url = args.postgres_url
    if args.db == "sqlite":
        url = "sqlite+aiosqlite:////tmp/bench-profile.db"
    else:
        asyncio.run(ensure_postgres_database(url))
    collapsed = asyncio.run(profile(args.variant, args.op, args.db, args.seconds, url))
    print(summarize(collapsed))
    print(f"\ncollapsed stacks: {collapsed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
