"""Run tox environments in parallel lanes, each with its own work dir and server databases.

    python .ci/tox_lanes.py --lanes 2 -e lint,type,cov,py311-pg15,...
    python .ci/tox_lanes.py --lanes 2            # every environment `tox -l` lists

Why lanes and not ``tox -p``: environments that share a server database would drop each
other's schema. Lane *i* gets ``FOUNDATION_PG15_URL`` and ``FOUNDATION_MARIADB_URL`` with
the database name suffixed ``_lane<i>`` (the test kit creates it) and ``.tox/lane<i>`` as
its tox work dir, so lanes share nothing but the servers. A test run keeps one core about
80% busy, so two lanes on two cores finish the list in roughly 0.6 of the serial time.

Environments go longest first to the least-loaded lane (by the weights below, measured in
minutes on the 2-core CI machine). Each lane's output goes to ``.tox/lane<i>.log``; a failing
lane's log is printed whole, and a table of every environment's time is printed at the end.
Exit status: 0 when every environment passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from fixtures.database import _ensure_database  # the test kit's own: creates when missing

ROOT = Path(__file__).resolve().parent.parent
TOX = [sys.executable, "-m", "tox"]
DEFAULT_URLS = {
    "FOUNDATION_PG15_URL": "postgresql://postgres@127.0.0.1:5432/test",
    "FOUNDATION_MARIADB_URL": "mysql://root@127.0.0.1:3306/test",
}
WEIGHTS = {
    "cov": 8.0,
    "fuzz": 3.4,
    "pgbouncer": 2.5,
    "build": 1.7,
    "docs": 0.6,
    "type": 0.5,
    "lint": 0.1,
}
CELL_WEIGHT = 2.3
SERVER_OF = {"pg15": "FOUNDATION_PG15_URL", "mariadb": "FOUNDATION_MARIADB_URL"}
"""Matrix factor -> the variable naming its server; cov uses both, fuzz PostgreSQL."""
RESULT = re.compile(r"^\s+(?P<env>\S+): (?P<status>OK|FAIL|SKIP)[^(]*\((?P<secs>[\d.]+)")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lanes", type=int, default=2, help="how many tox runs at once")
    parser.add_argument("-e", "--envs", default="", help="comma-separated (default: tox -l)")
    return parser.parse_args()


def _all_envs() -> list[str]:
    listed = subprocess.run([*TOX, "-l"], cwd=ROOT, check=True, capture_output=True, text=True)
    return [line.strip() for line in listed.stdout.splitlines() if line.strip()]


def _plan(envs: list[str], lanes: int) -> list[list[str]]:
    """Longest first onto the least-loaded lane; each lane keeps the given order."""
    plan: list[list[str]] = [[] for _ in range(lanes)]
    load = [0.0] * lanes
    for env in sorted(envs, key=lambda e: -WEIGHTS.get(e, CELL_WEIGHT)):
        lane = load.index(min(load))
        plan[lane].append(env)
        load[lane] += WEIGHTS.get(env, CELL_WEIGHT)
    return [sorted(lane, key=envs.index) for lane in plan if lane]


def _lane_url(url: str, lane: int) -> str:
    parts = urlsplit(url)
    database = parts.path.lstrip("/") or "test"
    return urlunsplit(parts._replace(path=f"/{database}_lane{lane}"))


def _server_vars(env: str) -> set[str]:
    if env == "cov":
        return set(SERVER_OF.values())
    if env == "fuzz":
        return {SERVER_OF["pg15"]}
    return {SERVER_OF[factor] for factor in env.split("-") if factor in SERVER_OF}


def _environment(lane: int, envs: list[str]) -> dict[str, str]:
    """The lane's variables, its server databases created (fails before any lane starts)."""
    env = dict(os.environ)
    for name, default in DEFAULT_URLS.items():
        env[name] = _lane_url(os.environ.get(name, default), lane)
        if any(name in _server_vars(e) for e in envs):
            try:
                asyncio.run(_ensure_database(env[name]))
            except Exception as exc:  # the server is down: say which, then fail
                raise SystemExit(f"tox_lanes: cannot create the {name} database: {exc}") from exc
    return env


def _start(lane: int, envs: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], Path]:
    log = ROOT / ".tox" / f"lane{lane}.log"
    log.parent.mkdir(exist_ok=True)
    command = [*TOX, "run", "--workdir", str(ROOT / ".tox" / f"lane{lane}"), "-e", ",".join(envs)]
    print(f"lane {lane}: {' '.join(envs)}  (log: {log.relative_to(ROOT)})", flush=True)
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    return process, log


def main() -> int:
    """Run the lanes, report, and return the exit status."""
    arguments = _arguments()
    envs = [e for e in arguments.envs.split(",") if e] or _all_envs()
    started = time.monotonic()
    plan = _plan(envs, max(1, arguments.lanes))
    environments = [_environment(i, lane) for i, lane in enumerate(plan)]
    lanes = [_start(i, lane, environments[i]) for i, lane in enumerate(plan)]
    failed = False
    rows: list[tuple[str, str, float]] = []
    for process, log in lanes:
        code = process.wait()
        text = log.read_text(errors="replace")
        rows += [
            (m["env"], m["status"].split()[0], float(m["secs"]))
            for m in _results(text)
            if m["env"] in envs
        ]
        if code != 0:
            failed = True
            print(f"\n===== {log.relative_to(ROOT)} (exit {code}) =====\n{text}", flush=True)
    print(f"\n{'environment':<16} {'result':<8} {'seconds':>8}")
    for env, status, seconds in sorted(rows, key=lambda row: envs.index(row[0])):
        print(f"{env:<16} {status:<8} {seconds:>8.0f}")
    print(
        f"{'wall (lanes)':<16} {'FAIL' if failed else 'OK':<8} {time.monotonic() - started:>8.0f}"
    )
    missing = sorted(set(envs) - {row[0] for row in rows})
    if missing:
        print(f"no result for: {', '.join(missing)}")
    return 1 if failed or missing else 0


def _results(text: str) -> list[re.Match[str]]:
    return [m for line in text.splitlines() if (m := RESULT.match(line))]


if __name__ == "__main__":
    sys.exit(main())
