"""Instructions per request under callgrind: ``python -m bench.instructions``.

Wall-clock and CPU-time numbers on a shared 2-CPU machine wander by 30% from one run to the
next; instruction counts do not. Each (variant, operation) runs in its own process under
``valgrind --tool=callgrind`` (Debian's ``valgrind``): the app is set up and warmed up with
collection off, then ``--requests`` in-process ASGI requests run inside ``_operator.call``,
the one function whose calls callgrind counts (``--toggle-collect``). The result is the
interpreter's instructions per request in this thread, database waits excluded, the same
on every run to within a fraction of a percent. On SQLite (``--database sqlite``) aiosqlite
runs each call in a thread of its own: during the counted requests every call it queues, and
the DEBUG records it logs around each, run inside ``_operator.call`` too, so that thread's
work (SQLite's own included) is counted as well.

``python -m bench.instructions --ops get,create --variants foundation,core,advanced_alchemy``
``python -m bench.instructions --database sqlite --variants foundation,core``
"""

from __future__ import annotations

import _operator
import argparse
import asyncio
import functools
import logging
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.__main__ import DEFAULT_POSTGRES, ensure_postgres_database, environment
from bench.data import new_rows
from bench.overhead import Overhead, call, running
from bench.report import BASELINES, SHORT
from bench.throughput import OPERATIONS
from bench.variants import CHOICES, Variant

WARMUP = 40
# its own database: ``make bench`` may be using the default one at the same time
DEFAULT_URL = DEFAULT_POSTGRES.rsplit("/", 1)[0] + "/bench_instructions"


class _CountedLogger:
    """A logger whose ``debug`` runs inside ``_operator.call`` while ``counting[0]`` is true."""

    def __init__(self, log: logging.Logger, counting: list[bool]) -> None:
        self.log = log
        self.counting = counting

    def debug(self, *args: Any, **kwargs: Any) -> None:
        if self.counting[0]:
            _operator.call(self.log.debug, *args, **kwargs)
        else:
            self.log.debug(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.log, name)


def count_aiosqlite_thread(counting: list[bool]) -> None:
    """Make aiosqlite run the calls it queues, and the two DEBUG records its worker thread
    logs around each (what they cost depends on the app's logging configuration), inside
    ``_operator.call`` while ``counting[0]`` is true, so that callgrind counts them too."""
    import aiosqlite.core

    def partial(fn: Any, /, *args: Any, **kwargs: Any) -> functools.partial[Any]:
        if counting[0]:
            return functools.partial(_operator.call, fn, *args, **kwargs)
        return functools.partial(fn, *args, **kwargs)

    aiosqlite.core.partial = partial  # type: ignore[attr-defined]
    aiosqlite.core.LOG = _CountedLogger(aiosqlite.core.LOG, counting)  # type: ignore[assignment]


def measure_in_this_process(variant: Variant, op: str, url: str, requests: int) -> None:
    """Set up ``variant``, then run ``requests`` of ``op`` inside ``_operator.call``."""
    counting = [False]
    if url.startswith("sqlite"):
        count_aiosqlite_thread(counting)
    loop = asyncio.new_event_loop()
    bench = Overhead(url, [variant], rows=500)
    loop.run_until_complete(bench.store.recreate())
    loop.run_until_complete(bench.store.reset(bench.seed))
    with open(os.devnull, "w") as sink:
        context = running(variant, url, sink)
        app = loop.run_until_complete(context.__aenter__())
        cursors = loop.run_until_complete(bench.cursors(app, variant))
        if op == "delete":
            rows = new_rows(WARMUP + requests, prefix="doomed")
            loop.run_until_complete(bench.store.insert(rows))
            batch = [("DELETE", variant.item.format(id=row["id"]), b"") for row in rows]
        else:
            some = bench.requests(variant, op, cursors)
            batch = (some * (1 + (WARMUP + requests) // len(some)))[: WARMUP + requests]

        async def run(part: list[tuple[str, str, bytes]]) -> None:
            for method, target, body in part:
                status, answer = await call(app, method, target, body)
                if status >= 300:
                    raise RuntimeError(f"{method} {target} answered {status}: {answer[:300]!r}")

        loop.run_until_complete(run(batch[:WARMUP]))
        counting[0] = True
        _operator.call(loop.run_until_complete, run(batch[WARMUP:]))  # counted
        counting[0] = False
        loop.run_until_complete(context.__aexit__(None, None, None))
    loop.run_until_complete(bench.store.dispose())


def count(variant: Variant, op: str, url: str, requests: int) -> float:
    """Instructions per request of ``op`` on ``variant``, from a callgrind child process."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            "valgrind",
            "--tool=callgrind",
            "--collect-atstart=no",
            "--toggle-collect=_operator_call",
            f"--callgrind-out-file={Path(tmp) / 'callgrind.out'}",
            sys.executable,
            "-m",
            "bench.instructions",
            "--child",
            f"{variant.key}:{op}",
            "--requests",
            str(requests),
            "--postgres-url",
            url,
        ]
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"callgrind run failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return int(found.group(1)) / requests


def main(argv: list[str] | None = None) -> int:
    """Print a table of instructions per request, foundation against the baselines."""
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__)
    parser.add_argument("--ops", default=",".join(OPERATIONS))
    parser.add_argument("--variants", default="foundation,core,advanced_alchemy,asyncpg")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--postgres-url", default=DEFAULT_URL)
    parser.add_argument(
        "--database",
        choices=("postgresql", "sqlite"),
        default="postgresql",
        help="(default: %(default)s)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    variants = {v.key: v for v in CHOICES}
    url = args.postgres_url
    if args.child:
        key, _, op = args.child.partition(":")
        measure_in_this_process(variants[key], op, url, args.requests)
        return 0
    if args.database == "sqlite":
        workdir = tempfile.mkdtemp(prefix="bench-instructions-")
        url = f"sqlite+aiosqlite:///{Path(workdir) / 'bench.db'}"
        env = environment(None)
    else:
        env = environment(asyncio.run(ensure_postgres_database(args.postgres_url)))
    database = (
        f"SQLite {env['sqlite']} (aiosqlite's thread counted)"
        if args.database == "sqlite"
        else f"PostgreSQL {env['postgresql']}"
    )
    chosen = [variants[key] for key in args.variants.split(",")]
    chosen = [v for v in chosen if args.database in v.dialects]
    keys = {v.key for v in chosen}
    # foundation ÷ each baseline that runs alongside it
    against = [key for key in BASELINES if key in keys] if "foundation" in keys else []
    print(
        f"Instructions per request, {env['date']} at {env['git']}: Python {env['python']}, "
        f"{database}, advanced-alchemy {env['advanced_alchemy']}; "
        "ratios are foundation ÷ baseline (below 1.00x: the foundation runs fewer)."
    )
    print(
        "| operation | "
        + " | ".join(f"{v.key} instr" for v in chosen)
        + "".join(f" | foundation/{SHORT[key]}" for key in against)
        + " |"
    )
    print("|---|" + "---:|" * (len(chosen) + len(against)))
    results: dict[str, dict[str, Any]] = {}
    for op in args.ops.split(","):
        results[op] = {v.key: count(v, op, url, args.requests) for v in chosen}
        found = results[op]
        ratios = "".join(f" | {found['foundation'] / found[key]:.2f}x" for key in against)
        cells = " | ".join(f"{found[v.key] / 1e6:.2f}M" for v in chosen)
        print(f"| {op} | {cells}{ratios} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
