"""Tables for the terminal and the README, the JSON file and the chart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.throughput import OPERATIONS

RESULTS = Path(__file__).resolve().parent / "results"
BASELINES = ("core", "advanced_alchemy", "asyncpg")


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator`` when both are known."""
    if not numerator or not denominator:
        return None
    return numerator / denominator


def add_ratios(http: dict[str, Any]) -> None:
    """Per database and operation: foundation rps and p99 relative to each baseline."""
    for variants in http.values():
        foundation = variants.get("foundation")
        if foundation is None:
            continue
        for op, numbers in foundation.items():
            for baseline in BASELINES:
                other = variants.get(baseline, {}).get(op)
                if other is None:
                    continue
                numbers[f"rps_vs_{baseline}"] = ratio(numbers["rps"], other["rps"])
                numbers[f"p99_vs_{baseline}"] = ratio(numbers["p99_ms"], other["p99_ms"])
                numbers[f"cpu_vs_{baseline}"] = ratio(numbers.get("cpu_ms"), other.get("cpu_ms"))


def _fmt(value: float | None, pattern: str) -> str:
    return "—" if value is None else format(value, pattern)


def _times(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}x"


VARIANTS = ("foundation", *BASELINES)
SHORT = {"foundation": "f", "core": "Core", "advanced_alchemy": "AA", "asyncpg": "asyncpg"}
ALL_SHORT = " / ".join(SHORT[key] for key in VARIANTS)
LEGEND = (
    "Ratios are foundation ÷ baseline (AA: advanced-alchemy; asyncpg: PostgreSQL only): "
    "for requests/s above 1.00x means the foundation is faster, for CPU time below 1.00x."
)


def http_table(http: dict[str, Any]) -> str:
    """A Markdown table: rps, p99 and server CPU per operation, variant and database, with
    the foundation's ratio to every baseline."""
    rps_ratios = " | ".join(f"rps f/{SHORT[key]}" for key in BASELINES)
    cpu_ratios = " | ".join(f"CPU f/{SHORT[key]}" for key in BASELINES)
    lines = [
        f"| database | operation | rps ({ALL_SHORT}) | {rps_ratios} | p99 ms ({ALL_SHORT}) "
        f"| server CPU ms/req ({ALL_SHORT}) | {cpu_ratios} | errors |",
        "|---|---|---|" + "---:|" * len(BASELINES) + "---|---|" + "---:|" * (len(BASELINES) + 1),
    ]
    for dialect, variants in http.items():
        for op in OPERATIONS:
            cells = {key: variants.get(key, {}).get(op) or {} for key in VARIANTS}
            f = cells["foundation"]
            rps = " / ".join(_fmt(cells[k].get("rps"), ".0f") for k in VARIANTS)
            p99 = " / ".join(_fmt(cells[k].get("p99_ms"), ".1f") for k in VARIANTS)
            cpu = " / ".join(_fmt(cells[k].get("cpu_ms"), ".2f") for k in VARIANTS)
            rps_vs = " | ".join(_times(f.get(f"rps_vs_{k}")) for k in BASELINES)
            cpu_vs = " | ".join(_times(f.get(f"cpu_vs_{k}")) for k in BASELINES)
            errors = sum(cells[k].get("errors", 0) for k in VARIANTS)
            lines.append(
                f"| {dialect} | {op} | {rps} | {rps_vs} | {p99} | {cpu} | {cpu_vs} | {errors} |"
            )
    return "\n".join(lines)


def overhead_table(overhead: dict[str, Any]) -> str:
    """A Markdown table: CPU microseconds per request, and the foundation's ratio to every
    baseline."""
    lines = [
        "| database | operation | "
        + " | ".join(f"{SHORT[key]} us" for key in VARIANTS)
        + " | "
        + " | ".join(f"f/{SHORT[key]}" for key in BASELINES)
        + " |",
        "|---|---|" + "---:|" * (len(VARIANTS) + len(BASELINES)),
    ]
    for dialect, variants in overhead.items():
        for op in OPERATIONS:
            cpu = {k: variants.get(k, {}).get(op, {}).get("cpu_us") for k in VARIANTS}
            cells = " | ".join(_fmt(value, ".0f") for value in cpu.values())
            relative = " | ".join(_times(ratio(cpu["foundation"], cpu[k])) for k in BASELINES)
            lines.append(f"| {dialect} | {op} | {cells} | {relative} |")
    return "\n".join(lines)


