"""Startup benchmarks: snapshot load, `depin dashboard` to a healthy server, Overview render (AppTest).

    python -m benchmarks.startup [--repeat 5] [--json]

Timings, not assertions: the test suite never checks them. Each figure is the median (and max) of
--repeat runs on a fresh temporary database.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from analytics.snapshot import load_snapshot
from analytics.store import Store

REPO = Path(__file__).resolve().parent.parent


def _stats(samples: list[float]) -> dict[str, float]:
    return {"median_s": statistics.median(samples), "max_s": max(samples), "runs": len(samples)}


def bench_snapshot_load(repeat: int) -> dict[str, float]:
    """`depin init` into a fresh database: every bundled dataset (2025 snapshot, 2026 prices, network metrics,
    candles), with rows stored per second."""
    samples, rows = [], 0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            report = load_snapshot(Store(Path(tmp) / "b.duckdb"))
            samples.append(time.perf_counter() - start)
            rows = report.total_added
    stats = _stats(samples)
    return {**stats, "rows": rows, "rows_per_s": rows / stats["median_s"]}


def bench_dashboard_health(db: Path, repeat: int) -> dict[str, float]:
    import socket

    samples = []
    for _ in range(repeat):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        start = time.perf_counter()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "analytics.cli",
                "--db",
                str(db),
                "dashboard",
                "--port",
                str(port),
                "--address",
                "127.0.0.1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while True:
                try:
                    if requests.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).text == "ok":
                        break
                except requests.RequestException:
                    pass
                if proc.poll() is not None or time.perf_counter() - start > 120:
                    raise RuntimeError("dashboard did not become healthy")
                time.sleep(0.05)
            samples.append(time.perf_counter() - start)
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    return _stats(samples)


def bench_overview_render(db: Path, repeat: int) -> dict[str, float]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["DEPIN_DB"] = str(db)
    cold, warm = [], []
    for _ in range(repeat):
        st.cache_data.clear()
        at = AppTest.from_file(str(REPO / "app" / "streamlit_app.py"), default_timeout=120)
        start = time.perf_counter()
        at.run()
        cold.append(time.perf_counter() - start)
        if at.exception:
            raise RuntimeError(at.exception)
        start = time.perf_counter()
        at.run()  # same session, caches warm: what a user sees on every interaction
        warm.append(time.perf_counter() - start)
    return {"cold": _stats(cold), "warm_cache": _stats(warm)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        load_snapshot(Store(db))
        results = {
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
            "snapshot_load": bench_snapshot_load(args.repeat),
            "dashboard_to_healthy": bench_dashboard_health(db, args.repeat),
            "overview_render_apptest": bench_overview_render(db, args.repeat),
        }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"python -m benchmarks.startup --repeat {args.repeat}   ({results['machine']['cpus']} CPUs)")
    sl, dh = results["snapshot_load"], results["dashboard_to_healthy"]
    ov = results["overview_render_apptest"]
    print(
        f"snapshot load (depin init, fresh db):   median {sl['median_s']:.2f} s, max {sl['max_s']:.2f} s, "
        f"{sl['rows']:,} rows, {sl['rows_per_s']:,.0f} rows/s"
    )
    print(f"depin dashboard -> /_stcore/health ok:  median {dh['median_s']:.2f} s, max {dh['max_s']:.2f} s")
    print(
        f"Overview render, AppTest, cold caches:  median {ov['cold']['median_s']:.2f} s, "
        f"max {ov['cold']['max_s']:.2f} s"
    )
    print(
        f"Overview render, AppTest, warm caches:  median {ov['warm_cache']['median_s']:.3f} s, "
        f"max {ov['warm_cache']['max_s']:.3f} s"
    )


if __name__ == "__main__":
    main()
