"""Test-kit benchmark: time per test of the repository contract, per backend, isolation
(the per-test outer transaction and its rollback) included."""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from bench.server import ROOT

CONTRACT = ROOT / "contracts" / "repository.py"
SUITE = ROOT / "tests" / "contracts" / "test_sqlalchemy_repository.py"
BACKENDS = ("sqlite", "postgresql")  # postgresql: the embedded server the test kit boots


async def run_suite(backend: str) -> dict[str, Any]:
    """Run the contract suite on ``backend``; per-test times from pytest's JUnit report."""
    with tempfile.TemporaryDirectory(prefix="bench-testkit-") as tmp:
        report = Path(tmp) / "junit.xml"
        env = {key: value for key, value in os.environ.items() if key != "FOUNDATION_TEST_DB"}
        start = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "pytest",
            str(SUITE.relative_to(ROOT)),
            "--db",
            backend,
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "junit_duration_report=total",
            f"--junitxml={report}",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        wall = time.perf_counter() - start
        if not report.exists():
            raise RuntimeError(f"pytest wrote no report:\n{output.decode(errors='replace')}")
        times, failed, skipped = [], 0, 0
        for case in ET.parse(report).iter("testcase"):
            if case.find("skipped") is not None:
                skipped += 1
                continue
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            times.append(float(case.get("time", 0)))
    return {
        "tests": len(times),
        "failed": failed,
        "skipped": skipped,
        "ms_per_test": 1000 * statistics.fmean(times) if times else 0.0,
        "median_ms": 1000 * statistics.median(times) if times else 0.0,
        "wall_s": wall,
    }


async def run_testkit(log: Any) -> dict[str, Any]:
    """The suite on each backend, or why it was skipped."""
    if not CONTRACT.exists() or not SUITE.exists():
        log("Test-kit benchmark skipped: the repository contract suite is not there yet")
        return {"skipped": f"{CONTRACT.relative_to(ROOT)} or {SUITE.relative_to(ROOT)} missing"}
    results: dict[str, Any] = {}
    for backend in BACKENDS:
        log(f"Test-kit benchmark on {backend}")
        numbers = await run_suite(backend)
        log(
            f"  {numbers['tests']} tests ({numbers['failed']} failed, {numbers['skipped']} "
            f"skipped): {numbers['ms_per_test']:.1f} ms mean, {numbers['median_ms']:.1f} ms "
            f"median per test, {numbers['wall_s']:.1f} s wall"
        )
        results[backend] = numbers
    return results