def depth_table(depth: dict[str, Any]) -> str:
    """Markdown tables: page time by depth, and bulk insert times."""
    lines = [
        "| depth | offset, exact total (ms) | offset, no total (ms) | cursor (ms) |",
        "|---:|---:|---:|---:|",
    ]
    for row in depth.get("pages", []):
        lines.append(
            f"| {row['depth']:,} | {row['offset_exact_ms']:.2f} | {row['offset_none_ms']:.2f} "
            f"| {row['cursor_ms']:.2f} |"
        )
    bulk = depth.get("bulk", {})
    if bulk:
        lines += [
            "",
            "| database | rows | create_many, entities (ms) | create_values, ids (ms) "
            "| Core bulk insert, ids (ms) | ratios |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for dialect, numbers in bulk.items():
            values = numbers.get("create_values_ms")
            values_ratio = numbers.get("values_ratio")
            lines.append(
                f"| {dialect} | {numbers['rows']:,} | {numbers['create_many_ms']:.0f} "
                f"| {'—' if values is None else f'{values:.0f}'} | {numbers['core_ms']:.0f} "
                f"| {_times(numbers['ratio'])}"
                + ("" if values_ratio is None else f", {_times(values_ratio)}")
                + " |"
            )
    return "\n".join(lines)


def testkit_table(testkit: dict[str, Any]) -> str:
    """A Markdown table: time per contract test per backend."""
    if "skipped" in testkit:
        return f"(skipped: {testkit['skipped']})"
    lines = ["| backend | tests | ms per test (incl. isolation) | wall s |", "|---|---:|---:|---:|"]
    for backend, numbers in testkit.items():
        lines.append(
            f"| {backend} | {numbers['tests']} | {numbers['ms_per_test']:.1f} "
            f"| {numbers['wall_s']:.1f} |"
        )
    return "\n".join(lines)


def write_json(results: dict[str, Any], name: str = "results.json") -> Path:
    """Write ``results`` under ``bench/results``."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / name
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    return path


def write_chart(results: dict[str, Any], name: str = "results.png") -> Path | None:
    """Bar charts of rps and p99 per operation (one row per database), and page time by
    depth; ``None`` when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    http = results.get("http", {})
    pages = results.get("depth", {}).get("pages", [])
    rows = max(len(http), 1) + (1 if pages else 0)
    figure, axes = plt.subplots(rows, 2, figsize=(14, 4 * rows), squeeze=False)
    colors = {
        "foundation": "#d62728",
        "core": "#1f77b4",
        "advanced_alchemy": "#ff7f0e",
        "asyncpg": "#2ca02c",
    }
    for row, (dialect, variants) in enumerate(http.items()):
        for column, (metric, title) in enumerate((("rps", "requests/s"), ("p99_ms", "p99 ms"))):
            axis = axes[row][column]
            keys = [key for key in VARIANTS if key in variants]
            width = 0.8 / max(len(keys), 1)
            for index, key in enumerate(keys):
                values = [variants[key].get(op, {}).get(metric, 0) for op in OPERATIONS]
                positions = [i + index * width for i in range(len(OPERATIONS))]
                axis.bar(positions, values, width, label=key, color=colors.get(key))
            axis.set_xticks([i + width * (len(keys) - 1) / 2 for i in range(len(OPERATIONS))])
            axis.set_xticklabels(OPERATIONS, rotation=15)
            axis.set_title(
                f"{dialect}: {title} (higher is better)"
                if metric == "rps"
                else f"{dialect}: {title} (lower is better)"
            )
            axis.legend()
    if pages:
        axis = axes[rows - 1][0]
        depths = [max(row["depth"], 1) for row in pages]
        for key, label in (
            ("offset_exact_ms", "offset + exact total"),
            ("offset_none_ms", "offset, no total"),
            ("cursor_ms", "cursor"),
        ):
            axis.plot(depths, [row[key] for row in pages], marker="o", label=label)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("depth (rows skipped)")
        axis.set_ylabel("ms per page")
        axis.set_title("PostgreSQL: page time by depth (repository)")
        axis.legend()
        bulk = results.get("depth", {}).get("bulk", {})
        axis = axes[rows - 1][1]
        if bulk:
            names = list(bulk)
            positions = range(len(names))
            axis.bar([p - 0.2 for p in positions], [bulk[n]["create_many_ms"] for n in names], 0.4,
                     label="create_many", color=colors["foundation"])  # fmt: skip
            axis.bar([p + 0.2 for p in positions], [bulk[n]["core_ms"] for n in names], 0.4,
                     label="Core bulk insert", color=colors["core"])  # fmt: skip
            axis.set_xticks(list(positions))
            axis.set_xticklabels(names)
            axis.set_ylabel("ms")
            axis.set_title(f"insert {bulk[names[0]]['rows']:,} rows (lower is better)")
            axis.legend()
        else:
            axis.axis("off")
    figure.tight_layout()
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / name
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
