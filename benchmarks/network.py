"""Network economics timings: loading the bundled network files, and building each network's report.

    python -m benchmarks.network [--repeat 5] [--json]

Timings, not assertions. Each figure is the median (and max) of --repeat runs; the report runs against one
freshly initialised temporary database (the same work `depin network --network X` does after start-up).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from analytics.network import NETWORKS
from analytics.network.bundled import network_rows
from analytics.network.report import network_report
from analytics.paths import bundled_data_dir
from analytics.snapshot import load_snapshot
from analytics.store import Store


def _stats(samples: list[float]) -> dict[str, float]:
    return {"median_s": statistics.median(samples), "max_s": max(samples), "runs": len(samples)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results: dict[str, dict] = {}
    parse = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        network_rows(bundled_data_dir(), datetime.now(UTC).replace(tzinfo=None))
        parse.append(time.perf_counter() - start)
    results["parse_bundled_network_files"] = _stats(parse)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "n.duckdb")
        load_snapshot(store)
        for network in NETWORKS:
            samples = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                network_report(store, network)
                samples.append(time.perf_counter() - start)
            results[f"network_report:{network}"] = _stats(samples)
    results["machine"] = {"cpu": platform.processor() or platform.machine(), "python": platform.python_version()}
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for name, stats in results.items():
        if name != "machine":
            print(f"{name:<32} median {stats['median_s'] * 1000:7.1f} ms  max {stats['max_s'] * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
